"""Users, roles and login sessions shared by the web UI and the REST API.

Users come from ``settings.app.users`` (``KB_APP__USERS`` as JSON in deployments) with argon2
hashes only, so no password ever sits in the repository or in a config file. A successful login
gets an opaque random token kept in memory: the Gradio tabs hold it in per-browser state and API
clients send it as ``Authorization: Bearer <token>`` (HTTP Basic is accepted too, for scripts;
it never creates a session). Password checks are bounded and throttled (see :class:`LoginThrottle`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cachetools import TTLCache

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
MAX_SESSIONS_PER_USER = 50  # a script logging in in a loop cannot grow the table without bound
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
            own = [t for t, (u, _) in self._sessions.items() if u.name == user.name]
            for old in own[: max(len(own) - MAX_SESSIONS_PER_USER + 1, 0)]:  # oldest first (dict order)
                del self._sessions[old]
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
    """Too many wrong passwords from this address or for this user name; the message says how long to wait."""


class LoginBusy(LoginThrottled):
    """Every password-check slot stayed busy for the whole wait (a login flood); try again shortly."""


class PasswordChecks:
    """At most ``limit`` argon2 checks at once: each takes 64 MiB and a CPU core for ~50 ms, so an
    unbounded flood would eat the memory and the cores the answers need."""

    def __init__(self, limit: int = 2, wait_s: float = 5.0) -> None:
        self._slots = threading.BoundedSemaphore(max(1, limit))
        self.wait_s = wait_s

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait_s):
            raise LoginBusy("server sedang sibuk memeriksa kata sandi; coba lagi sebentar lagi")
        try:
            yield
        finally:
            self._slots.release()


@dataclass(frozen=True)
class Attempt:
    """A reserved login attempt: counted as a failure until :meth:`LoginThrottle.finish` says otherwise."""

    name: str
    address: str | None


class LoginThrottle:
    """Per client address first, then per user name, checked and reserved under one lock.

    An address may send ``address_failures`` wrong passwords per window, then its logins get 429
    without a password check, so one flooding client stops counting against the names it tries.
    A name backs off after ``name_failures`` wrong passwords (1 s, 2 s, 4 s … capped), so the real
    user waits at most ``name_max_backoff_s`` whatever the flood. Each attempt is counted as a
    failure when it starts (parallel guesses cannot all slip through) and undone on success.
    Both tables are bounded LRU caches with expiry: a flood of made-up names evicts the oldest
    entries instead of resetting everyone's counts.
    """

    def __init__(self, address_failures: int = 10, address_window_s: float = 300.0, name_failures: int = 5,
                 name_max_backoff_s: float = 30.0, clock: Callable[[], float] = time.monotonic, max_entries: int = 100_000) -> None:
        self.address_failures = address_failures
        self.name_failures = name_failures
        self.name_max_backoff_s = name_max_backoff_s
        self._clock = clock
        self._addresses: TTLCache = TTLCache(max_entries, ttl=address_window_s, timer=clock)
        self._names: TTLCache = TTLCache(max_entries, ttl=max(name_max_backoff_s, 1.0) * 20, timer=clock)
        self._lock = threading.Lock()

    def begin(self, name: str, address: str | None = None) -> Attempt:
        """Reserve an attempt; LoginThrottled (nothing reserved) when the address or name must wait."""
        with self._lock:
            now = self._clock()
            if address is not None:
                count, since = self._addresses.get(address, (0, now))
                if count >= self.address_failures:
                    wait = self._addresses.ttl - (now - since)
                    raise LoginThrottled(f"terlalu banyak percobaan masuk yang salah dari alamat ini; coba lagi dalam {int(wait) + 1} detik")
            failures, last = self._names.get(name, (0, now))
            if failures >= self.name_failures:
                wait = self.backoff(failures) - (now - last)
                if wait > 0:
                    raise LoginThrottled(f"terlalu banyak percobaan masuk yang salah; coba lagi dalam {int(wait) + 1} detik")
            if address is not None:
                count, since = self._addresses.get(address, (0, now))
                self._addresses[address] = (count + 1, since)
            self._names[name] = (failures + 1, now)
        return Attempt(name, address)

    def finish(self, attempt: Attempt, ok: bool) -> None:
        """A right password clears the name and gives the address its attempt back; a wrong one
        starts the name's backoff from now (the check itself may have taken a while)."""
        if ok:
            self.cancel(attempt)
            with self._lock:
                self._names.pop(attempt.name, None)
            return
        with self._lock:
            if attempt.name in self._names:
                failures, _ = self._names[attempt.name]
                self._names[attempt.name] = (failures, self._clock())

    def cancel(self, attempt: Attempt) -> None:
        """Undo a reservation whose password was never checked (no free check slot)."""
        with self._lock:
            if attempt.name in self._names:
                failures, last = self._names[attempt.name]
                self._names[attempt.name] = (max(failures - 1, 0), last)
            if attempt.address is not None and attempt.address in self._addresses:
                count, since = self._addresses[attempt.address]
                self._addresses[attempt.address] = (max(count - 1, 0), since)

    def backoff(self, failures: int) -> float:
        return min(2.0 ** max(failures - self.name_failures, 0), self.name_max_backoff_s)

    def __len__(self) -> int:
        return len(self._names)


class BasicCache:
    """Users of recent successful HTTP Basic checks, keyed by a salted hash of the credentials
    (the password itself is never kept), so a script's every request does not run argon2."""

    def __init__(self, ttl_s: float = 60.0, max_entries: int = 1024) -> None:
        self._salt = secrets.token_bytes(16)
        self._users: TTLCache = TTLCache(max_entries, ttl=max(ttl_s, 0.001))
        self._lock = threading.Lock()
        self.enabled = ttl_s > 0

    def key(self, name: str, password: str) -> str:
        return hmac.new(self._salt, f"{name}\0{password}".encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def get(self, name: str, password: str) -> User | None:
        with self._lock:
            return self._users.get(self.key(name, password))

    def put(self, name: str, password: str, user: User) -> None:
        if self.enabled:
            with self._lock:
                self._users[self.key(name, password)] = user


def refusal(user: User | None, permission: str) -> str | None:
    """None when allowed; otherwise the Indonesian message telling the user which login is needed."""
    if user is not None and user.can(permission):
        return None
    needed = ROLE_LABELS[NEEDED_ROLE[permission]]
    if user is None:
        return f"Silakan masuk sebagai {needed} terlebih dahulu."
    return f"Akun '{user.name}' ({ROLE_LABELS.get(user.role, user.role)}) tidak berhak; diperlukan akun {needed}."
