"""`kb bench`: measured figures for the index, queries, load, memory and a llama-index baseline."""

from __future__ import annotations

import json
import time
from pathlib import Path

from kb_assistant.settings import Settings

SECTIONS = ("index", "query", "baseline", "cold", "load")


def run_bench(settings: Settings, what: str, out: Path, dataset: Path, clients: int = 20, seconds: float = 60.0,
              login_flood: bool = False) -> dict:
    """Run the chosen sections (or all) and write bench.json and bench.md into ``out``."""
    chosen = SECTIONS if what == "all" else tuple(w.strip() for w in what.split(","))
    unknown = [w for w in chosen if w not in SECTIONS]
    if unknown:
        raise ValueError(f"unknown bench section(s) {unknown}; choose from {', '.join(SECTIONS)} or all")
    result: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "sections": {}}
    if "index" in chosen:
        from kb_assistant.bench.index_bench import bench_index

        result["sections"]["index"] = bench_index(settings)
    if "query" in chosen:
        from kb_assistant.bench.query_bench import bench_queries

        result["sections"]["query"] = bench_queries(settings, dataset)
    if "baseline" in chosen:
        from kb_assistant.bench.baseline import bench_baseline

        result["sections"]["baseline"] = bench_baseline(settings, dataset)
    if "cold" in chosen:
        from kb_assistant.bench.load_bench import bench_cold_start

        result["sections"]["cold"] = bench_cold_start(settings, dataset)
    if "load" in chosen:
        from kb_assistant.bench.load_bench import bench_load

        result["sections"]["load"] = bench_load(settings, clients=clients, seconds=seconds, dataset=dataset, login_flood=login_flood)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    (out / "bench.md").write_text(to_markdown(result), encoding="utf-8")
    return result


def to_markdown(result: dict) -> str:
    lines = [f"# kb bench ({result['started']})", ""]
    for name, section in result["sections"].items():
        lines += [f"## {name}", "", "| measure | value |", "|---|---|"]
        for key, value in _flatten(section):
            lines.append(f"| {key} | {value} |")
        lines.append("")
    return "\n".join(lines)


def _flatten(data: dict, prefix: str = ""):
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, name + ".")
        elif isinstance(value, list):
            yield name, ", ".join(str(v) for v in value[:12])
        else:
            yield name, value
