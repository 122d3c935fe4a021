"""Evaluasi tab (evaluators): pick or upload a QA set, run configurations, read metrics, plots, failures, feedback."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from kb_assistant.app.jobs import JobBusyError
from kb_assistant.app.eval_view import (
    compare_markdown, dataset_problem_text, failures_html, paired_markdown, past_runs, report_zip, result_markdown, types_markdown,
)
from kb_assistant.app.render import FEEDBACK_HEADERS, feedback_table
from kb_assistant.app.services import AppServices
from kb_assistant.app.uploads import UploadError, read_dataset_upload

UPLOAD = "__upload__"
POLL_S = 0.5


@dataclass
class EvalTab:
    load: object


def build(services: AppServices, token: gr.State, gate) -> EvalTab:
    from kb_assistant.app.ui import Loader

    with gate.panel:
        view = _layout(services)
    wiring = _EvalWiring(services, view, token)
    wiring.wire()
    return EvalTab(load=Loader(wiring.load, [token], [view.dataset, view.feedback_counts, view.feedback, view.past]))


@dataclass
class _EvalView:
    """The Evaluasi tab's components (built by :func:`_layout`, wired by :class:`_EvalWiring`)."""

    dataset: gr.Radio
    configs: gr.CheckboxGroup
    upload: gr.File
    check: gr.Button
    run: gr.Button
    message: gr.Markdown
    table: gr.Markdown
    hitk: gr.Image
    latency: gr.Image
    types_table: gr.Markdown
    failures: gr.HTML
    download: gr.DownloadButton
    past: gr.CheckboxGroup
    compare: gr.Button
    comparison: gr.Markdown
    feedback_counts: gr.Markdown
    feedback: gr.Dataframe
    feedback_refresh: gr.Button


def _layout(services: AppServices) -> _EvalView:
    """QA set and configurations, the results with plots, earlier runs side by side, user feedback."""
    gr.Markdown("### Set QA dan konfigurasi")
    with gr.Row():
        dataset = gr.Radio(label="Set QA", choices=[], elem_id="eval-dataset", scale=2)
        configs = gr.CheckboxGroup(list(services.eval_configs), value=["hybrid"], label="Konfigurasi", elem_id="eval-configs", scale=1,
                                   info="bm25: kata kunci; dense: kemiripan makna; hybrid: gabungan keduanya (dipakai di Tanya Jawab).")
    upload = gr.File(label="Set QA sendiri (JSON Lines, satu pertanyaan per baris)", file_types=[".jsonl"], type="filepath", elem_id="eval-upload")
    with gr.Row():
        check = gr.Button("Periksa set QA", elem_id="eval-check")
        run = gr.Button("Jalankan evaluasi", variant="primary", elem_id="eval-run")
    message = gr.Markdown(elem_id="eval-msg", elem_classes=["kb-message"])
    gr.Markdown("### Hasil")
    table = gr.Markdown(elem_id="eval-table")
    with gr.Row():
        hitk = gr.Image(label="Ketepatan per jumlah Pasal teratas (hit@k)", type="filepath", interactive=False, elem_id="eval-hitk",
                        buttons=["download"])
        latency = gr.Image(label="Sebaran latensi (latency)", type="filepath", interactive=False, elem_id="eval-latency", buttons=["download"])
    gr.Markdown("#### Per jenis pertanyaan")
    types_table = gr.Markdown(elem_id="eval-types")
    gr.Markdown("#### Pertanyaan yang gagal")
    failures = gr.HTML(elem_id="eval-failures")
    download = gr.DownloadButton("Unduh laporan (zip: Markdown, JSON dan grafik)", visible=False, elem_id="eval-download")
    with gr.Accordion("Evaluasi sebelumnya", open=False, elem_id="eval-history"):
        past = gr.CheckboxGroup(label="Pilih satu atau beberapa evaluasi untuk dibandingkan", choices=[], elem_id="eval-past")
        compare = gr.Button("Bandingkan berdampingan", size="sm", elem_id="eval-compare")
        comparison = gr.Markdown(elem_id="eval-comparison")
    gr.Markdown("### Masukan pengguna")
    feedback_counts = gr.Markdown(elem_id="feedback-counts")
    feedback = gr.Dataframe(headers=FEEDBACK_HEADERS, interactive=False, wrap=True, elem_id="feedback-table")
    feedback_refresh = gr.Button("Muat ulang masukan", size="sm", elem_id="feedback-refresh")
    return _EvalView(dataset, configs, upload, check, run, message, table, hitk, latency, types_table, failures, download,
                     past, compare, comparison, feedback_counts, feedback, feedback_refresh)


class _EvalWiring:
    """The evaluator's actions: check a QA set, run it, compare runs, read user feedback."""

    def __init__(self, services: AppServices, view: _EvalView, token: gr.State) -> None:
        self.services, self.view, self.token = services, view, token

    def wire(self) -> None:
        v, token = self.view, self.token
        v.check.click(self.do_check, [token, v.dataset, v.upload], v.message, api_visibility="private")
        result_outputs = [v.message, v.table, v.hitk, v.latency, v.types_table, v.failures, v.download, v.past]
        v.run.click(self.do_run, [token, v.dataset, v.upload, v.configs], result_outputs, api_visibility="private", concurrency_limit=4)
        v.feedback_refresh.click(self.load_feedback, token, [v.feedback_counts, v.feedback], api_visibility="private")
        v.compare.click(self.do_compare, [token, v.past], v.comparison, api_visibility="private")

    def denied(self, token: str | None) -> str | None:
        """Why the session may not run evaluations (None when it may)."""
        from kb_assistant.app.ui import denied  # ui builds this tab: imported late

        return denied(self.services, token, "eval")

    def items_for(self, choice: str | None, path: str | None):
        from kb_assistant.evaluation.dataset import parse_dataset

        if choice == UPLOAD:
            if not path:
                raise UploadError("unggah berkas .jsonl terlebih dahulu")
            with open(path, "rb") as stream:
                name, text = read_dataset_upload(stream, Path(path).name)
            return parse_dataset(text, name), name
        if not choice:
            raise UploadError("pilih set QA")
        return self.services.load_named_dataset(choice), choice

    def do_check(self, current: str | None, choice: str | None, path: str | None):
        refusal = self.denied(current)
        if refusal:
            return refusal
        try:
            items, name = self.items_for(choice, path)
        except ValueError as exc:
            return dataset_problem_text(_dataset_name(choice, path), exc)
        answerable = sum(1 for i in items if i.answerable)
        types = sorted({i.type for i in items})
        return f"✔ {name}: {len(items)} pertanyaan ({answerable} dapat dijawab); jenis: {', '.join(types)}."

    def do_run(self, current: str | None, choice: str | None, path: str | None, names: list[str], progress=gr.Progress()):
        services = self.services
        refusal = self.denied(current)
        if refusal:
            return [refusal] + [gr.skip()] * 7
        try:
            items, name = self.items_for(choice, path)
            job = services.start_eval(items, name, names or [])
        except JobBusyError as exc:
            return [f"⚠ {exc}"] + [gr.skip()] * 7
        except ValueError as exc:
            return [dataset_problem_text(_dataset_name(choice, path), exc)] + [gr.skip()] * 7
        progress(0.0, desc="memulai")
        while job.running:
            progress(job.fraction, desc=job.message)
            time.sleep(POLL_S)
        if job.state == "failed" or not job.result:
            return [f"✖ Evaluasi gagal: {job.error}"] + [gr.skip()] * 7
        result = job.result
        seconds = (job.finished_at or time.time()) - job.started_at
        done = (f"✔ Selesai: {result['result']['n']} pertanyaan × {len(result['result']['configs'])} konfigurasi "
                f"dalam {seconds:.0f} detik (laporan {result['run_id']}).")
        return [done] + _run_view(services, result["run_id"], result["result"]) + [gr.update(choices=past_runs(services.eval_runs()))]

    def load_feedback(self, current: str | None):
        if self.services.sessions.get(current) is None or self.denied(current):
            return gr.skip(), gr.skip()
        counts = self.services.feedback.counts()
        summary = f"Berguna: **{counts['useful']}** · Rujukan salah: **{counts['wrong_citation']}** · Jawaban salah: **{counts['wrong_answer']}**"
        return summary, feedback_table(self.services.feedback.list())

    def do_compare(self, current: str | None, chosen: list[str] | None):
        refusal = self.denied(current)
        if refusal:
            return refusal
        runs = []
        for run_id in chosen or []:
            try:
                runs.append((run_id, json.loads(self.services.report_file(run_id, "result.json").read_text(encoding="utf-8"))))
            except (LookupError, OSError, ValueError):
                continue
        if len(runs) == 2:  # two runs: also paired question by question, the older one first
            older, newer = sorted(runs, key=lambda run: run[0])
            return compare_markdown(runs) + "\n\n#### Berpasangan per pertanyaan (paired)\n\n" + paired_markdown(older, newer)
        return compare_markdown(runs)

    def load(self, current: str | None):
        services = self.services
        if services.sessions.get(current) is None or self.denied(current):
            return gr.skip(), gr.skip(), gr.skip(), gr.skip()
        choices = [(_dataset_label(name, path), name) for name, path in services.datasets().items()]
        choices.append(("Unggah set QA sendiri (JSONL)", UPLOAD))
        counts, rows = self.load_feedback(current)
        return gr.update(choices=choices, value=choices[0][1]), counts, rows, gr.update(choices=past_runs(services.eval_runs()))


def _dataset_label(name: str, path: Path) -> str:
    try:
        count = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    except OSError:
        return name
    label = "Set dev bersama (qa-dev.jsonl)" if name == "dev" else name
    return f"{label} — {count} pertanyaan"


def _run_view(services: AppServices, run_id: str, result: dict) -> list:
    """Table, plots, per-type table, failures and the zip of one finished run."""
    files = _downloadable(services, run_id)
    return [result_markdown(result), str(files["hitk.png"]), str(files["latency.png"]), types_markdown(result), failures_html(result),
            gr.update(value=str(files["zip"]), visible=True)]


def _downloadable(services: AppServices, run_id: str) -> dict[str, Path]:
    """Copies of the run's plots and its zip in a fresh temp folder, which Gradio may serve (the data dir stays private)."""
    folder = Path(tempfile.mkdtemp(prefix=f"kb-eval-{run_id}-"))
    run_dir = services.report_file(run_id, "result.json").parent
    out = {}
    for name in ("hitk.png", "latency.png"):
        target = folder / name
        shutil.copyfile(services.report_file(run_id, name), target)
        out[name] = target
    out["zip"] = report_zip(run_dir, run_id, folder)
    return out


def _dataset_name(choice: str | None, path: str | None) -> str:
    return Path(path).name if choice == UPLOAD and path else (choice or "?")
