"""`kb models fit` and per-model tuning: grid checking, coordinate descent, profile application."""

from __future__ import annotations

import tomllib

import pytest

from kb_assistant.evaluation.fit import (
    DEFAULT_GRID,
    FitError,
    FitResult,
    check_tuning_split,
    current_values,
    coordinate_descent,
    load_grid,
    objective,
    tuning_toml,
)
from kb_assistant.models.profiles import tuned_settings
from kb_assistant.settings import EmbeddingSettings, ModelProfile, Settings, with_overrides


def summary(mrr: float, hit1: float, refusal: float) -> dict:
    return {"retrieval": {"mrr@10": mrr, "hit@1": hit1}, "refusal": {"accuracy": refusal}, "answer": {}}


def test_the_committed_grid_names_only_real_query_time_settings():
    grid = load_grid(DEFAULT_GRID, Settings())
    assert grid and all(key.split(".")[0] in {"retrieval", "answer"} for key in grid)
    assert "retrieval.dense_score_weight" in grid and "answer.evidence_dense_center" in grid


@pytest.mark.parametrize(("text", "message"), [
    ("[retrieval]\nno_such = [1]\n", "does not exist"),
    ("[index]\ndir = ['/tmp']\n", "need an index rebuild"),
    ("[retrieval]\nrerank_depth = []\n", "non-empty list"),
    ("[retrieval]\nrerank_depth = ['deep']\n", "rerank_depth"),
    ("", "no settings to fit"),
])
def test_a_bad_grid_is_refused_with_the_setting_named(tmp_path, text, message):
    path = tmp_path / "grid.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FitError, match=message):
        load_grid(path, Settings())


def test_fitting_refuses_the_frozen_test_split(tmp_path):
    with pytest.raises(FitError, match="test split"):
        check_tuning_split([tmp_path / "qa-tune.jsonl", tmp_path / "qa-test.jsonl"])
    check_tuning_split([tmp_path / "qa-tune.jsonl", tmp_path / "qa-dev.jsonl"])


def test_coordinate_descent_finds_the_best_grid_point_and_keeps_neutral_settings_out():
    # a separable objective: a peaks at 2, b at 0.5; c changes nothing
    def evaluate(overrides: dict) -> dict:
        a, b = overrides.get("a", 0), overrides.get("b", 0)
        return summary(1 - (a - 2) ** 2 / 10, 1 - (b - 0.5) ** 2, 0.5)

    logged: list[str] = []
    result = coordinate_descent(evaluate, {"a": [0, 1, 2, 3], "b": [0, 0.5, 1], "c": [1, 2]}, log=logged.append)
    assert result.overrides == {"a": 2, "b": 0.5}
    assert result.score == pytest.approx(objective(evaluate({"a": 2, "b": 0.5})))
    assert result.steps and logged[0].startswith("start")


def test_a_move_must_gain_more_than_the_noise_margin():
    def evaluate(overrides: dict) -> dict:
        return summary(0.80 + {1: 0.005, 2: 0.05}.get(overrides.get("small"), 0) + {1: 0.05}.get(overrides.get("big"), 0), 0.7, 0.9)

    result = coordinate_descent(evaluate, {"small": [1], "big": [1]}, min_gain=0.02, log=lambda _: None)
    assert result.overrides == {"big": 1}
    assert coordinate_descent(evaluate, {"small": [1, 2]}, min_gain=0.02, log=lambda _: None).overrides == {"small": 2}


def test_on_a_plateau_the_value_nearest_the_default_is_kept():
    def evaluate(overrides: dict) -> dict:
        centre = overrides.get("centre", 0.88)
        return summary(0.9 if centre <= 0.4 else 0.5, 0.7, 0.9)  # every centre up to 0.4 is equally good

    result = coordinate_descent(evaluate, {"centre": [0.2, 0.3, 0.4, 0.8, 0.9]}, log=lambda _: None, defaults={"centre": 0.88})
    assert result.overrides == {"centre": 0.4}


def test_a_move_that_hurts_one_of_the_pooled_sets_is_refused():
    def evaluate(overrides: dict) -> dict:
        x = overrides.get("x", 0)
        # x=1 helps set a a lot and hurts set b a little; x=2 helps both a little less overall
        a, b = {0: 0.5, 1: 0.9, 2: 0.6}[x], {0: 0.5, 1: 0.45, 2: 0.55}[x]
        return summary((a + b) / 2, 0.5, 0.5) | {"parts": {"a": summary(a, 0.5, 0.5), "b": summary(b, 0.5, 0.5)}}

    assert coordinate_descent(evaluate, {"x": [1, 2]}, log=lambda _: None).overrides == {"x": 2}


def test_coordinate_descent_never_ends_below_its_start():
    start = summary(0.8, 0.7, 0.9)

    def evaluate(overrides: dict) -> dict:
        return start if not overrides else summary(0.5, 0.5, 0.5)

    result = coordinate_descent(evaluate, {"x": [1, 2]}, log=lambda _: None)
    assert result.overrides == {} and result.score == pytest.approx(objective(start))


def test_the_printed_tuning_is_a_profile_table_that_applies(tmp_path):
    result = FitResult({"retrieval.bm25_weight": 0.0, "answer.evidence_dense_center": 0.45, "retrieval.rerank_depth": 2,
                        "retrieval.ranker_weights": {"dense": 2.5, "coverage": -0.5}}, 2.5, {})
    table = tomllib.loads(tuning_toml("my-model", result, [tmp_path / "qa-tune.jsonl"]))["my-model"]["tuning"]
    assert table == result.overrides
    settings = Settings(embedding=EmbeddingSettings(model="my-model", profiles={"my-model": ModelProfile(tuning=table)}))
    tuned = tuned_settings(settings)
    assert tuned.retrieval.bm25_weight == 0.0 and tuned.retrieval.rerank_depth == 2
    assert tuned.answer.evidence_dense_center == 0.45


def test_a_value_the_operator_set_wins_over_the_model_tuning():
    profile = ModelProfile(tuning={"retrieval.bm25_weight": 0.0, "retrieval.coverage_weight": 0.5})
    settings = Settings(
        embedding=EmbeddingSettings(model="m", profiles={"m": profile}),
        retrieval={"bm25_weight": 0.7},
    )
    tuned = tuned_settings(settings)
    assert tuned.retrieval.bm25_weight == 0.7  # explicit
    assert tuned.retrieval.coverage_weight == 0.5  # from the profile
    assert settings.retrieval.coverage_weight != 0.5  # the original is untouched


def test_the_shipped_gemma_tuning_applies_and_e5_keeps_the_defaults():
    gemma = tuned_settings(Settings(embedding=EmbeddingSettings(model="embeddinggemma-300m")))
    e5 = tuned_settings(Settings(embedding=EmbeddingSettings(model="multilingual-e5-small")))
    # Gemma's cosines sit far below e5's: its neutral evidence level must be fitted lower
    assert gemma.answer.evidence_dense_center < 0.7 < e5.answer.evidence_dense_center
    assert e5.retrieval == Settings(embedding=EmbeddingSettings(model="multilingual-e5-small")).retrieval
    assert gemma.retrieval.ranker_weights and not e5.retrieval.ranker_weights  # Gemma ranks by its learned ranker


def test_current_values_reads_the_settings():
    assert current_values(Settings(), ["retrieval.rrf_k", "answer.max_citations"]) == {"retrieval.rrf_k": 60, "answer.max_citations": 3}


def test_overrides_keep_track_of_what_was_set():
    once = with_overrides(Settings(), {"retrieval.coverage_weight": 0.1})
    again = with_overrides(once, {"retrieval.coverage_weight": 0.9}, keep_explicit=True)
    assert again.retrieval.coverage_weight == 0.1  # an override counts as set


def test_query_vectors_are_cached_and_bounded(e5_embedder, monkeypatch):
    calls: list[list[str]] = []
    original = e5_embedder._encode

    def counting(texts, show_progress):
        calls.append(list(texts))
        return original(texts, show_progress)

    monkeypatch.setattr(e5_embedder, "_encode", counting)
    monkeypatch.setattr(e5_embedder, "settings", e5_embedder.settings.model_copy(update={"query_cache": 2}))
    e5_embedder.clear_query_cache()
    first = e5_embedder.embed_queries(["hak PPPK", "kewajiban PNS"])
    again = e5_embedder.embed_queries(["kewajiban PNS", "hak PPPK"])
    assert len(calls) == 1 and (again[0] == first[1]).all() and (again[1] == first[0]).all()
    e5_embedder.embed_queries(["cuti besar"])  # evicts the least recently used ("kewajiban PNS")
    e5_embedder.embed_queries(["kewajiban PNS"])
    assert calls[-1] == ["query: kewajiban PNS"] or calls[-1][-1].endswith("kewajiban PNS")
    e5_embedder.clear_query_cache()
    e5_embedder.embed_queries(["hak PPPK"])
    assert calls[-1][-1].endswith("hak PPPK")
    monkeypatch.setattr(e5_embedder, "settings", e5_embedder.settings.model_copy(update={"query_cache": 0}))
    before = len(calls)
    e5_embedder.embed_queries(["hak PPPK"])
    e5_embedder.embed_queries(["hak PPPK"])
    assert len(calls) == before + 2  # cache off: every call pays the model


def test_the_assistant_answers_with_its_model_tuning(small_index, embedder):
    """The retriever and the refusal both read the tuned settings (a regression: the retriever
    once kept the untuned ones while the answer settings were tuned)."""
    from kb_assistant.assistant import Assistant

    tuning = {"retrieval.bm25_weight": 0.0, "retrieval.dense_score_weight": 0.5, "answer.evidence_dense_center": 0.5}
    settings = small_index.model_copy(deep=True)
    settings.embedding.profiles = {settings.embedding.model: ModelProfile(**(_profile_fields(settings) | {"tuning": tuning}))}
    tuned = Assistant(settings, embedder=embedder)
    assert tuned.retriever.settings.bm25_weight == 0.0 and tuned.retriever.settings.dense_score_weight == 0.5
    assert tuned.settings.answer.evidence_dense_center == 0.5
    plain = Assistant(settings, embedder=embedder, model_tuning=False)
    assert plain.retriever.settings.bm25_weight == small_index.retrieval.bm25_weight
    question = "Apa saja hak PPPK?"
    assert tuned.ask(question, mode="dense").ranking == plain.ask(question, mode="dense").ranking  # same model
    assert tuned.with_settings(tuned.settings).retriever.settings == tuned.retriever.settings


def _profile_fields(settings: Settings) -> dict:
    from kb_assistant.models.profiles import resolve_profile

    return resolve_profile(settings.embedding).model_dump(exclude={"tuning"})


def test_kb_models_fit_refuses_the_test_split_before_loading_anything(tmp_path):
    from typer.testing import CliRunner

    from kb_assistant import cli

    result = CliRunner().invoke(cli.app, ["models", "fit", "--dataset", str(tmp_path / "qa-test.jsonl")])
    assert result.exit_code == 1 and "test split" in result.output


# written for these tests from UU 20/2023 and PP 28/2018, not taken from a QA set
MINI_QUESTIONS = [
    {"id": "f1", "question": "Apa saja nilai dasar ASN?", "gold": [{"doc": "uu-20-2023", "pasal": "4"}], "answerable": True, "answer": "", "type": "t"},
    {"id": "f2", "question": "Siapa yang dapat menjadi pihak kerja sama daerah?", "gold": [{"doc": "pp-28-2018", "pasal": "2"}], "answerable": True, "answer": "", "type": "t"},
    {"id": "f3", "question": "Berapa tunjangan bulanan ASN tahun 2031?", "gold": [], "answerable": False, "answer": "", "type": "t"},
]


def run_fit(tmp_path, settings, monkeypatch, *flags: str):
    """`kb models fit` on MINI_QUESTIONS with a one-setting grid; the CLI result."""
    import json

    from typer.testing import CliRunner

    from kb_assistant import cli

    dataset = tmp_path / "qa-tune-mini.jsonl"
    dataset.write_text("\n".join(json.dumps(q) for q in MINI_QUESTIONS), encoding="utf-8")
    grid = tmp_path / "grid.toml"
    grid.write_text("[answer]\nevidence_dense_center = [0.5, 0.88, 0.99]\n", encoding="utf-8")
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    result = CliRunner().invoke(cli.app, ["models", "fit", "--dataset", str(dataset), "--grid", str(grid), "--min-gain", "0", *flags])
    assert result.exit_code == 0, result.output
    return result


def printed_tuning(result) -> dict:
    return tomllib.loads(result.stdout[result.stdout.index("[multilingual-e5-small.tuning]"):])["multilingual-e5-small"]["tuning"]


def test_kb_models_fit_prints_a_profile_table_fitted_on_the_given_questions(small_index, monkeypatch, tmp_path):
    result = run_fit(tmp_path, small_index, monkeypatch)
    assert "fitted on" in result.output and "(3 questions)" in result.output.replace("\n", " ")
    assert set(printed_tuning(result)) <= {"answer.evidence_dense_center"}  # only what the grid offered, only when it gained


def test_kb_models_fit_from_the_profile_keeps_the_recorded_values_it_does_not_move(small_index, monkeypatch, tmp_path):
    from kb_assistant.models.profiles import builtin_profiles

    settings = small_index.model_copy(deep=True)
    recorded = {"retrieval.coverage_weight": 0.1, "answer.evidence_dense_center": 0.88}
    settings.embedding.profiles = {"multilingual-e5-small": builtin_profiles()["multilingual-e5-small"].model_copy(update={"tuning": recorded})}
    refined = printed_tuning(run_fit(tmp_path, settings, monkeypatch, "--from-profile"))
    assert refined["retrieval.coverage_weight"] == 0.1  # not in the grid: kept from the profile
    assert refined["answer.evidence_dense_center"] in (0.5, 0.88, 0.99)
    assert "retrieval.coverage_weight" not in printed_tuning(run_fit(tmp_path, settings, monkeypatch))  # from the defaults: grid moves only
