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
    from kb_assistant.app.ui import Loader

    with gate.panel:
        view = _layout()
    wiring = _CorpusWiring(services, view, token, [view.table, view.status_doc, view.by, view.remove_doc, chat_docs], chat_choices)
    wiring.wire()
    return CorpusTab(load=Loader(wiring.lists, [token], wiring.listing))


@dataclass
class _CorpusView:
    """The Korpus tab's components (built by :func:`_layout`, wired by :class:`_CorpusWiring`)."""

    table: gr.Dataframe
    refresh: gr.Button
    upload: gr.File
    meta_inputs: list  # id, name, title, type, number, year, status, pasal_expected, url, aliases (METADATA_KEYS order)
    preview_btn: gr.Button
    add_btn: gr.Button
    upload_msg: gr.Markdown
    preview: gr.Markdown
    reindex: gr.Button
    ingest_msg: gr.Markdown
    status_doc: gr.Dropdown
    new_status: gr.Dropdown
    by: gr.Dropdown
    status_btn: gr.Button
    status_msg: gr.Markdown
    remove_doc: gr.Dropdown
    confirm: gr.Checkbox
    remove_btn: gr.Button
    remove_msg: gr.Markdown


METADATA_KEYS = ["id", "name", "title", "type", "number", "year", "status", "pasal_expected", "url", "aliases"]


def _layout() -> _CorpusView:
    """The document table, the upload form with its preview, re-indexing, status and removal."""
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
    meta_inputs = [doc_id, name, title, doc_type, number, year, status, pasal_expected, url, aliases]
    return _CorpusView(table, refresh, upload, meta_inputs, preview_btn, add_btn, upload_msg, preview, reindex, ingest_msg,
                       status_doc, new_status, by, status_btn, status_msg, remove_doc, confirm, remove_btn, remove_msg)


class _CorpusWiring:
    """The trainer's actions; after every change the table and every document picker are refreshed."""

    def __init__(self, services: AppServices, view: _CorpusView, token: gr.State, listing: list, chat_choices) -> None:
        self.services, self.view, self.token, self.listing, self.chat_choices = services, view, token, listing, chat_choices

    def denied(self, token: str | None) -> str | None:
        """Why the session may not curate the corpus (None when it may)."""
        from kb_assistant.app.ui import denied  # ui builds this tab: imported late

        return denied(self.services, token, "corpus")

    def wire(self) -> None:
        v, token, listing = self.view, self.token, self.listing
        v.refresh.click(self.lists, token, listing, api_visibility="private")
        v.preview_btn.click(self.do_preview, [token, v.upload, *v.meta_inputs], [v.upload_msg, v.preview, v.add_btn], api_visibility="private")
        for component in [v.upload, *v.meta_inputs]:
            component.change(lambda: gr.update(interactive=False), None, v.add_btn, api_visibility="private")
        v.add_btn.click(self.do_add, [token, v.upload, *v.meta_inputs], [v.upload_msg, v.add_btn], api_visibility="private").then(
            self.lists, token, listing, api_visibility="private")
        v.reindex.click(self.do_reindex, token, v.ingest_msg, api_visibility="private", concurrency_limit=4).then(
            self.lists, token, listing, api_visibility="private")
        v.status_btn.click(self.do_status, [token, v.status_doc, v.new_status, v.by], v.status_msg, api_visibility="private").then(
            self.lists, token, listing, api_visibility="private")
        v.remove_btn.click(self.do_remove, [token, v.remove_doc, v.confirm], [v.remove_msg, v.confirm], api_visibility="private").then(
            self.lists, token, listing, api_visibility="private")

    def lists(self, current: str | None):
        """Table and every document picker, refreshed together after any change."""
        services = self.services
        if services.sessions.get(current) is None or self.denied(current):
            return [gr.skip()] * len(self.listing)
        try:
            rows = services.document_rows()
        except ManifestError as exc:
            gr.Warning(str(exc))
            return [gr.skip()] * len(self.listing)
        ids = [(f"{r['name']} ({r['id']})", r["id"]) for r in rows]
        return [document_table(rows), gr.update(choices=ids, value=None), gr.update(choices=ids, value=[]),
                gr.update(choices=ids, value=None), gr.update(choices=(self.chat_choices or services.doc_choices)())]

    def _with_upload(self, path: str | None, values: tuple, action):
        """Run ``action(staged_file, metadata)`` on the uploaded file; UploadError/ManifestError pass through."""
        if not path:
            raise UploadError("pilih berkas terlebih dahulu")
        metadata = document_metadata(dict(zip(METADATA_KEYS, values)))
        with staged_path(path, None, _max_bytes(self.services)) as staged:
            return action(staged, metadata)

    def _preview_with_type_check(self, staged, metadata: dict) -> dict:
        result = self.services.preview_document(staged, metadata)
        text = upload_text(staged, _max_bytes(self.services))
        extra = type_warnings(metadata.get("type", ""), text, int(result.get("pasal_found") or 0))
        return result | {"warnings": preview_warnings(extra, list(result.get("warnings") or []))}

    def do_preview(self, current: str | None, path: str | None, *values):
        refusal = self.denied(current)
        if refusal:
            return refusal, "", gr.update(interactive=False)
        try:
            result = self._with_upload(path, values, self._preview_with_type_check)
        except (UploadError, ManifestError) as exc:
            return (f"✖ {_file_name(path)} tidak dapat dibaca: {corpus_error_text(str(exc), _file_name(path))}. Korpus tidak berubah.", "",
                    gr.update(interactive=False))
        note = " Ada catatan parser yang perlu diperiksa." if result.get("warnings") else ""
        return (f"✔ {_file_name(path)} terbaca.{note} Periksa struktur di bawah, lalu klik **Tambahkan ke korpus**.",
                preview_markdown(result), gr.update(interactive=True))

    def do_add(self, current: str | None, path: str | None, *values):
        refusal = self.denied(current)
        if refusal:
            return refusal, gr.update(interactive=False)
        try:
            result = self._with_upload(path, values, self.services.add_document)
        except (UploadError, ManifestError) as exc:
            return (f"✖ {_file_name(path)} tidak ditambahkan: {corpus_error_text(str(exc), _file_name(path))}. Korpus tidak berubah.",
                    gr.update(interactive=False))
        return (f"✔ {result['name']} ditambahkan ({result['pasal_found']} Pasal). Klik **Indeks ulang** agar dapat ditanyakan.",
                gr.update(interactive=False))

    def do_reindex(self, current: str | None, progress=gr.Progress()):
        refusal = self.denied(current)
        if refusal:
            return refusal
        try:
            job = self.services.start_ingest()
        except JobBusyError:
            job = self.services.ingest_jobs.current  # follow the ingest someone else started
        progress(0.0, desc="memulai")
        while job is not None and job.running:
            progress(job.fraction, desc=job.message)
            time.sleep(POLL_S)
        if job is None or job.state == "failed":
            return f"✖ Indeks ulang gagal: {job.error if job else 'tidak ada pekerjaan'}. Indeks lama tetap dipakai."
        return _ingest_summary(job.result or {})

    def do_status(self, current: str | None, target: str | None, value: str, by_ids: list[str] | None):
        refusal = self.denied(current)
        if refusal:
            return refusal
        if not target:
            return "⚠ Pilih dokumen."
        try:
            entry = self.services.set_status(target, value, by_ids or [])
        except (UnknownDocumentError, ManifestError) as exc:
            return f"✖ {corpus_error_text(str(exc), '')}"
        return f"✔ {entry.status_label(self.services.manifest().names())}. Klik **Indeks ulang** agar status ikut tercatat di indeks."

    def do_remove(self, current: str | None, target: str | None, sure: bool):
        refusal = self.denied(current)
        if refusal:
            return refusal, gr.skip()
        if not target:
            return "⚠ Pilih dokumen.", gr.skip()
        if not sure:
            return "⚠ Centang konfirmasi terlebih dahulu.", gr.skip()
        try:
            entry = self.services.remove_document(target)
        except (UnknownDocumentError, ManifestError) as exc:
            return f"✖ {corpus_error_text(str(exc), '')}", gr.skip()
        return f"✔ {entry.name} dihapus dari korpus. Klik **Indeks ulang** untuk mengeluarkannya dari indeks.", False


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
