"""A regulation's Lampiran: where it starts, and its sections.

The body parser finds a Lampiran that starts with the word in capitals; a reprint may open it
with a cover page ("Lampiran Peraturan Presiden / Republik Indonesia No. 81 Tahun 2010"), so
the split is made here first, on the extracted pages, before the body is parsed.
"""

from __future__ import annotations

import re
from dataclasses import replace

from kb_assistant.parsing.annex_text import prepare_lines
from kb_assistant.parsing.sections import build_sections
from kb_assistant.parsing.tree import Page, Section

ANNEX_ROOT = "Lampiran"
PASAL_LINE = re.compile(r"^\s*Pasal\s+\d{1,3}[A-Z]?\s*$", re.IGNORECASE)
ANNEX_UPPER = re.compile(r"^LAMPIRAN(?:\s+[IVX]+)?(?:\s+(?:UNDANG|PERATURAN|KEPUTUSAN)\b.*)?$")
ANNEX_TITLE = re.compile(r"^Lampiran(?:\s+[IVX]+)?\s+(?:Undang|Peraturan|Keputusan)\b(.*)$", re.IGNORECASE)
TITLE_WORDS_LOWER = {"tentang", "nomor", "no.", "dan"}
MAX_ANNEX_LINE_WORDS = 12
MAX_COVER_LINES = 6  # short lines before the word Lampiran on its page: the annex's cover


def split_annex(pages: list[Page]) -> tuple[list[Page], list[Page]]:
    """(body pages, annex pages); the annex is empty when no Lampiran heading follows a Pasal."""
    seen_pasal = False
    for index, page in enumerate(pages):
        lines = page.text.split("\n")
        for row, line in enumerate(lines):
            text = line.strip()
            if PASAL_LINE.match(text):
                seen_pasal = True
            elif seen_pasal and is_annex_start(text):
                cut = 0 if _is_cover(lines[:row]) else row
                body = [*pages[:index], replace(page, text="\n".join(lines[:cut]))]
                annex = [replace(page, text="\n".join(lines[cut:]), line=page.line + cut), *pages[index + 1 :]]
                return [p for p in body if p.text.strip()], annex
    return pages, []


def is_annex_start(text: str) -> bool:
    """'LAMPIRAN', 'LAMPIRAN PERATURAN PRESIDEN ...', 'Lampiran Peraturan Presiden' — not the
    words 'Lampiran Peraturan Presiden ini' inside a sentence."""
    if len(text.split()) > MAX_ANNEX_LINE_WORDS:
        return False
    if ANNEX_UPPER.match(text):
        return True
    match = ANNEX_TITLE.match(text)
    if not match:
        return False
    return all(word[:1].isupper() or not word[:1].isalpha() or word.lower() in TITLE_WORDS_LOWER for word in match.group(1).split())


def _is_cover(lines: list[str]) -> bool:
    texts = [line.strip() for line in lines if line.strip()]
    return len(texts) <= MAX_COVER_LINES and not any(re.search(r"[.;:,]$", text) for text in texts)


def annex_sections(pages: list[Page]) -> list[Section]:
    """The Lampiran's sections, each under the root heading 'Lampiran'."""
    return build_sections(prepare_lines(pages), root=[ANNEX_ROOT], id_prefix="lampiran")
