"""Question intents that the structure of a regulation answers in a fixed place.

"Sejak kapan UU ini berlaku?" is answered by the closing clause ("mulai berlaku pada tanggal
diundangkan"), "apakah PP lama masih berlaku?" by the transitional clause. Such Pasal are short
and share few words with the question, so both retrievers rank them low; a matching intent
lifts them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Intent:
    name: str
    question: re.Pattern
    passage: re.Pattern


INTENTS = (
    Intent(
        "effective_date",
        # asks *when*: "sejak kapan berlaku", "kapan mulai berlaku", "when does it take effect"
        re.compile(r"(?:kapan|sejak|tanggal berapa|when|since|what date)\b.{0,60}\b(?:berlaku|take[sn]? effect|took effect|come into force|came into force|in force)|"
                   r"berlaku (?:sejak|kapan|mulai kapan)|effective date", re.I),
        re.compile(r"mulai berlaku pada tanggal", re.I),
    ),
    Intent(
        "transitional",
        re.compile(r"masih (?:tetap )?berlaku|masih (?:di)?pak(?:a|e)i?\b|tidak berlaku lagi|still (?:valid|in force|apply|applies|used)", re.I),
        re.compile(r"masih tetap berlaku|dicabut dan dinyatakan tidak berlaku|dinyatakan tidak berlaku", re.I),
    ),
)


def intents_of(question: str) -> list[Intent]:
    return [intent for intent in INTENTS if intent.question.search(question)]


def matches(intents: list[Intent], text: str) -> bool:
    return any(intent.passage.search(text) for intent in intents)


DEFINITION_QUESTION = re.compile(
    r"(?:apa (?:itu|yang dimaksud(?: dengan)?|arti(?:nya)?|pengertian(?: dari)?|definisi(?: dari)?)|istilah |maksud(?:nya)? (?:dari )?|"
    r"(?:arti|pengertian|definisi) (?:dari )?|what (?:is|are) (?:meant by )?(?:an? |the )?|define |definition of (?:an? |the )?)"
    r"\s*(?P<term>[\w /-]{3,60}?)\s*(?:\?|$|,| dalam | menurut | di | pada | itu | under | according | in )",
    re.IGNORECASE,
)


def definition_term(question: str) -> str | None:
    """The term a definition question asks about ("Apa itu bantuan kedinasan?" → "bantuan kedinasan")."""
    match = DEFINITION_QUESTION.search(question)
    if not match:
        return None
    term = match.group("term").strip(" -/")
    return term if len(term.split()) <= 6 else None


def defines(term: str, text: str) -> bool:
    """Does this definition text define ``term`` ("<term> ... adalah", near the start of the item)?"""
    pattern = re.compile(rf"(?:^|[:.]\s*(?:\d+[a-z]?\.\s*)?){re.escape(term)}\b[^.;]{{0,80}}?\b(?:adalah|yaitu|ialah)\b", re.IGNORECASE)
    return bool(pattern.search(text))
