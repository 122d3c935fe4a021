"""QA evaluation datasets: one JSON object per line, validated up front.

A bad line found halfway through a long evaluation run wastes the run, so every line is checked
before anything is evaluated and all problems are reported together, by line number.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .gold import normalise

MAX_LISTED_PROBLEMS = 5
UNTYPED = "untyped"  # the type of a question whose set gives none
# A Pasal or ayat written as its label ("Pasal 4", "pasal 12A", "(2)", "ayat (2)"): the number alone
# is what a retrieved unit carries, so the label would match nothing and score zero unnoticed.
_PASAL_LABEL = re.compile(r"^pasal\s+(\d+[a-z]?)$", re.IGNORECASE)
_AYAT_LABEL = re.compile(r"^(?:ayat\s*)?\(\s*(\d+[a-z]?)\s*\)$|^ayat\s+(\d+[a-z]?)$", re.IGNORECASE)


class DatasetError(ValueError):
    """The dataset cannot be used; the message lists the problems by line number."""

    def __init__(self, name: str, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_LISTED_PROBLEMS]
        lines = [f"{name}: {len(problems)} problem(s) in the dataset:"] + [f"  - {p}" for p in shown]
        if len(problems) > len(shown):
            lines.append(f"  ... and {len(problems) - len(shown)} more")
        super().__init__("\n".join(lines))


class GoldRef(BaseModel):
    """What answers the question: a Pasal (optionally one ayat), a Lampiran/guide section, or a document.

    ``{doc, pasal[, ayat]}``, ``{doc, section}`` or ``{doc}`` (see :mod:`.gold` for how each matches),
    so QA sets from other projects run as they are. Metrics compare Pasal at Pasal level.
    """

    # Numbers are accepted so hand-written files may say "pasal": 5; they become "5".
    model_config = ConfigDict(coerce_numbers_to_str=True, str_strip_whitespace=True, extra="forbid")

    doc: str = Field(min_length=1)
    pasal: str | None = Field(None, min_length=1)
    ayat: str | None = None
    section: str | None = Field(None, min_length=1, description="Part of a section heading's title, without its numbering.")
    # Informative finer references some QA sets carry; matching stays at Pasal level.
    huruf: str | None = None
    angka: str | None = None
    note: str | None = None

    @field_validator("pasal")
    @classmethod
    def _pasal_number(cls, value: str | None) -> str | None:
        match = _PASAL_LABEL.match(value) if value else None
        return match.group(1).upper() if match else value

    @field_validator("ayat")
    @classmethod
    def _ayat_number(cls, value: str | None) -> str | None:
        match = _AYAT_LABEL.match(value) if value else None
        return (match.group(1) or match.group(2)).lower() if match else value

    @model_validator(mode="after")
    def _one_form(self) -> "GoldRef":
        if self.pasal and self.section:
            raise ValueError("give either 'pasal' or 'section', not both")
        if self.ayat and not self.pasal:
            raise ValueError("'ayat' needs a 'pasal'")
        return self

    @property
    def kind(self) -> str:
        return "pasal" if self.pasal else "section" if self.section else "doc"

    @property
    def ident(self) -> tuple[str, str, str]:
        """Same unit, same ident: several ayat of one Pasal count once."""
        return (self.kind, self.doc, self.pasal or normalise(self.section or ""))


class QAItem(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True, str_strip_whitespace=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    gold: list[GoldRef]
    answerable: bool
    # Optional so QA sets of other projects that carry neither run as they are: token F1 is then
    # averaged over the questions that have a reference answer, and the per-type table has one row.
    answer: str = Field("", description="Reference answer for token F1 ('' when the set has none).")
    type: str = Field(UNTYPED, min_length=1, description="Question category; any string, used for the per-type split.")

    def gold_targets(self) -> list[GoldRef]:
        """Distinct gold references in order (several ayat of one Pasal count once)."""
        seen: dict[tuple[str, str, str], GoldRef] = {}
        for ref in self.gold:
            seen.setdefault(ref.ident, ref)
        return list(seen.values())

    def gold_pasal(self) -> list[tuple[str, str]]:
        """Distinct (doc, pasal) of the Pasal gold only, in order."""
        return list(dict.fromkeys((g.doc, g.pasal) for g in self.gold if g.pasal))


def _describe(err: ValidationError) -> list[str]:
    out = []
    for e in err.errors():
        where = ".".join(str(part) for part in e["loc"]) or "line"
        if e["type"] == "missing":
            out.append(f"missing field '{where}'")
        elif e["type"] == "extra_forbidden":
            out.append(f"unknown field '{where}' (a gold reference is {{doc, pasal[, ayat]}}, {{doc, section}} or {{doc}})")
        else:
            out.append(f"field '{where}': {e['msg']}")
    return out


def parse_dataset(text: str, name: str) -> list[QAItem]:
    """Parse JSON Lines text; raise DatasetError naming every bad line (blank lines are skipped)."""
    items: list[QAItem] = []
    problems: list[str] = []
    first_line_of: dict[str, int] = {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {lineno}: bad JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(data, dict):
            problems.append(f"line {lineno}: expected a JSON object, got {type(data).__name__}")
            continue
        try:
            item = QAItem.model_validate(data)
        except ValidationError as exc:
            problems.extend(f"line {lineno}: {p}" for p in _describe(exc))
            continue
        if item.answerable and not item.gold:
            problems.append(f"line {lineno}: id {item.id!r} is answerable but has no gold reference")
        if not item.answerable and item.gold:
            problems.append(f"line {lineno}: id {item.id!r} is unanswerable but has gold references")
        if item.id in first_line_of:
            problems.append(f"line {lineno}: duplicate id {item.id!r} (first on line {first_line_of[item.id]})")
        else:
            first_line_of[item.id] = lineno
        items.append(item)
    if not items and not problems:
        problems.append("no questions found")
    if problems:
        raise DatasetError(name, problems)
    return items


def load_dataset(path: str | Path) -> list[QAItem]:
    """Read and validate a .jsonl dataset file."""
    path = Path(path)
    return parse_dataset(path.read_text(encoding="utf-8"), name=str(path))
