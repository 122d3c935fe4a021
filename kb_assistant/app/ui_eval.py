"""Evaluasi tab (evaluators): pick or upload a QA set, run configurations, read metrics, plots, failures, feedback."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from kb_assistant.app.jobs import JobBusyError
from kb_assistant.app.render import FAILURE_HEADERS, FEEDBACK_HEADERS, failure_table, feedback_table
from kb_assistant.app.services import REPORT_FILES, AppServices
from kb_assistant.app.uploads import UploadError, read_dataset_upload

UPLOAD = "__upload__"
POLL_S = 0.5


@dataclass
class EvalTab:
    load: object


def build(services: AppServices, token: gr.State, gate) -> EvalTab:
    from kb_assistant.app.ui import Loader, denied

    with gate.panel:
        gr.Markdown("### Set QA dan konfigurasi")
        with gr.Row():
            dataset = gr.Radio(label="Set QA", choices=[], elem_id="eval-dataset", scale=2)
            configs = gr.CheckboxGroup(list(services.eval_configs), value=["hybrid"], label="Konfigurasi", elem_id="eval-configs", scale=1)
        upload = gr.File(label="Set QA sendiri (JSON Lines)", file_types=[".jsonl"], type="filepath", elem_id="eval-upload")
        with gr.Row():
            check = gr.Button("Periksa set QA", elem_id="eval-check")
            run = gr.Button("Jalankan evaluasi", variant="primary", elem_id="eval-run")
        message = gr.Markdown(elem_id="eval-msg", elem_classes=["kb-message"])
        gr.Markdown("### Hasil")
        table = gr.Markdown(elem_id="eval-table")
        with gr.Row():
            hitk = gr.Image(label="hit@k", type="filepath", interactive=False, elem_id="eval-hitk")
            latency = gr.Image(label="Latensi", type="filepath", interactive=False, elem_id="eval-latency")
        failures = gr.Dataframe(headers=FAILURE_HEADERS, label="Pertanyaan yang gagal", interactive=False, wrap=True, elem_id="eval-failures")
        with gr.Row():
            download_md = gr.DownloadButton("Unduh laporan Markdown", visible=False, elem_id="eval-download-md")
            download_json = gr.DownloadButton("Unduh hasil JSON", visible=False, elem_id="eval-download-json")
        gr.Markdown("### Masukan pengguna")
        feedback_counts = gr.Markdown(elem_id="feedback-counts")
        feedback = gr.Dataframe(headers=FEEDBACK_HEADERS, interactive=False, wrap=True, elem_id="feedback-table")
        feedback_refresh = gr.Button("Muat ulang masukan", size="sm", elem_id="feedback-refresh")

    def items_for(choice: str | None, path: str | None):
        from kb_assistant.evaluation.dataset import parse_dataset

        if choice == UPLOAD:
            if not path:
                raise UploadError("unggah berkas .jsonl terlebih dahulu")
            with open(path, "rb") as stream:
                name, text = read_dataset_upload(stream, Path(path).name)
            return parse_dataset(text, name), name
        if not choice:
            raise UploadError("pilih set QA")
        return services.load_named_dataset(choice), choice

    def do_check(current: str | None, choice: str | None, path: str | None):
        refusal = denied(services, current, "eval")
        if refusal:
            return refusal
        try:
            items, name = items_for(choice, path)
        except ValueError as exc:
            return f"✖ Set QA tidak dapat dipakai:\n\n```\n{exc}\n```"
        answerable = sum(1 for i in items if i.answerable)
        types = sorted({i.type for i in items})
        return f"✔ {name}: {len(items)} pertanyaan ({answerable} dapat dijawab); jenis: {', '.join(types)}."

    check.click(do_check, [token, dataset, upload], message, api_visibility="private")

    result_outputs = [message, table, hitk, latency, failures, download_md, download_json]

    def do_run(current: str | None, choice: str | None, path: str | None, names: list[str], progress=gr.Progress()):
        refusal = denied(services, current, "eval")
        if refusal:
            return [refusal] + [gr.skip()] * 6
        try:
            items, name = items_for(choice, path)
            job = services.start_eval(items, name, names or [])
        except JobBusyError as exc:
            return [f"⚠ {exc}"] + [gr.skip()] * 6
        except ValueError as exc:
            return [f"✖ Tidak dapat dijalankan:\n\n```\n{exc}\n```"] + [gr.skip()] * 6
        progress(0.0, desc="memulai")
        while job.running:
            progress(job.fraction, desc=job.message)
            time.sleep(POLL_S)
        if job.state == "failed" or not job.result:
            return [f"✖ Evaluasi gagal: {job.error}"] + [gr.skip()] * 6
        result = job.result
        files = _downloadable(services, result["run_id"])
        seconds = (job.finished_at or time.time()) - job.started_at
        return [
            f"✔ Selesai: {result['result']['n']} pertanyaan × {len(result['result']['configs'])} konfigurasi dalam {seconds:.0f} detik (laporan {result['run_id']}).",
            result["table"], str(files["hitk.png"]), str(files["latency.png"]), failure_table(result["result"]),
            gr.update(value=str(files["report.md"]), visible=True), gr.update(value=str(files["result.json"]), visible=True),
        ]

    run.click(do_run, [token, dataset, upload, configs], result_outputs, api_visibility="private", concurrency_limit=4)

    def load_feedback(current: str | None):
        if services.sessions.get(current) is None or denied(services, current, "eval"):
            return gr.skip(), gr.skip()
        counts = services.feedback.counts()
        summary = f"Berguna: **{counts['useful']}** · Rujukan salah: **{counts['wrong_citation']}** · Jawaban salah: **{counts['wrong_answer']}**"
        return summary, feedback_table(services.feedback.list())

    feedback_refresh.click(load_feedback, token, [feedback_counts, feedback], api_visibility="private")

    def load(current: str | None):
        if services.sessions.get(current) is None or denied(services, current, "eval"):
            return gr.skip(), gr.skip(), gr.skip()
        choices = [(_dataset_label(name, path), name) for name, path in services.datasets().items()]
        choices.append(("Unggah set QA sendiri (JSONL)", UPLOAD))
        counts, rows = load_feedback(current)
        return gr.update(choices=choices, value=choices[0][1]), counts, rows

    return EvalTab(load=Loader(load, [token], [dataset, feedback_counts, feedback]))


def _dataset_label(name: str, path: Path) -> str:
    try:
        count = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    except OSError:
        return name
    label = "Set dev bersama (qa-dev.jsonl)" if name == "dev" else name
    return f"{label} — {count} pertanyaan"


def _downloadable(services: AppServices, run_id: str) -> dict[str, Path]:
    """Copies of the run's files in a fresh temp folder, which Gradio may serve (the data dir stays private)."""
    folder = Path(tempfile.mkdtemp(prefix=f"kb-eval-{run_id}-"))
    out = {}
    for name in REPORT_FILES:
        target = folder / f"{run_id}-{name}" if name.endswith((".md", ".json")) else folder / name
        shutil.copyfile(services.report_file(run_id, name), target)
        out[name] = target
    return out
