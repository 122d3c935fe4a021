"""The REST API under /api: ask, corpus, ingest, evaluation, feedback, health.

Auth: ``POST /api/login`` returns a bearer token (send ``Authorization: Bearer <token>``);
HTTP Basic with the same user name and password works where a login is needed (no session is
created). Every refusal is a 4xx with ``{"error": "<message>"}``; bad input never changes the
manifest or the corpus files. The routers live in :mod:`kb_assistant.app.routes`, the
exception → status table in :mod:`kb_assistant.app.errors`.
"""

from __future__ import annotations

from fastapi import APIRouter

from kb_assistant.app.errors import install_error_handlers
from kb_assistant.app.routes import api_router

__all__ = ["build_router", "install_error_handlers"]


def build_router(services=None) -> APIRouter:
    """The /api router; handlers find the services on ``app.state.services`` (set by create_app)."""
    return api_router()
