"""Does a parsed regulation have every Pasal it should, once, with text?"""

from __future__ import annotations

from kb_assistant.parsing.tree import ParsedDocument


def validate_document(parsed: ParsedDocument, expected: int | None, known_gaps: list[str] | tuple[str, ...] = ()) -> dict:
    """Counts against the manifest's ``pasal_expected``; ``ok`` only when nothing is off.

    missing: numbers 1..expected not found; duplicates: body numbers seen twice;
    empty: Pasal whose text is blank. A document without any Pasal is never ok.
    ``known_gaps`` are Pasal a trainer confirmed are blank in the source file itself (an OCR
    or publishing defect): they are still listed as empty but do not make the document fail.
    """
    numbers = [pasal.number for pasal in parsed.pasal]
    distinct = set(numbers)
    missing = [str(n) for n in range(1, expected + 1) if str(n) not in distinct] if expected else []
    seen: set[str] = set()
    repeated = [n for n in numbers if n in seen or seen.add(n)]
    duplicates = sorted(set(parsed.duplicates) | set(repeated), key=_order)
    empty = sorted({pasal.number for pasal in parsed.pasal if not pasal.text.strip()}, key=_order)
    unexplained = [n for n in empty if n not in set(known_gaps)]
    ok = bool(distinct) and not missing and not duplicates and not unexplained and (expected is None or len(distinct) == expected)
    return {
        "pasal_found": len(distinct),
        "missing": missing,
        "duplicates": duplicates,
        "empty": empty,
        "known_gaps": [n for n in empty if n in set(known_gaps)],
        "ok": ok,
    }


def _order(number: str) -> tuple[int, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 0, number)
