"""FastAPI dependencies: the services, the caller's address, and who the caller is.

Bearer tokens are a dictionary lookup; HTTP Basic costs an argon2 check, so it is only looked at
where credentials are needed (:func:`need`), never on open endpoints, and never makes a session.
"""

from __future__ import annotations

from typing import Annotated, Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer

from kb_assistant.app.access import NotLoggedIn
from kb_assistant.app.auth import User
from kb_assistant.app.services import AppServices

bearer_scheme = HTTPBearer(auto_error=False, description="Token from POST /api/login.")
basic_scheme = HTTPBasic(auto_error=False, description="The same user name and password as the web login (no session is created).")


def services(request: Request) -> AppServices:
    return request.app.state.services


Services = Annotated[AppServices, Depends(services)]
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
Basic = Annotated[HTTPBasicCredentials | None, Depends(basic_scheme)]


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def bearer_user(svc: Services, bearer: Bearer) -> User | None:
    """The session user of a bearer token; None without one; NotLoggedIn for an unknown or expired token."""
    if bearer is None:
        return None
    user = svc.access.token_user(bearer.credentials)
    if user is None:
        raise NotLoggedIn("token tidak sah atau kedaluwarsa; masuk lagi lewat POST /api/login")
    return user


def credentialed_user(request: Request, svc: Services, bearer: Bearer, basic: Basic) -> User | None:
    """Bearer first, else HTTP Basic (throttled, briefly cached), else None."""
    user = bearer_user(svc, bearer)
    if user is None and basic is not None:
        user = svc.access.basic_user(basic.username, basic.password, client_address(request))
    return user


def need(permission: str) -> Callable[..., User]:
    """A dependency giving the caller if it has ``permission`` (NotLoggedIn 401 / Forbidden 403 otherwise)."""

    def dependency(svc: Services, user: Annotated[User | None, Depends(credentialed_user)]) -> User:
        return svc.access.check(user, permission)

    return dependency


def chat_caller(request: Request, svc: Services, bearer: Bearer, basic: Basic) -> User | None:
    """Who is chatting: any bearer user when chat is open; a checked login when the setting requires one."""
    if svc.settings.app.chat_requires_login:
        return svc.access.check(credentialed_user(request, svc, bearer, basic), "chat")
    return bearer_user(svc, bearer)


ChatCaller = Annotated[User | None, Depends(chat_caller)]
Trainer = Annotated[User, Depends(need("corpus"))]
Evaluator = Annotated[User, Depends(need("eval"))]
