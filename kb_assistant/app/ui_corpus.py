"""Korpus tab (trainers): document list, upload with parse preview, re-index with progress, status, removal."""

from __future__ import annotations

import time
from dataclasses import dataclass

import gradio as gr

from kb_assistant.app.jobs import JobBusyError
from kb_assistant.app.corpus_guide import DOC_TYPES, FIELD_HELP, corpus_error_text, preview_warnings, type_warnings, upload_text
from kb_assistant.app.render import DOCUMENT_HEADERS, document_table, preview_markdown
from kb_assistant.app.services import STATUSES, AppServices, UnknownDocumentError
from kb_assistant.app.uploads import UploadError, document_metadata, staged_path
from kb_assistant.corpus.manifest import ManifestError

POLL_S = 0.5


@dataclass
class CorpusTab:
    load: object


def build(services: AppServices, token: gr.State, gate, chat_docs: gr.Dropdown, chat_choices=None) -> CorpusTab:
    from kb_assistant.app.ui import Loader, denied

    with gate.panel:
        gr.Markdown("### Dokumen dalam korpus")
        table = gr.Dataframe(headers=DOCUMENT_HEADERS, interactive=False, wrap=True, elem_id="doc-table")
        refresh = gr.Button("Muat ulang daftar", size="sm", elem_id="doc-refresh")

        with gr.Accordion("Unggah dokumen baru", open=True, elem_id="upload-section"):
            gr.Markdown("Unggah berkas, isi keterangannya, klik **Pratinjau hasil baca** untuk memeriksa Pasal yang terbaca, "
                        "lalu **Tambahkan ke korpus** dan **Indeks ulang**. Kolom bertanda * wajib diisi.")
            upload = gr.File(label="Berkas PDF, Markdown atau teks *", file_types=[".pdf", ".md", ".txt"], type="filepath", elem_id="upload-file")
            gr.Markdown(FIELD_HELP["upload"], elem_classes=["kb-meta"])
            with gr.Row():
                doc_id = gr.Textbox(label="id *", placeholder="perpres-95-2018", info=FIELD_HELP["id"], elem_id="meta-id", max_lines=1)
                name = gr.Textbox(label="Nama singkat *", placeholder="Perpres 95/2018", info=FIELD_HELP["name"], elem_id="meta-name", max_lines=1)
                doc_type = gr.Dropdown(DOC_TYPES, value="Perpres", label="Jenis *", info=FIELD_HELP["type"], elem_id="meta-type")
            title = gr.Textbox(label="Judul lengkap *", info=FIELD_HELP["title"], elem_id="meta-title", max_lines=2)
            with gr.Row():
                number = gr.Textbox(label="Nomor", info=FIELD_HELP["number"], elem_id="meta-number", max_lines=1)
                year = gr.Textbox(label="Tahun", info=FIELD_HELP["year"], elem_id="meta-year", max_lines=1)
                status = gr.Dropdown(list(STATUSES), value="berlaku", label="Status", info=FIELD_HELP["status"], elem_id="meta-status")
                pasal_expected = gr.Textbox(label="Jumlah Pasal (jika diketahui)", info=FIELD_HELP["pasal"], elem_id="meta-pasal", max_lines=1)
            with gr.Row():
                url = gr.Textbox(label="URL sumber resmi", info=FIELD_HELP["url"], elem_id="meta-url", max_lines=1)
                aliases = gr.Textbox(label="Nama lain (pisahkan dengan koma)", info=FIELD_HELP["aliases"], elem_id="meta-aliases", max_lines=1)
            with gr.Row():
                preview_btn = gr.Button("Pratinjau hasil baca", elem_id="preview-btn")
                add_btn = gr.Button("Tambahkan ke korpus", variant="primary", interactive=False, elem_id="add-btn")
            upload_msg = gr.Markdown(elem_id="upload-msg", elem_classes=["kb-message"])
            preview = gr.Markdown(elem_id="preview", max_height=420)

        gr.Markdown("### Indeks")
        with gr.Row():
            reindex = gr.Button("Indeks ulang (hanya yang berubah)", variant="primary", elem_id="reindex-btn")
        ingest_msg = gr.Markdown(elem_id="ingest-msg", elem_classes=["kb-message"])

        with gr.Accordion("Ubah status dokumen", open=False, elem_id="status-section"):
            with gr.Row():
                status_doc = gr.Dropdown(label="Dokumen", choices=[], elem_id="status-doc")
                new_status = gr.Dropdown(list(STATUSES), value="dicabut", label="Status baru", elem_id="status-value")
                by = gr.Dropdown(label="Dicabut/diubah oleh", multiselect=True, choices=[], elem_id="status-by")
            status_btn = gr.Button("Simpan status", elem_id="status-btn")
            status_msg = gr.Markdown(elem_id="status-msg", elem_classes=["kb-message"])

        with gr.Accordion("Hapus dokumen", open=False, elem_id="remove-section"):
            with gr.Row():
                remove_doc = gr.Dropdown(label="Dokumen", choices=[], elem_id="remove-doc")
                confirm = gr.Checkbox(label="Saya yakin ingin menghapus dokumen ini dari korpus", elem_id="remove-confirm")
            remove_btn = gr.Button("Hapus dokumen", variant="stop", elem_id="remove-btn")
            remove_msg = gr.Markdown(elem_id="remove-msg", elem_classes=["kb-message"])

    listing = [table, status_doc, by, remove_doc, chat_docs]

    def lists(current: str | None):
        """Table and every document picker, refreshed together after any change."""
        if services.sessions.get(current) is None or denied(services, current, "corpus"):
            return [gr.skip()] * len(listing)
        try:
            rows = services.document_rows()
        except ManifestError as exc:
            gr.Warning(str(exc))
            return [gr.skip()] * len(listing)
        ids = [(f"{r['name']} ({r['id']})", r["id"]) for r in rows]
        return [document_table(rows), gr.update(choices=ids, value=None), gr.update(choices=ids, value=[]),
                gr.update(choices=ids, value=None), gr.update(choices=(chat_choices or services.doc_choices)())]

    refresh.click(lists, token, listing, api_visibility="private")

    meta_inputs = [doc_id, name, title, doc_type, number, year, status, pasal_expected, url, aliases]

    def metadata_of(values: tuple) -> dict:
        keys = ["id", "name", "title", "type", "number", "year", "status", "pasal_expected", "url", "aliases"]
        return document_metadata(dict(zip(keys, values)))

    def with_upload(path: str | None, values: tuple, action):
        """Run ``action(staged_file, metadata)`` on the uploaded file; UploadError/ManifestError pass through."""
        if not path:
            raise UploadError("pilih berkas terlebih dahulu")
        metadata = metadata_of(values)
        with staged_path(path, None, _max_bytes(services)) as staged:
            return action(staged, metadata)

    def do_preview(current: str | None, path: str | None, *values):
        refusal = denied(services, current, "corpus")
        if refusal:
            return refusal, "", gr.update(interactive=False)
        def preview_with_type_check(staged, metadata: dict) -> dict:
            result = services.preview_document(staged, metadata)
            text = upload_text(staged, _max_bytes(services))
            extra = type_warnings(metadata.get("type", ""), text, int(result.get("pasal_found") or 0))
            return result | {"warnings": preview_warnings(extra, list(result.get("warnings") or []))}

        try:
            result = with_upload(path, values, preview_with_type_check)
        except (UploadError, ManifestError) as exc:
            return (f"✖ {_file_name(path)} tidak dapat dibaca: {corpus_error_text(str(exc), _file_name(path))}. Korpus tidak berubah.", "",
                    gr.update(interactive=False))
        note = " Ada catatan parser yang perlu diperiksa." if result.get("warnings") else ""
        return (f"✔ {_file_name(path)} terbaca.{note} Periksa struktur di bawah, lalu klik **Tambahkan ke korpus**.",
                preview_markdown(result), gr.update(interactive=True))

    preview_btn.click(do_preview, [token, upload, *meta_inputs], [upload_msg, preview, add_btn], api_visibility="private")
    for component in [upload, *meta_inputs]:
        component.change(lambda: gr.update(interactive=False), None, add_btn, api_visibility="private")

    def do_add(current: str | None, path: str | None, *values):
        refusal = denied(services, current, "corpus")
        if refusal:
            return refusal, gr.update(interactive=False)
        try:
            result = with_upload(path, values, services.add_document)
        except (UploadError, ManifestError) as exc:
            return (f"✖ {_file_name(path)} tidak ditambahkan: {corpus_error_text(str(exc), _file_name(path))}. Korpus tidak berubah.",
                    gr.update(interactive=False))
        return (f"✔ {result['name']} ditambahkan ({result['pasal_found']} Pasal). Klik **Indeks ulang** agar dapat ditanyakan.",
                gr.update(interactive=False))

    add_btn.click(do_add, [token, upload, *meta_inputs], [upload_msg, add_btn], api_visibility="private").then(
        lists, token, listing, api_visibility="private")

    def do_reindex(current: str | None, progress=gr.Progress()):
        refusal = denied(services, current, "corpus")
        if refusal:
            return refusal
        try:
            job = services.start_ingest()
        except JobBusyError:
            job = services.ingest_jobs.current  # follow the ingest someone else started
        progress(0.0, desc="memulai")
        while job is not None and job.running:
            progress(job.fraction, desc=job.message)
            time.sleep(POLL_S)
        if job is None or job.state == "failed":
            return f"✖ Indeks ulang gagal: {job.error if job else 'tidak ada pekerjaan'}. Indeks lama tetap dipakai."
        return _ingest_summary(job.result or {})

    reindex.click(do_reindex, token, ingest_msg, api_visibility="private", concurrency_limit=4).then(
        lists, token, listing, api_visibility="private")

    def do_status(current: str | None, target: str | None, value: str, by_ids: list[str] | None):
        refusal = denied(services, current, "corpus")
        if refusal:
            return refusal
        if not target:
            return "⚠ Pilih dokumen."
        try:
            entry = services.set_status(target, value, by_ids or [])
        except (UnknownDocumentError, ManifestError) as exc:
            return f"✖ {corpus_error_text(str(exc), '')}"
        return f"✔ {entry.status_label(services.manifest().names())}. Klik **Indeks ulang** agar status ikut tercatat di indeks."

    status_btn.click(do_status, [token, status_doc, new_status, by], status_msg, api_visibility="private").then(
        lists, token, listing, api_visibility="private")

    def do_remove(current: str | None, target: str | None, sure: bool):
        refusal = denied(services, current, "corpus")
        if refusal:
            return refusal, gr.skip()
        if not target:
            return "⚠ Pilih dokumen.", gr.skip()
        if not sure:
            return "⚠ Centang konfirmasi terlebih dahulu.", gr.skip()
        try:
            entry = services.remove_document(target)
        except (UnknownDocumentError, ManifestError) as exc:
            return f"✖ {corpus_error_text(str(exc), '')}", gr.skip()
        return f"✔ {entry.name} dihapus dari korpus. Klik **Indeks ulang** untuk mengeluarkannya dari indeks.", False

    remove_btn.click(do_remove, [token, remove_doc, confirm], [remove_msg, confirm], api_visibility="private").then(
        lists, token, listing, api_visibility="private")

    return CorpusTab(load=Loader(lists, [token], listing))


def _ingest_summary(details: dict) -> str:
    docs = details.get("documents", {})
    parts = [f"✔ Indeks diperbarui dalam {details.get('seconds', 0)} detik: {details.get('nodes', 0)} node."]
    for key, label in (("added", "ditambahkan"), ("updated", "diperbarui"), ("removed", "dihapus"), ("unchanged", "tidak berubah")):
        if docs.get(key):
            parts.append(f"- {label}: {', '.join(docs[key])}")
    for doc, message in (details.get("failed") or {}).items():
        parts.append(f"- ✖ gagal {doc}: {message}")
    if details.get("missing"):
        parts.append(f"- berkas tidak ditemukan: {', '.join(details['missing'])}")
    return "\n".join(parts)


def _file_name(path: str | None) -> str:
    """The name the trainer chose (Gradio keeps it as the last part of the upload's path)."""
    from pathlib import Path

    return f"Berkas '{Path(path).name}'" if path else "Berkas"


def _max_bytes(services: AppServices) -> int:
    return int(services.settings.corpus.max_file_mb * 1024 * 1024)
