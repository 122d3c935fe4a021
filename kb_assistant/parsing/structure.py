"""The regulation tree: BAB / Bagian / Paragraf headings, Pasal, ayat, items, Penjelasan, references.

A short orchestrator over modules of one job each: lines (with their source line), document parts
(parts), Pasal heading candidates and the chosen chain (pasal_headings), the body cut into Pasal
(segments), BAB/Bagian/Paragraf context (chapters), one Pasal's ayat and items (pasal), the
Ketentuan Umum definitions where the scan broke their numbering (definitions), and the Penjelasan
(penjelasan).
"""

from __future__ import annotations

from kb_assistant.parsing.chapters import headings_from_block, take_heading_block, update_context
from kb_assistant.parsing.clean import clean_pages
from kb_assistant.parsing.definitions import repair_definition_list
from kb_assistant.parsing.lines import join_lines, to_lines, to_pages, where
from kb_assistant.parsing.parts import split_inline_structure, split_parts
from kb_assistant.parsing.pasal import build_pasal
from kb_assistant.parsing.penjelasan import attach_penjelasan
from kb_assistant.parsing.references import find_references
from kb_assistant.parsing.segments import segment_pasal
from kb_assistant.parsing.tree import Page, ParsedDocument

__all__ = ["find_references", "parse_regulation"]


def parse_regulation(pages: list[Page], doc_id: str) -> ParsedDocument:
    """The whole tree of one regulation from its extracted pages."""
    doc = ParsedDocument(doc_id=doc_id)
    lines = split_inline_structure(to_lines(clean_pages(pages), pages))
    body, _closing, penjelasan, lampiran = split_parts(lines)
    doc.lampiran = join_lines(lampiran)
    doc.lampiran_pages = to_pages(lampiran)
    segments, preamble_lines = segment_pasal(body, doc)
    if not segments:
        doc.warnings.append("no Pasal headings found (amending law with Roman Pasal numbers, or not a regulation?)")
    heading_lines = take_heading_block(preamble_lines)
    doc.preamble = join_lines(preamble_lines)
    context: dict[str, str] = {}
    for i, segment in enumerate(segments):
        update_context(context, headings_from_block(heading_lines))
        own = segment.lines
        heading_lines = take_heading_block(own) if i + 1 < len(segments) else []
        pasal = build_pasal(segment, own, context, doc)
        if repair_definition_list(pasal):
            doc.warnings.append(f"{where(segment.heading)}: Pasal {pasal.number}: Ketentuan Umum list numbers out of "
                                f"sequence in the scan; cut into {len(pasal.items)} definitions where each starts")
        doc.pasal.append(pasal)
    attach_penjelasan(doc, penjelasan)
    return doc
