"""Users, roles and login sessions shared by the web UI and the REST API.

Users come from ``settings.app.users`` (``KB_APP__USERS`` as JSON in deployments) with argon2
hashes only, so no password ever sits in the repository or in a config file. A successful login
gets an opaque random token kept in memory: the Gradio tabs hold it in per-browser state and API
clients send it as ``Authorization: Bearer <token>`` (HTTP Basic is accepted too, for scripts).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

Role = Literal["asn", "trainer", "evaluator"]
Permission = Literal["chat", "corpus", "eval"]
ROLES: tuple[str, ...] = ("asn", "trainer", "evaluator")
ROLE_LABELS = {"asn": "ASN", "trainer": "pelatih", "evaluator": "evaluator"}
# Trainers curate the corpus, evaluators run evaluations; everyone who can log in can chat.
PERMISSIONS: dict[str, frozenset[str]] = {
    "asn": frozenset({"chat"}),
    "trainer": frozenset({"chat", "corpus"}),
    "evaluator": frozenset({"chat", "eval"}),
}
NEEDED_ROLE = {"chat": "asn", "corpus": "trainer", "eval": "evaluator"}
SESSION_TTL_S = 8 * 3600
MAX_PASSWORD_CHARS = 1024

_hasher = PasswordHasher()
# Verifying against a dummy hash for unknown users keeps login time independent of whether the
# user exists, so the response time does not reveal user names.
_DUMMY_HASH = _hasher.hash("kb-assistant-dummy-password")


class UserConfigError(ValueError):
    """The configured users cannot be used (bad role or not an argon2 hash)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def hash_password(password: str) -> str:
    """An argon2id hash for settings/``KB_APP__USERS`` (exposed as ``kb users hash``)."""
    if not isinstance(password, str) or not password:
        raise ValueError("password is empty")
    if len(password) > MAX_PASSWORD_CHARS:
        raise ValueError(f"password is longer than {MAX_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class UserStore:
    """The configured users; checks every entry up front so a typo fails at start-up, not at login."""

    def __init__(self, users: dict[str, dict[str, str]]) -> None:
        self._users: dict[str, tuple[str, str]] = {}
        for name, entry in (users or {}).items():
            if not isinstance(entry, dict):
                raise UserConfigError(f"user '{name}': expected {{role, password_hash}}")
            role = entry.get("role", "")
            password_hash = entry.get("password_hash", "")
            if role not in ROLES:
                raise UserConfigError(f"user '{name}': role must be one of {', '.join(ROLES)}, not '{role}'")
            if not password_hash.startswith("$argon2"):
                raise UserConfigError(f"user '{name}': password_hash must be an argon2 hash (make one with `kb users hash`)")
            self._users[name] = (role, password_hash)

    def __len__(self) -> int:
        return len(self._users)

    def authenticate(self, name: str, password: str) -> User | None:
        if not isinstance(name, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
            return None
        role, password_hash = self._users.get(name, ("", _DUMMY_HASH))
        if not verify_password(password_hash, password) or not role:
            return None
        return User(name=name, role=role)


class SessionStore:
    """In-memory login tokens (a restart logs everyone out, which is acceptable for this tool)."""

    def __init__(self, ttl_s: float = SESSION_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._sessions: dict[str, tuple[User, float]] = {}
        self._lock = threading.Lock()

    def create(self, user: User) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._prune()
            self._sessions[token] = (user, time.monotonic() + self.ttl_s)
        return token

    def get(self, token: str | None) -> User | None:
        if not token or not isinstance(token, str):
            return None
        with self._lock:
            found = self._sessions.get(token)
            if found is None:
                return None
            user, expires = found
            if expires < time.monotonic():
                del self._sessions[token]
                return None
            return user

    def revoke(self, token: str | None) -> None:
        with self._lock:
            self._sessions.pop(token or "", None)

    def _prune(self) -> None:
        now = time.monotonic()
        for token in [t for t, (_, expires) in self._sessions.items() if expires < now]:
            del self._sessions[token]


class LoginThrottled(RuntimeError):
    """Too many wrong passwords for one user name; the message says how long to wait."""


class LoginThrottle:
    """Slows password guessing: after MAX_FAILURES wrong passwords for a name, that name waits LOCK_S."""

    MAX_FAILURES = 5
    LOCK_S = 60.0

    def __init__(self) -> None:
        self._failures: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def check(self, name: str) -> None:
        with self._lock:
            count, since = self._failures.get(name, (0, 0.0))
            wait = since + self.LOCK_S - time.monotonic()
            if count >= self.MAX_FAILURES and wait > 0:
                raise LoginThrottled(f"terlalu banyak percobaan masuk yang salah; coba lagi dalam {int(wait) + 1} detik")
            if count >= self.MAX_FAILURES:
                self._failures.pop(name, None)

    def record(self, name: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._failures.pop(name, None)
            else:
                count, _ = self._failures.get(name, (0, 0.0))
                self._failures[name] = (count + 1, time.monotonic())
                if len(self._failures) > 10_000:  # bounded memory under a flood of made-up names
                    self._failures.clear()


def refusal(user: User | None, permission: str) -> str | None:
    """None when allowed; otherwise the Indonesian message telling the user which login is needed."""
    if user is not None and user.can(permission):
        return None
    needed = ROLE_LABELS[NEEDED_ROLE[permission]]
    if user is None:
        return f"Silakan masuk sebagai {needed} terlebih dahulu."
    return f"Akun '{user.name}' ({ROLE_LABELS.get(user.role, user.role)}) tidak berhak; diperlukan akun {needed}."
