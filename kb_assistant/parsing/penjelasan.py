"""The Penjelasan: Umum, and Pasal demi Pasal attached to the body's Pasal (per ayat where it says so)."""

from __future__ import annotations

import re

from kb_assistant.parsing.chapters import take_heading_block
from kb_assistant.parsing.lines import Line, join_paragraphs, join_wrapped, starts_logical_line, where
from kb_assistant.parsing.parts import PASAL_DEMI_PASAL
from kb_assistant.parsing.pasal_headings import best_chain, cut_at_headings, find_candidates
from kb_assistant.parsing.tree import ParsedDocument, Pasal

UMUM_MARK = re.compile(r"\bI\s?\.\s*UMUM\b|\bUMUM\b(?=\s+[A-Z][a-z]|\s*$)")
STRAY_PASAL_WORD = re.compile(r"(?<!\S)(?:Pasal|PasaI|Pasa-l|Pasa1|Pasai|Pasa\.l)(?!\s+\d)(?=\s|$)")
CUKUP_JELAS = re.compile(r"^Cukup\s*jelas\.?", re.IGNORECASE)
PENJELASAN_AYAT = re.compile(r"(?<!\S)Ayat\s*\((\d{1,2}[a-z]?)\)\s*")
ORPHAN_SEARCH_BACK = 8  # Pasal to look back for the empty slot a misprinted explanation belongs to


def attach_penjelasan(doc: ParsedDocument, lines: list[Line]) -> None:
    if not lines:
        return
    pasal_start = next((i for i, line in enumerate(lines) if PASAL_DEMI_PASAL.match(line.text)), None)
    candidates = find_candidates(lines, penjelasan=True)
    if pasal_start is not None:
        candidates = [c for c in candidates if c.line > pasal_start]
    chain = best_chain(candidates)
    parts = cut_at_headings(lines, chain)
    umum = _split_umum(parts[0][1])
    umum = [line for line in umum if not PASAL_DEMI_PASAL.match(line.text)]
    doc.penjelasan_umum = join_paragraphs([line.text for line in umum])
    by_number = {pasal.number: pasal for pasal in doc.pasal}
    for cand, part in parts[1:]:
        if cand is None:
            continue
        take_heading_block(part)
        pasal = by_number.get(cand.label)
        text = "\n".join(_reflow_penjelasan([line.text for line in part]))
        text = "\n".join(" ".join(STRAY_PASAL_WORD.sub(" ", row).split()) for row in text.split("\n")).strip()
        text = re.sub(rf"^Pasal {re.escape(cand.label)}\s+", "", text)  # the same heading printed twice
        if pasal is None:
            doc.warnings.append(f"{where(lines[cand.line])}: Penjelasan has 'Pasal {cand.label}' but the body has no such Pasal; its explanation is not kept")
            continue
        pasal.penjelasan = f"{pasal.penjelasan}\n{text}".strip() if pasal.penjelasan else text
        pasal.penjelasan_ayat.update(_penjelasan_ayat(text))
    _relocate_orphans(doc)


def _split_umum(head: list[Line]) -> list[Line]:
    """Penjelasan Umum: after "I. UMUM", or after the all-capitals title lines."""
    for i, line in enumerate(head[:15]):
        match = UMUM_MARK.search(line.text)
        if match:
            rest = line.text[match.end() :].strip()
            return ([Line(line.page, rest, line.source)] if rest else []) + head[i + 1 :]
    first_text = next((i for i, line in enumerate(head) if re.search(r"[a-z]", line.text)), len(head))
    return head[first_text:]


def _reflow_penjelasan(lines: list[str]) -> list[str]:
    out: list[str] = []
    for text in lines:
        starts = re.match(r"^(?:Ayat\s*\(|Huruf\s+\w|Angka\s+\d|Cukup\s*jelas)", text) or starts_logical_line(text)
        if out and not starts and not re.match(r"^(?:Ayat|Huruf|Angka)\b", out[-1]):
            out[-1] = join_wrapped(out[-1], text)
        else:
            out.append(text)
    return out


def _penjelasan_ayat(text: str) -> dict[str, str]:
    """{"1": "Cukup jelas.", ...} from "Ayat (1) Cukup jelas. Ayat (2) ..."; numbers never go back."""
    flat = " ".join(text.split())
    result: dict[str, str] = {}
    expected = 1
    accepted = []
    for mark in PENJELASAN_AYAT.finditer(flat):
        number = mark.group(1)
        if number.isdigit() and int(number) < expected:
            continue
        accepted.append(mark)
        if number.isdigit():
            expected = int(number) + 1
    for i, mark in enumerate(accepted):
        end = accepted[i + 1].start() if i + 1 < len(accepted) else len(flat)
        result[mark.group(1)] = flat[mark.end() : end].strip()
    return result


def _relocate_orphans(doc: ParsedDocument) -> None:
    """Text printed after 'Cukup jelas.' under an ayat explains something else: the scan put it
    there by mistake. Move it to the nearest earlier Pasal that has an empty ayat explanation."""
    for index, pasal in enumerate(doc.pasal):
        for ayat, text in list(pasal.penjelasan_ayat.items()):
            match = CUKUP_JELAS.match(text)
            if not match or len(text[match.end() :].strip()) < 40:
                continue
            orphan = text[match.end() :].strip()
            if re.search(r"Cukup\s*jelas", orphan, re.IGNORECASE) or re.search(r"\b(?:Ayat|Pasal)\b", orphan):
                continue  # more explanations run together (scrambled columns), not one misprint
            target = _empty_ayat_slot(doc.pasal[max(0, index - ORPHAN_SEARCH_BACK) : index])
            if target is None:
                continue
            other, slot = target
            pasal.penjelasan_ayat[ayat] = text[: match.end()].strip()
            words = r"\s+".join(re.escape(word) for word in orphan.split())
            pasal.penjelasan = re.sub(r"\s*" + words, "", pasal.penjelasan, count=1).strip()
            other.penjelasan_ayat[slot] = orphan
            other.penjelasan = re.sub(
                rf"(Ayat\s*\({re.escape(slot)}\))", lambda m: f"{m.group(1)} {orphan}", other.penjelasan, count=1
            )
            doc.warnings.append(
                f"Penjelasan text after 'Cukup jelas.' under Pasal {pasal.number} ayat ({ayat}) moved to the empty "
                f"Pasal {other.number} ayat ({slot})"
            )


def _empty_ayat_slot(previous: list[Pasal]) -> tuple[Pasal, str] | None:
    for pasal in reversed(previous):
        for ayat, text in pasal.penjelasan_ayat.items():
            if not text.strip():
                return pasal, ayat
    return None
