"""Cross-references inside a Pasal: which Pasal (and ayat) of which document it points to.

"sebagaimana dimaksud dalam Pasal 5 ayat (2)" and "Pasal 5 sampai dengan Pasal 7" point into the
same document (doc=None); "pada ayat (1)" points into the Pasal itself; "Pasal 5 Undang-Undang
Nomor 5 Tahun 2014" names another document, which is kept as written.
"""

from __future__ import annotations

import re

from kb_assistant.parsing.tree import Reference

_REF_ELEM = r"(?:Pasal\s+\d{1,3}[A-Z]?(?:\s+ayat\s+\(\d{1,2}[a-z]?\))?|ayat\s+\(\d{1,2}[a-z]?\))(?:\s+(?:huruf|angka)\s+[a-z0-9]{1,3}(?:\s*,\s*(?:huruf|angka)\s+[a-z0-9]{1,3})*)?"
_REF_SEP = r"(?:\s*,\s*(?:dan\s+|atau\s+)?|\s+(?:dan|atau|serta|sampai\s+dengan|s\.d\.?)\s+)"
REFERENCE_CHAIN = re.compile(rf"{_REF_ELEM}(?:{_REF_SEP}{_REF_ELEM})*")
REFERENCE_ELEMENT = re.compile(r"Pasal\s+(\d{1,3}[A-Z]?)|ayat\s+\((\d{1,2}[a-z]?)\)|sampai\s+dengan|s\.d\.?")
OTHER_DOCUMENT = re.compile(
    r"^\s+(?P<doc>Undang-Undang\s+Dasar\s+Negara\s+Republik\s+Indonesia\s+Tahun\s+1945|UUD\s+1945"
    r"|(?:Undang-Undang|Peraturan\s+Pemerintah(?:\s+Pengganti\s+Undang-Undang)?|Peraturan\s+Presiden"
    r"|Peraturan\s+Menteri(?:\s+[A-Z][\w-]*)*|Peraturan\s+Daerah|Keputusan\s+Presiden)"
    r"\s+Nomor\s+\d+\s+Tahun\s+\d{4})"
)
# "Pasal 5 Undang-Undang ini": the document itself.
THIS_DOCUMENT = re.compile(r"^\s+(?:Undang-Undang|Peraturan\s+\w+|Keputusan\s+\w+)\s+ini\b")
CONSTITUTION = re.compile(r"^\s+(?:Undang-Undang\s+Dasar|UUD)\b")
CONSTITUTION_NAME = "Undang-Undang Dasar Negara Republik Indonesia Tahun 1945"
MAX_RANGE = 40  # "Pasal 5 sampai dengan Pasal 500" is an OCR error, not a range to expand


def find_references(text: str, pasal_number: str) -> list[Reference]:
    """Cross-references in a Pasal's text: 'Pasal 5 ayat (2)', 'pada ayat (1)' (same Pasal),
    'Pasal 5 sampai dengan Pasal 7', and 'Pasal 5 Undang-Undang Nomor 5 Tahun 2014' (other law)."""
    found: list[Reference] = []
    seen: set[tuple[str, str | None, str | None]] = set()
    flat = " ".join(text.split())
    for chain in REFERENCE_CHAIN.finditer(flat):
        doc = _document_after(flat[chain.end() :])
        snippet = chain.group(0) + (f" {doc}" if doc else "")
        for ref in _chain_references(chain.group(0), pasal_number, doc, snippet):
            key = (ref.pasal, ref.ayat, ref.doc)
            if key not in seen:
                seen.add(key)
                found.append(ref)
    return found


def _document_after(rest: str) -> str | None:
    """The other document a reference names right after its Pasal numbers, if any."""
    if THIS_DOCUMENT.match(rest):
        return None
    other = OTHER_DOCUMENT.match(rest)
    if other:
        return " ".join(other.group("doc").split())
    return CONSTITUTION_NAME if CONSTITUTION.match(rest) else None


def _chain_references(chain: str, pasal_number: str, doc: str | None, snippet: str) -> list[Reference]:
    """'Pasal 5 ayat (1) dan ayat (2)', 'Pasal 5 sampai dengan Pasal 7': one Reference each;
    a bare 'ayat (2)' belongs to the Pasal named before it, or to the Pasal being read."""
    refs: list[Reference] = []
    current_pasal: str | None = None
    pending_range = False
    for element in REFERENCE_ELEMENT.finditer(chain):
        if element.group(0).startswith(("sampai", "s.d")):
            pending_range = True
            continue
        if element.group(1):
            number = element.group(1)
            if pending_range and refs and current_pasal and current_pasal.isdigit() and number.isdigit():
                for n in range(int(current_pasal) + 1, min(int(number), int(current_pasal) + MAX_RANGE)):
                    refs.append(Reference(pasal=str(n), doc=doc, text=snippet))
            current_pasal = number
            refs.append(Reference(pasal=number, doc=doc, text=snippet))
        else:
            ayat = element.group(2)
            target = current_pasal or pasal_number
            target_doc = doc if current_pasal else None
            if pending_range and refs and refs[-1].ayat and refs[-1].ayat.isdigit() and ayat.isdigit():
                for n in range(int(refs[-1].ayat) + 1, min(int(ayat), int(refs[-1].ayat) + MAX_RANGE)):
                    refs.append(Reference(pasal=target, ayat=str(n), doc=target_doc, text=snippet))
            if current_pasal and refs and refs[-1].pasal == current_pasal and refs[-1].ayat is None:
                refs[-1].ayat = ayat
            else:
                refs.append(Reference(pasal=target, ayat=ayat, doc=target_doc, text=snippet))
        pending_range = False
    return refs
