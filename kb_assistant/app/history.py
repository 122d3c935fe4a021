"""Conversations kept server-side in SQLite (beside the feedback store), one owner each.

An owner is ``user:<name>`` for a logged-in user or ``anon:<browser id>`` for an anonymous one
(the id lives in the browser's localStorage), so a reload restores the list and nobody sees
another owner's conversations: every read and write is filtered by owner. Each answer keeps its
full :class:`Answer` (citations and passages) so an old message's citations still open, and its
judgement (one per answer, changeable). One short-lived connection per call, as in feedback.py.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from kb_assistant.answer.types import Answer

MAX_TITLE = 80
MAX_CONVERSATIONS = 200  # listed per owner, newest first

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS conversations (
        id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL,
        created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner, updated_at)",
    """CREATE TABLE IF NOT EXISTS turns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        question TEXT NOT NULL, answer_json TEXT NOT NULL, filters_json TEXT NOT NULL DEFAULT '{}',
        hints_json TEXT NOT NULL DEFAULT '[]', feedback TEXT NOT NULL DEFAULT '', comment TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS turns_conversation ON turns (conversation_id, id)",
)


class HistoryError(LookupError):
    """A conversation or turn that does not exist for this owner (the message is for the user)."""


@dataclass
class Conversation:
    id: str
    title: str
    updated_at: str


@dataclass
class Turn:
    """One question and its answer."""

    id: int
    question: str
    answer: Answer
    filters: dict = field(default_factory=dict)
    hints: list[dict] = field(default_factory=list)  # {"kind", "text", "docs"} from answer/hints.py
    feedback: str = ""
    comment: str = ""


def owner_key(username: str | None, browser_id: str | None) -> str | None:
    """Whose conversations: the logged-in user's, else the browser's; None when neither is known."""
    if username:
        return f"user:{username}"
    if browser_id and 8 <= len(browser_id) <= 64 and browser_id.isalnum():
        return f"anon:{browser_id}"
    return None


def new_browser_id() -> str:
    return secrets.token_hex(16)


class HistoryStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute("PRAGMA foreign_keys = ON")
        for statement in SCHEMA:
            conn.execute(statement)
        return conn

    # ------------------------------------------------------------------ conversations
    def create(self, owner: str, title: str) -> str:
        now = _now()
        conversation_id = secrets.token_hex(8)
        with closing(self._connect()) as conn, conn:
            conn.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)", (conversation_id, owner, _title(title), now, now))
        return conversation_id

    def conversations(self, owner: str) -> list[Conversation]:
        """The owner's conversations, most recently used first."""
        with closing(self._connect()) as conn:
            rows = conn.execute(
                "SELECT id, title, updated_at FROM conversations WHERE owner = ? ORDER BY updated_at DESC, rowid DESC LIMIT ?",
                (owner, MAX_CONVERSATIONS),
            ).fetchall()
        return [Conversation(*row) for row in rows]

    def rename(self, owner: str, conversation_id: str, title: str) -> None:
        if not title.strip():
            raise ValueError("judul tidak boleh kosong")
        with closing(self._connect()) as conn, conn:
            changed = conn.execute("UPDATE conversations SET title = ? WHERE id = ? AND owner = ?",
                                   (_title(title), conversation_id, owner)).rowcount
        if not changed:
            raise HistoryError("percakapan tidak ditemukan")

    def delete(self, owner: str, conversation_id: str) -> None:
        with closing(self._connect()) as conn, conn:
            changed = conn.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner)).rowcount
        if not changed:
            raise HistoryError("percakapan tidak ditemukan")

    def title(self, owner: str, conversation_id: str) -> str:
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT title FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner)).fetchone()
        if row is None:
            raise HistoryError("percakapan tidak ditemukan")
        return row[0]

    # ------------------------------------------------------------------ turns
    def add_turn(self, owner: str, conversation_id: str, answer: Answer, filters: dict | None = None,
                 hints: list[dict] | None = None) -> int:
        """Store a finished answer; returns the turn id."""
        now = _now()
        with closing(self._connect()) as conn, conn:
            self._check(conn, owner, conversation_id)
            cursor = conn.execute(
                "INSERT INTO turns (conversation_id, question, answer_json, filters_json, hints_json, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, answer.question, answer.model_dump_json(), json.dumps(filters or {}), json.dumps(hints or []), now),
            )
            conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
            return int(cursor.lastrowid)

    def turns(self, owner: str, conversation_id: str) -> list[Turn]:
        with closing(self._connect()) as conn:
            self._check(conn, owner, conversation_id)
            rows = conn.execute(
                f"SELECT {TURN_COLUMNS} FROM turns t WHERE t.conversation_id = ? ORDER BY t.id", (conversation_id,),
            ).fetchall()
        return [_turn(row) for row in rows]

    def turn(self, owner: str, turn_id: int) -> tuple[str, Turn]:
        """(conversation id, turn) of one of the owner's turns; HistoryError otherwise."""
        with closing(self._connect()) as conn:
            row = conn.execute(
                f"SELECT t.conversation_id, {TURN_COLUMNS} FROM turns t JOIN conversations c ON c.id = t.conversation_id "
                "WHERE t.id = ? AND c.owner = ?",
                (int(turn_id), owner),
            ).fetchone()
        if row is None:
            raise HistoryError("jawaban tidak ditemukan")
        return row[0], _turn(row[1:])

    def delete_turn(self, owner: str, turn_id: int) -> None:
        conversation_id, _ = self.turn(owner, turn_id)
        with closing(self._connect()) as conn, conn:
            conn.execute("DELETE FROM turns WHERE id = ? AND conversation_id = ?", (int(turn_id), conversation_id))

    def set_feedback(self, owner: str, turn_id: int, kind: str, comment: str = "") -> None:
        """The answer's one judgement; a new one replaces the old."""
        conversation_id, _ = self.turn(owner, turn_id)
        with closing(self._connect()) as conn, conn:
            conn.execute("UPDATE turns SET feedback = ?, comment = ? WHERE id = ? AND conversation_id = ?",
                         (kind, comment, int(turn_id), conversation_id))

    def _check(self, conn: sqlite3.Connection, owner: str, conversation_id: str) -> None:
        if conn.execute("SELECT 1 FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner)).fetchone() is None:
            raise HistoryError("percakapan tidak ditemukan")


def context_turns(turns: list[Turn], limit: int = 20) -> list[dict]:
    """The plain role/content turns the assistant's follow-up rewrite reads."""
    out: list[dict] = []
    for turn in turns[-limit:]:
        out += [{"role": "user", "content": turn.question}, {"role": "assistant", "content": turn.answer.answer}]
    return out


TURN_COLUMNS = "t.id, t.question, t.answer_json, t.filters_json, t.hints_json, t.feedback, t.comment"


def _turn(row) -> Turn:
    return Turn(row[0], row[1], Answer.model_validate_json(row[2]), json.loads(row[3]), json.loads(row[4]), row[5], row[6])


def _title(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_TITLE else text[: MAX_TITLE - 1] + "…"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")
