"""`kb models fit-ranker`: the listwise loss against a numerical reference, what the fit learns,
the choice of regularisation by held-out sets, the printed profile line, and the CLI on a real index."""

from __future__ import annotations

import json
import tomllib

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from kb_assistant.evaluation.fit_ranker import (
    RankingQuery,
    cross_validate,
    fit_ranker,
    fit_weights,
    listwise_loss,
    ranker_toml,
    ranking_quality,
)
from kb_assistant.models.profiles import tuned_settings
from kb_assistant.retrieval.ranker import FEATURE_NAMES, check_weights
from kb_assistant.settings import EmbeddingSettings, ModelProfile, Settings

N = len(FEATURE_NAMES)
COVERAGE, DENSE = FEATURE_NAMES.index("coverage"), FEATURE_NAMES.index("dense")


def query(part: str, rng: np.random.Generator, candidates: int = 8, signal: int = COVERAGE) -> RankingQuery:
    """Random features; the gold candidate is the one highest on ``signal`` (plus noise elsewhere)."""
    rows = rng.uniform(0, 1, size=(candidates, N))
    gold = np.zeros(candidates, dtype=bool)
    gold[int(np.argmax(rows[:, signal]))] = True
    return RankingQuery(rows, gold, [("d", str(i)) for i in range(candidates)], part)


def test_the_gradient_matches_a_numerical_derivative():
    rng = np.random.default_rng(1)
    queries = [query("a", rng) for _ in range(5)]
    queries[0].gold[:] = False
    queries[0].gold[[1, 3]] = True  # two gold units in one question
    weights = rng.normal(size=N)
    loss, gradient = listwise_loss(weights, queries, 0.3)
    numerical = approx_fprime(weights, lambda w: listwise_loss(w, queries, 0.3)[0], 1e-6)
    assert np.allclose(gradient, numerical, atol=1e-4)
    assert loss > 0


def test_a_question_without_a_gold_candidate_teaches_nothing():
    rng = np.random.default_rng(2)
    useful = query("a", rng)
    empty = RankingQuery(rng.uniform(size=(4, N)), np.zeros(4, dtype=bool), [("d", str(i)) for i in range(4)], "a")
    weights = rng.normal(size=N)
    assert listwise_loss(weights, [useful, empty], 0.1)[0] == pytest.approx(listwise_loss(weights, [useful], 0.1)[0])


def test_the_fit_learns_the_feature_that_marks_the_gold_unit():
    rng = np.random.default_rng(3)
    train = [query("a", rng) for _ in range(600)]  # enough questions that noise in the other features does not mislead
    weights = fit_weights(train, 0.03)
    assert int(np.argmax(weights)) == COVERAGE
    held_out = [query("b", rng) for _ in range(200)]  # 40 passed or failed by the draw as features were added
    mrr, hit1 = ranking_quality(weights, held_out)
    assert hit1 > 0.9 and mrr > 0.9
    assert ranking_quality(np.zeros(N), held_out)[1] < 0.5  # unweighted: the tie-break order, near chance


def test_regularisation_is_chosen_on_the_sets_left_out():
    rng = np.random.default_rng(4)
    queries = [query(part, rng) for part in ("a", "b", "c") for _ in range(40)]
    cv = cross_validate(queries, (0.03, 1000.0))
    assert set(cv[0.03]) == {"a", "b", "c"}
    assert all(cv[0.03][part][0] > cv[1000.0][part][0] for part in "abc")  # a crushing L2 cannot learn
    fit = fit_ranker(queries, (0.03, 1000.0))
    assert fit.l2 == 0.03 and set(fit.weights) == set(FEATURE_NAMES)
    with pytest.raises(ValueError, match="two QA sets"):
        cross_validate([q for q in queries if q.part == "a"])


def test_the_printed_line_is_a_profile_tuning_that_applies():
    rng = np.random.default_rng(5)
    fit = fit_ranker([query(part, rng) for part in ("a", "b") for _ in range(15)], (0.1,))
    table = tomllib.loads(ranker_toml("my-model", fit, ["a.jsonl", "b.jsonl"]))["my-model"]["tuning"]
    weights = table["retrieval.ranker_weights"]
    assert weights == fit.weights
    settings = Settings(embedding=EmbeddingSettings(model="my-model", profiles={"my-model": ModelProfile(tuning=table)}))
    assert tuned_settings(settings).retrieval.ranker_weights == weights


def test_the_shipped_gemma_profile_ranks_with_known_features_only():
    weights = tuned_settings(Settings(embedding=EmbeddingSettings(model="embeddinggemma-300m"))).retrieval.ranker_weights
    assert weights and weights[FEATURE_NAMES[DENSE]] > 0
    check_weights(weights)


# written for these tests from UU 20/2023 and PP 28/2018, not taken from a QA set
SET_A = [
    {"id": "r1", "question": "Apa saja nilai dasar ASN?", "gold": [{"doc": "uu-20-2023", "pasal": "4"}], "answerable": True, "answer": "", "type": "t"},
    {"id": "r2", "question": "Berapa tunjangan bulanan ASN tahun 2031?", "gold": [], "answerable": False, "answer": "", "type": "t"},
]
SET_B = [
    {"id": "r3", "question": "Siapa yang dapat menjadi pihak kerja sama daerah?", "gold": [{"doc": "pp-28-2018", "pasal": "2"}], "answerable": True, "answer": "", "type": "t"},
]


def invoke(*args: str):
    from typer.testing import CliRunner

    from kb_assistant import cli

    return CliRunner().invoke(cli.app, ["models", "fit-ranker", *args])


def test_kb_models_fit_ranker_refuses_the_test_split_and_a_single_set(tmp_path):
    result = invoke("--dataset", str(tmp_path / "qa-tune.jsonl"), "--dataset", str(tmp_path / "qa-test.jsonl"))
    assert result.exit_code == 1 and "test split" in result.output
    result = invoke("--dataset", str(tmp_path / "qa-tune.jsonl"))
    assert result.exit_code == 1 and "at least two" in result.output


def test_kb_models_fit_ranker_needs_answerable_questions_in_two_sets(small_index, monkeypatch, tmp_path):
    from kb_assistant import cli

    paths = []
    for name, rows in (("qa-tune-a.jsonl", SET_A), ("qa-tune-b.jsonl", [SET_A[1]])):  # b: unanswerable only
        paths += ["--dataset", str(tmp_path / name)]
        (tmp_path / name).write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    monkeypatch.setattr(cli, "get_settings", lambda: small_index)
    result = invoke(*paths)
    assert result.exit_code == 1 and "answerable" in result.output and "Traceback" not in result.output


def test_kb_models_fit_ranker_fits_on_a_real_index(small_index, monkeypatch, tmp_path):
    from kb_assistant import cli

    paths = []
    for name, rows in (("qa-tune-a.jsonl", SET_A), ("qa-tune-b.jsonl", SET_B)):
        paths += ["--dataset", str(tmp_path / name)]
        (tmp_path / name).write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    monkeypatch.setattr(cli, "get_settings", lambda: small_index)
    result = invoke(*paths)
    assert result.exit_code == 0, result.output
    assert "held out" in result.output and "chosen" in result.output
    table = tomllib.loads(result.stdout[result.stdout.index("[multilingual-e5-small.tuning]"):])
    assert set(table["multilingual-e5-small"]["tuning"]["retrieval.ranker_weights"]) == set(FEATURE_NAMES)
