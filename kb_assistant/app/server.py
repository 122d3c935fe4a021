"""One FastAPI app: the REST API under /api, OpenAPI docs at /docs, the Gradio UI at /.

UI and API share one :class:`AppServices` (one model, one index reader, one job slot per kind),
so the web app and scripts always see the same corpus and jobs.
"""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI

from kb_assistant.app.api import build_router, install_error_handlers
from kb_assistant.app.services import AppServices
from kb_assistant.settings import Settings, offline_environment

log = logging.getLogger(__name__)

API_DESCRIPTION = """Cited answers from Indonesian regulations for civil servants (ASN), trainers and evaluators.

**Auth.** `POST /api/login` with `{"username", "password"}` returns a bearer token; send it as
`Authorization: Bearer <token>` (valid 8 hours, in memory). HTTP Basic with the same credentials
also works. Trainers may change the corpus and start ingests, evaluators may run evaluations and
read feedback. Whether `/api/ask` needs a login is the `app.chat_requires_login` setting.

**Errors.** Every refusal is a 4xx with `{"error": "<message>"}`; bad input changes nothing.
"""


def create_app(settings: Settings, assistant=None) -> FastAPI:
    """The web app; ``assistant`` is loaded on first use when not given (tests pass a shared one)."""
    import gradio as gr

    from kb_assistant.app.ui import build_ui, mount_options

    offline_environment()
    services = AppServices(settings, assistant)
    app = _fastapi(title="kb-assistant", description=API_DESCRIPTION, version="0.1.0")
    app.state.services = services
    install_error_handlers(app)
    app.include_router(build_router(services))
    demo = build_ui(services)
    max_mb = max(int(settings.corpus.max_file_mb) + 1, 1)
    return gr.mount_gradio_app(
        app, demo, path="/", run_history=False, show_error=True,
        max_file_size=f"{max_mb}mb", mcp_server=False, ssr_mode=False, **mount_options(),
    )


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


def warm_up(services: AppServices) -> None:
    """Load the model in the background so the first question does not wait for it."""

    def load() -> None:
        try:
            services.assistant
        except Exception:  # noqa: BLE001 - reported again, with its reason, on the first question
            log.exception("could not load the assistant")

    threading.Thread(target=load, name="kb-warm-up", daemon=True).start()


def run_server(settings: Settings, host: str, port: int) -> None:
    """`kb serve`: uvicorn in the foreground."""
    import uvicorn

    from kb_assistant.app.auth import UserConfigError

    try:
        app = create_app(settings)
    except UserConfigError as exc:
        raise SystemExit(f"error: app.users / KB_APP__USERS: {exc}") from None
    warm_up(app.state.services)
    print(f"kb-assistant: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="info")
