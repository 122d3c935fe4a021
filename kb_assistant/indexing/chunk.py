"""Nodes for the index: one per Pasal, split on ayat / items only when a Pasal is too long.

A node keeps its citation exact: its id (``uu-20-2023:pasal-4:ayat-2``), its Pasal and ayat
range, and a heading prefix ("UU 20/2023 tentang Aparatur Sipil Negara › BAB II … › Pasal 4")
that the embedding and BM25 see, so the document and chapter help retrieval.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from kb_assistant.corpus.manifest import DocumentEntry
from kb_assistant.indexing.labels import citation_label
from kb_assistant.parsing.headings import short_label
from kb_assistant.parsing.tree import Ayat, Item, ParsedDocument, Pasal, Section

NO_ELUCIDATION = re.compile(r"^\s*cukup\s+jelas\.?\s*$", re.IGNORECASE)

SENTENCE_END = re.compile(r"(?<=[.;:])\s+(?=[A-Z(a-z0-9])")
AYAT_START = re.compile(r"^\((\d+[a-z]?)\)\s*")
LIST_LEAD = re.compile(r":\s*(?:[a-z]|\d{1,2})\.\s")  # "Pegawai ASN wajib: a. setia …": where a list starts
DEFINITION_LEAD = re.compile(r"^[^:]{0,120}:\s*\d+[a-z]?\.\s+")
# Units an answer quotes: ayat, or sentences; never after a list label ("terdiri atas: a. PNS;"),
# so a list stays with its lead.
UNIT_SPLIT = re.compile(r"\n(?=\(\d+[a-z]?\)\s)|(?<=[.;])(?<![\s:][a-z0-9]\.)(?<![\s:]\d\d\.)\s+(?=[A-Z(])")
HEADING_SEP = " › "
PROSE_CHARS_PER_WORD = 7.0  # Indonesian prose averages ~7 characters per word (with its space)



def unit_lead(text: str) -> str:
    """What an ayat or sentence is about: the lead of its list ("Penyelenggara memiliki hak:"),
    else its first sentence. A list's items hold many words a question may share by chance."""
    match = LIST_LEAD.search(text)
    return text[: match.start()] if match else text.split(". ")[0]

@dataclass
class Chunk:
    """One indexable unit with everything needed to cite and display it."""

    id: str
    doc: str
    doc_name: str
    text: str  # the passage itself (what is quoted)
    prefix: str  # heading path, prepended for embedding and BM25
    pasal: str | None = None
    ayat_start: str | None = None
    ayat_end: str | None = None
    item: str | None = None  # huruf/angka for definition or item-level nodes
    kind: str = "pasal"  # pasal | ayat | items | definition | part | section
    page_start: int | None = None
    page_end: int | None = None
    status: str = "berlaku"
    heading: str = ""
    references: list[str] = field(default_factory=list)  # referenced Pasal numbers (same doc)
    penjelasan: str = ""  # the official elucidation of this Pasal (or ayat), shown with the passage
    section_path: list[str] = field(default_factory=list)  # section nodes: ["Lampiran", "BAB II …", "D. …", "4. …"]
    section_id: str = ""  # section nodes: stable within the document ("lampiran-37"); "" for Pasal nodes

    @property
    def unit_key(self) -> str:
        """The citable unit this node belongs to: the Pasal number, or 'section:<section_id>'."""
        if self.kind == "section":
            return f"section:{self.section_id or self.id}"
        return self.pasal or self.id

    @property
    def embed_text(self) -> str:
        return f"{self.prefix}\n{self.text}"

    def passage_text(self, with_penjelasan: bool = False, with_headings: bool = True) -> str:
        """What the embedding model reads: the heading path (unless `embedding.passage_headings` is
        off) and text, and, when asked, the official elucidation, which words a Pasal's purpose as
        its ayat do not ("Cukup jelas." adds nothing)."""
        text = self.embed_text if with_headings else self.text
        if with_penjelasan and self.penjelasan and not NO_ELUCIDATION.match(self.penjelasan):
            return f"{text}\nPenjelasan: {self.penjelasan}"
        return text

    @property
    def ayat(self) -> str | None:
        if self.ayat_start and self.ayat_end and self.ayat_end != self.ayat_start:
            return f"{self.ayat_start}-{self.ayat_end}"
        return self.ayat_start

    @property
    def label(self) -> str:
        ayat = self.ayat_start if self.ayat_start == self.ayat_end or not self.ayat_end else None
        item = self.item if self.kind == "definition" else None
        if self.kind == "section":
            return section_label(self.doc_name, self.section_path)
        return citation_label(self.doc_name, self.pasal, ayat, item)

    def to_dict(self) -> dict:
        return asdict(self)

    def units(self, quote: bool = False) -> list[tuple[str | None, str]]:
        """(ayat, text) pieces: its ayat, or its sentences when it has none — what an answer quotes.

        ``quote``: drop a definition's shared lead ("… yang dimaksud dengan: 10."), which names the
        regulation (useful for ranking) but is no statement to quote.
        """
        text = self.text
        if quote and self.kind == "definition":
            text = DEFINITION_LEAD.sub("", " ".join(text.split()), count=1)
        units: list[tuple[str | None, str]] = []
        current_ayat = self.ayat_start if self.ayat_start == self.ayat_end else None
        for piece in UNIT_SPLIT.split(text):
            piece = " ".join(piece.split())
            if not piece:
                continue
            match = AYAT_START.match(piece)
            if match:
                current_ayat = match.group(1)
            units.append((current_ayat, piece))
        return units


def section_label(doc_name: str, path: list[str]) -> str:
    """'Perpres 132/2022 Lampiran › BAB II › D › 4. Sumber Daya Manusia SPBE': parents by their
    numbers, the section itself by its full title."""
    if not path:
        return doc_name
    head, rest = (f"{doc_name} {path[0]}", path[1:]) if path[0] == "Lampiran" else (doc_name, path)
    if not rest:
        return head
    return HEADING_SEP.join([head, *(short_label(title) for title in rest[:-1]), rest[-1]])


def topic_of(entry: DocumentEntry) -> str:
    """'UU 20/2023 tentang Aparatur Sipil Negara' — the short name plus the subject of the title."""
    _, _, subject = entry.title.partition(" tentang ")
    return f"{entry.name} tentang {subject}" if subject else entry.name


def word_count(text: str) -> int:
    return len(text.split())


def chunk_document(parsed: ParsedDocument, entry: DocumentEntry, max_words: int, split_definitions: bool = True) -> list[Chunk]:
    """All chunks of one document, in document order: its Pasal, then its sections (Lampiran or guide)."""
    chunks: list[Chunk] = []
    for pasal in parsed.pasal:
        if pasal.text.strip():  # a Pasal blank in the source (see manifest known_gaps) has nothing to index
            chunks.extend(chunk_pasal(pasal, entry, max_words, split_definitions))
    for index, section in enumerate(parsed.sections, start=1):
        chunks.extend(chunk_section(section, entry, max_words, index))
    return chunks


def chunk_pasal(pasal: Pasal, entry: DocumentEntry, max_words: int, split_definitions: bool = True) -> list[Chunk]:
    heading = HEADING_SEP.join([topic_of(entry), *pasal.headings, f"Pasal {pasal.number}"])
    base = Chunk(
        id=f"{entry.id}:pasal-{pasal.number.lower()}",
        doc=entry.id,
        doc_name=entry.name,
        text=pasal.text.strip(),
        prefix=heading,
        pasal=pasal.number,
        page_start=pasal.page_start,
        page_end=pasal.page_end,
        status=entry.status,
        heading=heading,
        references=sorted({r.pasal for r in pasal.references if r.doc is None and r.pasal != pasal.number}),
        penjelasan=pasal.penjelasan.strip(),
    )
    budget = max_words - word_count(heading)
    if pasal.number == "1" and split_definitions and pasal.items and not pasal.ayat:
        return _definition_chunks(base, pasal, budget)
    if word_count(base.text) <= budget:
        return [base]
    if pasal.ayat:
        chunks = _ayat_chunks(base, pasal.ayat, budget)
        for chunk in chunks:
            if chunk.ayat_start == chunk.ayat_end and chunk.ayat_start in pasal.penjelasan_ayat:
                chunk.penjelasan = pasal.penjelasan_ayat[chunk.ayat_start]
        return chunks
    if pasal.items:
        return _item_chunks(base, _lead_text(pasal.text, pasal.items), pasal.items, budget, id_suffix="")
    return _part_chunks(base, base.text, budget)


def _definition_chunks(base: Chunk, pasal: Pasal, budget: int) -> list[Chunk]:
    lead = _lead_text(pasal.text, pasal.items)
    chunks = []
    for item in pasal.items:
        text = f"{lead} {item.label}. {item.text}".strip()
        chunk = _derive(base, f"{base.id}:angka-{item.label}", text, kind="definition", item=item.label)
        chunks.extend([chunk] if word_count(text) <= budget else _part_chunks(chunk, text, budget))
    return chunks


def _ayat_chunks(base: Chunk, ayat_list: list[Ayat], budget: int) -> list[Chunk]:
    """Group consecutive ayat into nodes under the budget; split an oversized ayat on its items."""
    chunks: list[Chunk] = []
    group: list[Ayat] = []

    def flush() -> None:
        if not group:
            return
        first, last = group[0].number, group[-1].number
        suffix = f"ayat-{first}" if first == last else f"ayat-{first}-{last}"
        text = "\n".join(a.marked_text for a in group)
        chunks.append(_derive(base, f"{base.id}:{suffix}", text, kind="ayat", ayat_start=first, ayat_end=last))
        group.clear()

    for ayat in ayat_list:
        ayat_text = ayat.marked_text
        if word_count(ayat_text) > budget:
            flush()
            single = _derive(base, f"{base.id}:ayat-{ayat.number}", ayat_text, kind="ayat", ayat_start=ayat.number, ayat_end=ayat.number)
            if ayat.items:
                lead = Ayat(ayat.number, _lead_text(ayat.text, ayat.items)).marked_text
                chunks.extend(_item_chunks(single, lead, ayat.items, budget, id_suffix=""))
            else:
                chunks.extend(_part_chunks(single, ayat_text, budget))
            continue
        if group and word_count("\n".join(a.marked_text for a in [*group, ayat])) > budget:
            flush()
        group.append(ayat)
    flush()
    return chunks


def _item_chunks(base: Chunk, lead: str, items: list[Item], budget: int, id_suffix: str) -> list[Chunk]:
    """Split a long list into runs of items, each repeating the lead sentence for context."""
    chunks: list[Chunk] = []
    run: list[Item] = []
    lead_words = word_count(lead)

    def flush() -> None:
        if not run:
            return
        first, last = run[0].label, run[-1].label
        span = first if first == last else f"{first}-{last}"
        text = lead + "\n" + "\n".join(f"{i.label}. {i.text}" for i in run)
        chunk = _derive(base, f"{base.id}:huruf-{span}{id_suffix}", text, kind="items", item=span)
        chunks.extend([chunk] if word_count(text) <= budget else _part_chunks(chunk, text, budget))
        run.clear()

    for item in items:
        size = word_count(f"{item.label}. {item.text}")
        if run and lead_words + sum(word_count(f"{i.label}. {i.text}") for i in run) + size > budget:
            flush()
        run.append(item)
    flush()
    return chunks


def _part_chunks(base: Chunk, text: str, budget: int) -> list[Chunk]:
    """Last resort: split on sentence ends, then on words, keeping the node's citation."""
    pieces: list[str] = []
    current: list[str] = []
    for sentence in SENTENCE_END.split(text):
        words = sentence.split()
        while len(words) > budget:
            if current:
                pieces.append(" ".join(current))
                current = []
            pieces.append(" ".join(words[:budget]))
            words = words[budget:]
        if len(current) + len(words) > budget and current:
            pieces.append(" ".join(current))
            current = []
        current.extend(words)
    if current:
        pieces.append(" ".join(current))
    if len(pieces) == 1:
        return [base]
    return [_derive(base, f"{base.id}:part-{i}", piece, kind=base.kind) for i, piece in enumerate(pieces, start=1)]


def _derive(base: Chunk, chunk_id: str, text: str, **changes) -> Chunk:
    data = base.to_dict() | {"id": chunk_id, "text": text.strip()} | changes
    chunk = Chunk(**data)
    if chunk.kind in {"ayat", "items", "part", "definition"}:
        chunk.prefix = f"{base.heading}" + (f" ayat ({chunk.ayat})" if chunk.ayat_start else "")
    return chunk


def _lead_text(text: str, items: list[Item]) -> str:
    """The words before the first list item (e.g. 'Dalam Undang-Undang ini yang dimaksud dengan:')."""
    if not items:
        return text.strip()
    first = items[0]
    label = "[1lI]" if first.label == "1" else re.escape(first.label)  # the scan reads a 1 as l or I
    marker = re.search(rf"(^|\n|\s){label}[.)]\s", text)
    lead = text[: marker.start()] if marker else ""
    return " ".join(lead.split())


def chunk_section(section: Section, entry: DocumentEntry, max_words: int, index: int = 1) -> list[Chunk]:
    """One node per section; a long one is split into parts that keep the section's citation."""
    if not section.text.strip():
        return []  # a heading followed directly by its first subsection
    path = section.path
    heading = HEADING_SEP.join([topic_of(entry), *path])
    section_id = section.id or f"section-{index}"
    chunk = Chunk(
        id=f"{entry.id}:{section_id}",
        doc=entry.id,
        doc_name=entry.name,
        text=section.text.strip(),
        prefix=heading,
        kind="section",
        page_start=section.page_start,
        page_end=section.page_end,
        status=entry.status,
        heading=heading,
        section_path=path,
        section_id=section_id,
    )
    budget = max(max_words - word_count(heading), max_words // 2)  # a long heading path still leaves room for text
    budget = _noise_adjusted(chunk.text, budget)
    return [chunk] if word_count(chunk.text) <= budget else _part_chunks(chunk, chunk.text, budget)


def _noise_adjusted(text: str, budget: int) -> int:
    """Fewer words per node for text of long or odd tokens (flattened tables, OCR codes such as
    'lDADoll'), which the tokenizer cuts into many pieces: the budget assumes plain prose."""
    words = word_count(text)
    chars_per_word = (len(text) + 1) / words if words else 0.0
    if chars_per_word <= PROSE_CHARS_PER_WORD:
        return budget
    return max(int(budget * PROSE_CHARS_PER_WORD / chars_per_word), budget // 2)
