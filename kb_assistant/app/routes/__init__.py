"""The REST API under /api, one router per area: auth, chat, corpus, evaluation, ops.

Handlers only translate HTTP to service calls; who may call is a dependency (:mod:`deps`) and
every refusal is a typed exception mapped to its status in :mod:`kb_assistant.app.errors`.
"""

from __future__ import annotations

from fastapi import APIRouter

from kb_assistant.app.routes import auth, chat, corpus, evaluation, ops


def api_router() -> APIRouter:
    router = APIRouter(prefix="/api")
    for area in (auth, chat, corpus, evaluation, ops):
        router.include_router(area.router)
    router.include_router(ops.fallback)  # last: unknown /api paths get a JSON 404
    return router
