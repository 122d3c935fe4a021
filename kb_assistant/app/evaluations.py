"""Evaluation runs for evaluators: named QA sets, configurations, background runs, report files.

Every run writes a report folder under ``data_dir/eval-runs``; only the newest
``app.eval_runs_keep`` are kept so a server evaluated daily does not fill its disk.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Callable

from kb_assistant.app.jobs import Job, JobRunner, Progress
from kb_assistant.app.uploads import UploadError
from kb_assistant.settings import PROJECT_ROOT, Settings

EVAL_CONFIGS: tuple[str, ...] = ("bm25", "dense", "hybrid")  # the generator configs need an LLM endpoint
DEV_SET = PROJECT_ROOT.parent / "shared" / "eval-dev" / "qa-dev.jsonl"
OWN_SETS = PROJECT_ROOT / "eval"
REPORT_FILES = ("report.md", "result.json", "hitk.png", "latency.png")
RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")
MAX_EVAL_QUESTIONS = 2000


class EvalService:
    def __init__(self, settings: Settings, assistant: Callable[[], object], jobs: JobRunner) -> None:
        self.settings = settings
        self._assistant = assistant
        self.jobs = jobs

    @property
    def runs_dir(self) -> Path:
        return Path(self.settings.app.data_dir) / "eval-runs"

    def datasets(self) -> dict[str, Path]:
        """Named QA sets: the shared dev set and the project's own eval/*.jsonl."""
        found: dict[str, Path] = {}
        if DEV_SET.is_file():
            found["dev"] = DEV_SET
        for path in sorted(OWN_SETS.glob("*.jsonl")):
            found[f"eval/{path.name}"] = path
        return found

    def load_named_dataset(self, name: str):
        from kb_assistant.evaluation.dataset import load_dataset

        path = self.datasets().get(name)
        if path is None:
            raise UploadError(f"set QA '{name}' tidak dikenal; pilih salah satu dari {', '.join(self.datasets()) or '(tidak ada)'}")
        return load_dataset(path)

    @property
    def configs(self) -> tuple[str, ...]:
        """Retrieval configurations, plus the configured generator's (e.g. hybrid+openai) when there is one."""
        backend = self.settings.answer.backend
        return EVAL_CONFIGS + ((f"hybrid+{backend}",) if backend != "extractive" else ())

    def check(self, items: list, configs: list[str]) -> list[str]:
        """The configurations to run, deduplicated; ValueError for none, unknown ones or a too-large set."""
        configs = list(dict.fromkeys(configs or []))
        if not configs:
            raise ValueError("pilih minimal satu konfigurasi")
        unknown = [c for c in configs if c not in self.configs]
        if unknown:
            raise ValueError(f"konfigurasi tidak dikenal: {', '.join(unknown)}; pilih dari {', '.join(self.configs)}")
        if len(items) > MAX_EVAL_QUESTIONS:
            raise ValueError(f"set QA terlalu besar ({len(items)} pertanyaan, batas {MAX_EVAL_QUESTIONS})")
        return configs

    def start(self, items: list, dataset_name: str, configs: list[str]) -> Job:
        """Run the QA set through the configurations in the background; writes a report folder."""
        configs = self.check(items, configs)

        def work(progress: Progress) -> dict:
            from kb_assistant.evaluation.configs import build_configs
            from kb_assistant.evaluation.gold_docs import resolve_gold_documents
            from kb_assistant.evaluation.report import markdown_table, write_report
            from kb_assistant.evaluation.runner import run_eval

            assistant = self._assistant()
            # "UU 20/2023" → uu-20-2023; references that cannot score (unknown document, no such unit) noted
            resolved = resolve_gold_documents(items, assistant.manifest, assistant.reader.get().chunks.values())
            built = build_configs(self.settings, configs, assistant=assistant)
            progress("memulai", 0.0)
            result = run_eval(resolved.items, built, dataset_name=dataset_name, progress=False,
                              on_progress=lambda done, total: progress(f"{done}/{total} pertanyaan", done / max(total, 1)))
            result["dataset_notes"] = resolved.notes()
            run_id = time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)
            write_report(result, self.runs_dir / run_id)
            self.prune()
            return {"run_id": run_id, "table": markdown_table(result), "result": result}

        return self.jobs.start(work, description=f"{dataset_name} × {', '.join(configs)}")

    def prune(self) -> list[str]:
        """Delete all but the newest ``eval_runs_keep`` run folders (run ids sort by time); returns the deleted ids."""
        keep = max(int(self.settings.app.eval_runs_keep), 1)
        if not self.runs_dir.is_dir():
            return []
        runs = sorted(p.name for p in self.runs_dir.iterdir() if p.is_dir() and RUN_ID.match(p.name))
        old = runs[: max(len(runs) - keep, 0)]
        for run_id in old:
            shutil.rmtree(self.runs_dir / run_id, ignore_errors=True)
        return old

    def runs(self) -> list[dict]:
        """The kept runs, newest first: id, QA set and configurations (to choose two to compare)."""
        if not self.runs_dir.is_dir():
            return []
        listed = []
        for run_id in sorted((p.name for p in self.runs_dir.iterdir() if p.is_dir() and RUN_ID.match(p.name)), reverse=True):
            try:
                result = json.loads((self.runs_dir / run_id / "result.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a run folder without a readable result (interrupted) is not offered
            listed.append({"run_id": run_id, "dataset": result.get("dataset"), "n": result.get("n"), "configs": list(result.get("configs", {}))})
        return listed

    def compare(self, first: str, second: str, config: str) -> dict:
        """Two kept runs paired question by question (``evaluation.compare``); LookupError for an unknown
        run, ValueError when they cannot be compared."""
        from kb_assistant.evaluation.compare import compare_runs, load_run
        from kb_assistant.evaluation.report import comparison_markdown

        comparison = compare_runs(load_run(self.report_file(first, "result.json")), load_run(self.report_file(second, "result.json")), config)
        return {"table": comparison_markdown(comparison, first, second), "n": comparison.n,
                "gained": comparison.gained, "lost": comparison.lost,
                "metrics": {key: vars(m) for key, m in comparison.metrics.items()}}

    def report_file(self, run_id: str, name: str) -> Path:
        """A file of a finished run; LookupError for anything else (ids and names are whitelisted)."""
        if not RUN_ID.match(run_id or "") or name not in REPORT_FILES:
            raise LookupError("laporan tidak ditemukan")
        path = self.runs_dir / run_id / name
        if not path.is_file():
            raise LookupError("laporan tidak ditemukan")
        return path
