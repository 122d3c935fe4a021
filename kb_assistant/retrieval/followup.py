"""Rewrite a follow-up question ("kalau untuk PPPK bagaimana?") into a standalone one.

Without an LLM, two rules cover most follow-ups: swap the subject when the new question names
another member of the same group (PNS ↔ PPPK, provinsi ↔ kabupaten), else prepend the
previous question so retrieval sees its topic.
"""

from __future__ import annotations

import re
from typing import Any

FOLLOW_UP_START = re.compile(
    r"^\s*(kalau|kalo|klo|bagaimana (dengan|kalau|jika|untuk)|gimana (dengan|kalau|kalo|untuk)|gmn (dengan|kalau|kalo|untuk)|"
    r"lalu|terus|trus|lantas|dan|untuk|bagi|apakah juga|how about|what about|and|also|same for|then)\b",
    re.IGNORECASE,
)
ANAPHORA = re.compile(r"\b(tersebut|tadi|hal ini|\w{3,}nya|it|that|those)\b|\bitu\s*\??\s*$", re.IGNORECASE)

ENTITY_GROUPS: list[list[str]] = [
    ["pppk", "p3k", "pns", "cpns", "asn", "pegawai asn", "pejabat"],
    ["provinsi", "kabupaten", "kota", "desa"],
    ["gubernur", "bupati", "wali kota", "walikota", "menteri", "presiden"],
    ["instansi pusat", "instansi daerah", "pemerintah pusat", "pemerintah daerah", "pemda"],
    ["dalam negeri", "luar negeri"],
    ["pihak ketiga", "swasta", "daerah lain"],
]


def is_follow_up(question: str) -> bool:
    words = question.split()
    return bool(FOLLOW_UP_START.match(question)) or (len(words) <= 6 and bool(ANAPHORA.search(question)))


def previous_question(history: list[Any] | None) -> str | None:
    """The last user turn of a history given as messages (dicts), (user, bot) pairs, or strings."""
    for turn in reversed(history or []):
        if isinstance(turn, dict) and turn.get("role") == "user":
            content = turn.get("content")
            if isinstance(content, str) and content.strip():
                return content.strip()
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            return turn[0].strip()
        elif isinstance(turn, str) and turn.strip():
            return turn.strip()
    return None


def rewrite(question: str, history: list[Any] | None) -> str:
    """A standalone question; unchanged when it is not a follow-up or there is no history."""
    previous = previous_question(history)
    if not previous or not is_follow_up(question):
        return question
    low_q, low_p = question.lower(), previous.lower()
    for group in ENTITY_GROUPS:
        new = next((e for e in group if re.search(rf"\b{re.escape(e)}\b", low_q)), None)
        old = next((e for e in group if re.search(rf"\b{re.escape(e)}\b", low_p) and e != new), None)
        if new and old:
            return re.sub(rf"\b{re.escape(old)}\b", new.upper() if len(new) <= 4 else new, previous, flags=re.IGNORECASE)
    return f"{previous} {question}"
