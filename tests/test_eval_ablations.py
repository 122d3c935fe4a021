"""Ablations: the data file, settings overrides, the ablation table, and variants of a real assistant."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from kb_assistant import cli
from kb_assistant.evaluation.ablations import (
    DEFAULT_ABLATIONS,
    Ablation,
    AblationError,
    apply_overrides,
    describe,
    load_ablations,
)
from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.report import ablation_table, write_report
from kb_assistant.evaluation.runner import SystemOutput, run_eval
from kb_assistant.settings import Settings

ITEMS = [
    QAItem(id="a", question="Apa itu piket?", gold=[GoldRef(doc="x", pasal="1")], answerable=True, answer="-", type="definition"),
    QAItem(id="b", question="Siapa ketua piket?", gold=[GoldRef(doc="x", pasal="2")], answerable=True, answer="-", type="institution"),
]


def at_rank(rank: int):
    """A fake configuration that puts the gold Pasal at ``rank`` (MRR = 1/rank)."""
    def run(item: QAItem) -> SystemOutput:
        gold = (item.gold[0].doc, item.gold[0].pasal)
        return SystemOutput(ranked=[("y", str(i)) for i in range(1, rank)] + [gold], cited=[gold], latency_ms=1.0)
    return run


def write(tmp_path, text: str):
    path = tmp_path / "ablations.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_project_ablation_file_applies_to_the_current_settings():
    ablations = load_ablations(DEFAULT_ABLATIONS)
    names = [a.name for a in ablations]
    assert len(names) == len(set(names)) >= 8
    assert {"bm25_only", "dense_only", "no_coverage", "no_intent_bonus", "no_rerank", "no_neighbour_expansion"} <= set(names)
    from kb_assistant.models.profiles import builtin_profiles, tuned_settings
    from kb_assistant.settings import EmbeddingSettings

    # the settings `kb eval` runs with for each shipped model (its profile's tuning applied)
    bases = [tuned_settings(Settings(embedding=EmbeddingSettings(model=name))) for name in builtin_profiles()]
    for ablation in ablations:
        # every row really changes something for some model: a setting its ranking reads, or the ranking signal
        assert any(ablation.changes(base) for base in bases), ablation.name


def test_a_row_is_idle_where_its_component_does_not_rank():
    ranked = Settings(retrieval={"ranker_weights": {"dense": 2.0, "coverage": 1.0}})
    rescored = Settings()
    no_coverage = Ablation("a", "a", ranker_off=("coverage",))
    assert no_coverage.settings_for(ranked).retrieval.ranker_weights == {"dense": 2.0, "coverage": 0.0}
    assert no_coverage.changes(ranked) and not no_coverage.changes(rescored)
    no_intent = Ablation("b", "b", overrides={"retrieval.intent_weight": 0.0})
    assert no_intent.changes(rescored) and not no_intent.changes(ranked)  # the learned ranker never reads it
    repealed = Ablation("c", "c", overrides={"retrieval.include_repealed": "always"})
    assert repealed.changes(ranked) and repealed.changes(rescored)
    with pytest.raises(AblationError, match="ranker_off must list ranker features"):
        load_ablations(_write_text('[x]\nranker_off = ["no_such_feature"]\n'))


def _write_text(text: str):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "ablations.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_overrides_are_applied_to_a_copy_and_validated():
    base = Settings()
    changed = apply_overrides(base, {"retrieval.coverage_weight": 0, "answer.refusal_threshold": 0.7})
    assert changed.retrieval.coverage_weight == 0.0 and changed.answer.refusal_threshold == 0.7
    assert base.retrieval.coverage_weight != 0.0  # the original is untouched
    assert changed.retrieval.top_k == base.retrieval.top_k and changed.index == base.index


@pytest.mark.parametrize(("overrides", "message"), [
    ({"retrieval.no_such_knob": 1}, "setting 'retrieval.no_such_knob' does not exist"),
    ({"index.dir": "/tmp"}, "other sections need an index rebuild"),
    ({"retrieval": 1}, "is not '<retrieval|answer>.<field>'"),
    ({"retrieval.rerank_depth": "deep"}, "ablation 'x': ('rerank_depth',)"),
])
def test_bad_override_names_the_ablation_and_the_problem(overrides, message):
    with pytest.raises(AblationError, match="ablation 'x'") as exc:
        apply_overrides(Settings(), overrides, "x")
    assert message in str(exc.value)


def test_load_ablations_keeps_file_order_and_reports_bad_entries(tmp_path):
    path = write(tmp_path, '[b]\nlabel = "B"\noverrides = { "retrieval.coverage_weight" = 0 }\n[a]\nmode = "bm25"\n')
    assert load_ablations(path) == [
        Ablation("b", "B", "hybrid", {"retrieval.coverage_weight": 0}),
        Ablation("a", "a", "bm25", {}),
    ]
    for text, message in [
        ('[a]\nmode = "sparse"\n', "mode 'sparse' is not one of"),
        ('[a]\noverides = { "retrieval.top_k" = 1 }\n', "unknown key(s) overides"),
        ('[a]\nlabel = "nothing"\n', "changes nothing"),
        ("[a\n", "not valid TOML"),
        ("", "no ablations defined"),
        ('[a]\noverrides = { "retrieval.no_such_knob" = 0 }\n', "does not exist"),
    ]:
        with pytest.raises(AblationError) as exc:
            load_ablations(write(tmp_path, text))
        assert message in str(exc.value)
    with pytest.raises(AblationError, match="not found"):
        load_ablations(tmp_path / "missing.toml")


def test_ablation_table_one_row_each_against_the_full_hybrid(tmp_path):
    ablations = [Ablation("no_a", "tanpa A (no A)", overrides={"retrieval.coverage_weight": 0}),
                 Ablation("no_b", "tanpa B (no B)", overrides={"retrieval.intent_weight": 0}),
                 Ablation("gone", "belum dijalankan (not run)", overrides={"retrieval.rerank_depth": 0})]
    configs = {"hybrid": at_rank(1), "bm25": at_rank(3), "ablate:no_a": at_rank(2), "ablate:no_b": at_rank(1)}
    result = run_eval(ITEMS, configs, "fake", progress=False)
    result["ablation"] = describe(ablations)
    lines = ablation_table(result).splitlines()
    assert lines[0] == ("| Konfigurasi (configuration) | Δ MRR@10 | hit@5 | MRR@10 | Presisi sitasi (citation precision) "
                        "| Akurasi penolakan (refusal accuracy) | Galat (errors) |")
    assert lines[2] == "| hybrid lengkap (full hybrid) | – | 1.000 | 1.000 | 1.000 | 1.000 | 0 |"
    assert lines[3] == "| tanpa A (no A) | -0.500 | 1.000 | 0.500 | 1.000 | 1.000 | 0 |"
    assert lines[4] == "| tanpa B (no B) | +0.000 | 1.000 | 1.000 | 1.000 | 1.000 | 0 |"
    assert len(lines) == 5  # a row whose configuration did not run is left out, not invented
    md = write_report(result, tmp_path / "r").read_text(encoding="utf-8")
    assert "## Ablasi (ablation)" in md and "| tanpa A (no A) | -0.500 |" in md
    # ablation rows have their table; they are not repeated in the per-type section
    assert "### ablate:no_a" not in md and "### hybrid" in md
    assert ablation_table({**result, "ablation": None}) == ""


def test_variants_of_a_real_assistant_share_model_and_index(assistant):
    from kb_assistant.evaluation.configs import ablation_configs

    ablations = load_ablations(DEFAULT_ABLATIONS)
    configs = ablation_configs(assistant, ablations)
    assert list(configs) == [a.config_name for a in ablations]
    variant = assistant.with_settings(apply_overrides(assistant.settings, {"retrieval.coverage_weight": 0.0}))
    assert variant.retriever.settings.coverage_weight == 0.0 and assistant.retriever.settings.coverage_weight != 0.0
    assert variant.embedder is assistant.embedder and variant.reader is assistant.reader
    item = QAItem(id="x", question="Apa yang dimaksud dengan Sistem Merit?", gold=[GoldRef(doc="uu-20-2023", pasal="1")],
                  answerable=True, answer="-", type="definition")
    result = run_eval([item], configs, "one", progress=False)
    assert all(cfg["errors"]["count"] == 0 for cfg in result["configs"].values()), result["failures"]


def test_cli_refuses_a_bad_ablation_file_before_running(tmp_path):
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text('{"id": "q1", "question": "Apa itu piket?", "gold": [], "answerable": false, "answer": "-", "type": "unanswerable"}\n', encoding="utf-8")
    bad = write(tmp_path, '[x]\noverrides = { "retrieval.no_such_knob" = 0 }\n')
    result = CliRunner().invoke(cli.app, ["eval", "--dataset", str(dataset), "--ablate", "--ablations", str(bad)])
    # the overrides are checked when the file is read, before the index or the model is touched
    assert result.exit_code == 1 and "setting 'retrieval.no_such_knob' does not exist" in result.output


def test_cli_eval_with_ablations_per_type_tables_and_errors(assistant, small_index, tmp_path, monkeypatch):
    """The real command on the small index: tables per type and ablation, an error listed and exit 1."""
    import kb_assistant.assistant as assistant_module

    rows = [
        {"id": "d1", "question": "Apa yang dimaksud dengan Sistem Merit?", "gold": [{"doc": "uu-20-2023", "pasal": "1"}],
         "answerable": True, "answer": "kebijakan dan manajemen ASN berdasarkan kualifikasi", "type": "definition"},
        {"id": "x1", "question": "BOOM apa itu piket?", "gold": [{"doc": "uu-20-2023"}], "answerable": True,
         "answer": "-", "type": "colloquial"},
    ]
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    ablations = write(tmp_path, '[no_cov]\nlabel = "tanpa cakupan (no coverage)"\noverrides = { "retrieval.coverage_weight" = 0 }\n')
    real_ask = type(assistant).ask

    def ask(self, question, *args, **kwargs):
        if question.startswith("BOOM"):
            raise RuntimeError("store unreadable")
        return real_ask(self, question, *args, **kwargs)

    monkeypatch.setattr(type(assistant), "ask", ask)
    monkeypatch.setattr(assistant_module, "Assistant", lambda settings: assistant)
    monkeypatch.setattr(cli, "get_settings", lambda: small_index)
    result = CliRunner().invoke(cli.app, ["eval", "--dataset", str(dataset), "--config", "bm25", "--ablate",
                                          "--ablations", str(ablations), "--report", str(tmp_path / "rep")])
    out = result.output
    assert result.exit_code == 1, out
    assert "| Metrik (metric) | bm25 | hybrid |" in out  # --ablate adds the full hybrid as the baseline
    assert "| Metrik (metric) | bm25 | hybrid | hybrid − bm25 |" in out  # bootstrap intervals, ablations left out
    assert "## Per jenis pertanyaan (by question type)" in out and "| colloquial | 1 |" in out
    assert "| tanpa cakupan (no coverage) |" in out
    assert "## Galat (errors)" in out and "**x1**: RuntimeError: store unreadable" in out
    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "## Ablasi (ablation)" in md and "| Galat (errors) | 1 | 1 |" in md
