"""User feedback on answers, kept in a local SQLite file for evaluators.

SQLite needs no server and survives restarts; one short-lived connection per call keeps it safe
to use from Gradio's worker threads and FastAPI's thread pool at the same time.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

Kind = Literal["useful", "wrong_citation", "wrong_answer"]
KINDS: tuple[str, ...] = ("useful", "wrong_citation", "wrong_answer")
KIND_LABELS = {"useful": "berguna", "wrong_citation": "rujukan salah", "wrong_answer": "jawaban salah"}
MAX_TEXT = 20_000
MAX_COMMENT = 2_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    username TEXT NOT NULL DEFAULT '',
    message_key TEXT
)
"""
# one judgement per answer: the chat's per-message buttons replace the earlier row of the same answer
UNIQUE_KEY = "CREATE UNIQUE INDEX IF NOT EXISTS feedback_message ON feedback (message_key) WHERE message_key IS NOT NULL"


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute(SCHEMA)
        columns = {row[1] for row in conn.execute("PRAGMA table_info(feedback)")}
        if "message_key" not in columns:  # a store written before per-message judgements
            conn.execute("ALTER TABLE feedback ADD COLUMN message_key TEXT")
        conn.execute(UNIQUE_KEY)
        return conn

    def add(self, kind: str, question: str, answer: str, citations: list[str], comment: str = "", username: str = "",
            message_key: str | None = None) -> int:
        """Store one judgement; raises ValueError on an unknown kind or empty question.

        With a ``message_key`` (one answer in one conversation) an earlier judgement of the same
        answer is replaced, so each answer counts once however often its buttons are pressed.
        """
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if not question.strip():
            raise ValueError("question is empty")
        row = (
            datetime.now(timezone.utc).isoformat(timespec="seconds"), kind, question[:MAX_TEXT], answer[:MAX_TEXT],
            json.dumps([str(c) for c in citations][:50], ensure_ascii=False), comment[:MAX_COMMENT], username, message_key,
        )
        with closing(self._connect()) as conn, conn:
            if message_key is not None:
                conn.execute("DELETE FROM feedback WHERE message_key = ?", (message_key,))
            cursor = conn.execute(
                "INSERT INTO feedback (created_at, kind, question, answer, citations, comment, username, message_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            return int(cursor.lastrowid)

    def list(self, limit: int = 200) -> list[dict]:
        """Newest first."""
        if not self.path.exists():
            return []
        with closing(self._connect()) as conn:
            conn.row_factory = sqlite3.Row
            rows = conn.execute("SELECT * FROM feedback ORDER BY id DESC LIMIT ?", (int(limit),)).fetchall()
        return [dict(r) | {"citations": json.loads(r["citations"])} for r in rows]

    def counts(self) -> dict[str, int]:
        if not self.path.exists():
            return {k: 0 for k in KINDS}
        with closing(self._connect()) as conn:
            found = dict(conn.execute("SELECT kind, COUNT(*) FROM feedback GROUP BY kind").fetchall())
        return {k: int(found.get(k, 0)) for k in KINDS}
