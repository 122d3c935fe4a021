"""One JSON shape for every refusal, status codes keyed on exception types, and error ids.

Services raise typed exceptions; this table decides the HTTP status (the first class of the
exception's MRO found here wins, so a subclass can be more specific). Anything not in the table
is unexpected: its text may hold internals (an LLM server URL and its reply, a file path), so it
goes to the log under a short error id and the caller gets a generic message with that id.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb_assistant.app.access import AccessError, Forbidden, NotLoggedIn
from kb_assistant.app.auth import LoginBusy, LoginThrottled
from kb_assistant.app.jobs import JobBusyError
from kb_assistant.app.uploads import RequestInvalid, UnsupportedUpload, UploadError, UploadTooLarge
from kb_assistant.corpus.manifest import ManifestError
from kb_assistant.curation.service import DocumentExistsError, UnknownDocumentError
from kb_assistant.indexing.store import IndexUnavailableError

log = logging.getLogger(__name__)


class WarmingUp(RuntimeError):
    """The server is still loading the model and index."""


STATUS_BY_TYPE: dict[type[BaseException], int] = {
    NotLoggedIn: 401,
    Forbidden: 403,
    AccessError: 403,
    LoginBusy: 503,
    LoginThrottled: 429,
    UnknownDocumentError: 404,
    DocumentExistsError: 409,
    JobBusyError: 409,
    UploadTooLarge: 413,
    UnsupportedUpload: 415,
    RequestInvalid: 422,
    UploadError: 400,
    ManifestError: 400,
    IndexUnavailableError: 503,
    WarmingUp: 503,
    LookupError: 404,
    ValueError: 400,
}
HEADERS_BY_STATUS = {401: {"WWW-Authenticate": "Bearer"}, 503: {"Retry-After": "5"}}


def status_of(exc: BaseException) -> int | None:
    """The HTTP status for a known refusal, None for an unexpected error."""
    if isinstance(exc, AccessError) and type(exc) is AccessError:
        return exc.status  # the UI-era form: AccessError(message, 401|403)
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_TYPE:
            return STATUS_BY_TYPE[cls]
    return None


def error_id() -> str:
    return secrets.token_hex(4)


def internal_message(ident: str) -> str:
    return f"terjadi kesalahan di server (kode {ident}); laporkan kode ini kepada admin"


def log_unexpected(exc: BaseException, where: str) -> str:
    """Log ``exc`` with its traceback under a new error id; returns the id."""
    ident = error_id()
    log.error("error %s in %s: %s: %s", ident, where, type(exc).__name__, exc, exc_info=exc)
    return ident


def public_message(exc: BaseException, where: str = "job") -> str:
    """What a user may read about ``exc``: a refusal's text, or a generic message with a logged error id."""
    if status_of(exc) is not None:
        return str(exc)
    return internal_message(log_unexpected(exc, where))


def refusal_response(exc: BaseException, where: str) -> JSONResponse:
    status = status_of(exc)
    if status is None:
        ident = log_unexpected(exc, where)
        return JSONResponse({"error": internal_message(ident), "error_id": ident}, status_code=500)
    return JSONResponse({"error": str(exc)}, status_code=status, headers=HEADERS_BY_STATUS.get(status))


def install_error_handlers(app: FastAPI) -> None:
    """Typed refusals → their status; validation → 422 with problems; everything else → 500 with an id."""

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(e) for e in exc.errors()]
        return JSONResponse({"error": "permintaan tidak sah: " + "; ".join(problems[:5]), "problems": problems}, status_code=422)

    async def _refused(request: Request, exc: Exception) -> JSONResponse:
        return refusal_response(exc, f"{request.method} {request.url.path}")

    for cls in STATUS_BY_TYPE:  # handled in the exception middleware: a clean response, nothing re-raised
        app.add_exception_handler(cls, _refused)
    app.add_exception_handler(Exception, _refused)  # unexpected: logged with an id, generic 500


def _problem(err: dict) -> str:
    if err.get("type") == "json_invalid":
        return "isi permintaan bukan JSON yang sah"
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
    where = ".".join(loc) or "isi permintaan"
    if err.get("type") == "missing":
        return f"'{where}' wajib diisi"
    return f"'{where}': {err.get('msg', 'nilai tidak sah')}"
