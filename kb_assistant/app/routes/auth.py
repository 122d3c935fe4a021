"""Login, logout, who am I."""

from __future__ import annotations

from fastapi import APIRouter, Request

from kb_assistant.app.access import NotLoggedIn, WrongCredentials
from kb_assistant.app.auth import SESSION_TTL_S
from kb_assistant.app.routes.deps import Bearer, Basic, Services, client_address, credentialed_user
from kb_assistant.app.routes.models import LoginRequest

router = APIRouter(tags=["auth"])


@router.post("/login", summary="Log in; returns a bearer token")
def login(body: LoginRequest, request: Request, svc: Services) -> dict:
    found = svc.access.login(body.username, body.password, client_address(request))
    if found is None:
        raise WrongCredentials()
    token, user = found
    return {"token": token, "token_type": "bearer", "username": user.name, "role": user.role, "expires_in": SESSION_TTL_S}


@router.post("/logout", summary="End the session of this bearer token")
def logout(svc: Services, bearer: Bearer) -> dict:
    svc.sessions.revoke(bearer.credentials if bearer else None)
    return {"ok": True}


@router.get("/me", summary="Who the token (or Basic credentials) belongs to")
def me(request: Request, svc: Services, bearer: Bearer, basic: Basic) -> dict:
    user = credentialed_user(request, svc, bearer, basic)
    if user is None:
        raise NotLoggedIn("belum masuk")
    return {"username": user.name, "role": user.role}
