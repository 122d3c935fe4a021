"""One FastAPI app: the REST API under /api, OpenAPI docs at /docs, the Gradio UI at /.

UI and API share one :class:`AppServices` (one model, one index reader, one job slot per kind),
so the web app and scripts always see the same corpus and jobs. The model and index load when
the server starts (health says "warming up"; other requests wait), request bodies are limited
per route before parsing, and Gradio's file handling is held to files uploaded to this server.
"""

from __future__ import annotations

import contextlib
import logging

from fastapi import FastAPI

from kb_assistant.app.api import build_router, install_error_handlers
from kb_assistant.app.limits import BodyLimits
from kb_assistant.app.services import AppServices
from kb_assistant.app.warmup import WarmUpGate
from kb_assistant.settings import Settings, offline_environment

log = logging.getLogger(__name__)

API_DESCRIPTION = """Cited answers from Indonesian regulations for civil servants (ASN), trainers and evaluators.

**Auth.** `POST /api/login` with `{"username", "password"}` returns a bearer token; send it as
`Authorization: Bearer <token>` (valid 8 hours, in memory). HTTP Basic with the same credentials
also works where a login is needed (no session is created). Trainers may change the corpus and
start ingests, evaluators may run evaluations and read feedback. Whether `/api/ask` needs a login
is the `app.chat_requires_login` setting. Logins are throttled per address and per user name.

**Errors.** Every refusal is a 4xx with `{"error": "<message>"}`; bad input changes nothing.
Server errors are a 500 with a generic message and an `error_id` to find the details in the log.
Bodies over the route's limit get 413 before they are read.
"""


def create_app(settings: Settings, assistant=None) -> FastAPI:
    """The web app; ``assistant`` is loaded at start-up when not given (tests pass a shared one)."""
    import gradio as gr

    from kb_assistant.app.ui import build_ui, mount_options

    offline_environment()
    services = AppServices(settings, assistant)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        services.warm_up.start()  # in the background: the port opens, health answers "warming up"
        yield

    app = _fastapi(title="kb-assistant", description=API_DESCRIPTION, version="0.1.0", lifespan=lifespan)
    app.state.services = services
    install_error_handlers(app)
    app.include_router(build_router())
    demo = build_ui(services)
    max_mb = max(int(settings.corpus.max_file_mb) + 1, 1)
    app = gr.mount_gradio_app(
        app, demo, path="/", run_history=False, show_error=False,
        max_file_size=f"{max_mb}mb", mcp_server=False, ssr_mode=False, **mount_options(),
    )
    _hold_gradio_to_uploads(demo)
    app.add_middleware(WarmUpGate, warm_up=services.warm_up, timeout_s=settings.app.warmup_timeout_s)
    app.add_middleware(BodyLimits, settings=settings)  # added last = outermost: before anything reads a body
    return app


def _hold_gradio_to_uploads(demo) -> None:
    """Turn Gradio's path check on for the mounted app.

    Gradio checks that a FileData sent to an event names a file in its upload folder only once
    the Blocks "has launched"; ``mount_gradio_app`` never sets that, so a crafted
    ``{"path": "/any/file"}`` was copied into the cache and handed to our handlers. With the flag
    set, Gradio refuses such a path before copying anything (our handlers check again, see
    :func:`kb_assistant.app.uploads.uploaded_file`).
    """
    demo.has_launched = True


def _fastapi(**kwargs) -> FastAPI:
    """FastAPI with the Swagger UI at /docs served from local files (fastapi-offline) when installed.

    Plain FastAPI loads the Swagger UI from a CDN, which an offline deployment cannot reach.
    """
    try:
        from fastapi_offline import FastAPIOffline
    except ImportError:
        log.warning("fastapi-offline is not installed: /docs loads the Swagger UI from a CDN")
        return FastAPI(docs_url="/docs", redoc_url=None, **kwargs)
    return FastAPIOffline(docs_url="/docs", redoc_url=None, static_url="/api/docs-static", **kwargs)


def run_server(settings: Settings, host: str, port: int) -> None:
    """`kb serve`: uvicorn in the foreground; the model and index load as the server starts."""
    import uvicorn

    from kb_assistant.app.auth import UserConfigError

    try:
        app = create_app(settings)
    except UserConfigError as exc:
        raise SystemExit(f"error: app.users / KB_APP__USERS: {exc}") from None
    print(f"kb-assistant: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
