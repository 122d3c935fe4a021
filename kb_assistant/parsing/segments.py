"""The body cut into Pasal at the chosen headings, with the checks that keep text from being lost.

A heading printed twice is one Pasal; a real repeat is a duplicate; a missing number is recovered
where a new ayat (1) starts, and anything that cannot be recovered is reported with its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb_assistant.parsing.lines import MARKERS_ONLY_LINE, Line, where
from kb_assistant.parsing.pasal_headings import STRONG, Candidate, best_chain, cut_at_headings, find_candidates
from kb_assistant.parsing.tree import ParsedDocument


@dataclass
class Segment:
    """A chosen heading and the lines up to the next one."""

    number: str
    heading_page: int | None
    lines: list[Line] = field(default_factory=list)
    heading: Line | None = None  # the line the heading stands on (for its source line)


def segment_pasal(body: list[Line], doc: ParsedDocument) -> tuple[list[Segment], list[Line]]:
    """The Pasal segments of the body and the preamble before the first; losses go to ``doc``."""
    candidates = find_candidates(body)
    chain = best_chain(candidates)
    chain = _with_repeated_headings(candidates, chain)
    parts = cut_at_headings(body, chain)
    preamble = parts[0][1]
    segments = [Segment(cand.label, body[cand.line].page, lines, body[cand.line]) for cand, lines in parts[1:] if cand]
    segments = _merge_repeated_headings(segments, doc)
    segments = _recover_missing(segments, doc)
    _warn_out_of_sequence(body, candidates, chain, doc)
    return segments, preamble


def _with_repeated_headings(candidates: list[Candidate], chain: list[Candidate]) -> list[Candidate]:
    """Add back strong headings that repeat the number of the Pasal they fall in; whether that
    is one heading printed twice or a real duplicate is decided once their text is known."""
    chosen = {id(c) for c in chain}
    extra = []
    for position, cand in enumerate(chain):
        following = chain[position + 1] if position + 1 < len(chain) else None
        for other in candidates:
            if id(other) in chosen or other.weight != STRONG or other.label != cand.label:
                continue
            if (other.line, other.start) <= (cand.line, cand.start):
                continue
            if following and (other.line, other.start) >= (following.line, following.start):
                continue
            extra.append(other)
            chosen.add(id(other))
    return sorted([*chain, *extra], key=lambda c: (c.line, c.start))


def _has_words(lines: list[Line]) -> bool:
    return any(re.search(r"[A-Za-z]{3,}", line.text) and not MARKERS_ONLY_LINE.match(line.text) for line in lines)


def _merge_repeated_headings(segments: list[Segment], doc: ParsedDocument) -> list[Segment]:
    """'Pasal 58 / Pasal 58' or 'Pasal 3 / (1) (2) (3) / Pasal 3' is one heading printed twice."""
    merged: list[Segment] = []
    for segment in segments:
        if merged and merged[-1].number == segment.number:
            previous = merged[-1]
            if not _has_words(previous.lines):
                merged[-1] = Segment(segment.number, previous.heading_page, segment.lines, previous.heading)
                continue
            if not _has_words(segment.lines):
                continue
            if segment.number not in doc.duplicates:
                doc.duplicates.append(segment.number)
                doc.warnings.append(f"{where(segment.heading)}: Pasal {segment.number} appears a second time with its own text")
        merged.append(segment)
    return merged


def _recover_missing(segments: list[Segment], doc: ParsedDocument) -> list[Segment]:
    """Where one number is missing, a second ayat (1) inside the previous Pasal starts it."""
    out: list[Segment] = []
    for i, segment in enumerate(segments):
        out.append(segment)
        nxt = segments[i + 1] if i + 1 < len(segments) else None
        if not nxt or not segment.number.isdigit() or not nxt.number.isdigit():
            continue
        if int(nxt.number) - int(segment.number) != 2:
            continue
        missing = str(int(segment.number) + 1)
        restarts = [k for k, line in enumerate(segment.lines) if k and line.text.startswith("(1) ")]
        if len(restarts) == 1:
            k = restarts[0]
            head, tail = segment.lines[:k], segment.lines[k:]
            out[-1] = Segment(segment.number, segment.heading_page, head, segment.heading)
            out.append(Segment(missing, tail[0].page, tail, tail[0]))
            doc.warnings.append(
                f"{where(tail[0])}: Pasal {missing}: heading not found; recovered where a new ayat (1) starts after Pasal {segment.number}"
            )
        else:
            doc.merged.append(missing)
            doc.warnings.append(
                f"{where(nxt.heading)}: Pasal {missing}: heading not found between Pasal {segment.number} and Pasal {nxt.number}; "
                f"its text, if the source has it, is merged into Pasal {segment.number}"
            )
    return out


def _warn_out_of_sequence(body: list[Line], candidates: list[Candidate], chain: list[Candidate], doc: ParsedDocument) -> None:
    """A heading on its own line that the chain left out is text merged into the Pasal before it."""
    chosen = sorted(chain, key=lambda c: (c.line, c.start))
    chosen_ids = {id(c) for c in chain}
    for cand in candidates:
        if cand.weight == STRONG and id(cand) not in chosen_ids:
            before = [c for c in chosen if (c.line, c.start) < (cand.line, cand.start)]
            into = f"Pasal {before[-1].label}" if before else "the preamble"
            if before:
                doc.merged.append(before[-1].label)
            doc.warnings.append(f"{where(body[cand.line])}: 'Pasal {cand.label}' is out of sequence; kept as text inside {into}")
