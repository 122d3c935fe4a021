"""Retrieved units and the three gold forms: a Pasal, a Lampiran/guide section, a whole document.

Every metric, the failure listing and the report judge a retrieved unit against the gold through
:func:`matches`, so the three forms mean the same everywhere (contract in eval/README.md):

- ``{doc, pasal[, ayat]}`` matches that Pasal of that document (ayat is informative only);
- ``{doc, section}`` matches a unit of that document one of whose headings (its ``section_path``)
  contains the section text, case-insensitive, ignoring the heading's own numbering ("2.4", "C.");
- ``{doc}`` matches any unit of that document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import NamedTuple, Protocol

# One numbering token at the start of a heading: "BAB II", "Bagian Kesatu", "2.4", "4.", "C.", "(a)".
_NUMBERING = re.compile(
    r"^(?:(?:bab|bagian|paragraf)\s+\S+|\d+(?:\.\d+)*\.?(?=\s|$)|[a-z]\.(?=\s|$)|[ivxlcdm]+\.(?=\s|$)|\(?[a-z0-9]{1,3}\))\s*",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")


class Unit(NamedTuple):
    """One citable unit as a system under test returns it.

    ``key`` is the Pasal number ("4", "12A") for body Pasal and ``"section:<id>"`` for a Lampiran or
    guide section (``Chunk.unit_key``); ``path`` is the section's heading path (empty for a Pasal).
    """

    doc: str
    key: str
    path: tuple[str, ...] = ()

    @property
    def ident(self) -> tuple[str, str]:
        """What makes two units the same unit (a section split into several nodes shares it)."""
        return (self.doc, self.key)


class GoldLike(Protocol):
    doc: str
    pasal: str | None
    section: str | None


def normalise(text: str) -> str:
    """Lower-cased, whitespace collapsed: the form section texts are compared in."""
    return _SPACE.sub(" ", text).strip().casefold()


def heading_title(heading: str) -> str:
    """A heading without its own numbering: 'C. Jaringan Inovasi' -> 'jaringan inovasi'."""
    text = normalise(heading)
    for _ in range(3):  # "BAB II 2.4 …" at most strips a couple of tokens
        stripped = _NUMBERING.sub("", text, count=1).strip()
        if stripped == text or not stripped:
            break
        text = stripped
    return text


def as_unit(value: object) -> Unit:
    """A Unit from what systems return: a Unit, (doc, pasal), (doc, key, path) or a mapping."""
    if isinstance(value, Unit):
        return value
    if isinstance(value, Mapping):
        key = value.get("key") or value.get("unit_key") or value.get("pasal") or ""
        return Unit(str(value["doc"]).strip(), str(key).strip(), tuple(value.get("section_path") or ()))
    parts = list(value)  # type: ignore[call-overload]
    doc, key = parts[0], parts[1] if len(parts) > 1 else ""
    path = tuple(parts[2]) if len(parts) > 2 and parts[2] else ()
    # Passage.pasal / Citation.pasal may be None (preamble) or a number; never equal to a gold Pasal then.
    return Unit(str(doc).strip(), "" if key is None else str(key).strip(), tuple(str(h) for h in path))


def matches(gold: GoldLike, unit: Unit) -> bool:
    """Whether a retrieved unit satisfies one gold reference (see the module docstring)."""
    if unit.doc != gold.doc:
        return False
    if gold.pasal:
        return unit.key == gold.pasal
    if gold.section:
        wanted = heading_title(gold.section)
        return bool(wanted) and any(wanted in heading_title(h) for h in unit.path)
    return True


def dedupe(units: Iterable[object]) -> list[Unit]:
    """Distinct units (by doc and key), first occurrence kept, order preserved."""
    seen: dict[tuple[str, str], Unit] = {}
    for value in units:
        unit = as_unit(value)
        seen.setdefault(unit.ident, unit)
    return list(seen.values())
