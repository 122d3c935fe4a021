"""The parsed shape of a regulation (or of a guide, by its headings).

These types are the contract between the parser and everything after it (chunking, display,
validation). Numbers are strings because Pasal and ayat can carry letters ("12A", "(1a)").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Page:
    """Extracted text of one page; ``number`` is None for sources without pages."""

    number: int | None
    text: str
    line: int = 1  # the source line (1-based) the page's text starts at, so warnings can name a line


@dataclass
class Reference:
    """A cross-reference found in the text, e.g. 'sebagaimana dimaksud dalam Pasal 5 ayat (2)'."""

    pasal: str
    ayat: str | None = None
    doc: str | None = None  # None: same document; otherwise the referenced document's description
    text: str = ""


@dataclass
class Item:
    """A huruf (a., b.) or angka (1., 2.) list item inside a Pasal or ayat."""

    label: str  # "a", "b", "1", "2"
    text: str


@dataclass
class Ayat:
    number: str  # "1", "2", "1a"
    text: str  # full text of the ayat, list items included
    items: list[Item] = field(default_factory=list)

    @property
    def marked_text(self) -> str:
        """The text with its marker exactly once: "(2) ..." (the parser keeps the printed marker)."""
        text = self.text.strip()
        marker = f"({self.number})"
        return text if text.startswith(marker) else f"{marker} {text}".strip()


@dataclass
class Pasal:
    number: str  # "4", "12A"
    text: str  # full body text of the Pasal (cleaned), without its heading line
    ayat: list[Ayat] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)  # list items directly under the Pasal (no ayat)
    headings: list[str] = field(default_factory=list)  # ["BAB II ASAS, NILAI DASAR ...", "Bagian Kesatu ..."]
    penjelasan: str = ""  # the Penjelasan Pasal demi Pasal for this Pasal ("Cukup jelas." kept)
    penjelasan_ayat: dict[str, str] = field(default_factory=dict)  # ayat number -> its Penjelasan
    page_start: int | None = None
    page_end: int | None = None
    references: list[Reference] = field(default_factory=list)
    line: int | None = None  # source line of its heading, where known


@dataclass
class Section:
    """A heading-delimited part of a guide or of a regulation's Lampiran: one citable unit."""

    number: str  # "1", "1.2", "D", "II" or a running index
    title: str  # the heading as printed: "4. Sumber Daya Manusia SPBE" ("" for text before the first heading)
    text: str
    headings: list[str] = field(default_factory=list)  # parents from the root: ["Lampiran", "BAB II ...", "D. ..."]
    page_start: int | None = None
    page_end: int | None = None
    id: str = ""  # stable within the document: "lampiran-37" (annex) or "section-3" (guide)

    @property
    def path(self) -> list[str]:
        """Headings from the root down to this section (its own title last, when it has one)."""
        return [*self.headings, self.title] if self.title else list(self.headings)


@dataclass
class ParsedDocument:
    doc_id: str
    pasal: list[Pasal] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)  # a guide's sections, or a regulation's Lampiran sections
    penjelasan_umum: str = ""
    preamble: str = ""  # Menimbang / Mengingat
    lampiran: str = ""  # the annex (LAMPIRAN) after the closing or the Penjelasan, where the source has it
    lampiran_pages: list[Page] = field(default_factory=list)  # the same annex as cleaned lines grouped by source page
    duplicates: list[str] = field(default_factory=list)  # Pasal numbers seen more than once in the body
    merged: list[str] = field(default_factory=list)  # Pasal whose text may run together with another's across a lost or dropped heading
    warnings: list[str] = field(default_factory=list)

    def get_pasal(self, number: str) -> Pasal | None:
        for pasal in self.pasal:
            if pasal.number == number:
                return pasal
        return None
