"""Quantities with a unit ("10 hari kerja", "2 tahun", "25%"): those a question states as a
condition, and whether a regulation's text states the same one or a range holding it.

Why: neighbouring Pasal often differ only in their figures. PP 94/2021 grades one offence by the
days absent (7 sampai dengan 10 hari kerja: light; 11 sampai dengan 13: moderate; 10 hari kerja in a
row: dismissal); words and embeddings barely tell those Pasal apart, the figure does. Units come
from ``data/quantities.toml``.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from kb_assistant.retrieval.tables import load_table

Quantity = tuple[float, str]  # (value, unit name)
Stated = tuple[float, float, str]  # (lowest, highest, unit name): one figure is a range of one

_NUMBER = r"(\d{1,4})(?:\s*\([^)]{0,40}\))?"  # "10 (sepuluh)"
_RANGE = r"\s*(?:sampai\s+dengan|s\.\s?d\.?|hingga|[-–])\s*"
_MORE = r"\s+atau\s+lebih\b"


@lru_cache(maxsize=1)
def _units() -> tuple[tuple[str, re.Pattern], ...]:
    return tuple((entry["name"], re.compile(entry["pattern"], re.IGNORECASE)) for entry in load_table("quantities")["unit"])


@lru_cache(maxsize=1)
def _stated_pattern() -> re.Pattern:
    """A figure, an optional range end, a unit; a unit followed by a year ("Nomor 5 Tahun 2014")
    cites a regulation and is not a quantity."""
    units = "|".join(f"(?:{p.pattern})" for _, p in _units())
    return re.compile(rf"(?<![\w/.,]){_NUMBER}(?:{_RANGE}{_NUMBER})?\s*(?P<unit>{units})(?!\w)(?!\s*\d{{4}}\b)(?P<more>{_MORE})?", re.IGNORECASE)


def _unit_name(word: str) -> str | None:
    return next((name for name, pattern in _units() if pattern.fullmatch(word.strip())), None)


def stated_quantities(text: str) -> list[Stated]:
    """Every figure with a unit the text states; "7 (tujuh) sampai dengan 10 (sepuluh) hari kerja"
    is the range 7–10, "28 hari kerja atau lebih" is 28 and above."""
    found = []
    for match in _stated_pattern().finditer(text):
        unit = _unit_name(match.group("unit"))
        if unit is None:
            continue
        low = float(match.group(1))
        high = float(match.group(2)) if match.group(2) else low
        if match.group("more"):
            high = math.inf
        found.append((min(low, high), max(low, high), unit))
    return found


def asked_quantities(text: str) -> tuple[Quantity, ...]:
    """The single figures with a unit in a question (its document citations already removed)."""
    return tuple(dict.fromkeys((low, unit) for low, high, unit in stated_quantities(text) if low == high))


def states_any(stated: list[Stated], asked: tuple[Quantity, ...]) -> bool:
    """Whether one of the asked figures equals a stated one or lies in a stated range of its unit."""
    return any(unit == s_unit and low <= value <= high for value, unit in asked for low, high, s_unit in stated)
