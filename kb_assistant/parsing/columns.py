"""Two-column PDF pages whose text pypdf reads across both columns, line by line.

pypdf follows the content stream; a generator that draws a two-column page row by row makes it
join the left and right column into one line ("... yang di- jadwal tanam ..."), which breaks
words and sentences. Such a page is re-read from the text fragments' positions: every row split
at the page's middle, then the left column top to bottom, then the right one. Only a page where
most rows are split this way is changed, so a page with a small table keeps pypdf's text.
"""

from __future__ import annotations

from collections import defaultdict

MIN_SPLIT_ROWS = 6
MIN_SPLIT_SHARE = 0.6
ROW_TOLERANCE = 2.0  # points: fragments this close vertically are one row
GUTTER = 0.05  # share of the page width: a right-column fragment starts at or after middle - gutter
LEFT_MARGIN = 0.1  # a left-column fragment starts before middle - this share of the width


def page_text(page) -> str:
    """The page's text, column by column where pypdf interleaved a two-column layout."""
    fragments: list[tuple[float, float, str]] = []

    def visit(text, cm, tm, font_dict, font_size) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            fragments.append((x, y, text))

    text = page.extract_text(visitor_text=visit) or ""
    box = page.mediabox
    reordered = two_column_text(fragments, float(box.left), float(box.width))
    return reordered if reordered is not None else text


def two_column_text(fragments: list[tuple[float, float, str]], left: float, width: float) -> str | None:
    """Left column then right column, or None when the page is not a two-column page."""
    if any("\n" in text.strip() for _, _, text in fragments):
        return None  # fragments spanning lines carry no usable position
    middle = left + width / 2
    rows = _rows(fragments)
    split = 0
    left_lines: list[str] = []
    right_lines: list[str] = []
    for row in rows:
        lefts = [text for x, text in row if x < middle - GUTTER * width]
        rights = [text for x, text in row if x >= middle - GUTTER * width]
        if lefts and rights and min(x for x, _ in row) < middle - LEFT_MARGIN * width:
            split += 1
        if lefts:
            left_lines.append(_join(lefts))
        if rights:
            right_lines.append(_join(rights))
    if split < MIN_SPLIT_ROWS or split < MIN_SPLIT_SHARE * len(rows):
        return None
    return "\n".join(left_lines + right_lines)


def _rows(fragments: list[tuple[float, float, str]]) -> list[list[tuple[float, str]]]:
    """Fragments grouped by baseline, top of the page first, each row left to right."""
    rows: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for x, y, text in fragments:
        rows[round(y / ROW_TOLERANCE)].append((x, text))
    return [sorted(rows[key]) for key in sorted(rows, reverse=True)]


def _join(texts: list[str]) -> str:
    return " ".join(" ".join(text.split()) for text in texts)
