"""Documents, their status and the ingest job (changes need a trainer)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from kb_assistant.app.routes.deps import ChatCaller, Services, Trainer
from kb_assistant.app.routes.forms import form_bool, form_file, form_text, multipart_schema, read_form
from kb_assistant.app.routes.jobs import WAIT_TIMEOUT_S, job_response
from kb_assistant.app.routes.models import IngestRequest, StatusRequest
from kb_assistant.app.uploads import document_metadata, document_suffix, staged

router = APIRouter(tags=["corpus"])

META_FIELDS = ("id", "name", "title", "type", "number", "year", "status", "pasal_expected", "url", "aliases")
UPLOAD_FORM = multipart_schema({
    "file": {"type": "string", "format": "binary", "description": "PDF, .md or .txt"},
    "id": {"type": "string", "description": "Stable id, e.g. perpres-95-2018"},
    "name": {"type": "string", "description": "Citation name, e.g. 'Perpres 95/2018'"},
    "title": {"type": "string"},
    "type": {"type": "string", "description": "UU, PP, Perpres, Permen, SE, guide, module, other"},
    "number": {"type": "string"}, "year": {"type": "string"},
    "status": {"type": "string", "description": "berlaku, dicabut or diubah"},
    "pasal_expected": {"type": "string"}, "url": {"type": "string"},
    "aliases": {"type": "string", "description": "Comma-separated other names"},
    "preview": {"type": "boolean", "description": "Only parse and return the preview; change nothing"},
}, ["file", "id", "name", "title"])


@router.get("/documents", summary="Documents with status, file, Pasal parsed/expected, last indexed")
def documents(svc: Services, user: ChatCaller) -> dict:
    return {"documents": svc.document_rows()}


@router.post("/documents", status_code=201, summary="Upload a PDF/Markdown/text with its metadata (trainer)", openapi_extra=UPLOAD_FORM)
async def add_document(request: Request, svc: Services, user: Trainer):
    """The body is read only now, after the trainer check: an anonymous upload is refused unread."""
    async with read_form(request) as form:
        upload = form_file(form)
        metadata = document_metadata({key: form_text(form, key) for key in META_FIELDS})
        suffix = document_suffix(upload.filename)
        preview = form_bool(form, "preview")
        max_bytes = int(svc.settings.corpus.max_file_mb * 1024 * 1024)

        def work():
            with staged(upload.file, suffix, max_bytes) as path:
                if preview:
                    return JSONResponse({"preview": svc.preview_document(path, metadata)}, status_code=200)
                return {"document": svc.add_document(path, metadata), "next": "POST /api/ingest untuk mengindeksnya"}

        return await run_in_threadpool(work)


@router.get("/documents/{doc_id}", summary="One document with its parsed Pasal tree")
def document(doc_id: str, svc: Services, user: ChatCaller) -> dict:
    return {"document": svc.document(doc_id)}


@router.patch("/documents/{doc_id}", summary="Mark a document berlaku, dicabut or diubah (trainer)")
def change_status(doc_id: str, body: StatusRequest, svc: Services, user: Trainer) -> dict:
    entry = svc.set_status(doc_id, body.status, body.by)
    return {"document": entry.model_dump(), "status_label": entry.status_label(svc.manifest().names())}


@router.delete("/documents/{doc_id}", summary="Remove a document (trainer); re-index afterwards")
def delete_document(doc_id: str, svc: Services, user: Trainer) -> dict:
    entry = svc.remove_document(doc_id)
    return {"removed": entry.id, "next": "POST /api/ingest untuk memperbarui indeks"}


@router.post("/ingest", status_code=202, summary="Re-index what changed, in the background (trainer)")
def start_ingest(svc: Services, user: Trainer, body: IngestRequest | None = None, wait: bool = Query(False, description="Block until done")):
    job = svc.start_ingest(force=bool(body and body.force))
    return job_response(svc.ingest_jobs.wait(WAIT_TIMEOUT_S) if wait else job, wait)


@router.get("/ingest", summary="The current or last ingest job (trainer)")
def ingest_status(svc: Services, user: Trainer) -> dict:
    job = svc.ingest_jobs.current
    return {"job": job.public() if job else None}
