"""The Ketentuan Umum list rebuilt one definition per item where the scan broke its numbering.

Why: the list items of a Pasal are taken in sequence (1., 2., 3., …), so one misread or lost
number ("l. 2. 3. 6. 4. Manajemen …", "7. {iD 8. Pejabat …") ends the list and every later
definition is glued to the item before it. Pasal 1 then reads as one node "angka 1" holding thirty
definitions: the defined terms are not mined, and a question about one cites the wrong angka.
Each definition has a fixed form (UU 12/2011 Lampiran II, C.1 Ketentuan Umum: "Term [yang
selanjutnya disingkat X] adalah …"), so the list can be cut where a definition starts, whatever
the numbering says; the numbers the scan kept label the items when they fit the sequence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb_assistant.parsing.pasal import ITEM_DIGITS
from kb_assistant.parsing.tree import Item, Pasal

# Words that may stand inside a defined term besides capitalised ones ("Pejabat yang Berwenang",
# "Pegawai Pemerintah dengan Perjanjian Kerja", "Pemberhentian Sementara sebagai PNS"): the
# prepositions and conjunctions of Tata Bahasa Baku Bahasa Indonesia.
CONNECTORS = "dan|atau|dengan|di|ke|dari|yang|untuk|dalam|pada|sebagai|secara|serta|bagi|oleh|antara|tentang|terhadap"
TERM_TOKEN = rf"(?:[a-z]{{0,2}}[A-Z][\w/()&-]*|(?:{CONNECTORS}))"
HEAD = re.compile(
    rf"^(?P<term>[a-z]{{0,2}}[A-Z][\w/()&-]*(?:\s+{TERM_TOKEN}){{0,14}}?)"
    r"(?:\s*,?\s+yang\s+selanjutnya\s+(?:disingkat|disebut)(?:\s+dengan)?\s+[^.;]{1,40}?)?\s*,?\s*$"
)
VERB = re.compile(r"\s(?:adalah|ialah|yaitu|merupakan)\b")
LIST_NUMBER = r"[0-9lI]{1,3}\s?\."  # a list number as printed or misread ("8.", "l.", "1 1.")
SYMBOL_RUN = r"[^\w\s]+\w{0,2}[^\w\s]*\w?"  # scan debris such as "{iD", "$-,D"
# Where the text before a definition ends: a sentence end, or a list number ("8.", "27.Cuti", "l.").
BOUNDARY = re.compile(rf"[.;:](?=\s)|(?<![\w.]){LIST_NUMBER}(?=\s|[A-Z])")
# What the scan left between a boundary and a term: stray numbers and symbol runs ("{iD", "$-,D").
GAP = re.compile(rf"^(?:\s*(?:{LIST_NUMBER}|{SYMBOL_RUN}(?=\s)))*\s*")
# Stray numbers and symbol runs before a definition, each after a space: a full stop that ends the
# previous definition stays with it.
TRAILING_DEBRIS = re.compile(rf"(?:\s+(?:{LIST_NUMBER}?|{SYMBOL_RUN}))*\s*$")
NUMBER_IN_GAP = re.compile(r"(?<![\w.])([0-9lI]{1,3})\s?\.")
# What the scan echoed of the next item after a definition's last sentence: a number and two words.
ECHO = re.compile(rf"(?<=[.;])\s+{LIST_NUMBER}\s*(?:\S+\s*){{0,2}}$")


@dataclass
class _Start:
    at: int  # offset of the term in the flattened list text
    number: int | None  # the list number the scan printed just before it, if any
    cut: int  # where the previous definition ends: before the numbers and scan debris that lead to this one


def repair_definition_list(pasal: Pasal) -> bool:
    """Replace Pasal 1's items by one item per definition when an item holds several; True when
    the list changed. A list whose every item is one definition is left as parsed."""
    if pasal.number != "1" or pasal.ayat or not pasal.items or not pasal.items[0].label.isdigit():
        return False
    if all(len(definition_starts(_flat(item.text))) <= 1 and item.text.strip() for item in pasal.items):
        return False
    flat = _flat(_list_text(pasal))
    starts = definition_starts(flat)
    if len(starts) <= len([i for i in pasal.items if i.text.strip()]):
        return False
    pieces = [flat[s.at: e.cut if e else None].strip() for s, e in zip(starts, [*starts[1:], None])]
    pasal.items = [Item(label=str(n), text=_without_echo(text)) for n, text in zip(_numbers(starts), pieces)]
    return True


def definition_starts(flat: str) -> list[_Start]:
    """Where each definition of a flattened Ketentuan Umum text starts, in order."""
    starts: list[_Start] = []
    for verb in VERB.finditer(flat):
        before = flat[: verb.start()]
        boundaries = list(BOUNDARY.finditer(before))
        after_boundary, boundary_at = (boundaries[-1].end(), boundaries[-1].start()) if boundaries else (0, 0)
        gap = GAP.match(before[after_boundary:])
        head_at = after_boundary + (gap.end() if gap else 0)
        if not HEAD.match(before[head_at:]):
            continue
        numbers = NUMBER_IN_GAP.findall(flat[boundary_at: head_at])
        number = int(numbers[-1].translate(ITEM_DIGITS)) if numbers else None
        if not starts or head_at > starts[-1].at:
            debris = TRAILING_DEBRIS.search(before[:head_at])
            starts.append(_Start(head_at, number, debris.start() if debris else head_at))
    return starts


def _numbers(starts: list[_Start]) -> list[int]:
    """Item numbers: the printed one when it follows the previous item, or skips items the scan lost
    and the next printed number agrees; otherwise the next in sequence ("4. Manajemen …" first in
    the list, after "l. 2. 3. 6." whose text the scan moved, is item 1)."""
    numbers: list[int] = []
    for i, start in enumerate(starts):
        previous = numbers[-1] if numbers else 0
        following = starts[i + 1].number if i + 1 < len(starts) else None
        printed = start.number
        if printed == previous + 1 or (printed is not None and printed > previous + 1 and following == printed + 1):
            numbers.append(printed)
        else:
            numbers.append(previous + 1)
    return numbers


def _list_text(pasal: Pasal) -> str:
    """The Pasal's text after its lead ("… yang dimaksud dengan:"), list numbers kept."""
    lead_end = pasal.text.find(":")
    return pasal.text[lead_end + 1:] if 0 <= lead_end < 300 else pasal.text


def _flat(text: str) -> str:
    return " " + " ".join(text.split())


def _without_echo(text: str) -> str:
    """A definition's text without what the scan echoed of the next item after its last sentence
    ("… sementara waktu. 23. Batas"): a number and at most two words."""
    return ECHO.sub("", text).strip()
