"""Excerpts of shared corpus documents, written by a test run (never kept in the repo).

Why: the slow suite's EmbeddingGemma index embeds ~2 passages/s on CI's CPU; a repealed law that is
there for its status relation and as a distractor need not be embedded whole. An excerpt keeps the
preamble and whole chapters (BAB) in order, so the parser sees the document's own structure with
skipped Pasal numbers, as a trainer's excerpt would.
"""

from __future__ import annotations

import re
from pathlib import Path

from kb_assistant.corpus.manifest import DocumentEntry

CHAPTER = re.compile(r"^BAB ([IVXLC]+)\b")


def chapters_excerpt(text: str, keep: set[str]) -> str:
    """The text before the first BAB and every chapter whose numeral is in ``keep`` (the last kept
    chapter runs to the end, with the Penjelasan)."""
    out: list[str] = []
    keeping = True
    for line in text.splitlines(keepends=True):
        match = CHAPTER.match(line)
        if match:
            keeping = match.group(1) in keep
        if keeping:
            out.append(line)
    return "".join(out)


def write_excerpt(entry: DocumentEntry, source: Path, folder: Path, keep: set[str]) -> DocumentEntry:
    """Write the excerpt of ``source`` into ``folder``; the entry that indexes it (unbound file, no
    expected Pasal count)."""
    name = f"{source.stem}-excerpt{source.suffix}"
    (folder / name).write_text(chapters_excerpt(source.read_text(encoding="utf-8"), keep), encoding="utf-8")
    return entry.model_copy(update={"file": name, "sha256": "", "pasal_expected": None})
