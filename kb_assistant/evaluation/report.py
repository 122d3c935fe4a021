"""Evaluation report: report.md, result.json, hitk.png and latency.png in one folder.

Plots use Figure objects on the Agg canvas rather than pyplot, so drawing from a web-server
thread touches no global matplotlib state; matplotlib is imported only when plotting, which keeps
``markdown_table`` (used by the CLI) cheap to import.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..indexing.labels import citation_label
from . import uncertainty
from .ablations import ABLATION_PREFIX

# (section, key, row label); None in a cell means "not measured". Labels are Indonesian with the
# English metric name in parentheses, as the app and the README use them.
TABLE_ROWS = [
    ("retrieval", "hit@1", "Ditemukan di peringkat 1 (hit@1)"),
    ("retrieval", "hit@5", "Ditemukan di 5 teratas (hit@5)"),
    ("retrieval", "hit@10", "Ditemukan di 10 teratas (hit@10)"),
    ("retrieval", "recall@5", "Perolehan di 5 teratas (recall@5)"),
    ("retrieval", "mrr@10", "Rata-rata peringkat resiprokal (MRR@10)"),
    ("retrieval", "ndcg@10", "Kualitas urutan (nDCG@10)"),
    ("answer", "n", "Dijawab: dapat dijawab, tidak ditolak (answered)"),
    ("answer", "citation_precision", "Presisi sitasi (citation precision)"),
    ("answer", "citation_recall", "Perolehan sitasi (citation recall)"),
    ("answer", "ayat_accuracy", "Ayat yang dikutip tepat (ayat accuracy)"),
    ("answer", "token_f1", "F1 token (token F1)"),
    ("answer", "faithfulness", "Kesetiaan pada sumber (faithfulness)"),
    ("answer", "citation_validity", "Keabsahan sitasi (citation validity)"),
    ("refusal", "accuracy", "Akurasi penolakan (refusal accuracy)"),
    ("refusal", "false_refusals", "Penolakan keliru (false refusals)"),
    ("refusal", "false_answers", "Jawaban keliru (false answers)"),
    ("errors", "count", "Galat (errors)"),
    ("latency_ms", "p50", "Latensi p50, ms (latency p50)"),
    ("latency_ms", "p95", "Latensi p95, ms (latency p95)"),
]
TYPE_COLUMNS = [
    ("retrieval", "hit@5", "hit@5"),
    ("retrieval", "recall@5", "recall@5"),
    ("retrieval", "mrr@10", "MRR@10"),
    ("answer", "citation_precision", "Presisi sitasi (citation precision)"),
    ("answer", "token_f1", "F1 token (token F1)"),
    ("refusal", "accuracy", "Akurasi penolakan (refusal accuracy)"),
    ("errors", "count", "Galat (errors)"),
]
ABLATION_COLUMNS = [
    ("retrieval", "hit@5", "hit@5"),
    ("retrieval", "mrr@10", "MRR@10"),
    ("answer", "citation_precision", "Presisi sitasi (citation precision)"),
    ("refusal", "accuracy", "Akurasi penolakan (refusal accuracy)"),
    ("errors", "count", "Galat (errors)"),
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
    return _table(["Metrik (metric)"] + [_esc(n) for n in names], rows)


def config_type_table(cfg: dict) -> str:
    """One configuration's metrics per question type, one row per type."""
    rows = [
        [_esc(qtype), str(sub["n"])] + [_cell(sub[s].get(k)) for s, k, _ in TYPE_COLUMNS]
        for qtype, sub in cfg["by_type"].items()
    ]
    return _table(["Jenis pertanyaan (type)", "n"] + [label for *_, label in TYPE_COLUMNS], rows)


def type_table(result: dict) -> str:
    """A per-type table for every configuration, each under its own heading."""
    return "\n\n".join(f"### {_esc(name)}\n\n{config_type_table(cfg)}" for name, cfg in result["configs"].items())


def ablation_table(result: dict) -> str:
    """Full hybrid first, then one row per ablation with its MRR@10 change; "" without ablations."""
    ablation = result.get("ablation")
    if not ablation or ablation["baseline"] not in result["configs"]:
        return ""
    base = result["configs"][ablation["baseline"]]
    base_mrr = base["retrieval"].get("mrr@10")
    rows = [["hybrid lengkap (full hybrid)", "–"] + [_cell(base[s].get(k)) for s, k, _ in ABLATION_COLUMNS]]
    for row in ablation["rows"]:
        cfg = result["configs"].get(row["config"])
        if cfg is None:
            continue
        mrr = cfg["retrieval"].get("mrr@10")
        delta = f"{mrr - base_mrr:+.3f}" if mrr is not None and base_mrr is not None else "–"
        rows.append([_esc(row["label"]), delta] + [_cell(cfg[s].get(k)) for s, k, _ in ABLATION_COLUMNS])
    return _table(["Konfigurasi (configuration)", "Δ MRR@10"] + [label for *_, label in ABLATION_COLUMNS], rows, text_columns=1)


def errors_markdown(result: dict) -> str:
    """Every question whose call raised, per configuration; "" when there were none."""
    parts = []
    for name, cfg in result["configs"].items():
        errors = cfg.get("errors", {}).get("questions", [])
        if errors:
            parts.append(f"### {_esc(name)}: {len(errors)} galat (errors)\n")
            parts += [f"- **{_esc(e['id'])}**: {_esc(e['error'])}" for e in errors]
            parts.append("")
    return "\n".join(parts)


def gold_label(g: dict) -> str:
    """A gold reference as text, for each of its three forms."""
    if g.get("pasal"):
        return citation_label(g["doc"], g["pasal"], g.get("ayat"))
    if g.get("section"):
        return f"{g['doc']} › {g['section']}"
    return f"{g['doc']} (seluruh dokumen)"


def _gold_text(gold: list[dict]) -> str:
    return "; ".join(gold_label(g) for g in gold) or "(tidak ada: tidak dapat dijawab)"


def failures_markdown(result: dict) -> str:
    parts = []
    for name, listed in result["failures"].items():
        parts.append(f"### {_esc(name)}: {len(listed)} pertanyaan gagal (failed questions)\n")
        for f in listed:
            retrieved = "; ".join(_esc(r) for r in f["retrieved"]) or "(tidak ada)"
            parts.append(
                f"- **{_esc(f['id'])}** ({_esc(f['type'])}) {_esc(f['question'])}\n"
                f"  - sebab (why): {_esc(f['reason'])}\n"
                f"  - rujukan emas (gold): {_gold_text(f['gold'])}\n"
                f"  - yang ditemukan (retrieved): {retrieved}\n"
                f"  - ditolak (refused): {'ya' if f['refused'] else 'tidak'}"
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
    ax.set(xlabel="k (unit berbeda: Pasal atau bagian)", ylabel="Ditemukan di k teratas (hit@k)", ylim=(0, 1.02),
           xticks=range(1, 11), title="Ditemukan di k teratas per konfigurasi (hit@k)")
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
        ax.set_ylabel("pertanyaan")
        if ax.lines:
            ax.legend(fontsize=8)
    axes[-1].set_xlabel("Latensi, ms (latency)")
    fig.savefig(path, dpi=110)


def main_configs(result: dict) -> dict:
    """The result without its ablation rows (which have their own table): for plots and per-type tables."""
    keep = [n for n in result["configs"] if not n.startswith(ABLATION_PREFIX)]
    return {
        **result,
        "configs": {n: result["configs"][n] for n in keep},
        "failures": {n: f for n, f in result.get("failures", {}).items() if n in keep},
    }


def _bounds(value: tuple | None, signed: bool = False) -> str:
    if value is None:
        return "–"
    fmt = "{:+.3f}" if signed else "{:.3f}"
    *point, low, high = value
    head = fmt.format(point[0]) + " " if point else ""
    return f"{head}[{fmt.format(low)}, {fmt.format(high)}]"


def interval_table(result: dict) -> str:
    """Each configuration's 95% bootstrap interval per headline metric, then hybrid (else the first
    configuration) minus each other one, paired; "" when the result has no per-question scores."""
    configs = main_configs(result)["configs"]
    if not any(cfg.get("per_question") for cfg in configs.values()):
        return ""
    baseline = "hybrid" if "hybrid" in configs else next(iter(configs))
    scoped = {**result, "configs": configs}
    bounds = uncertainty.config_intervals(scoped)
    deltas = uncertainty.differences(scoped, baseline)
    header = ["Metrik (metric)"] + [_esc(n) for n in configs] + [f"{_esc(baseline)} − {_esc(n)}" for n in deltas]
    rows = [[label] + [_bounds(bounds[n][key]) for n in configs] + [_bounds(deltas[n][key], signed=True) for n in deltas]
            for key, label in uncertainty.METRICS]
    return _table(header, rows)


def comparison_markdown(comparison, first: str, second: str) -> str:
    """Two runs of one configuration (``compare.RunComparison``): each figure with its interval, the
    paired difference, and the questions that moved in or out of rank 1."""
    header = ["Metrik (metric)", _esc(first), _esc(second), f"{_esc(second)} − {_esc(first)}"]
    rows = [[label, _bounds(m.first), _bounds(m.second), _bounds(m.difference, signed=True)]
            for key, label in uncertainty.METRICS for m in [comparison.metrics[key]]]
    lines = [f"Konfigurasi (configuration) {_esc(comparison.config)}, {comparison.n} pertanyaan yang sama (shared questions)"
             + (f"; {comparison.only_first} hanya di {_esc(first)}, {comparison.only_second} hanya di {_esc(second)} (left out)"
                if comparison.only_first or comparison.only_second else ""), "", _table(header, rows), ""]
    lines.append(f"Naik ke peringkat 1 (gained hit@1): {', '.join(comparison.gained) or '–'}")
    lines.append(f"Turun dari peringkat 1 (lost hit@1): {', '.join(comparison.lost) or '–'}")
    return "\n".join(lines)


def write_report(result: dict, out_dir: Path) -> Path:
    """Write report.md, result.json, hitk.png and latency.png into out_dir; return report.md's path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    plot_hit_curve(main_configs(result), out_dir / "hitk.png")
    plot_latency(main_configs(result), out_dir / "latency.png")
    ablation = ablation_table(result)
    errors = errors_markdown(result)
    intervals = interval_table(result)
    notes = result.get("dataset_notes") or []
    md = "\n".join([
        f"# Evaluasi (evaluation): {result['dataset']}",
        "",
        f"{result['n']} pertanyaan. Metrik temu kembali (retrieval) dihitung atas pertanyaan yang dapat dijawab, "
        "per unit yang dapat dikutip (Pasal atau bagian Lampiran); metrik jawaban (answer) atas pertanyaan yang "
        "dapat dijawab dan dijawab; akurasi penolakan (refusal accuracy) atas semua pertanyaan. Pertanyaan yang "
        "memunculkan galat (error) dihitung salah, bukan penolakan.",
        "",
        *(["## Catatan set QA (dataset notes)", "", *(f"- {note}" for note in notes), ""] if notes else []),
        "## Konfigurasi (configurations)",
        "",
        markdown_table(result),
        "",
        *(["### Interval kepercayaan 95% (bootstrap confidence intervals)", "",
            "Pertanyaan diambil ulang dengan pengembalian (2.000 kali); selisih antarkonfigurasi berpasangan "
            "(questions resampled with replacement; differences paired over the same questions).", "",
            intervals, ""] if intervals else []),
        "![Ditemukan di k teratas (hit@k)](hitk.png)",
        "",
        "![Latensi (latency)](latency.png)",
        "",
        *(["## Ablasi (ablation)", "", "Setiap baris mematikan satu komponen dari hybrid lengkap "
           "(eval/ablations.toml).", "", ablation, ""] if ablation else []),
        "## Per jenis pertanyaan (by question type)",
        "",
        type_table(main_configs(result)),
        "",
        "## Galat (errors)",
        "",
        errors or "Tidak ada galat (no errors).",
        "",
        "## Pertanyaan gagal (failed questions)",
        "",
        "Pertanyaan yang dapat dijawab tanpa unit emas di 5 teratas, keputusan penolakan yang salah, dan galat.",
        "",
        failures_markdown(main_configs(result)),
    ])
    path = out_dir / "report.md"
    path.write_text(md, encoding="utf-8")
    return path
