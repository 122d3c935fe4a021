"""The REST API under /api: ask, corpus, ingest, evaluation, feedback, health.

Auth: ``POST /api/login`` returns a bearer token (send ``Authorization: Bearer <token>``);
HTTP Basic with the same user name and password works too. Every refusal is a 4xx with
``{"error": "<message>"}``; bad input never changes the manifest or the corpus files.
"""


import json
import logging
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials, HTTPBearer, HTTPAuthorizationCredentials
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb_assistant.app.auth import SESSION_TTL_S, LoginThrottled, User
from kb_assistant.app.jobs import Job, JobBusyError
from kb_assistant.app.services import AccessError, AppServices, UnknownDocumentError
from kb_assistant.app.uploads import UploadError, document_metadata, document_suffix, read_dataset_upload, staged
from kb_assistant.corpus.manifest import ManifestError

log = logging.getLogger(__name__)
WAIT_TIMEOUT_S = 900

_bearer = HTTPBearer(auto_error=False, description="Token from POST /api/login.")
_basic = HTTPBasic(auto_error=False, description="The same user name and password as the web login.")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LoginRequest(Strict):
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1024)


class Turn(Strict):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskRequest(Strict):
    question: str = Field(max_length=2000, description="The question, 1-2000 characters.")
    history: list[Turn] = Field(default_factory=list, max_length=50, description="Earlier turns, oldest first, for follow-up questions.")
    docs: list[str] | None = Field(None, max_length=100, description="Only these document ids.")
    include_repealed: bool | None = Field(None, description="true/false overrides the automatic choice.")
    mode: Literal["hybrid", "dense", "bm25"] = "hybrid"
    stream: bool = Field(False, description="Stream NDJSON lines {'text': ...} then {'answer': ...}.")


class StatusRequest(Strict):
    status: Literal["berlaku", "dicabut", "diubah"]
    by: list[str] = Field(default_factory=list, max_length=20, description="Ids of the repealing/amending documents.")


class IngestRequest(Strict):
    force: bool = False


class EvalRequest(Strict):
    dataset: str | None = Field(None, description="A name from GET /api/eval/datasets.")
    jsonl: str | None = Field(None, max_length=5 * 1024 * 1024, description="A QA set given inline as JSON Lines text.")
    name: str = Field("uploaded.jsonl", max_length=200, description="Name shown in the report for an inline set.")
    configs: list[str] = Field(min_length=1, max_length=10)


class FeedbackRequest(Strict):
    kind: Literal["useful", "wrong_citation", "wrong_answer"]
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field("", max_length=20_000)
    citations: list[str] = Field(default_factory=list, max_length=50)
    comment: str = Field("", max_length=2000)


def error(status: int, message: str, headers: dict | None = None) -> HTTPException:
    return HTTPException(status_code=status, detail=message, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """One JSON shape for every refusal: {"error": message} (plus "problems" for validation)."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(e) for e in exc.errors()]
        return JSONResponse({"error": "permintaan tidak sah: " + "; ".join(problems[:5]), "problems": problems}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse({"error": "kesalahan internal; lihat log server"}, status_code=500)


def _problem(err: dict) -> str:
    if err.get("type") == "json_invalid":
        return "isi permintaan bukan JSON yang sah"
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
    where = ".".join(loc) or "isi permintaan"
    if err.get("type") == "missing":
        return f"'{where}' wajib diisi"
    return f"'{where}': {err.get('msg', 'nilai tidak sah')}"


def build_router(services: AppServices) -> APIRouter:
    router = APIRouter(prefix="/api")

    def principal(
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        basic: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
    ) -> str | None:
        """The session token of the caller (Basic credentials are exchanged for one per request)."""
        if bearer is not None:
            if services.sessions.get(bearer.credentials) is None:
                raise error(401, "token tidak sah atau kedaluwarsa; masuk lagi lewat POST /api/login", {"WWW-Authenticate": "Bearer"})
            return bearer.credentials
        if basic is not None:
            try:
                found = services.login(basic.username, basic.password)
            except LoginThrottled as exc:
                raise error(429, str(exc)) from None
            if found is None:
                raise error(401, "nama pengguna atau kata sandi salah", {"WWW-Authenticate": "Basic"})
            return found[0]
        return None

    Token = Annotated[str | None, Depends(principal)]

    def need(token: str | None, permission: str) -> User:
        try:
            return services.require(token, permission)
        except AccessError as exc:
            raise error(exc.status, str(exc), {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None) from None

    def chat_user(token: str | None) -> User | None:
        try:
            return services.chat_user(token)
        except AccessError as exc:
            raise error(exc.status, str(exc)) from None

    # ---------------------------------------------------------------- session
    @router.post("/login", tags=["auth"], summary="Log in; returns a bearer token")
    def login(body: LoginRequest) -> dict:
        try:
            found = services.login(body.username, body.password)
        except LoginThrottled as exc:
            raise error(429, str(exc)) from None
        if found is None:
            raise error(401, "nama pengguna atau kata sandi salah")
        token, user = found
        return {"token": token, "token_type": "bearer", "username": user.name, "role": user.role, "expires_in": SESSION_TTL_S}

    @router.post("/logout", tags=["auth"], summary="End the session of this bearer token")
    def logout(bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> dict:
        services.sessions.revoke(bearer.credentials if bearer else None)
        return {"ok": True}

    @router.get("/me", tags=["auth"], summary="Who the token belongs to")
    def me(token: Token) -> dict:
        user = services.sessions.get(token)
        if user is None:
            raise error(401, "belum masuk", {"WWW-Authenticate": "Bearer"})
        return {"username": user.name, "role": user.role}

    # ---------------------------------------------------------------- chat
    @router.post("/ask", tags=["chat"], summary="Answer a question with cited Pasal")
    def ask(body: AskRequest, token: Token):
        from kb_assistant.answer.types import Answer
        from kb_assistant.indexing.store import IndexUnavailableError

        chat_user(token)
        try:
            filters = services.filters(body.docs, body.include_repealed)
            history = [t.model_dump() for t in body.history]
            events = services.assistant.ask_stream(body.question, history=history, filters=filters, mode=body.mode)
            first = next(events)  # validates the question before any response is sent
        except ValueError as exc:
            raise error(400, str(exc)) from None
        except IndexUnavailableError as exc:
            raise error(503, str(exc)) from None
        if not body.stream:
            answer = first
            for answer in events:
                pass
            assert isinstance(answer, Answer)
            return answer.to_public_json()

        def lines():
            for event in _chain(first, events):
                if isinstance(event, Answer):
                    yield json.dumps({"answer": event.to_public_json()}, ensure_ascii=False) + "\n"
                else:
                    yield json.dumps({"text": event}, ensure_ascii=False) + "\n"

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @router.post("/feedback", tags=["chat"], status_code=201, summary="Judge an answer (useful / wrong citation / wrong answer)")
    def feedback(body: FeedbackRequest, token: Token) -> dict:
        user = chat_user(token)
        try:
            row_id = services.feedback.add(body.kind, body.question, body.answer, body.citations, body.comment, user.name if user else "")
        except ValueError as exc:
            raise error(400, str(exc)) from None
        return {"id": row_id}

    @router.get("/feedback", tags=["evaluation"], summary="Stored user feedback (evaluator)")
    def list_feedback(token: Token, limit: int = Query(200, ge=1, le=5000)) -> dict:
        need(token, "eval")
        return {"counts": services.feedback.counts(), "feedback": services.feedback.list(limit)}

    # ---------------------------------------------------------------- corpus
    @router.get("/documents", tags=["corpus"], summary="Documents with status, file, Pasal parsed/expected, last indexed")
    def documents(token: Token) -> dict:
        chat_user(token)
        try:
            return {"documents": services.document_rows()}
        except ManifestError as exc:
            raise error(409, str(exc)) from None

    @router.post("/documents", tags=["corpus"], status_code=201, summary="Upload a PDF/Markdown/text with its metadata (trainer)")
    def add_document(
        token: Token,
        file: Annotated[UploadFile, File(description="PDF, .md or .txt")],
        id: Annotated[str, Form(description="Stable id, e.g. perpres-95-2018")] = "",
        name: Annotated[str, Form(description="Citation name, e.g. 'Perpres 95/2018'")] = "",
        title: Annotated[str, Form()] = "",
        type: Annotated[str, Form(description="UU, PP, Perpres, Permen, SE, guide, module, other")] = "other",
        number: Annotated[str, Form()] = "",
        year: Annotated[str, Form()] = "",
        status: Annotated[str, Form(description="berlaku, dicabut or diubah")] = "berlaku",
        pasal_expected: Annotated[str, Form()] = "",
        url: Annotated[str, Form()] = "",
        aliases: Annotated[str, Form(description="Comma-separated other names")] = "",
        preview: Annotated[bool, Form(description="Only parse and return the preview; change nothing")] = False,
    ):
        need(token, "corpus")
        form = {"id": id, "name": name, "title": title, "type": type, "number": number, "year": year, "status": status,
                "pasal_expected": pasal_expected, "url": url, "aliases": aliases}
        try:
            metadata = document_metadata(form)
            suffix = document_suffix(file.filename)
            with staged(file.file, suffix, _max_bytes(services)) as path:
                if preview:
                    return JSONResponse({"preview": services.preview_document(path, metadata)}, status_code=200)
                return {"document": services.add_document(path, metadata), "next": "POST /api/ingest untuk mengindeksnya"}
        except (UploadError, ManifestError) as exc:
            raise error(_upload_status(str(exc)), str(exc)) from None

    @router.get("/documents/{doc_id}", tags=["corpus"], summary="One document with its parsed Pasal tree")
    def document(doc_id: str, token: Token) -> dict:
        chat_user(token)
        from kb_assistant.app.services import preview_dict
        from kb_assistant.corpus.catalog import inspect_document

        manifest = services.manifest()
        if not manifest.has(doc_id):
            raise error(404, f"tidak ada dokumen dengan id '{doc_id}'")
        return {"document": preview_dict(inspect_document(services.settings, manifest.get(doc_id)))}

    @router.patch("/documents/{doc_id}", tags=["corpus"], summary="Mark a document berlaku, dicabut or diubah (trainer)")
    def change_status(doc_id: str, body: StatusRequest, token: Token) -> dict:
        need(token, "corpus")
        try:
            entry = services.set_status(doc_id, body.status, body.by)
        except UnknownDocumentError as exc:
            raise error(404, str(exc)) from None
        except ManifestError as exc:
            raise error(400, str(exc)) from None
        return {"document": entry.model_dump(), "status_label": entry.status_label(services.manifest().names())}

    @router.delete("/documents/{doc_id}", tags=["corpus"], summary="Remove a document (trainer); re-index afterwards")
    def delete_document(doc_id: str, token: Token) -> dict:
        need(token, "corpus")
        try:
            entry = services.remove_document(doc_id)
        except UnknownDocumentError as exc:
            raise error(404, str(exc)) from None
        except ManifestError as exc:
            raise error(409, str(exc)) from None
        return {"removed": entry.id, "next": "POST /api/ingest untuk memperbarui indeks"}

    @router.post("/ingest", tags=["corpus"], status_code=202, summary="Re-index what changed, in the background (trainer)")
    def start_ingest(token: Token, body: IngestRequest | None = None, wait: bool = Query(False, description="Block until done")):
        need(token, "corpus")
        try:
            job = services.start_ingest(force=bool(body and body.force))
        except JobBusyError as exc:
            raise error(409, str(exc)) from None
        return _job_response(services.ingest_jobs.wait(WAIT_TIMEOUT_S) if wait else job, wait)

    @router.get("/ingest", tags=["corpus"], summary="The current or last ingest job (trainer)")
    def ingest_status(token: Token) -> dict:
        need(token, "corpus")
        job = services.ingest_jobs.current
        return {"job": job.public() if job else None}

    # ---------------------------------------------------------------- evaluation
    @router.get("/eval/datasets", tags=["evaluation"], summary="QA sets and configurations to choose from (evaluator)")
    def eval_datasets(token: Token) -> dict:
        need(token, "eval")
        return {"datasets": list(services.datasets()), "configs": list(services.eval_configs)}

    @router.post("/eval", tags=["evaluation"], status_code=202, summary="Run a QA set through configurations (evaluator)")
    def start_eval(body: EvalRequest, token: Token, wait: bool = Query(False, description="Block until done")):
        need(token, "eval")
        if (body.dataset is None) == (body.jsonl is None):
            raise error(400, "berikan tepat satu dari 'dataset' (nama) atau 'jsonl' (isi set QA)")
        try:
            if body.dataset is not None:
                items, name = services.load_named_dataset(body.dataset), body.dataset
            else:
                from kb_assistant.evaluation.dataset import parse_dataset

                items, name = parse_dataset(body.jsonl or "", body.name), body.name
            return _eval(items, name, body.configs, wait)
        except ValueError as exc:  # DatasetError and UploadError are ValueErrors
            raise error(400, str(exc)) from None

    @router.post("/eval/upload", tags=["evaluation"], status_code=202, summary="Run an uploaded JSONL QA set (evaluator)")
    def start_eval_upload(
        token: Token,
        file: Annotated[UploadFile, File(description="QA set in JSON Lines")],
        configs: Annotated[list[str], Form(description="Configuration names (repeat the field)")],
        wait: bool = Query(False, description="Block until done"),
    ):
        need(token, "eval")
        from kb_assistant.evaluation.dataset import parse_dataset

        try:
            name, text = read_dataset_upload(file.file, file.filename)
            return _eval(parse_dataset(text, name), name, configs, wait)
        except ValueError as exc:
            raise error(400, str(exc)) from None

    def _eval(items: list, name: str, configs: list[str], wait: bool):
        try:
            job = services.start_eval(items, name, configs)
        except JobBusyError as exc:
            raise error(409, str(exc)) from None
        return _job_response(services.eval_jobs.wait(WAIT_TIMEOUT_S) if wait else job, wait)

    @router.get("/eval", tags=["evaluation"], summary="The current or last evaluation job with its metrics (evaluator)")
    def eval_status(token: Token) -> dict:
        need(token, "eval")
        job = services.eval_jobs.current
        return {"job": job.public() if job else None}

    @router.get("/eval/runs/{run_id}/{file_name}", tags=["evaluation"], summary="Download report.md, result.json or a plot (evaluator)")
    def eval_file(run_id: str, file_name: str, token: Token):
        need(token, "eval")
        try:
            path = services.report_file(run_id, file_name)
        except LookupError as exc:
            raise error(404, str(exc)) from None
        return FileResponse(path, filename=f"{run_id}-{file_name}")

    # ---------------------------------------------------------------- ops
    @router.get("/health", tags=["ops"], summary="Index and model state")
    def health() -> dict:
        return services.health()

    @router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def unknown(rest: str, request: Request):
        """Unknown /api paths get a JSON 404 here instead of falling through to the web UI."""
        raise error(404, f"tidak ada endpoint {request.method} /api/{rest}; lihat /docs")

    return router


def _chain(first, rest):
    yield first
    yield from rest


def _job_response(job: Job | None, waited: bool) -> JSONResponse:
    assert job is not None
    if waited and job.state == "failed":
        return JSONResponse({"error": job.error or "gagal", "job": job.public()}, status_code=409)
    finished = waited and not job.running
    return JSONResponse({"job": job.public(with_result=finished)}, status_code=200 if finished else 202)


def _max_bytes(services: AppServices) -> int:
    return int(services.settings.corpus.max_file_mb * 1024 * 1024)


def _upload_status(message: str) -> int:
    if "already exists" in message:
        return 409
    if "lebih besar" in message or "over the" in message:
        return 413
    if "tidak didukung" in message or "unsupported file type" in message:
        return 415
    return 400
