"""The real EmbeddingGemma-300M, the default model (slow; prepared when missing by the shared
``gemma_embedder`` fixture, so a fresh CI machine tests it too)."""

from __future__ import annotations

import numpy as np
import pytest

from kb_assistant.settings import EmbeddingSettings

pytestmark = pytest.mark.slow
GEMMA = EmbeddingSettings(model="embeddinggemma-300m", runtime="torch")


@pytest.fixture(scope="module")
def gemma(gemma_embedder):
    """The shared, prepared default model (conftest_models.gemma_embedder)."""
    return gemma_embedder


PASSAGES = [
    "Pegawai Pemerintah dengan Perjanjian Kerja berhak memperoleh gaji, tunjangan, cuti, dan pengembangan kompetensi.",
    "Daerah dapat mengadakan kerja sama dengan daerah lain yang didasarkan pada pertimbangan efisiensi dan efektivitas pelayanan publik.",
]
TITLES = ["UU 20/2023 Pasal 21", "UU 23/2014 Pasal 363"]


def test_profile_window_and_size(gemma):
    assert gemma.max_seq_length == 2048 and gemma.dimension == 768 and gemma.uses_titles
    assert gemma.passage_prompt("UU 20/2023 Pasal 4") == "title: UU 20/2023 Pasal 4 | text: "


def test_queries_find_their_passage_in_both_languages(gemma):
    p = gemma.embed_passages(PASSAGES, titles=TITLES)
    q = gemma.embed_queries(["apa saja hak PPPK?", "can regions cooperate with other regions?"])
    scores = q @ p.T
    assert scores[0, 0] > scores[0, 1] and scores[1, 1] > scores[1, 0]


def test_bf16_agrees_with_fp32(gemma):
    """Asked for explicitly, so a CPU without native bf16 (where ``auto`` picks fp32) still checks
    the path a bf16 machine serves with (emulated there: slower, same numbers)."""
    from kb_assistant.models.embed import Embedder

    bf16 = Embedder(GEMMA.model_copy(update={"dtype": "bfloat16"}))
    fp32 = Embedder(GEMMA.model_copy(update={"dtype": "float32"}))
    assert bf16.dtype == "bfloat16" and fp32.dtype == "float32"
    a, b = bf16.embed_passages(PASSAGES, titles=TITLES), fp32.embed_passages(PASSAGES, titles=TITLES)
    assert {str(p.dtype) for p in bf16.model.parameters()} == {"torch.bfloat16"}
    assert float(np.min(np.sum(a * b, axis=1))) >= 0.9999


def test_matryoshka_256(gemma):
    from kb_assistant.models.embed import Embedder

    small = Embedder(GEMMA.model_copy(update={"dimensions": 256}))
    out = small.embed_passages(PASSAGES[:1], titles=TITLES[:1])
    assert out.shape == (1, 256) and small.model_fingerprint != gemma.model_fingerprint


def cited(answer) -> set[tuple[str, str | None]]:
    return {(c.doc, c.pasal) for c in answer.citations}


def test_the_learned_ranker_answers_with_the_clause_asked_for(gemma_assistant):
    assert gemma_assistant.retriever.settings.ranker_weights  # the profile's ranker, not the rescoring
    assert ("uu-20-2023", "77") in cited(gemma_assistant.ask("Kapan UU ASN 2023 mulai berlaku?"))  # "mulai berlaku pada tanggal diundangkan"
    collaborative = gemma_assistant.ask("Bagaimana pegawai ASN menerapkan nilai kolaboratif?")
    assert [(c.doc, c.pasal, c.ayat) for c in collaborative.citations][:1] == [("uu-20-2023", "4", "2")]
    repealed = gemma_assistant.ask("Apakah UU Nomor 5 Tahun 2014 masih berlaku?")
    assert not repealed.refused and any(doc == "uu-20-2023" for doc, _ in cited(repealed))  # the repealing law says so


def test_an_english_question_quotes_the_ayat_that_answers_it(gemma_assistant):
    """No English word is in the Indonesian text: the model, not the ayat order, picks ayat (2)
    (the components of rewards) over ayat (1) (the right to rewards) of UU 20/2023 Pasal 21."""
    answer = gemma_assistant.ask("What are the components of the rewards and recognition that civil servants receive?")
    assert [(c.doc, c.pasal, c.ayat) for c in answer.citations] == [("uu-20-2023", "21", "2")]
    assert "a. penghasilan" in answer.answer
    again = gemma_assistant.ask("What are the components of the rewards and recognition that civil servants receive?")
    assert again.citations == answer.citations  # the units' vectors come from the cache the second time


def test_the_onnx_export_agrees_with_pytorch(gemma):
    """The export `kb models prepare` made on this machine (a CI machine has none: the ONNX path is
    tested there on a tiny Gemma3, tests/test_models_onnx.py): same vectors as PyTorch float32."""
    from pathlib import Path

    from kb_assistant.models import onnx_export
    from kb_assistant.models.embed import Embedder

    if not onnx_export.is_current(onnx_export.export_dir(GEMMA.models_dir, Path(gemma.model_path)), Path(gemma.model_path)):
        pytest.skip("no ONNX export of EmbeddingGemma here (`kb models prepare` makes one on a CPU without bf16)")
    onnx = Embedder(GEMMA.model_copy(update={"runtime": "onnx", "dtype": "float32"}))
    fp32 = Embedder(GEMMA.model_copy(update={"dtype": "float32"}))
    assert onnx.runtime == "onnx" and fp32.runtime == "torch"
    a, b = onnx.embed_passages(PASSAGES, titles=TITLES), fp32.embed_passages(PASSAGES, titles=TITLES)
    assert float(np.min(np.sum(a * b, axis=1))) >= 0.9999
