"""What the Evaluasi tab shows: metric and per-type tables in Indonesian, failed questions that
wrap instead of scrolling, past runs side by side, and the report as one zip with its plots.

Metric names are Indonesian with the English name evaluators know in parentheses. Failure
reasons written by the evaluation runner (English) are translated by pattern; an unknown reason
is shown as it is rather than dropped.
"""

from __future__ import annotations

import html
import json
import re
import zipfile
from pathlib import Path

from kb_assistant.evaluation.report import TABLE_ROWS, interval_table

METRICS = TABLE_ROWS  # one vocabulary of metric names for the report and the app
TYPE_METRICS = [
    ("retrieval", "hit@5", "hit@5"),
    ("retrieval", "recall@5", "recall@5"),
    ("retrieval", "mrr@10", "MRR@10"),
    ("answer", "token_f1", "token F1"),
    ("refusal", "accuracy", "akurasi penolakan"),
]
REASONS = [  # English reason written by the runner -> Indonesian
    (re.compile(r"^no gold (?:Pasal|unit|units)? ?in (?:the )?top (\d+)$", re.I), r"tidak ada rujukan gold di \1 teratas"),
    (re.compile(r"^refused an answerable question$", re.I), "menolak pertanyaan yang dapat dijawab"),
    (re.compile(r"^answered an unanswerable question$", re.I), "menjawab pertanyaan yang tidak dapat dijawab"),
    (re.compile(r"^error: (.*)$", re.I | re.S), r"galat saat menjawab: \1"),
]
REPORT_FILES = ("report.md", "result.json")


def reason_text(reason: str) -> str:
    parts = []
    for part in str(reason).split("; "):
        for pattern, replacement in REASONS:
            if pattern.match(part):
                part = pattern.sub(replacement, part)
                break
        parts.append(part)
    return "; ".join(parts)


def _cell(value: object, section: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}" if section == "latency_ms" else f"{value:.3f}"
    if isinstance(value, (list, dict)):
        return str(len(value))
    return str(value)


def _get(config: dict, section: str, key: str):
    part = config.get(section)
    if isinstance(part, dict):
        return part.get(key)
    if section == "errors" and key == "n":  # a count or a list of errors, where the runner reports them
        return len(part) if isinstance(part, list) else part
    return None


def metrics_markdown(columns: list[tuple[str, dict]]) -> str:
    """One row per metric, one column per (name, configuration result)."""
    header = "| Ukuran (metric) | " + " | ".join(_esc(name) for name, _ in columns) + " |"
    lines = [header, "|---|" + "---:|" * len(columns)]
    for section, key, label in METRICS:
        values = [_get(cfg, section, key) for _, cfg in columns]
        if all(v is None for v in values):
            continue
        lines.append(f"| {label} | " + " | ".join(_cell(v, section) for v in values) + " |")
    return "\n".join(lines)


def result_markdown(result: dict) -> str:
    """The dataset's notes (gold documents read by name or unknown to the corpus), the metrics side
    by side, then their 95% bootstrap intervals (runs recorded before the per-question scores have none)."""
    notes = "".join(f"- ⚠ {note}\n" for note in result.get("dataset_notes") or [])
    table = metrics_markdown(list(result.get("configs", {}).items()))
    intervals = interval_table(result)
    return (f"{notes}\n" if notes else "") + table + (f"\n\n**Interval kepercayaan 95% (bootstrap)**\n\n{intervals}" if intervals else "")


def types_markdown(result: dict) -> str:
    """Per question type and configuration: the measures an evaluator compares across types."""
    rows = []
    for name, cfg in result.get("configs", {}).items():
        for qtype, sub in (cfg.get("by_type") or {}).items():
            rows.append([_esc(qtype), _esc(name), str(sub.get("n", ""))] + [_cell(_get(sub, s, k), s) for s, k, _ in TYPE_METRICS])
    if not rows:
        return "_Set QA ini tidak memiliki jenis pertanyaan._"
    rows.sort(key=lambda r: (r[0], r[1]))
    header = "| Jenis pertanyaan (type) | Konfigurasi | n | " + " | ".join(label for *_, label in TYPE_METRICS) + " |"
    lines = [header, "|---|---|---:|" + "---:|" * len(TYPE_METRICS)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def failures_html(result: dict) -> str:
    """Failed questions: question, gold and retrieved side by side, wrapping within the page width."""
    rows = []
    for config, failures in (result.get("failures") or {}).items():
        for f in failures:
            gold = "; ".join(_gold(g) for g in f.get("gold", [])) or "(tidak dapat dijawab)"
            retrieved = "; ".join(map(str, f.get("retrieved", []))) or "(tidak ada)"
            cells = [config, f.get("id", ""), f.get("question", ""), reason_text(f.get("reason", "")), gold, retrieved]
            rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    if not rows:
        return '<p class="kb-meta">Tidak ada pertanyaan yang gagal.</p>'
    head = "".join(f"<th>{h}</th>" for h in ("Konfigurasi", "id", "Pertanyaan", "Alasan", "Rujukan gold", "Ditemukan"))
    return (f'<table class="kb-failures"><colgroup><col style="width:9%"><col style="width:8%"><col style="width:27%">'
            f'<col style="width:16%"><col style="width:18%"><col style="width:22%"></colgroup>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _gold(g: dict) -> str:
    doc = g.get("doc", "")
    if g.get("pasal"):
        return f"{doc} Pasal {g['pasal']}" + (f" ayat ({g['ayat']})" if g.get("ayat") else "")
    if g.get("section"):
        return f"{doc} › {g['section']}"
    return doc


def report_zip(run_dir: Path, run_id: str, out_dir: Path) -> Path:
    """One zip with the Markdown report, the JSON result and every plot the report links."""
    target = Path(out_dir) / f"evaluasi-{run_id}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(Path(run_dir).iterdir()):
            if path.is_file() and (path.name in REPORT_FILES or path.suffix == ".png"):
                archive.write(path, arcname=f"{run_id}/{path.name}")
    return target


def past_runs(runs: list[dict], limit: int = 30) -> list[tuple[str, str]]:
    """(label, run id) of finished runs (``EvalService.runs``: newest first)."""
    out = []
    for run in runs[:limit]:
        run_id = run["run_id"]
        when = f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]} {run_id[9:11]}:{run_id[11:13]}" if len(run_id) >= 13 else run_id
        out.append((f"{when} — {run.get('dataset') or '?'} ({run.get('n', '?')} pertanyaan; {', '.join(run.get('configs', []))})", run_id))
    return out


def compare_markdown(runs: list[tuple[str, dict]]) -> str:
    """Several runs side by side: a column per (run, configuration)."""
    columns = [(f"{run_id} · {name}", cfg) for run_id, result in runs for name, cfg in result.get("configs", {}).items()]
    if not columns:
        return "_Pilih minimal satu evaluasi sebelumnya._"
    return metrics_markdown(columns)


def paired_markdown(first: tuple[str, dict], second: tuple[str, dict]) -> str:
    """Two runs of one QA set paired question by question for each configuration both ran (`kb compare`):
    figures with intervals, the paired difference, the questions that gained or lost rank 1."""
    from kb_assistant.evaluation.compare import CompareError, compare_runs
    from kb_assistant.evaluation.report import comparison_markdown

    (first_id, first_result), (second_id, second_result) = first, second
    parts = []
    for config in [c for c in first_result.get("configs", {}) if c in second_result.get("configs", {})]:
        try:
            parts.append(comparison_markdown(compare_runs(first_result, second_result, config), first_id, second_id))
        except CompareError as exc:
            parts.append(f"_{_esc(config)}: tidak dapat dipasangkan ({_esc(exc)})_")
    return "\n\n".join(parts) or "_Kedua evaluasi tidak punya konfigurasi yang sama._"


def _esc(text: str) -> str:
    return html.escape(str(text)).replace("|", "\\|")


PROBLEMS = [  # English dataset problems (evaluation/dataset.py) -> Indonesian
    (re.compile(r"^line (\d+): bad JSON \((.*) at column (\d+)\)$"), r"baris \1: bukan JSON yang sah (kolom \3)"),
    (re.compile(r"^line (\d+): expected a JSON object, got (\w+)$"), r"baris \1: harus berupa objek JSON, bukan \2"),
    (re.compile(r"^line (\d+): missing field '([^']*)'$"), r"baris \1: kolom '\2' tidak ada"),
    (re.compile(r"^line (\d+): field '([^']*)': (.*)$"), r"baris \1: kolom '\2' tidak sah (\3)"),
    (re.compile(r"^line (\d+): id (.*) is answerable but has no gold \w+$"), r"baris \1: id \2 dapat dijawab tetapi tidak punya rujukan gold"),
    (re.compile(r"^line (\d+): duplicate id (.*) \(first on line (\d+)\)$"), r"baris \1: id \2 ganda (pertama di baris \3)"),
    (re.compile(r"^no questions found$"), "tidak ada pertanyaan"),
]


PYDANTIC = [
    (re.compile(r"^Input should be a valid boolean.*"), "harus true atau false"),
    (re.compile(r"^Input should be a valid list.*"), "harus berupa daftar"),
    (re.compile(r"^Input should be a valid string.*"), "harus berupa teks"),
    (re.compile(r"^Input should be a valid dictionary.*"), "harus berupa objek"),
    (re.compile(r"^String should have at least \d+ characters?$"), "tidak boleh kosong"),
]


def _pydantic(message: str) -> str:
    for pattern, replacement in PYDANTIC:
        if pattern.match(message):
            return replacement
    return message


def dataset_problem_text(name: str, exc: Exception) -> str:
    """A QA-set refusal in Indonesian, naming the file; problems listed by line."""
    problems = getattr(exc, "problems", None)
    if not problems:
        return f"✖ Set QA '{name}' tidak dapat dipakai: {exc}"
    shown = []
    for problem in problems[:8]:
        for pattern, replacement in PROBLEMS:
            if pattern.match(problem):
                problem = pattern.sub(replacement, problem)
                break
        problem = re.sub(r"\(([^()]*)\)$", lambda m: f"({_pydantic(m.group(1))})", problem)
        shown.append(f"- {problem}")
    more = f"\n- … dan {len(problems) - 8} masalah lain" if len(problems) > 8 else ""
    return f"✖ Set QA '{name}' tidak dapat dipakai: {len(problems)} masalah.\n\n" + "\n".join(shown) + more
