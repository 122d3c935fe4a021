"""Runner over fake configurations, and the report written from its result."""

from __future__ import annotations

import json

import pytest

from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.report import failures_markdown, markdown_table, write_report
from kb_assistant.evaluation.runner import SystemOutput, run_eval

ITEMS = [
    QAItem(id="q1", question="Apa itu ASN?", gold=[GoldRef(doc="uu-20-2023", pasal="1", ayat="1")],
           answerable=True, answer="aparatur sipil negara", type="definition"),
    QAItem(id="q2", question="Bagaimana prosedur kerja sama?",
           gold=[GoldRef(doc="pp-28-2018", pasal="18"), GoldRef(doc="uu-23-2014", pasal="364")],
           answerable=True, answer="melalui perjanjian", type="procedure"),
    QAItem(id="q3", question="Berapa harga cabai?", gold=[], answerable=False, answer="", type="unanswerable"),
]
METRIC_KEYS = {
    "retrieval": {"n", "hit@1", "hit@5", "hit@10", "recall@5", "mrr@10", "ndcg@10", "hit_curve"},
    "answer": {"n", "citation_precision", "citation_recall", "ayat_accuracy", "token_f1", "faithfulness", "citation_validity"},
    "refusal": {"accuracy", "false_refusals", "false_answers"},
    "errors": {"count", "questions"},
}
FAILURE_KEYS = {"id", "question", "type", "gold", "retrieved", "refused", "answerable", "reason"}


def perfect(item: QAItem) -> SystemOutput:
    """Retrieves and cites the gold, answers with the reference, refuses exactly the unanswerable."""
    keys = [(g.doc, g.pasal) for g in item.gold]
    return SystemOutput(ranked=keys, cited=keys, refused=not item.answerable, latency_ms=5.0,
                        answer=item.answer, retrieved_labels=[f"{d} Pasal {p}" for d, p in keys])


def wrong(item: QAItem) -> SystemOutput:
    """Never finds the gold and never refuses."""
    return SystemOutput(ranked=[("uu-1-1945", "33"), ("uu-1-1945", "33")], cited=[("uu-1-1945", "33")],
                        answer="bumi dan air", latency_ms=50.0, retrieved_labels=["UUD 1945 Pasal 33"])


def test_two_configs_exact_shape_and_values():
    calls = []
    result = run_eval(ITEMS, {"perfect": perfect, "wrong": wrong}, "fake-set", progress=False,
                      on_progress=lambda done, total: calls.append((done, total)))
    assert set(result) == {"dataset", "n", "ids", "configs", "failures"}
    assert result["dataset"] == "fake-set" and result["n"] == 3
    assert result["ids"] == [item.id for item in ITEMS]  # the order of every per-question score list
    assert list(result["configs"]) == list(result["failures"]) == ["perfect", "wrong"]
    for cfg in result["configs"].values():
        assert set(cfg) == {"retrieval", "answer", "refusal", "errors", "latency_ms", "by_type", "per_question"}
        assert {key: len(values) for key, values in cfg["per_question"].items()} == {"hit@1": 3, "mrr@10": 3, "citation_precision": 3, "refusal": 3}
        for section, keys in METRIC_KEYS.items():
            assert set(cfg[section]) == keys
        assert {"p50", "p95"} <= set(cfg["latency_ms"])
        assert len(cfg["retrieval"]["hit_curve"]) == 10
        assert list(cfg["by_type"]) == ["definition", "procedure", "unanswerable"]
        for sub in cfg["by_type"].values():
            assert set(sub) == {"n", "retrieval", "answer", "refusal", "errors"}
    assert calls == [(i, 6) for i in range(1, 7)]
    json.dumps(result)  # serialisable as is

    good, bad = result["configs"]["perfect"], result["configs"]["wrong"]
    assert good["retrieval"]["hit@1"] == 1.0 and good["retrieval"]["ndcg@10"] == pytest.approx(1.0)
    assert good["answer"]["token_f1"] == 1.0 and good["answer"]["citation_precision"] == 1.0
    assert good["refusal"] == {"accuracy": 1.0, "false_refusals": 0, "false_answers": 0}
    assert good["latency_ms"]["p50"] == 5.0
    assert result["failures"]["perfect"] == []

    assert bad["retrieval"]["hit@10"] == 0.0 and bad["retrieval"]["hit_curve"] == [0.0] * 10
    assert bad["answer"]["citation_precision"] == 0.0
    # answered everything: right on q1, q2, wrong on q3
    assert bad["refusal"] == {"accuracy": pytest.approx(2 / 3), "false_refusals": 0, "false_answers": 1}
    fails = result["failures"]["wrong"]
    assert [f["id"] for f in fails] == ["q1", "q2", "q3"]
    assert all(set(f) == FAILURE_KEYS for f in fails)
    assert fails[0]["reason"] == "no gold unit in top 5"
    assert fails[0]["gold"] == [{"doc": "uu-20-2023", "pasal": "1", "ayat": "1"}]
    assert fails[0]["retrieved"] == ["UUD 1945 Pasal 33"]
    assert fails[2]["reason"] == "answered an unanswerable question"


def test_raising_config_is_recorded_and_the_run_continues():
    def flaky(item: QAItem) -> SystemOutput:
        if item.id == "q2":
            raise RuntimeError("index gone")
        return perfect(item)

    result = run_eval(ITEMS, {"flaky": flaky}, "fake-set", progress=False)
    cfg = result["configs"]["flaky"]
    # q2 counts as a miss and as a wrong decision, never as a refusal; q1 and q3 are still scored
    assert cfg["retrieval"]["hit@5"] == pytest.approx(0.5)
    assert cfg["refusal"] == {"accuracy": pytest.approx(2 / 3), "false_refusals": 0, "false_answers": 0}
    assert cfg["answer"]["n"] == 1
    assert cfg["errors"] == {"count": 1, "questions": [{"id": "q2", "error": "RuntimeError: index gone"}]}
    assert cfg["by_type"]["procedure"]["errors"]["count"] == 1 and cfg["by_type"]["definition"]["errors"]["count"] == 0
    [fail] = result["failures"]["flaky"]
    assert fail["id"] == "q2" and fail["refused"] is False and fail["retrieved"] == []
    assert fail["reason"] == "error: RuntimeError: index gone"


def test_error_on_unanswerable_is_listed_too():
    def broken(item: QAItem) -> SystemOutput:
        raise ValueError("bad config")

    result = run_eval(ITEMS, {"broken": broken}, "fake-set", progress=False)
    fails = result["failures"]["broken"]
    assert [f["id"] for f in fails] == ["q1", "q2", "q3"]
    assert fails[2]["reason"] == "error: ValueError: bad config"
    # an error on an unanswerable question is not a correct refusal: nothing was decided right
    assert result["configs"]["broken"]["refusal"]["accuracy"] == 0.0
    assert result["configs"]["broken"]["errors"]["count"] == 3


def test_latency_filled_and_labels_derived_when_missing():
    def bare(item: QAItem) -> SystemOutput:
        return SystemOutput(ranked=[("uu-9-2000", "4")])

    result = run_eval(ITEMS[:1], {"bare": bare}, "fake-set", progress=False)
    assert result["configs"]["bare"]["latency_ms"]["p50"] >= 0.0
    assert result["failures"]["bare"][0]["retrieved"] == ["uu-9-2000 Pasal 4"]


def test_progress_bar_writes_to_stderr(capsys):
    run_eval(ITEMS, {"perfect": perfect}, "fake-set", progress=True)
    assert "eval" in capsys.readouterr().err
    run_eval(ITEMS, {"perfect": perfect}, "fake-set", progress=False)
    assert capsys.readouterr().err == ""


def test_report_files_and_markdown(tmp_path):
    result = run_eval(ITEMS, {"perfect": perfect, "wrong": wrong}, "fake-set", progress=False)
    md_path = write_report(result, tmp_path / "run1")
    out = tmp_path / "run1"
    assert md_path == out / "report.md"
    for name in ("hitk.png", "latency.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "result.json").read_text(encoding="utf-8")) == result

    md = md_path.read_text(encoding="utf-8")
    assert "| Metrik (metric) | perfect | wrong |" in md
    assert "| Ditemukan di peringkat 1 (hit@1) | 1.000 | 0.000 |" in md
    assert "| Jawaban keliru (false answers) | 0 | 1 |" in md
    assert "| Galat (errors) | 0 | 0 |" in md
    assert "## Per jenis pertanyaan (by question type)" in md
    assert "### wrong" in md and "| procedure | 1 |" in md
    assert "Tidak ada galat (no errors)." in md and "## Ablasi" not in md
    # three questions: intervals (constant scores: degenerate), and perfect minus wrong, paired
    assert "### Interval kepercayaan 95% (bootstrap confidence intervals)" in md
    assert "| Metrik (metric) | perfect | wrong | perfect − wrong |" in md
    assert "| hit@1 | 1.000 [1.000, 1.000] | 0.000 [0.000, 0.000] | +1.000 [+1.000, +1.000] |" in md
    # the failure with its gold and what came back instead
    assert "**q2** (procedure) Bagaimana prosedur kerja sama?" in md
    assert "rujukan emas (gold): pp-28-2018 Pasal 18; uu-23-2014 Pasal 364" in md
    assert "yang ditemukan (retrieved): UUD 1945 Pasal 33" in md
    assert "wrong: 3 pertanyaan gagal (failed questions)" in md and "perfect: 0 pertanyaan gagal" in md


def test_markdown_table_rows_are_metrics_columns_are_configs():
    result = run_eval(ITEMS, {"a|b": perfect, "wrong": wrong}, "fake-set", progress=False)
    lines = markdown_table(result).splitlines()
    assert lines[0] == "| Metrik (metric) | a\\|b | wrong |"
    assert lines[1] == "|---|---:|---:|"
    assert any(line.startswith("| Rata-rata peringkat resiprokal (MRR@10) | 1.000 | 0.000 |") for line in lines)
    assert any(line.startswith("| Kesetiaan pada sumber (faithfulness) | – | – |") for line in lines)
    assert any(line.startswith("| Presisi sitasi (citation precision) | 1.000 | 0.000 |") for line in lines)


def test_failure_listings_show_section_and_document_gold():
    from kb_assistant.app.render import failure_table

    items = [
        QAItem(id="s", question="Apa visi?", gold=[GoldRef(doc="perpres-81-2010", section="Visi Reformasi Birokrasi")],
               answerable=True, answer="-", type="definition"),
        QAItem(id="d", question="Apa isi PP?", gold=[GoldRef(doc="pp-96-2012")], answerable=True, answer="-", type="definition"),
    ]
    result = run_eval(items, {"wrong": wrong}, "fake-set", progress=False)
    rows = failure_table(result)
    assert [r[4] for r in rows] == ["perpres-81-2010 › Visi Reformasi Birokrasi", "pp-96-2012 (seluruh dokumen)"]
    assert "rujukan emas (gold): perpres-81-2010 › Visi Reformasi Birokrasi" in failures_markdown(result)
