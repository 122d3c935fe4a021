"""The chat's Markdown exports: one folder per app, one file per conversation, old files swept.

Why: the download button's file is prepared whenever a conversation changes, so a folder per export
(as before) grew the temp directory by one folder per question, never removed; a busy or hostile
client could fill the disk. Here a conversation's file is replaced in place (atomically, so a
download never reads half a file), deleted with its conversation, and files not touched for
``max_age_s`` are removed; the folder itself goes when the process exits.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import weakref
from pathlib import Path

from kb_assistant.atomic import write_text_atomic


class ExportFolder:
    """Where the chat writes conversation exports (created on first use)."""

    def __init__(self, max_age_s: float = 3600.0) -> None:
        self.max_age_s = max_age_s
        self._path: Path | None = None

    @property
    def path(self) -> Path:
        if self._path is None or not self._path.is_dir():
            self._path = Path(tempfile.mkdtemp(prefix="kb-chat-exports-"))
            weakref.finalize(self, shutil.rmtree, self._path, True)
        return self._path

    def file_for(self, conversation: str) -> Path:
        if not conversation or not all(ch.isalnum() or ch in "-_" for ch in conversation):
            raise ValueError(f"not a conversation id: {conversation!r}")
        return self.path / f"percakapan-{conversation}.md"

    def write(self, conversation: str, text: str) -> Path:
        """The conversation's export file with ``text`` (replaced atomically); sweeps stale files first."""
        self.sweep()
        target = self.file_for(conversation)
        write_text_atomic(target, text)
        return target

    def remove(self, conversation: str) -> None:
        self.file_for(conversation).unlink(missing_ok=True)

    def sweep(self) -> int:
        """Delete files older than max_age_s; returns how many went."""
        cutoff = time.time() - self.max_age_s
        removed = 0
        for item in self.path.iterdir():
            try:
                if item.stat().st_mtime < cutoff:
                    item.unlink()
                    removed += 1
            except FileNotFoundError:  # another request swept it first
                continue
        return removed
