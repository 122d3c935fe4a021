"""Health, and a JSON 404 for unknown /api paths (instead of falling through to the web UI)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request

from kb_assistant.app.routes.deps import Services

router = APIRouter(tags=["ops"])
fallback = APIRouter(include_in_schema=False)


@router.get("/health", summary="Start-up, index and model state")
def health(svc: Services) -> dict:
    return svc.health()


@fallback.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def unknown(rest: str, request: Request):
    raise HTTPException(404, f"tidak ada endpoint {request.method} /api/{rest}; lihat /docs")
