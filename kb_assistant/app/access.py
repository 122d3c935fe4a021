"""Access control shared by the web UI and the REST API: who is calling and what they may do.

Password checks are the expensive part (argon2, 64 MiB), so they run only where credentials are
needed, at most ``login_concurrency`` at once, behind the per-address/per-name throttle; HTTP Basic
is checked the same way but never creates a session, and a successful check is remembered briefly.
"""

from __future__ import annotations

from kb_assistant.app.auth import (
    BasicCache, LoginBusy, LoginThrottle, PasswordChecks, SessionStore, User, UserStore, refusal,
)
from kb_assistant.settings import Settings


class AccessError(PermissionError):
    """Not logged in (``status`` 401) or logged in without the needed role (403)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class NotLoggedIn(AccessError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 401)


class Forbidden(AccessError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 403)


class WrongCredentials(NotLoggedIn):
    def __init__(self) -> None:
        super().__init__("nama pengguna atau kata sandi salah")


class AccessService:
    def __init__(self, settings: Settings) -> None:
        app = settings.app
        self.settings = settings
        self.users = UserStore(app.users)
        self.sessions = SessionStore()
        self.throttle = LoginThrottle(app.login_address_failures, app.login_address_window_s,
                                      app.login_name_failures, app.login_name_max_backoff_s)
        self.checks = PasswordChecks(app.login_concurrency, app.login_wait_s)
        self.basic_cache = BasicCache(app.basic_cache_s)

    def authenticate(self, username: str, password: str, client: str | None = None) -> User | None:
        """The user for a right name and password, None otherwise; LoginThrottled/LoginBusy first."""
        attempt = self.throttle.begin(username, client)
        user = None
        try:
            with self.checks.slot():
                user = self.users.authenticate(username, password)
        except LoginBusy:
            self.throttle.cancel(attempt)  # never checked: it must not count against the name
            raise
        self.throttle.finish(attempt, user is not None)
        return user

    def login(self, username: str, password: str, client: str | None = None) -> tuple[str, User] | None:
        """(token, user) of a new session, or None for a wrong name/password."""
        user = self.authenticate(username, password, client)
        if user is None:
            return None
        return self.sessions.create(user), user

    def basic_user(self, username: str, password: str, client: str | None = None) -> User:
        """The user of HTTP Basic credentials (cached briefly; no session); WrongCredentials otherwise."""
        cached = self.basic_cache.get(username, password)
        if cached is not None:
            return cached
        user = self.authenticate(username, password, client)
        if user is None:
            raise WrongCredentials()
        self.basic_cache.put(username, password, user)
        return user

    def token_user(self, token: str | None) -> User | None:
        return self.sessions.get(token)

    @staticmethod
    def check(user: User | None, permission: str) -> User:
        """``user`` when it has the permission; NotLoggedIn/Forbidden otherwise."""
        message = refusal(user, permission)
        if message:
            raise NotLoggedIn(message) if user is None else Forbidden(message)
        assert user is not None
        return user

    def require(self, token: str | None, permission: str) -> User:
        return self.check(self.sessions.get(token), permission)

    @property
    def chat_requires_login(self) -> bool:
        return self.settings.app.chat_requires_login
