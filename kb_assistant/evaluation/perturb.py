"""QA questions with typos, to measure how answers hold when ASN type fast (`kb eval --typos SEED`),
or typed in capitals or Title Case (`kb eval --casing upper|title`).

Each question gets two adjacent letters swapped inside each of up to two of its words of six or more
lowercase letters (acronyms, numbers and document citations stay as written), chosen by a seeded
generator, so a run repeats and two runs with the same seed see the same typos.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from kb_assistant.evaluation.dataset import QAItem

MIN_LENGTH = 6
WORDS_PER_QUESTION = 2
_WORD = re.compile(rf"(?<![\w/-])[a-z]{{{MIN_LENGTH},}}(?![\w/-])")


def swap_letters(word: str, rng: random.Random) -> str:
    """``word`` with two adjacent inner letters swapped (the first and last letter stay); the word
    itself when the swap would change nothing ("sesuai" keeps its double letters elsewhere)."""
    for _ in range(len(word)):
        i = rng.randrange(1, len(word) - 2)
        if word[i] != word[i + 1]:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    return word


def with_typos(question: str, rng: random.Random, words: int = WORDS_PER_QUESTION) -> str:
    matches = list(_WORD.finditer(question))
    chosen = sorted(rng.sample(matches, min(words, len(matches))), key=lambda m: m.start(), reverse=True)
    for match in chosen:
        question = question[: match.start()] + swap_letters(match.group(0), rng) + question[match.end():]
    return question


def items_with_typos(items: Sequence[QAItem], seed: int) -> list[QAItem]:
    """Every question with its typos; ids, gold and answers unchanged."""
    rng = random.Random(seed)
    return [item.model_copy(update={"question": with_typos(item.question, rng)}) for item in items]


CASINGS = ("upper", "title")


def items_recased(items: Sequence[QAItem], casing: str) -> list[QAItem]:
    """Every question in capitals ("upper", caps lock) or with every word capitalised ("title")."""
    if casing not in CASINGS:
        raise ValueError(f"unknown casing {casing!r}: use one of {', '.join(CASINGS)}")
    change = str.upper if casing == "upper" else str.title
    return [item.model_copy(update={"question": change(item.question)}) for item in items]


def perturbed(items: Sequence[QAItem], typos: int | None, casing: str | None) -> tuple[list[QAItem], str]:
    """The questions as a perturbed run asks them, and the note the run's name carries."""
    notes = []
    if typos is not None:
        items, notes = items_with_typos(items, typos), [f"typos, seed {typos}"]
    if casing is not None:
        items, notes = items_recased(items, casing), [*notes, f"casing {casing}"]
    return list(items), (f" ({'; '.join(notes)})" if notes else "")
