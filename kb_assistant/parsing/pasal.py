"""One Pasal's body: unwrapped lines, its ayat (in sequence) and its list items."""

from __future__ import annotations

import re

from kb_assistant.parsing.ayat_restore import restore_ayat
from kb_assistant.parsing.marker_clusters import drop_marker_clusters
from kb_assistant.parsing.lines import AYAT_MARK, ITEM_ONLY_LINE, MARKERS_ONLY_LINE, Line, drop_marker_echo, join_wrapped, split_inline, starts_logical_line, where
from kb_assistant.parsing.references import find_references
from kb_assistant.parsing.segments import Segment
from kb_assistant.parsing.tree import Ayat, Item, ParsedDocument, Pasal

# An ayat marker inside a line: after a sentence end, or after a word when the source lost the
# full stop ("... perundang-undangan (3) Pengawasan eksternal ..."); never after a word that makes
# it a reference ("ayat (2) dan (3) ..."). _split_ayat accepts an inline marker only as the next ayat.
INLINE_AYAT_MARK = re.compile(
    r"(?:(?<=[.;:])|(?<=[A-Za-z])(?<!\bayat)(?<!\bdan)(?<!\batau)(?<!\bdengan)(?<!\bhingga))"
    r"\s+(?=\(\d{1,2}[a-z]?\)\s+[A-Z])"
)
HURUF_MARK = re.compile(r"^([a-z]|1)\.\s*")
ANGKA_MARK = re.compile(r"^([0-9lIL]{1,3})\.\s*")
INLINE_ITEM_MARK = re.compile(r"(?<=;)\s+(?P<keep>(?:dan|atau)\s+)?(?=(?:[a-z]|\d{1,3})\.\s)")
WRAPPED_LABEL_END = re.compile(r"\b(?:huruf|angka|ayat|Pasal)$")
ITEM_DIGITS = str.maketrans({"l": "1", "I": "1", "L": "1"})
# "(4) (5) (1) (2) Panitia ...": the scan printed a column of ayat numbers before the text; only the
# marker next to the text is kept (one marker per ayat). Not after "ayat", where it is a reference.
MARKER_RUN = re.compile(
    r"(?<!ayat )(?<!\S)(?:\(\d{1,2}[a-z]?\)\s+)+(?=\(\d{1,2}[a-z]?\)\s*[^\s(])"  # before the marker of the text
    r"|(?<=[.;:])\s+(?:\(\d{1,2}[a-z]?\)\s*){2,}$"  # or left over after the last sentence of a line
)


def build_pasal(segment: Segment, lines: list[Line], context: dict[str, str], doc: ParsedDocument) -> Pasal:
    kept, dropped = _drop_stray_markers(lines)
    logical = _drop_marker_echoes(reflow(_collapse_marker_runs(kept, dropped)), dropped)
    logical = _drop_clusters(logical, dropped)
    if dropped:
        doc.warnings.append(f"{where(segment.heading)}: Pasal {segment.number}: stray ayat markers dropped: {' '.join(dropped)[:80]}")
    pages = [line.page for line in lines if line.page is not None]
    pasal = Pasal(
        number=segment.number,
        text="\n".join(logical),
        headings=[context[key] for key in ("bab", "bagian", "paragraf") if key in context],
        page_start=segment.heading_page,
        page_end=max(pages) if pages and segment.heading_page is not None else segment.heading_page,
        line=segment.heading.source if segment.heading else None,
    )
    if pasal.page_end is not None and pasal.page_start is not None and pasal.page_end < pasal.page_start:
        pasal.page_end = pasal.page_start
    blocks = _split_ayat(logical)
    ayat_blocks = [block for block in blocks if block[0]]
    restored = None if ayat_blocks else restore_ayat(logical, dropped)
    if restored:
        blocks = _split_ayat(restored)
        ayat_blocks = [block for block in blocks if block[0]]
        doc.warnings.append(f"{where(segment.heading)}: Pasal {segment.number}: ayat numbered from its sentences, the scan lost the markers: (1)-({len(ayat_blocks)})")
    if ayat_blocks:
        # each ayat on a line of its own, also one cut from the middle of a line (an answer quotes by line)
        pasal.text = "\n".join(line for _, block in blocks for line in block)
        for number, block in ayat_blocks:
            items = _split_items(block)
            pasal.ayat.append(Ayat(number=number, text="\n".join(block), items=items))
    else:
        pasal.items = _split_items(logical)
    pasal.references = find_references(pasal.text, pasal.number)
    if not pasal.text.strip():
        doc.warnings.append(f"{where(segment.heading)}: Pasal {pasal.number}: no text in the source at this heading")
    return pasal


def _drop_marker_echoes(logical: list[str], dropped: list[str]) -> list[str]:
    out = []
    for text in logical:
        text, markers = drop_marker_echo(text)
        if markers:
            dropped.append(markers)
        out.append(text)
    return out


def _drop_clusters(logical: list[str], dropped: list[str]) -> list[str]:
    text, clusters = drop_marker_clusters("\n".join(logical))
    dropped.extend(clusters)
    return [line.strip() for line in text.split("\n") if line.strip()]


def _collapse_marker_runs(lines: list[Line], dropped: list[str]) -> list[str]:
    texts = []
    for line in lines:
        dropped.extend(match.group(0).strip() for match in MARKER_RUN.finditer(line.text))
        texts.append(MARKER_RUN.sub("", line.text).strip())
    return texts


def _drop_stray_markers(lines: list[Line]) -> tuple[list[Line], list[str]]:
    """Ayat numbers the OCR separated from their text carry nothing; one marker alone on a line
    is joined to the text line after it, anything else marker-only is dropped (and returned)."""
    kept: list[Line] = []
    dropped: list[str] = []
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
            kept.append(Line(line.page, f"{line.text} {following}", line.source))
            skip = True
        else:
            dropped.append(line.text)
    return kept, dropped


def reflow(lines: list[str]) -> list[str]:
    """Join the scan's hard-wrapped lines; each ayat and list item starts a line of its own."""
    out: list[str] = []
    for text in lines:
        if out and (not starts_logical_line(text) or WRAPPED_LABEL_END.search(out[-1][-40:])):  # the tail: linear
            out[-1] = join_wrapped(out[-1], text)
        elif out and ITEM_ONLY_LINE.match(out[-1]):
            out[-1] = f"{out[-1]} {text}"
        else:
            out.append(text)
    return out


def _split_ayat(logical: list[str]) -> list[tuple[str, list[str]]]:
    """[(ayat number, its logical lines)], accepting markers only in sequence (1), (2), ...; text
    before ayat (1) comes first with the number "".

    A marker at a line start may skip numbers that never start a line later in the Pasal (an
    excerpt's "(1) ... (4) ...", or a lone "(3)"); a marker inside a line must be the next one.
    """
    expanded: list[tuple[str, bool]] = []  # (text, cut from the previous piece inside a line)
    for text in logical:
        pieces = split_inline(text, INLINE_AYAT_MARK)
        expanded.extend((piece, k > 0) for k, piece in enumerate(pieces))
    later = _line_start_numbers(expanded)
    blocks: list[tuple[str, list[str]]] = []
    expected = 1
    for index, (text, inline) in enumerate(expanded):
        match = AYAT_MARK.match(text)
        # a first marker other than (1) only where the Pasal starts with it (a lone "(3)"): text
        # before it would belong to no ayat
        may_skip = not inline and (index == 0 or bool(blocks and blocks[-1][0]))
        if match and _ayat_in_sequence(match.group(1), expected, blocks, not may_skip, later[index + 1]):
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
    return blocks


def _line_start_numbers(expanded: list[tuple[str, bool]]) -> list[set[int]]:
    """For each position, the ayat numbers that start a line from there on (and one set past the end)."""
    sets: list[set[int]] = [set()]
    for text, inline in reversed(expanded):
        match = AYAT_MARK.match(text)
        current = set(sets[-1])
        if match and not inline and match.group(1).isdigit():
            current.add(int(match.group(1)))
        sets.append(current)
    return sets[::-1]


def _ayat_in_sequence(number: str, expected: int, blocks: list[tuple[str, list[str]]], strict: bool, later: set[int]) -> bool:
    """The expected number; a letter variant of the last one ("2a"); or, at a line start, a
    further one when the numbers in between never start a line later (skipped, not scrambled)."""
    if number.isdigit():
        value = int(number)
        if value == expected:
            return True
        return not strict and value > expected and not any(n in later for n in range(expected, value))
    digits = re.match(r"\d+", number)
    return bool(digits) and bool(blocks) and int(digits.group()) == expected - 1


def _split_items(lines: list[str]) -> list[Item]:
    """Top-level list items (huruf a., b. or angka 1., 2.) with their nested lines."""
    expanded: list[str] = []
    for text in lines:
        expanded.extend(split_inline(text, INLINE_ITEM_MARK))
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
