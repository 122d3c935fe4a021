"""Parsing: source file -> pages -> cleaned text -> regulation tree (or heading sections)."""

from __future__ import annotations

from pathlib import Path

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.parsing.annex import annex_sections, split_annex
from kb_assistant.parsing.extract import ExtractionError, extract_pages
from kb_assistant.parsing.layout import normalise_pasal_headings
from kb_assistant.parsing.sections import parse_sections
from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import ParsedDocument, Page

__all__ = ["ExtractionError", "extract_pages", "parse_file", "parse_pages", "parse_regulation", "parse_sections"]


def parse_file(path: Path, entry: DocumentEntry, max_bytes: int) -> ParsedDocument:
    """Extract and parse one corpus file: by Pasal for regulations, by headings otherwise."""
    return parse_pages(extract_pages(Path(path), max_bytes), entry)


def parse_pages(pages: list[Page], entry: DocumentEntry) -> ParsedDocument:
    """A regulation's body by Pasal and its Lampiran by headings; a guide by headings."""
    if not entry.is_regulation:
        return parse_sections(pages, entry.id)
    body, annex = split_annex(normalise_pasal_headings(pages))
    doc = parse_regulation(body, entry.id)
    if annex:
        doc.lampiran_pages = annex
    doc.sections = annex_sections(doc.lampiran_pages)
    return doc
