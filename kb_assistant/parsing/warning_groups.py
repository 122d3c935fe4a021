"""Parser warnings grouped by kind, so a trainer sees what matters.

A noisy scan gives dozens of warnings of one kind (PP 11/2017: ~90 "stray ayat markers dropped");
listed one by one they hide the few that matter (a lost Pasal). Warnings of a kind seen at least
``GROUP_MIN`` times become one, with the count and the first ``GROUP_SHOWN`` places (line and
Pasal); rarer kinds stay as they are. Order follows each kind's first warning.
"""

from __future__ import annotations

import re

GROUP_MIN = 3
GROUP_SHOWN = 5
LOCATED = re.compile(r"^line (?P<line>\S+)(?: \(page (?P<page>\d+)\))?: (?P<rest>.*)$", re.S)
SUBJECT = re.compile(r"^Pasal (?P<pasal>\S+): (?P<what>[^:]+)(?::.*)?$", re.S)


def _kind(warning: str) -> tuple[str, str | None, str | None]:
    """(kind key, line, Pasal) of one warning: "Pasal 12: stray ayat markers dropped: (1)" -> that phrase."""
    located = LOCATED.match(warning)
    line, rest = (located.group("line"), located.group("rest")) if located else (None, warning)
    subject = SUBJECT.match(rest)
    if subject:
        return subject.group("what"), line, subject.group("pasal")
    return re.sub(r"\d+[A-Z]?", "#", rest), line, None


def group_warnings(warnings: list[str]) -> list[str]:
    """The warnings with each frequent kind folded into one (idempotent)."""
    kinds: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for warning in warnings:
        key, line, pasal = _kind(warning)
        kinds.setdefault(key, []).append((warning, line, pasal))
    out: list[str] = []
    for key, members in kinds.items():
        if len(members) < GROUP_MIN:
            out.extend(warning for warning, _, _ in members)
        else:
            out.append(_folded(key, members))
    return out


def _folded(key: str, members: list[tuple[str, str | None, str | None]]) -> str:
    first, line, pasal = members[0]
    more = len(members) - GROUP_SHOWN
    tail = f", … and {more} more" if more > 0 else ""
    if pasal is not None:
        places = ", ".join(f"Pasal {p} (line {ln or '?'})" for _, ln, p in members[:GROUP_SHOWN])
        prefix = first[: first.index(": ") + 2] if line is not None else ""
        return f"{prefix}{key} in {len(members)} Pasal: {places}{tail}"
    lines = ", ".join(ln or "?" for _, ln, _ in members[1:GROUP_SHOWN])
    return f"{first} (and {len(members) - 1} more like it, at lines {lines}{tail})"
