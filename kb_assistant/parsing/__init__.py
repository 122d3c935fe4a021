"""Parsing: source file -> pages -> cleaned text -> regulation tree (or heading sections)."""

from __future__ import annotations

from pathlib import Path

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.parsing.extract import ExtractionError, extract_pages
from kb_assistant.parsing.pasal_headings import MIN_PASAL_HEADINGS, pasal_heading_count
from kb_assistant.parsing.sections import parse_sections
from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import ParsedDocument

__all__ = ["ExtractionError", "extract_pages", "parse_file", "parse_regulation", "parse_sections"]


def parse_file(path: Path, entry: DocumentEntry, max_bytes: int) -> ParsedDocument:
    """Extract and parse one corpus file: by Pasal for regulations, by headings otherwise."""
    pages = extract_pages(Path(path), max_bytes)
    if entry.is_regulation:
        return parse_regulation(pages, entry.id)
    headings = pasal_heading_count(pages)
    if headings >= MIN_PASAL_HEADINGS and entry.type == "other":
        doc = parse_regulation(pages, entry.id)
        doc.warnings.insert(0, f"type 'other', but the text has {headings} Pasal headings: parsed as a regulation, by Pasal")
        return doc
    doc = parse_sections(pages, entry.id)
    if headings >= MIN_PASAL_HEADINGS:
        doc.warnings.insert(
            0,
            f"the text has {headings} Pasal headings, but type '{entry.type}' is parsed by its section headings, not by "
            "Pasal: give it a regulation type (UU, PP, Perpres, Permen ...) to cite it by Pasal",
        )
    return doc
