"""The page-footer stamp "SK No 106893 A" where the OCR mangled it and ran it into the text.

Scanned PP and UU pages carry a footer "SK No <number> A". Clean ones stand on their own line and
go with the page furniture (clean.py); mangled ones sit inside a line: ": ll{ Nlo l0r.-'il n",
"Sl( Nlo l06lf''l A", "Iil( l.lo l()(.18f. n". The anchor is the word "No" as the OCR misreads
it ("Nlo", "NIO", "Nl6r", "l.lo", "l.l6"), which is never Indonesian; around it, only debris
tokens (no word, no ayat or list marker) are taken, so the text before and after is untouched.
A plain "No"/"NO" (table headers, "No." references) is a stamp only as the clean shape
"SK No <4-8 digits> <letter>".
"""

from __future__ import annotations

import re

MANGLED_NO = re.compile(r"N[lI1|][oO06]r?|NIO|[\[NIil|'.,\\r]{1,4}[lI1|][oO06nqr][r\]]{0,2}")
PLAIN_NO = re.compile(r"N[oO]\.?")
SK_WORD = re.compile(r"S[KkIl1|(<]\S{0,2}")
SK_NUMBER = re.compile(r"\d{4,8}")
# What real text looks like next to a stamp: a word (letters with a vowel, optional punctuation) or a marker.
WORD = re.compile(r"[(\"']?[A-Za-z][a-z]*[aeiouAEIOU][A-Za-z-]*[.,;:!?)\"']*|[A-Z]{2,}[.,;:]?")
MARKER = re.compile(r"\(\d{1,2}[a-z]?[)\]1lt]?|[a-z]\.|\d{1,3}\.")
NUMBER_IN_WORDS = re.compile(r"\([a-z]")  # "14 (empat belas)": the number is text
SENTENCE_MARK = re.compile(r"[.,;]")
NUMBER_CHARS = re.compile(r"[0-9lIiOofrtJS():;_\[\].,'\"/\\<{}-]")
MANGLED = re.compile(r"[A-Za-z()\[\]{}<\\_]")  # an OCR'd number, not a clean one (a year, a figure)
TOKEN = re.compile(r"\S+")
TAIL = re.compile(r"[,/\\']?[A-Za-z14]['.,]?|fl")  # the footer's closing "A", as the OCR read it
MAX_BEFORE, MAX_AFTER, MAX_AFTER_CHARS = 3, 5, 30
MIN_RUN, MIN_RUN_CHARS, MIN_NUMBER = 3, 8, 5


def remove_sk_stamps(text: str) -> str:
    """Each line without its inline, OCR-mangled "SK No … A" footer stamps."""
    return "\n".join(_clean_line(line) for line in text.split("\n"))


def _clean_line(line: str) -> str:
    tokens = [(m.start(), m.end(), m.group()) for m in TOKEN.finditer(line)]
    spans: list[tuple[int, int]] = []
    for i, (_, _, token) in enumerate(tokens):
        span = _stamp_at(tokens, i) if MANGLED_NO.fullmatch(token) or PLAIN_NO.fullmatch(token) else None
        if span and (not spans or span[0] >= spans[-1][1]):
            spans.append(span)
    spans = _merge(spans + _unanchored(tokens))
    for start, end in reversed(spans):
        mark = line[start] if line[start] in ".;," and line[start + 1 : start + 2].strip() else ""  # "jelas .'ll(": keep the "."
        line = f"{line[:start].rstrip()}{mark} {line[end:].lstrip()}".strip()
    return line


def _numberish(token: str) -> bool:
    """The footer number as the OCR read it ("l0(,15,)", "l(lh-5(."): digit look-alikes, at most one other."""
    return len(token) >= 3 and len(NUMBER_CHARS.sub("", token)) <= 1


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _unanchored(tokens: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Stamps whose "No" is unreadable: a run of debris with a long number-like token, ending in the "A"."""
    spans = []
    i = 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and (_is_debris(tokens[j][2]) or MANGLED_NO.fullmatch(tokens[j][2])):
            j += 1
        run = [token for _, _, token in tokens[i:j]]
        start = next((k for k, token in enumerate(run) if _is_prefix_debris(token) or _numberish(token)), len(run))
        run_tail = run[start:]
        end = max((k for k, token in enumerate(run_tail) if TAIL.fullmatch(token)), default=-1)  # the footer's "A"
        stamp = run_tail[: end + 1]
        if (len(stamp) >= MIN_RUN and sum(map(len, stamp)) >= MIN_RUN_CHARS
                and any(len(t) >= MIN_NUMBER and _numberish(t) and MANGLED.search(t) for t in stamp[:-1])):
            spans.append((tokens[i + start][0], tokens[i + start + end][1]))
        i = j + 1
    return spans


def _is_debris(token: str, following: str = "") -> bool:
    if token.isdigit() and NUMBER_IN_WORDS.match(following):
        return False
    return not WORD.fullmatch(token) and not MARKER.fullmatch(token)


def _is_prefix_debris(token: str) -> bool:
    """Before the "No": "Sl(", "ll{", ": ", ",t/", "SK"; never a lone letter or sentence mark."""
    if SK_WORD.fullmatch(token):
        return True
    return len(token) <= 6 and _is_debris(token) and not token.isalnum() and not SENTENCE_MARK.fullmatch(token)


def _stamp_at(tokens: list[tuple[int, int, str]], i: int) -> tuple[int, int] | None:
    """Character span of the stamp around the "No" token ``i``, or None when it is not one."""
    texts = [token for _, _, token in tokens]
    first = i
    while first > 0 and i - first < MAX_BEFORE and _is_prefix_debris(texts[first - 1]):
        first -= 1
    last, length = i, 0
    while last + 1 < len(texts) and last - i < MAX_AFTER:
        following = texts[last + 2] if last + 2 < len(texts) else ""
        length += len(texts[last + 1])
        if not _is_debris(texts[last + 1], following) or length > MAX_AFTER_CHARS:
            break
        last += 1
    before, after = texts[first:i], texts[i + 1 : last + 1]
    if PLAIN_NO.fullmatch(texts[i]):
        clean = bool(before) and SK_WORD.fullmatch(before[-1]) and bool(after) and SK_NUMBER.fullmatch(after[0])
        return (tokens[first][0], tokens[last][1]) if clean else None
    if not any(_numberish(token) for token in after):
        return None
    return tokens[first][0], tokens[last][1]
