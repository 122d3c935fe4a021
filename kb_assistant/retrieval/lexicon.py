"""Terms the corpus itself defines, mined from every Ketentuan Umum at index load time.

"Pegawai Pemerintah dengan Perjanjian Kerja yang selanjutnya disingkat PPPK adalah …" gives the
defined term, its acronym and the node that defines it. A question naming the term or the
acronym is expanded with the other form, and the defining node becomes a candidate. The
Penjelasan defines terms too ('Yang dimaksud dengan "pungutan di luar ketentuan" adalah …'):
the Pasal it explains is where such a term is defined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from kb_assistant.indexing.chunk import Chunk
from kb_assistant.indexing.text import stop_words

LEAD = re.compile(r"^[^:]{0,160}:\s*\d+[a-z]?\.\s+")
DEFINED = re.compile(
    r"^(?P<term>[^.;:]{2,120}?)\s*,?\s+(?:yang\s+selanjutnya\s+(?:disingkat|disebut)(?:\s+dengan)?\s+(?P<short>[^,.;]{2,60}?)\s*,?\s+)?"
    r"(?:adalah|ialah|yaitu|merupakan)\b",
    re.IGNORECASE,
)
IN_BODY = re.compile(
    r"(?:^|\n)(?:\(\d+[a-z]?\)\s*)?(?P<term>[A-Z][\w-]*(?: [\w-]+){0,5}?)\s+(?:sebagaimana dimaksud (?:pada|dalam) [^,;]{3,60}?\s+)?"
    r"(?:adalah|merupakan|yaitu|ialah)\s"
)
ALIAS = re.compile(r"(?P<term>[A-Z][\w ]{2,100}?)\s*,?\s+yang\s+selanjutnya\s+(?:disingkat|disebut)(?:\s+dengan)?\s+(?P<short>[A-Z][\w-]{1,40}(?: [A-Z][\w-]+){0,4})")
# The Penjelasan's standard form (UU 12/2011 Lampiran II, C.4: 'Yang dimaksud dengan "…" adalah …').
EXPLAINED = re.compile(
    r"yang\s+dimaksud\s+dengan\s+[\"“”']?(?P<term>[^\"“”'.;:]{3,100}?)[\"“”']?\s+(?:adalah|ialah|yaitu|merupakan|meliputi|termasuk)\b",
    re.IGNORECASE,
)
WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CASED_WORD = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
# "Sumber Daya Manusia (SDM)": a capitalised name followed by its acronym in parentheses.
PAREN_ACRONYM = re.compile(r"((?:[A-Z][a-z]+\s+(?:(?:dan|dalam|di|untuk)\s+)?){2,7})\(([A-Z]{2,8})\)")
MAX_TERM_WORDS = 8
# "calon PNS" → "CPNS": a content word's initial joined to the defined acronym after it, the way
# ASN shorten a qualified acronym (CPNS). Counted only when the pair recurs in the corpus.
MIN_COMPOUND_COUNT = 3


def words(text: str) -> tuple[str, ...]:
    return tuple(WORD.findall(text.lower()))


@dataclass
class Lexicon:
    """Defined terms (as word tuples) → defining node ids; short forms ↔ long forms."""

    definitions: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    expansions: dict[tuple[str, ...], str] = field(default_factory=dict)  # full name → short form
    broader: dict[tuple[str, ...], str] = field(default_factory=dict)  # PPPK → "pegawai asn" (defined as "PNS dan PPPK")
    long_forms: dict[tuple[str, ...], str] = field(default_factory=dict)  # ("sdm",) → "sumber daya manusia"
    longest: int = 1

    def add_definition(self, term: str, node_id: str) -> None:
        key = words(term)
        if 0 < len(key) <= MAX_TERM_WORDS and node_id not in self.definitions.setdefault(key, []):
            self.definitions[key].append(node_id)
            self.longest = max(self.longest, len(key))

    def add_alias(self, long: str, short: str) -> None:
        """The full name gains its short form: regulations write the short form in their Pasal
        ("PNS wajib …"), so a question using the full name should match them too. (The other
        direction would only add the words of the defining node.)"""
        long_key, short_key = words(long), words(short)
        if not long_key or not short_key or len(long_key) <= len(short_key) or len(long_key) > MAX_TERM_WORDS:
            return
        self.expansions.setdefault(long_key, " ".join(short_key))
        self.longest = max(self.longest, len(long_key))

    def find(self, text: str) -> list[tuple[str, ...]]:
        """Known terms in ``text``, longest match first, without overlaps."""
        tokens = words(text)
        found: list[tuple[str, ...]] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self.longest, len(tokens) - i), 0, -1):
                key = tokens[i : i + size]
                if key in self.definitions or key in self.expansions or key in self.long_forms:
                    found.append(key)
                    i += size
                    break
            else:
                i += 1
        return found

    def expand(self, text: str) -> str:
        """The short form of every full name in ``text`` that the corpus abbreviates, and the
        broader defined term of each (rights of "Pegawai ASN" are rights of a PPPK)."""
        found: list[str] = []
        for key in self.find(text):
            if key in self.long_forms:
                found.append(self.long_forms[key])
            short = self.expansions.get(key)
            if short:
                found.append(short)
            broader = self.broader_term(key)
            if broader:
                found.append(broader)
        return " ".join(dict.fromkeys(found))

    @cached_property
    def acronyms(self) -> frozenset[str]:
        """The one-word short forms the corpus defines or spells out ("pns", "spbe", "kasn");
        computed once the lexicon is built (it is read per question)."""
        return frozenset({short for short in self.expansions.values() if " " not in short} | {key[0] for key in self.long_forms if len(key) == 1})

    @cached_property
    def _long_of_short(self) -> dict[tuple[str, ...], str]:
        """Short form → its long form, from the definitions' "yang selanjutnya disingkat" aliases."""
        found: dict[tuple[str, ...], str] = {}
        for long, short in self.expansions.items():
            found.setdefault(words(short), " ".join(long))
        return found

    def spell_out(self, text: str) -> tuple[tuple[str, str], ...]:
        """(acronym, long form) of every acronym in ``text`` that the corpus defines or spells out
        ("kasn" → "komisi asn"): a later law may write the name in full where the defining law
        used the acronym (UU 20/2023 Pasal 70 ayat (3)), so the ayat quoted can be found."""
        found = []
        for key in self.find(text):
            long = self.long_form(key)
            if long:
                found.append((" ".join(key), long))
        return tuple(dict.fromkeys(found))

    def long_form(self, key: tuple[str, ...]) -> str | None:
        """The long form of a short form the corpus spells out in parentheses or defines ("kasn" → "komisi asn")."""
        return self.long_forms.get(key) or self._long_of_short.get(key)

    def in_full(self, key: tuple[str, ...]) -> str | None:
        """The long form of an acronym with the acronyms inside it spelled out too ("kasn" →
        "komisi aparatur sipil negara", via "komisi asn"): how a later law writes the name."""
        long = self.long_form(key)
        return " ".join(self.long_form((w,)) or w for w in words(long)) if long else None

    def broader_term(self, key: tuple[str, ...]) -> str | None:
        """The broader defined term of a term or its short form ("pppk" → "pegawai asn")."""
        short = self.expansions.get(key)
        return self.broader.get(words(short) if short else key)

    def generalise(self, text: str, specific: str = "") -> str:
        """``text`` with each term that has a broader defined term replaced by it ("hak PPPK" →
        "hak pegawai asn"); "" when no term has one. A term named in ``specific`` (the titles of
        the indexed regulations: "Disiplin Pegawai Negeri Sipil") keeps its own name: a regulation
        about it is the special rule (lex specialis), the broader term's rules the general one."""
        result, changed = text, False
        for key in self.find(text):
            broader = self.broader_term(key)
            names = {" ".join(key)} | {" ".join(long) for long, abbreviation in self.expansions.items() if words(abbreviation) == key}
            if broader and not any(f" {name} " in f" {specific} " for name in names):
                pattern = r"(?<!\w)" + r"[\W_]+".join(re.escape(w) for w in key) + r"(?!\w)"
                result, count = re.subn(pattern, broader, result, flags=re.IGNORECASE)
                changed = changed or count > 0
        return result if changed else ""

    def add_long_forms(self, text: str, counts: dict[tuple[str, str], int]) -> None:
        """Count each "Long Name (LN)" whose initials spell the acronym (Schwartz & Hearst's rule)."""
        for match in PAREN_ACRONYM.finditer(text):
            acronym = match.group(2)
            names = [w for w in match.group(1).split() if w[:1].isupper()]
            for start in range(len(names)):
                if "".join(w[0] for w in names[start:]) == acronym:
                    long = " ".join(names[start:])
                    counts[(acronym, long)] = counts.get((acronym, long), 0) + 1
                    break

    def settle_long_forms(self, counts: dict[tuple[str, str], int]) -> None:
        """An acronym expands to its most frequent long form in the corpus."""
        best: dict[str, tuple[int, str]] = {}
        for (acronym, long), count in counts.items():
            if count > best.get(acronym, (0, ""))[0]:
                best[acronym] = (count, long)
        for acronym, (_, long) in best.items():
            key = words(acronym)
            if " ".join(key) not in set(self.expansions.values()):
                self.long_forms.setdefault(key, " ".join(words(long)))

    def add_compound_forms(self, texts: list[str], vocabulary: frozenset[str], stops: frozenset[str]) -> None:
        """Acronyms ASN form from a word and a defined acronym written in capitals ("calon PNS" →
        "cpns" → "calon pns"; a short form such as "Daerah" is no acronym).

        Only for a form the corpus never writes itself (a real word or acronym keeps its meaning),
        from a pair written at least MIN_COMPOUND_COUNT times, the most frequent pair winning."""
        shorts = {short for short in self.expansions.values() if " " not in short}
        counts: dict[tuple[str, str], int] = {}
        for text in texts:
            tokens = CASED_WORD.findall(text)
            for before, acronym in zip(tokens, tokens[1:]):
                if not acronym.isupper() or before.isupper():  # "calon PNS", not "RPJMD APBD" or a heading in capitals
                    continue
                before, short = before.lower(), acronym.lower()
                if short in shorts and before.isalpha() and len(before) >= 3 and before not in stops:
                    pair = (before[0] + short, f"{before} {short}")
                    counts[pair] = counts.get(pair, 0) + 1
        best: dict[str, tuple[int, str]] = {}
        for (compound, phrase), count in counts.items():
            if count >= MIN_COMPOUND_COUNT and compound not in vocabulary and count > best.get(compound, (0, ""))[0]:
                best[compound] = (count, phrase)
        for compound, (_, phrase) in best.items():
            self.long_forms.setdefault((compound,), phrase)

    def add_broader(self, term: str, parts: list[str]) -> None:
        """``term`` is defined as the union of ``parts`` ("Pegawai ASN adalah PNS dan PPPK")."""
        keys = [words(p) for p in parts]
        if len(keys) < 2 or not all(k in self.expansions for k in keys):
            return
        term_key = words(term)
        broader = self.expansions.get(term_key, " ".join(term_key))
        for key in keys:
            self.broader.setdefault(words(self.expansions[key]), broader)


def build_lexicon(chunks: list[Chunk], vocabulary: frozenset[str] | None = None) -> Lexicon:
    """Every definition node's term and every 'yang selanjutnya disingkat/disebut' alias.

    ``vocabulary``: every word the corpus writes (the loaded index has it already; counted here
    when not given)."""
    lexicon = Lexicon()
    acronym_counts: dict[tuple[str, str], int] = {}
    for chunk in chunks:
        if "(" in chunk.text:
            lexicon.add_long_forms(chunk.text, acronym_counts)
        if chunk.kind == "definition":
            body = LEAD.sub("", " ".join(chunk.text.split()), count=1)
            match = DEFINED.match(body)
            if match:
                lexicon.add_definition(match.group("term"), chunk.id)
                if match.group("short"):
                    lexicon.add_definition(match.group("short"), chunk.id)
                    lexicon.add_alias(match.group("term"), match.group("short"))
        elif chunk.kind != "section":
            for match in IN_BODY.finditer(chunk.text):  # "(2) Inovasi Daerah sebagaimana dimaksud pada ayat (1) adalah …"
                lexicon.add_definition(match.group("term"), chunk.id)
        if "selanjutnya" in chunk.text:
            for match in ALIAS.finditer(" ".join(chunk.text.split())):
                lexicon.add_alias(_last_clause(match.group("term")), match.group("short"))
    add_explained_terms(lexicon, chunks)
    lexicon.settle_long_forms(acronym_counts)
    texts = [f"{chunk.text} {chunk.penjelasan or ''}" for chunk in chunks]
    if vocabulary is None:
        vocabulary = frozenset(word for text in texts for word in WORD.findall(text.lower()))
    lexicon.add_compound_forms(texts, vocabulary, stop_words())
    for chunk in chunks:  # once every alias is known: terms defined as "A dan B"
        if chunk.kind == "definition":
            body = LEAD.sub("", " ".join(chunk.text.split()), count=1)
            match = DEFINED.match(body)
            if match:
                head = re.split(r"\s+yang\s|,", body[match.end():].strip())[0]
                lexicon.add_broader(match.group("term"), re.split(r"\s+(?:dan|atau)\s+", head))
    return lexicon


def add_explained_terms(lexicon: Lexicon, chunks: list[Chunk]) -> None:
    """Each term the Penjelasan of a Pasal defines, defined by that Pasal's first node (the
    Penjelasan is repeated on every node of a split Pasal: read once per Pasal)."""
    seen: set[tuple[str, str | None]] = set()
    for chunk in chunks:
        if not chunk.penjelasan or chunk.kind in {"definition", "section"} or (chunk.doc, chunk.pasal) in seen:
            continue
        seen.add((chunk.doc, chunk.pasal))
        for match in EXPLAINED.finditer(" ".join(chunk.penjelasan.split())):
            lexicon.add_definition(match.group("term"), chunk.id)


def _last_clause(term: str) -> str:
    """The name just before 'yang selanjutnya', without a leading sentence ('Dalam … ini, Badan X')."""
    term = re.split(r"[,:]\s+|\s\d+[a-z]?\.\s", term)[-1]
    return " ".join(term.split()[-MAX_TERM_WORDS:])
