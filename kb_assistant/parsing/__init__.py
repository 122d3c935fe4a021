"""Parsing: source file -> pages -> cleaned text -> regulation tree (or heading sections)."""

from __future__ import annotations

from pathlib import Path

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.parsing.annex import annex_sections, split_annex
from kb_assistant.parsing.extract import ExtractionError, extract_pages
from kb_assistant.parsing.layout import normalise_pasal_headings
from kb_assistant.parsing.pasal_headings import MIN_PASAL_HEADINGS, pasal_heading_count
from kb_assistant.parsing.sections import parse_sections
from kb_assistant.parsing.structure import parse_regulation
from kb_assistant.parsing.tree import ParsedDocument, Page
from kb_assistant.parsing.warning_groups import group_warnings

__all__ = ["ExtractionError", "extract_pages", "parse_file", "parse_pages", "parse_regulation", "parse_sections"]


def parse_file(path: Path, entry: DocumentEntry, max_bytes: int) -> ParsedDocument:
    """Extract and parse one corpus file: by Pasal for regulations, by headings otherwise."""
    return parse_pages(extract_pages(Path(path), max_bytes), entry)


def parse_pages(pages: list[Page], entry: DocumentEntry) -> ParsedDocument:
    """A regulation's body by Pasal and its Lampiran by headings; a guide by headings.

    Warnings of one kind seen many times come out as one (parsing/warning_groups.py).
    """
    doc = _parse_pages(pages, entry)
    doc.warnings = group_warnings(doc.warnings)
    return doc


def _parse_pages(pages: list[Page], entry: DocumentEntry) -> ParsedDocument:
    if entry.is_regulation:
        return _regulation(pages, entry.id)
    headings = pasal_heading_count(pages)
    if headings >= MIN_PASAL_HEADINGS and entry.type == "other":
        doc = _regulation(pages, entry.id)
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


def _regulation(pages: list[Page], doc_id: str) -> ParsedDocument:
    """The body by Pasal; the Lampiran (split off first when it opens with a cover page) by headings."""
    body, annex = split_annex(normalise_pasal_headings(pages))
    doc = parse_regulation(body, doc_id)
    if annex:
        doc.lampiran_pages = annex
    doc.sections = annex_sections(doc.lampiran_pages)
    if annex:
        doc.lampiran = "\n".join(part for s in doc.sections for part in (s.title, s.text) if part)
    return doc
