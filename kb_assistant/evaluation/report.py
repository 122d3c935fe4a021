"""Evaluation report: report.md, result.json, hitk.png and latency.png in one folder.

Plots use Figure objects on the Agg canvas rather than pyplot, so drawing from a web-server
thread touches no global matplotlib state; matplotlib is imported only when plotting, which keeps
``markdown_table`` (used by the CLI) cheap to import.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..answer.types import citation_label

# (section, key, row label); None in a cell means "not measured".
TABLE_ROWS = [
    ("retrieval", "hit@1", "hit@1"),
    ("retrieval", "hit@5", "hit@5"),
    ("retrieval", "hit@10", "hit@10"),
    ("retrieval", "recall@5", "recall@5"),
    ("retrieval", "mrr@10", "MRR@10"),
    ("retrieval", "ndcg@10", "nDCG@10"),
    ("answer", "n", "answered (answerable, not refused)"),
    ("answer", "citation_precision", "citation precision"),
    ("answer", "citation_recall", "citation recall"),
    ("answer", "token_f1", "token F1"),
    ("answer", "faithfulness", "faithfulness"),
    ("answer", "citation_validity", "citation validity"),
    ("refusal", "accuracy", "refusal accuracy"),
    ("refusal", "false_refusals", "false refusals"),
    ("refusal", "false_answers", "false answers"),
    ("latency_ms", "p50", "latency p50 (ms)"),
    ("latency_ms", "p95", "latency p95 (ms)"),
]
TYPE_COLUMNS = [
    ("retrieval", "hit@5", "hit@5"),
    ("retrieval", "recall@5", "recall@5"),
    ("retrieval", "mrr@10", "MRR@10"),
    ("answer", "token_f1", "token F1"),
    ("refusal", "accuracy", "refusal acc."),
]


def _cell(value: object, latency: bool = False) -> str:
    if value is None:
        return "–"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.1f}" if latency else f"{value:.3f}"
    return str(value)


def _esc(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    """Markdown table; the first text_columns are left-aligned labels, the rest right-aligned numbers."""
    align = ["---"] * text_columns + ["---:"] * (len(header) - text_columns)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_table(result: dict) -> str:
    """Configurations side by side: one row per metric, one column per configuration."""
    names = list(result["configs"])
    rows = [
        [label] + [_cell(result["configs"][n][section].get(key), latency=section == "latency_ms") for n in names]
        for section, key, label in TABLE_ROWS
    ]
    return _table(["metric"] + [_esc(n) for n in names], rows)


def type_table(result: dict) -> str:
    """One row per (question type, configuration)."""
    rows = []
    types = dict.fromkeys(t for cfg in result["configs"].values() for t in cfg["by_type"])
    for qtype in types:
        for name, cfg in result["configs"].items():
            sub = cfg["by_type"].get(qtype)
            if sub is None:
                continue
            rows.append([_esc(qtype), _esc(name), str(sub["n"])] + [_cell(sub[s].get(k)) for s, k, _ in TYPE_COLUMNS])
    return _table(["type", "config", "n"] + [label for *_, label in TYPE_COLUMNS], rows, text_columns=2)


def _gold_text(gold: list[dict]) -> str:
    return "; ".join(citation_label(g["doc"], g["pasal"], g.get("ayat")) for g in gold) or "(none: unanswerable)"


def failures_markdown(result: dict) -> str:
    parts = []
    for name, listed in result["failures"].items():
        parts.append(f"### {_esc(name)} — {len(listed)} failed question(s)\n")
        for f in listed:
            retrieved = "; ".join(_esc(r) for r in f["retrieved"]) or "(nothing)"
            parts.append(
                f"- **{_esc(f['id'])}** ({_esc(f['type'])}) {_esc(f['question'])}\n"
                f"  - why: {_esc(f['reason'])}\n"
                f"  - gold: {_gold_text(f['gold'])}\n"
                f"  - retrieved instead: {retrieved}\n"
                f"  - refused: {'yes' if f['refused'] else 'no'}"
            )
        parts.append("")
    return "\n".join(parts)


def _figure(height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def plot_hit_curve(result: dict, path: Path) -> None:
    fig = _figure(4.5)
    ax = fig.add_subplot()
    for name, cfg in result["configs"].items():
        curve = cfg["retrieval"]["hit_curve"]
        if curve:
            ax.plot(range(1, len(curve) + 1), curve, marker="o", label=name)
    ax.set(xlabel="k (distinct Pasal)", ylabel="hit@k", ylim=(0, 1.02), xticks=range(1, 11), title="hit@k per configuration")
    ax.grid(alpha=0.3)
    if ax.lines:
        ax.legend()
    fig.savefig(path, dpi=110)


def plot_latency(result: dict, path: Path) -> None:
    import numpy as np

    configs = result["configs"]
    fig = _figure(1.2 + 2.0 * max(len(configs), 1))
    all_values = [v for cfg in configs.values() for v in cfg["latency_ms"].get("values", [])]
    bins = np.histogram_bin_edges(all_values, bins=20) if all_values else 20
    axes = fig.subplots(max(len(configs), 1), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (name, cfg) in zip(axes, configs.items()):
        lat = cfg["latency_ms"]
        ax.hist(lat.get("values", []), bins=bins, color="tab:blue", alpha=0.8)
        for key, style in (("p50", "--"), ("p95", ":")):
            if lat.get(key) is not None:
                ax.axvline(lat[key], color="black", linestyle=style, label=f"{key} {lat[key]:.0f} ms")
        ax.set_title(name, fontsize=10)
        ax.set_ylabel("questions")
        if ax.lines:
            ax.legend(fontsize=8)
    axes[-1].set_xlabel("latency (ms)")
    fig.savefig(path, dpi=110)


def write_report(result: dict, out_dir: Path) -> Path:
    """Write report.md, result.json, hitk.png and latency.png into out_dir; return report.md's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    plot_hit_curve(result, out_dir / "hitk.png")
    plot_latency(result, out_dir / "latency.png")
    md = "\n".join([
        f"# Evaluation: {result['dataset']}",
        "",
        f"{result['n']} questions; retrieval metrics over answerable questions at Pasal level, "
        "answer metrics over answerable questions that were not refused, refusal over all questions.",
        "",
        "## Configurations",
        "",
        markdown_table(result),
        "",
        "![hit@k](hitk.png)",
        "",
        "![latency](latency.png)",
        "",
        "## By question type",
        "",
        type_table(result),
        "",
        "## Failed questions",
        "",
        "Answerable questions with no gold Pasal in the top 5, wrong refusal decisions and errors.",
        "",
        failures_markdown(result),
    ])
    path = out_dir / "report.md"
    path.write_text(md, encoding="utf-8")
    return path
