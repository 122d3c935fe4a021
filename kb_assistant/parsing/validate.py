"""Does a parsed regulation have every Pasal it should, once, with text, and nothing merged?"""

from __future__ import annotations

from kb_assistant.parsing.tree import ParsedDocument, Pasal
from kb_assistant.parsing.warning_groups import group_warnings


def validate_document(parsed: ParsedDocument, expected: int | None, known_gaps: list[str] | tuple[str, ...] = ()) -> dict:
    """Counts against the manifest's ``pasal_expected``; ``ok`` only when nothing is off.

    missing: numbers 1..expected not found; duplicates: body numbers seen twice;
    empty: Pasal whose text is blank; merged: Pasal whose text ran into another's across a lost or
    dropped heading. A document without any Pasal is never ok. ``known_gaps`` are Pasal a trainer
    confirmed are blank or absent in the source file itself (an OCR or publishing defect): they are
    still listed but do not make the document fail. ``warnings``: the parser's, plus every jump in
    numbering that ``expected`` says is a loss (each with the line of the heading after it).
    """
    gaps = set(known_gaps)
    numbers = [pasal.number for pasal in parsed.pasal]
    distinct = set(numbers)
    missing = [str(n) for n in range(1, expected + 1) if str(n) not in distinct] if expected else []
    seen: set[str] = set()
    repeated = [n for n in numbers if n in seen or seen.add(n)]
    duplicates = sorted(set(parsed.duplicates) | set(repeated), key=_order)
    empty = sorted({pasal.number for pasal in parsed.pasal if not pasal.text.strip()}, key=_order)
    merged = sorted(set(parsed.merged), key=_order)
    unexplained = [n for n in [*empty, *missing, *merged] if n not in gaps]
    count_ok = expected is None or len(distinct) + len([n for n in missing if n in gaps]) == expected
    ok = bool(distinct) and not duplicates and not unexplained and count_ok
    return {
        "pasal_found": len(distinct),
        "missing": missing,
        "duplicates": duplicates,
        "empty": empty,
        "merged": merged,
        "known_gaps": sorted((set(empty) | set(missing) | set(merged)) & gaps, key=_order),
        "warnings": group_warnings([*parsed.warnings, *_gap_warnings(parsed.pasal, missing, gaps | set(merged))]),  # merged: the parser said it
        "ok": ok,
    }


def _gap_warnings(pasal: list[Pasal], missing: list[str], gaps: set[str]) -> list[str]:
    """'Pasal 4-5 missing: ...' for each run of lost numbers not confirmed or already reported."""
    lost = {int(n) for n in missing if n not in gaps}
    warnings = []
    numbered = [(int(p.number), p) for p in pasal if p.number.isdigit()]
    for first in sorted(lost):
        if first - 1 in lost:
            continue
        last = first
        while last + 1 in lost:
            last += 1
        before = next((p for n, p in reversed(numbered) if n < first), None)
        after = next((p for n, p in numbered if n > last), None)
        span = f"Pasal {first}" if first == last else f"Pasal {first}-{last}"
        where = f"line {after.line}" if after and after.line else "end of the body"
        context = f"between Pasal {before.number} and " if before else "before "
        context += f"Pasal {after.number}" if after else "the end of the body"
        warnings.append(f"{where}: {span} missing ({context}): a lost page or heading? text there may be merged into Pasal {before.number if before else '-'}")
    return warnings


def _order(number: str) -> tuple[int, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 0, number)
