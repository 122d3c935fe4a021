"""The regulation tree: BAB / Bagian / Paragraf headings, Pasal, ayat, items, Penjelasan, references.

OCR text is unreliable, so a Pasal heading is never taken on sight: every possible heading
("Pasal 5" alone on a line, or inline where the scan ran it into other text) becomes a
weighted candidate, and the chosen headings are the best-scoring chain of increasing numbers
(each skipped number costs a penalty). A reference such as "dimaksud dalam Pasal 5" is not a
candidate at all, and a stray heading out of sequence stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb_assistant.parsing.clean import clean_pages
from kb_assistant.parsing.references import find_references
from kb_assistant.parsing.tree import Ayat, Item, Page, ParsedDocument, Pasal

__all__ = ["find_references", "parse_regulation"]

# --- document parts -----------------------------------------------------------------------------

PENJELASAN_START = re.compile(r"\bPENJ\S{0,3}[A-Z\[,(|]{0,3}ASAN(?:\s+ATAS\b|\s*$)")
CLOSING_START = re.compile(
    r"\bAgar\s+setiap\s+orang\b|\bAgar\s*(?:[.…]\s*)+|(?<=diundangkan\. )Agar\b|(?<=ditetapkan\. )Agar\b"
)
UMUM_MARK = re.compile(r"\bI\s?\.\s*UMUM\b|\bUMUM\b(?=\s+[A-Z][a-z]|\s*$)")
# The end of the Penjelasan ("TAMBAHAN LEMBARAN NEGARA ... NOMOR 6897") and the annex after it.
SUPPLEMENT_NOTE = re.compile(r"\bTAMBAHAN\s+LEMBARAN\s+(?:NEGARA|DAERAH)\b")
LAMPIRAN_START = re.compile(r"\bLAMPIRAN\b(?=\s+(?:UNDANG|PERATURAN|KEPUTUSAN|[IVX]+\b)|\s*$)")
PASAL_DEMI_PASAL = re.compile(r"(?:\bII\s?\.\s*)?\bPASAL\s?DEMI\s?PASAL\b")

# --- headings -----------------------------------------------------------------------------------

HEADING_KEYWORD = re.compile(r"^(?:(?P<bab>BAB\s+[IVXLC]+)|(?P<bagian>Bagian\s+Ke[a-z]+)|(?P<paragraf>Paragraf\s+\d+))\b")
INLINE_HEADING = re.compile(r"(?<=\S)\s+(?=(?:BAB\s+[IVXLC]+\s+[A-Z]{3}|Bagian\s+Ke[a-z]+\b|Paragraf\s+\d+\s+[A-Z]))")
TITLE_CONNECTOR_END = re.compile(r"\b(?:dan|yang|di|ke|dari|atau|serta|untuk|dengan|terhadap|pada|dalam)$")
TERMINAL_PUNCT = re.compile(r"[.;:,]$")

# --- Pasal headings -----------------------------------------------------------------------------

PASAL_TOKEN = re.compile(r"\bPasal\s+(\d{1,3})([A-Z])?(?![\w])")
PASAL_LINE = re.compile(r"^Pasal\s+(\d{1,3})([A-Z])?\s*$")
AYAT_OPENER = re.compile(r"^\(\d{1,2}[a-z]?\)(?:\s|$)")
# Words that make "Pasal N" a reference when they follow or precede it.
REF_FOLLOW = re.compile(
    r"^(?:ayat|huruf|angka|sampai|s\.d|dan|atau|serta|jo|juncto|Undang|UU|Peraturan|Tahun|Nomor|ini|tersebut|yang|[,;:)\]/-])",
)
REF_PRECEDE_WORDS = {
    "dalam", "pada", "dan", "atau", "serta", "dengan", "ketentuan", "menurut", "berdasarkan", "sesuai",
    "sampai", "yaitu", "terhadap", "oleh", "di", "mengenai", "tentang", "dari", "bahwa", "atas", "melalui",
    "dimaksud", "lihat", "jo", "juncto", "melaksanakan", "sebagaimana", "ke", "untuk",
}
# A line that is only "Pasal N" after one of these words may be a reference wrapped by the scan.
WRAPPED_REF_WORDS = {
    "dalam", "pada", "dan", "atau", "serta", "dengan", "ketentuan", "menurut", "berdasarkan", "sesuai",
    "sampai", "dimaksud", "terhadap", "jo", "juncto",
}
STRONG, START, INLINE_AYAT, INLINE = 3, 2, 2, 1
# Below a strong heading's weight (a heading after a lost one still counts), above a weak one's.
GAP_PENALTY = 2
MAX_GAP = 12

# --- inside a Pasal -----------------------------------------------------------------------------

AYAT_MARK = re.compile(r"^\((\d{1,2}[a-z]?)\)\s*")
INLINE_AYAT_MARK = re.compile(r"(?<=[.;:])\s+(?=\(\d{1,2}[a-z]?\)\s+[A-Z])")
MARKERS_ONLY_LINE = re.compile(r"^(?:\(\s?[0-9a-zA-Z]{1,2}\s?[)\]]?\s*)+$")
HURUF_MARK = re.compile(r"^([a-z]|1)\.\s*")
ANGKA_MARK = re.compile(r"^([0-9lIL]{1,3})\.\s*")
ITEM_ONLY_LINE = re.compile(r"^(?:[a-z]|\d{1,3})\.$")
INLINE_ITEM_MARK = re.compile(r"(?<=;)\s+(?P<keep>(?:dan|atau)\s+)?(?=(?:[a-z]|\d{1,3})\.\s)")
# "... dimaksud dalam Pasal 13 huruf / b. ..." is a wrapped reference, not the start of item b.
WRAPPED_LABEL_END = re.compile(r"\b(?:huruf|angka|ayat|Pasal)$")
ITEM_DIGITS = str.maketrans({"l": "1", "I": "1", "L": "1"})
# Penjelasan of scans whose columns were scrambled: "... Cukup jelas. t07 Cukup jelas. 108 Huruf a ..."
# (the word "Pasal" printed elsewhere); a number there, after a sentence, heads the next Pasal.
BARE_PASAL_NUMBER = re.compile(r"(?:(?<=[.;:] )|^)([0-9tlLIr]{1,3})(?=\s+(?:Cukup|Ayat|Huruf|Angka|Yang|Ketentuan))")
BARE_DIGITS = str.maketrans({"t": "1", "l": "1", "L": "1", "I": "1", "r": "1"})
STRAY_PASAL_WORD = re.compile(r"(?<!\S)(?:Pasal|PasaI|Pasa-l|Pasa1|Pasai|Pasa\.l)(?!\s+\d)(?=\s|$)")
CUKUP_JELAS = re.compile(r"^Cukup\s*jelas\.?", re.IGNORECASE)
PENJELASAN_AYAT = re.compile(r"(?<!\S)Ayat\s*\((\d{1,2}[a-z]?)\)\s*")
ORPHAN_SEARCH_BACK = 8  # Pasal to look back for the empty slot a misprinted explanation belongs to



@dataclass
class Line:
    page: int | None
    text: str


@dataclass
class Candidate:
    line: int  # index in the line list
    start: int  # character offset of "Pasal" in the line
    end: int  # character offset after the number
    number: int
    suffix: str
    weight: int

    @property
    def label(self) -> str:
        return f"{self.number}{self.suffix}"


@dataclass
class Segment:
    """A chosen heading and the lines up to the next one."""

    number: str
    heading_page: int | None
    lines: list[Line] = field(default_factory=list)


def parse_regulation(pages: list[Page], doc_id: str) -> ParsedDocument:
    """The whole tree of one regulation from its extracted pages."""
    doc = ParsedDocument(doc_id=doc_id)
    lines = _split_inline_structure(_to_lines(clean_pages(pages)))
    body, _closing, penjelasan, lampiran = _split_parts(lines)
    doc.lampiran = _join(lampiran)
    doc.lampiran_pages = _to_pages(lampiran)
    segments, preamble_lines = _segment_pasal(body, doc)
    if not segments:
        doc.warnings.append("no Pasal headings found (amending law with Roman Pasal numbers, or not a regulation?)")
    heading_lines = _take_heading_block(preamble_lines)
    doc.preamble = _join(preamble_lines)
    context: dict[str, str] = {}
    for i, segment in enumerate(segments):
        _update_context(context, _headings_from_block(heading_lines))
        own = segment.lines
        heading_lines = _take_heading_block(own) if i + 1 < len(segments) else []
        doc.pasal.append(_build_pasal(segment, own, context, doc))
    _attach_penjelasan(doc, penjelasan)
    return doc


# --- lines and parts ----------------------------------------------------------------------------


def _to_lines(pages: list[Page]) -> list[Line]:
    return [Line(page.number, text) for page in pages for text in page.text.split("\n") if text.strip()]


def _to_pages(lines: list[Line]) -> list[Page]:
    """Lines back into pages (consecutive lines of one page), for parsers that need page numbers."""
    pages: list[Page] = []
    for line in lines:
        if pages and pages[-1].number == line.page:
            pages[-1].text += "\n" + line.text
        else:
            pages.append(Page(line.page, line.text))
    return pages


def _split_inline_structure(lines: list[Line]) -> list[Line]:
    """Put BAB/Bagian/Paragraf headings, PENJELASAN and the closing formula on lines of their own."""
    out: list[Line] = []
    for line in lines:
        pieces = [line.text]
        for pattern in (PENJELASAN_START, CLOSING_START, PASAL_DEMI_PASAL, SUPPLEMENT_NOTE, LAMPIRAN_START):
            pieces = [part for piece in pieces for part in _split_before(piece, pattern)]
        pieces = [part for piece in pieces for part in _split_after(piece, PASAL_DEMI_PASAL)]
        pieces = [part for piece in pieces for part in _split_headings(piece)]
        out.extend(Line(line.page, piece) for piece in pieces if piece.strip())
    return out


def _split_before(text: str, pattern: re.Pattern) -> list[str]:
    match = pattern.search(text)
    if not match or match.start() == 0:
        return [text]
    return [text[: match.start()].rstrip(), text[match.start() :]]


def _split_after(text: str, pattern: re.Pattern) -> list[str]:
    match = pattern.search(text)
    if not match or match.end() == len(text):
        return [text]
    return [text[: match.end()], text[match.end() :].lstrip()]


def _split_headings(text: str) -> list[str]:
    parts: list[str] = []
    last = 0
    for match in INLINE_HEADING.finditer(text):
        before = text[last : match.start()]
        words = before.split()
        if words and words[-1].lower().strip(",") in REF_PRECEDE_WORDS:
            continue
        parts.append(before)
        last = match.end()
    parts.append(text[last:])
    return [p.strip(" _") for p in parts if p.strip(" _")]


def _split_parts(lines: list[Line]) -> tuple[list[Line], list[Line], list[Line], list[Line]]:
    """Body (preamble + batang tubuh), closing formula, Penjelasan, and Lampiran."""
    first_pasal = next((i for i, line in enumerate(lines) if PASAL_LINE.match(line.text)), 0)
    pen = next((i for i in range(first_pasal, len(lines)) if PENJELASAN_START.match(lines[i].text)), None)
    if pen is None:
        pen = next((i for i in range(first_pasal, len(lines)) if PASAL_DEMI_PASAL.match(lines[i].text)), len(lines))
    end = pen
    for i in range(first_pasal, pen):
        text = lines[i].text
        after_last_pasal = i and re.search(r"\b(?:diundangkan|ditetapkan)\.$", lines[i - 1].text)
        if CLOSING_START.match(text) or (after_last_pasal and text.startswith("Agar ")):
            end = i
            break
    annex = next((i for i in range(end, len(lines)) if LAMPIRAN_START.match(lines[i].text)), len(lines))
    pen_end = next((i for i in range(pen, annex) if SUPPLEMENT_NOTE.match(lines[i].text)), annex)
    return lines[:end], lines[end:min(pen, annex)], lines[pen:pen_end], lines[annex:]


# --- Pasal headings -----------------------------------------------------------------------------


def _candidates(lines: list[Line], penjelasan: bool = False) -> list[Candidate]:
    found: list[Candidate] = []
    for index, line in enumerate(lines):
        text = line.text
        for match in PASAL_TOKEN.finditer(text):
            weight = _heading_weight(lines, index, match, penjelasan)
            if weight:
                found.append(Candidate(index, match.start(), match.end(), int(match.group(1)), match.group(2) or "", weight))
        if penjelasan:
            for match in BARE_PASAL_NUMBER.finditer(text):
                digits = match.group(1).translate(BARE_DIGITS)
                if digits.isdigit() and int(digits) > 0:
                    found.append(Candidate(index, match.start(), match.end(), int(digits), "", INLINE))
    found.sort(key=lambda c: (c.line, c.start))
    return found


def _heading_weight(lines: list[Line], index: int, match: re.Match, penjelasan: bool) -> int:
    """How much a 'Pasal N' occurrence looks like a heading; 0 when it reads as a reference."""
    text = lines[index].text
    rest = text[match.end() :].lstrip()
    before = text[: match.start()].rstrip()
    if not rest and not before:
        previous = lines[index - 1].text if index else ""
        following = lines[index + 1].text if index + 1 < len(lines) else ""
        last_word = previous.split()[-1].lower() if previous.split() else ""
        if re.match(r"^(?:ayat|huruf|angka)\b", following):
            return 0
        wrapped_reference = (
            last_word in WRAPPED_REF_WORDS and not HEADING_KEYWORD.match(previous) and not AYAT_OPENER.match(following)
        )
        if wrapped_reference:
            return INLINE  # "... dimaksud dalam / Pasal 5 / berlaku": usable only if nothing better
        if following[:1].islower() and not re.match(r"^[a-z]\.\s", following) and not penjelasan:
            return START  # a Pasal rarely starts in lower case, but OCR drops first words
        return STRONG
    if REF_FOLLOW.match(rest):
        return 0
    ayat_follows = bool(AYAT_OPENER.match(rest))
    if not ayat_follows and not rest[:1].isupper():
        return 0
    if not before:
        return STRONG if ayat_follows else START
    previous_word = before.split()[-1].lower()
    if ayat_follows:
        return INLINE_AYAT if previous_word not in {"dimaksud", "dalam", "pada"} else 0
    if previous_word.rstrip(".;:,") in REF_PRECEDE_WORDS or before.endswith(","):
        return 0
    # After a heading title ("Fungsi dan Tugas Pasal 47 BKN ..."), a sentence, or debris; a
    # lower-case word before it means the middle of a sentence.
    last = before.split()[-1]
    if last[:1].isupper() or re.search(r"[.;:]$", last) or not re.search(r"[A-Za-z]", last):
        return INLINE
    return 0


def _best_chain(candidates: list[Candidate]) -> list[Candidate]:
    """Highest-scoring chain of strictly increasing Pasal numbers in document order.

    Score = sum of candidate weights minus GAP_PENALTY per skipped number (counting from 1), so
    a chain that includes a weak inline heading beats one that skips its number.
    """
    score: list[float] = []
    back: list[int | None] = []
    best_by_number: dict[int, int] = {}  # number -> best candidate index, any suffix
    best_by_key: dict[tuple[int, str], int] = {}
    for j, cand in enumerate(candidates):
        best, parent = cand.weight - GAP_PENALTY * (cand.number - 1), None
        options = [(i, 0) for key, i in best_by_key.items() if key[0] == cand.number and key[1] < cand.suffix] if cand.suffix else []
        for number in range(cand.number - 1, max(0, cand.number - MAX_GAP - 1), -1):
            if number in best_by_number:
                options.append((best_by_number[number], cand.number - number - 1))
        for i, gap in options:
            value = score[i] + cand.weight - GAP_PENALTY * gap
            if value > best:
                best, parent = value, i
        score.append(best)
        back.append(parent)
        key = (cand.number, cand.suffix)
        if key not in best_by_key or score[best_by_key[key]] < best:
            best_by_key[key] = j
        if cand.number not in best_by_number or score[best_by_number[cand.number]] < best:
            best_by_number[cand.number] = j
    if not candidates:
        return []
    j: int | None = max(range(len(candidates)), key=lambda k: (score[k], -k))
    chain: list[Candidate] = []
    while j is not None:
        chain.append(candidates[j])
        j = back[j]
    return chain[::-1]


def _cut_at_headings(lines: list[Line], chosen: list[Candidate]) -> list[tuple[Candidate | None, list[Line]]]:
    """Split the lines at the chosen headings: [(None, lines before), (heading, its lines), ...]."""
    by_line: dict[int, list[Candidate]] = {}
    for cand in chosen:
        by_line.setdefault(cand.line, []).append(cand)
    parts: list[tuple[Candidate | None, list[Line]]] = [(None, [])]
    for index, line in enumerate(lines):
        cursor = 0
        for cand in sorted(by_line.get(index, []), key=lambda c: c.start):
            before = line.text[cursor : cand.start].strip()
            if before:
                parts[-1][1].append(Line(line.page, before))
            parts.append((cand, []))
            cursor = cand.end
        rest = line.text[cursor:].strip()
        if rest:
            parts[-1][1].append(Line(line.page, rest))
    return parts


def _segment_pasal(body: list[Line], doc: ParsedDocument) -> tuple[list[Segment], list[Line]]:
    candidates = _candidates(body)
    chain = _best_chain(candidates)
    chain = _with_repeated_headings(candidates, chain)
    parts = _cut_at_headings(body, chain)
    preamble = parts[0][1]
    segments = [Segment(cand.label, body[cand.line].page, lines) for cand, lines in parts[1:] if cand]
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
                merged[-1] = Segment(segment.number, previous.heading_page, segment.lines)
                continue
            if not _has_words(segment.lines):
                continue
            if segment.number not in doc.duplicates:
                doc.duplicates.append(segment.number)
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
            out[-1] = Segment(segment.number, segment.heading_page, head)
            out.append(Segment(missing, tail[0].page, tail))
            doc.warnings.append(f"Pasal {missing}: heading not found; recovered where a new ayat (1) starts after Pasal {segment.number}")
        else:
            doc.warnings.append(f"Pasal {missing}: heading not found between Pasal {segment.number} and Pasal {nxt.number}")
    return out


def _warn_out_of_sequence(body: list[Line], candidates: list[Candidate], chain: list[Candidate], doc: ParsedDocument) -> None:
    chosen = {id(c) for c in chain}
    for cand in candidates:
        if cand.weight == STRONG and id(cand) not in chosen:
            doc.warnings.append(f"line 'Pasal {cand.label}' (page {body[cand.line].page}) is out of sequence; kept as text")


# --- headings -----------------------------------------------------------------------------------


def _is_heading_line(text: str) -> bool:
    return bool(HEADING_KEYWORD.match(text)) and len(text) <= 200 and not re.search(r"[.;]\s+\S", text)


def _is_title_line(text: str) -> bool:
    return (
        len(text) <= 150
        and not TERMINAL_PUNCT.search(text)
        and not AYAT_MARK.match(text)
        and not re.match(r"^(?:[a-z]|\d{1,3})\.\s", text)
    )


def _take_heading_block(lines: list[Line]) -> list[Line]:
    """Remove and return the BAB/Bagian/Paragraf lines at the end of ``lines`` (they head the next Pasal)."""
    while lines and MARKERS_ONLY_LINE.match(lines[-1].text):
        lines.pop()
    start = None
    for k in range(len(lines) - 1, -1, -1):
        text = lines[k].text
        if _is_heading_line(text):
            start = k
        elif not (_is_title_line(text) or len(text) <= 30):
            break
    if start is None:
        return []
    block = lines[start:]
    del lines[start:]
    leftover = _absorb_titles(block)
    lines.extend(leftover)
    left_ids = {id(line) for line in leftover}
    return [line for line in block if id(line) not in left_ids]


def _absorb_titles(block: list[Line]) -> list[Line]:
    """Lines of the block that are no heading's title (OCR fragments); they stay with the Pasal."""
    leftover: list[Line] = []
    current: str | None = None
    title_lines = 0
    for line in block:
        match = HEADING_KEYWORD.match(line.text)
        if match and _is_heading_line(line.text):
            current = "bab" if match.group("bab") else "other"
            has_title = bool(line.text[match.end() :].strip())
            title_lines = 1 if has_title else 0
            continue
        text = line.text
        if current == "bab" and not re.search(r"[a-z]", text):
            continue
        if current == "other" and _is_title_line(text) and (
            title_lines == 0 or TITLE_CONNECTOR_END.search(_previous_title(block, line))
        ):
            title_lines += 1
            continue
        leftover.append(line)
        current = None
    return leftover


def _previous_title(block: list[Line], line: Line) -> str:
    index = next(i for i, other in enumerate(block) if other is line)
    return block[index - 1].text if index else ""


def _headings_from_block(block: list[Line]) -> list[str]:
    headings: list[str] = []
    for line in block:
        if HEADING_KEYWORD.match(line.text) and _is_heading_line(line.text):
            headings.append(line.text)
        elif headings:
            headings[-1] = f"{headings[-1]} {line.text}"
    return headings


def _update_context(context: dict[str, str], headings: list[str]) -> None:
    for heading in headings:
        match = HEADING_KEYWORD.match(heading)
        if not match:
            continue
        if match.group("bab"):
            context.clear()
            context["bab"] = heading
        elif match.group("bagian"):
            context.pop("paragraf", None)
            context["bagian"] = heading
        else:
            context["paragraf"] = heading


# --- one Pasal ----------------------------------------------------------------------------------


def _build_pasal(segment: Segment, lines: list[Line], context: dict[str, str], doc: ParsedDocument) -> Pasal:
    logical = _reflow([line.text for line in _drop_stray_markers(lines)])
    pages = [line.page for line in lines if line.page is not None]
    pasal = Pasal(
        number=segment.number,
        text="\n".join(logical),
        headings=[context[key] for key in ("bab", "bagian", "paragraf") if key in context],
        page_start=segment.heading_page,
        page_end=max(pages) if pages and segment.heading_page is not None else segment.heading_page,
    )
    if pasal.page_end is not None and pasal.page_start is not None and pasal.page_end < pasal.page_start:
        pasal.page_end = pasal.page_start
    ayat_blocks = _split_ayat(logical)
    if ayat_blocks:
        for number, block in ayat_blocks:
            items = _split_items(block)
            pasal.ayat.append(Ayat(number=number, text="\n".join(block), items=items))
    else:
        pasal.items = _split_items(logical)
    pasal.references = find_references(pasal.text, pasal.number)
    if not pasal.text.strip():
        doc.warnings.append(f"Pasal {pasal.number}: no text in the source at this heading")
    return pasal


def _drop_stray_markers(lines: list[Line]) -> list[Line]:
    """Ayat numbers the OCR separated from their text carry nothing; one marker alone on a line
    is joined to the text line after it, anything else marker-only is dropped."""
    kept: list[Line] = []
    skip = False
    for i, line in enumerate(lines):
        if skip:
            skip = False
            continue
        if not MARKERS_ONLY_LINE.match(line.text):
            kept.append(line)
            continue
        following = lines[i + 1].text if i + 1 < len(lines) else ""
        single = re.fullmatch(r"\(\d{1,2}[a-z]?\)", line.text)
        if single and following and not MARKERS_ONLY_LINE.match(following) and not AYAT_MARK.match(following):
            kept.append(Line(line.page, f"{line.text} {following}"))
            skip = True
    return kept


def _starts_logical_line(text: str) -> bool:
    return bool(AYAT_MARK.match(text) or re.match(r"^(?:[a-z]|[0-9lL]{1,3})\.\s*\S", text) or ITEM_ONLY_LINE.match(text))


def _reflow(lines: list[str]) -> list[str]:
    """Join the scan's hard-wrapped lines; each ayat and list item starts a line of its own."""
    out: list[str] = []
    for text in lines:
        if out and (not _starts_logical_line(text) or WRAPPED_LABEL_END.search(out[-1])):
            out[-1] = _join_wrapped(out[-1], text)
        elif out and ITEM_ONLY_LINE.match(out[-1]):
            out[-1] = f"{out[-1]} {text}"
        else:
            out.append(text)
    return out


def _join_wrapped(left: str, right: str) -> str:
    if left.endswith("-") and right[:1].islower() and not left.endswith(" -"):
        return left + right
    return f"{left} {right}"


def _split_ayat(logical: list[str]) -> list[tuple[str, list[str]]]:
    """[(ayat number, its logical lines)], accepting markers only in sequence (1), (2), ..."""
    expanded: list[tuple[str, bool]] = []  # (text, cut from the previous piece inside a line)
    for text in logical:
        pieces = _split_inline(text, INLINE_AYAT_MARK)
        expanded.extend((piece, k > 0) for k, piece in enumerate(pieces))
    blocks: list[tuple[str, list[str]]] = []
    expected = 1
    for text, inline in expanded:
        match = AYAT_MARK.match(text)
        skip = 0 if inline or not any(block[0] for block in blocks) else 1
        if match and _ayat_in_sequence(match.group(1), expected, blocks, skip):
            number = match.group(1)
            blocks.append((number, [text]))
            if number.isdigit():
                expected = int(number) + 1
            continue
        if not blocks:
            blocks.append(("", [text]))  # text before ayat (1): kept in Pasal.text only
        elif inline:
            blocks[-1][1][-1] = f"{blocks[-1][1][-1]} {text}"
        else:
            blocks[-1][1].append(text)
    return [block for block in blocks if block[0]]


def _ayat_in_sequence(number: str, expected: int, blocks: list[tuple[str, list[str]]], skip: int = 0) -> bool:
    """The expected number, a letter variant of the last one ("2a"), or at a line start one
    further (an ayat whose marker the OCR lost)."""
    if number.isdigit():
        return expected <= int(number) <= expected + skip
    digits = re.match(r"\d+", number)
    return bool(digits) and bool(blocks) and int(digits.group()) == expected - 1


def _split_inline(text: str, pattern: re.Pattern) -> list[str]:
    """Cut ``text`` where ``pattern`` matches; a named group 'keep' stays with the left piece."""
    pieces: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        keep = match.groupdict().get("keep") or ""
        pieces.append((text[last : match.start()] + " " + keep).strip())
        last = match.end()
    pieces.append(text[last:].strip())
    return [p for p in pieces if p]


def _split_items(lines: list[str]) -> list[Item]:
    """Top-level list items (huruf a., b. or angka 1., 2.) with their nested lines."""
    expanded: list[str] = []
    for text in lines:
        expanded.extend(_split_inline(text, INLINE_ITEM_MARK))
    kind: str | None = None
    items: list[Item] = []
    for text in expanded:
        label = _item_label(text, kind, len(items))
        if label is not None:
            if kind is None:
                kind = "huruf" if label.isalpha() else "angka"
            marker = HURUF_MARK if kind == "huruf" else ANGKA_MARK
            items.append(Item(label=label, text=marker.sub("", text, count=1).strip()))
        elif items:
            items[-1].text = f"{items[-1].text}\n{text}"
    return items


def _item_label(text: str, kind: str | None, count: int) -> str | None:
    """The label if ``text`` starts the next item of the list in progress (or a new list at a/1)."""
    expected_huruf = chr(ord("a") + count) if count < 26 else None
    expected_angka = str(count + 1)
    if kind in (None, "huruf"):
        match = HURUF_MARK.match(text)
        if match and expected_huruf:
            label = match.group(1)
            if label == expected_huruf or (label == "1" and expected_huruf == "l"):
                return expected_huruf
    if kind in (None, "angka"):
        match = ANGKA_MARK.match(text)
        if match and match.group(1).translate(ITEM_DIGITS) == expected_angka:
            return expected_angka
    return None


# --- Penjelasan ---------------------------------------------------------------------------------


def _attach_penjelasan(doc: ParsedDocument, lines: list[Line]) -> None:
    if not lines:
        return
    pasal_start = next((i for i, line in enumerate(lines) if PASAL_DEMI_PASAL.match(line.text)), None)
    candidates = _candidates(lines, penjelasan=True)
    if pasal_start is not None:
        candidates = [c for c in candidates if c.line > pasal_start]
    chain = _best_chain(candidates)
    parts = _cut_at_headings(lines, chain)
    umum = _split_umum(parts[0][1])
    umum = [line for line in umum if not PASAL_DEMI_PASAL.match(line.text)]
    doc.penjelasan_umum = _join_paragraphs([line.text for line in umum])
    by_number = {pasal.number: pasal for pasal in doc.pasal}
    for cand, part in parts[1:]:
        if cand is None:
            continue
        _take_heading_block(part)
        pasal = by_number.get(cand.label)
        text = "\n".join(_reflow_penjelasan([line.text for line in part]))
        text = "\n".join(" ".join(STRAY_PASAL_WORD.sub(" ", row).split()) for row in text.split("\n")).strip()
        text = re.sub(rf"^Pasal {re.escape(cand.label)}\s+", "", text)  # the same heading printed twice
        if pasal is None:
            doc.warnings.append(f"Penjelasan has 'Pasal {cand.label}' but the body has no such Pasal")
            continue
        pasal.penjelasan = f"{pasal.penjelasan}\n{text}".strip() if pasal.penjelasan else text
        pasal.penjelasan_ayat.update(_penjelasan_ayat(text))
    _relocate_orphans(doc)


def _split_umum(head: list[Line]) -> list[Line]:
    """Penjelasan Umum: after "I. UMUM", or after the all-capitals title lines."""
    for i, line in enumerate(head[:15]):
        match = UMUM_MARK.search(line.text)
        if match:
            rest = line.text[match.end() :].strip()
            return ([Line(line.page, rest)] if rest else []) + head[i + 1 :]
    first_text = next((i for i, line in enumerate(head) if re.search(r"[a-z]", line.text)), len(head))
    return head[first_text:]


def _reflow_penjelasan(lines: list[str]) -> list[str]:
    out: list[str] = []
    for text in lines:
        starts = re.match(r"^(?:Ayat\s*\(|Huruf\s+\w|Angka\s+\d|Cukup\s*jelas)", text) or _starts_logical_line(text)
        if out and not starts and not re.match(r"^(?:Ayat|Huruf|Angka)\b", out[-1].split("\n")[-1]):
            out[-1] = _join_wrapped(out[-1], text)
        else:
            out.append(text)
    return out


def _penjelasan_ayat(text: str) -> dict[str, str]:
    """{"1": "Cukup jelas.", ...} from "Ayat (1) Cukup jelas. Ayat (2) ..."; numbers never go back."""
    flat = " ".join(text.split())
    result: dict[str, str] = {}
    expected = 1
    accepted = []
    for mark in PENJELASAN_AYAT.finditer(flat):
        number = mark.group(1)
        if number.isdigit() and int(number) < expected:
            continue
        accepted.append(mark)
        if number.isdigit():
            expected = int(number) + 1
    for i, mark in enumerate(accepted):
        end = accepted[i + 1].start() if i + 1 < len(accepted) else len(flat)
        result[mark.group(1)] = flat[mark.end() : end].strip()
    return result


def _relocate_orphans(doc: ParsedDocument) -> None:
    """Text printed after 'Cukup jelas.' under an ayat explains something else: the scan put it
    there by mistake. Move it to the nearest earlier Pasal that has an empty ayat explanation."""
    for index, pasal in enumerate(doc.pasal):
        for ayat, text in list(pasal.penjelasan_ayat.items()):
            match = CUKUP_JELAS.match(text)
            if not match or len(text[match.end() :].strip()) < 40:
                continue
            orphan = text[match.end() :].strip()
            if re.search(r"Cukup\s*jelas", orphan, re.IGNORECASE) or re.search(r"\b(?:Ayat|Pasal)\b", orphan):
                continue  # more explanations run together (scrambled columns), not one misprint
            target = _empty_ayat_slot(doc.pasal[max(0, index - ORPHAN_SEARCH_BACK) : index])
            if target is None:
                continue
            other, slot = target
            pasal.penjelasan_ayat[ayat] = text[: match.end()].strip()
            words = r"\s+".join(re.escape(word) for word in orphan.split())
            pasal.penjelasan = re.sub(r"\s*" + words, "", pasal.penjelasan, count=1).strip()
            other.penjelasan_ayat[slot] = orphan
            other.penjelasan = re.sub(
                rf"(Ayat\s*\({re.escape(slot)}\))", lambda m: f"{m.group(1)} {orphan}", other.penjelasan, count=1
            )
            doc.warnings.append(
                f"Penjelasan text after 'Cukup jelas.' under Pasal {pasal.number} ayat ({ayat}) moved to the empty "
                f"Pasal {other.number} ayat ({slot})"
            )


def _empty_ayat_slot(previous: list[Pasal]) -> tuple[Pasal, str] | None:
    for pasal in reversed(previous):
        for ayat, text in pasal.penjelasan_ayat.items():
            if not text.strip():
                return pasal, ayat
    return None


# --- text helpers -------------------------------------------------------------------------------


def _join(lines: list[Line]) -> str:
    return _join_paragraphs([line.text for line in lines])


def _join_paragraphs(lines: list[str]) -> str:
    """Unwrap lines into paragraphs: a new paragraph after a line that ends a sentence."""
    paragraphs: list[str] = []
    for text in lines:
        if paragraphs and not re.search(r"[.;:]$", paragraphs[-1]) and not _starts_logical_line(text):
            paragraphs[-1] = _join_wrapped(paragraphs[-1], text)
        else:
            paragraphs.append(text)
    return "\n".join(paragraphs)
