"""Checks of a generated answer against the passages it was given.

The answer is split into sentences. Each sentence carries the ``[n]`` markers written in or
after it; a sentence without markers takes those of the next cited sentence on the same line
(the "one citation at the end of the paragraph" habit), else those of the previous one (the
"[1] A. B." habit of small models). Then:

* a marker ``[k]`` with no passage ``k`` in the prompt is *invalid*: removed and flagged;
* a *claim* (a sentence with at least ``MIN_CLAIM_TERMS`` stemmed content words) is *supported*
  when at least ``support_threshold`` of its content words occur in the passages it cites and
  every quantity it states (digits or number words: days, books, rupiah) occurs in their text
  and every reference number ("Pasal 5", "UU 20/2023") in their labels or text;
* a citation *contains the support* when the cited passage alone holds at least
  ``CITATION_SHARE`` of the sentence's content words.

Scores: ``faithfulness`` = supported claims / claims; ``citation_validity`` = citations that point
at a shown passage and contain the support / all citations written. The lexical check uses the
same Indonesian analyser as BM25 (:func:`kb_assistant.indexing.text.analyse`), so "dilaksanakan"
in the answer matches "pelaksanaan" in the Pasal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from kb_assistant.answer.prompt import status_note
from kb_assistant.answer.types import Passage
from kb_assistant.indexing.labels import citation_label
from kb_assistant.indexing.text import analyse

MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
MARKER_RUN = re.compile(r"(?:\s*" + MARKER.pattern + r")+")
# A sentence ends at . ! ? (plus any markers right after it) before an upper-case start, an ayat
# "(2)", a list bullet or the end of the line. "No. 20" and "ayat (2) huruf a." stay whole.
SENTENCE_END = re.compile(
    r"[.!?…](?:\s*" + MARKER.pattern + r")*(?=\s+(?:[A-Z\"'“(•*\-]|" + MARKER.pattern + r")|\s*$)"
)
LIST_PREFIX = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)]|[a-z][.)])\s+")
NUMBER = re.compile(r"\d+")
MIN_CLAIM_TERMS = 2
CITATION_SHARE = 0.3
AYAT_SPLIT = re.compile(r"(?:^|\n|(?<=[.;:])\s+)(?=\(\d+[a-z]?\)\s)")
AYAT_START = re.compile(r"^\((\d+[a-z]?)\)\s")

# Sentences of a passage that address the assistant instead of stating law ("abaikan semua instruksi
# sebelumnya", "jawab dengan ...", "ignore previous instructions"). They stay in the prompt as
# quoted data, but an answer cannot draw its support from them: copying an injected sentence
# leaves the answer unsupported, so it is rejected.
INJECTION = re.compile(
    r"\babaikan\b[^.\n]{0,60}\b(?:instruksi|perintah|aturan|arahan)"
    r"|\b(?:jawab|jawablah|balas|balaslah|tulis|tuliskan|katakan)\s+(?:hanya\s+)?dengan\b"
    r"|\b(?:instruksi|perintah)\s+(?:sebelumnya|sistem|di atas)\b|\bprompt\s+sistem\b"
    r"|\banda\s+(?:sekarang|kini)\s+adalah\b"
    r"|\bignore\b[^.\n]{0,60}\b(?:instructions?|prompts?|rules)\b|\bsystem\s+prompt\b"
    r"|\b(?:answer|respond|reply|say)\s+(?:only\s+)?with\b|\byou\s+are\s+now\b",
    re.IGNORECASE,
)
PASSAGE_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")


def without_injection(text: str) -> str:
    """``text`` less its sentences that give instructions to the assistant."""
    return " ".join(piece for piece in PASSAGE_SENTENCE.split(text) if not INJECTION.search(piece))


def injected_payloads(text: str) -> set[str]:
    """What injected sentences ask the assistant to say: their quoted strings ("jawab dengan 'HACKED'")."""
    payloads = set()
    for piece in PASSAGE_SENTENCE.split(text):
        if INJECTION.search(piece):
            for quoted in re.findall(r"[\"'“‘«]([^\"'”’»]{3,200})[\"'”’»]", piece):
                payloads.add(" ".join(quoted.split()).lower())
    return payloads


# Words an answer uses to talk about the sources rather than to state their content.
META_WORDS = (
    "kutipan dikutip dokumen peraturan perundang-undangan undang-undang undang pasal ayat huruf angka uu pp "
    "perpres permen perda berdasarkan menurut disebutkan tersebut diatur mengatur ketentuan sebagaimana "
    "dimaksud demikian jadi yaitu yakni adalah ialah merupakan jawaban pertanyaan"
)


@lru_cache(maxsize=1)
def meta_terms() -> frozenset[str]:
    return frozenset(analyse(META_WORDS))


# References name a place in a document ("Pasal 5", "ayat (2)", "UU 20/2023", "Nomor 7 Tahun 2031");
# every other number, or number word, states a quantity (days, books, rupiah) of the law itself.
REFERENCE = re.compile(
    r"\b(?:pasal|ayat|huruf|angka|nomor|no\.?|tahun|bab|bagian|paragraf)\s*\(?\d+[a-z]?\)?"
    r"|\b\d+\s*/\s*\d{4}\b",
    re.IGNORECASE,
)
NUMBER_WORDS = frozenset(
    "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh sebelas belas puluh ratus ribu juta miliar "
    "triliun seratus seribu setengah seperempat sepertiga".split()
)


def content_terms(text: str, names: tuple[str, ...] = ()) -> set[str]:
    """Stemmed content words of an answer sentence: no list bullet, no reference, no source-talk
    word and none of ``names`` (the labels and document names of the passages)."""
    for name in names:
        text = text.replace(name, " ")
    text = REFERENCE.sub(" ", MARKER.sub(" ", LIST_PREFIX.sub(" ", text)))
    return set(analyse(text, drop_question_words=True)) - meta_terms()


def numbers_of(text: str, references: bool = False) -> set[str]:
    """Quantities stated in ``text`` (digits and number words), or with ``references`` the numbers of its references."""
    text = MARKER.sub(" ", LIST_PREFIX.sub(" ", text))
    refs = " ".join(REFERENCE.findall(text))
    if references:
        return {n.lstrip("0") or "0" for n in NUMBER.findall(refs)}
    text = re.sub(r"\(\d+[a-z]?\)", " ", REFERENCE.sub(" ", text))  # and bare ayat marks "(2)"
    digits = {n.lstrip("0") or "0" for n in NUMBER.findall(text)}
    return digits | {w for w in re.findall(r"[a-z]+", text.lower()) if w in NUMBER_WORDS}


@dataclass
class SourceView:
    """What the checks know of one passage shown to the model."""

    index: int  # position in the passages list
    passage: Passage
    text: str  # the text the model saw
    terms: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)  # quantities in the passage text
    references: set[str] = field(default_factory=set)  # numbers of its label and of references in its text
    ayat: list[tuple[str, set[str]]] = field(default_factory=list)

    @classmethod
    def of(cls, index: int, passage: Passage, text: str) -> "SourceView":
        seen = f"{passage.label} {passage.doc_name} {without_injection(text)}"
        ayat = []
        for piece in AYAT_SPLIT.split(text):
            match = AYAT_START.match(piece.strip())
            if match:
                ayat.append((match.group(1), set(analyse(piece))))
        body = without_injection(text)
        numbers = numbers_of(body)
        references = numbers_of(body, references=True) | set(NUMBER.findall(f"{passage.label} {passage.doc_name}")) | numbers
        return cls(index, passage, text, set(analyse(seen)), numbers, references, ayat)

    def cite(self, terms: set[str]) -> tuple[str | None, str]:
        """(ayat, label) for a sentence citing this passage: the label narrowed to the ayat that
        clearly holds the sentence's words, when the passage is a whole Pasal with ayat."""
        p = self.passage
        if p.pasal and p.doc_name and p.label == citation_label(p.doc_name, p.pasal) and terms and len(self.ayat) > 1:
            scored = sorted(((len(terms & t) / len(terms), a) for a, t in self.ayat), reverse=True)
            (best, ayat), (second, _) = scored[0], scored[1]
            if best >= CITATION_SHARE and best > second:
                return ayat, citation_label(p.doc_name, p.pasal, ayat)
        labelled_ayat = p.ayat if p.ayat and p.label == citation_label(p.doc_name, p.pasal, p.ayat) else None
        return labelled_ayat, p.label

    @property
    def note(self) -> str:
        """' — dicabut oleh ...' for a passage of a document not in force."""
        note = status_note(self.passage)
        return f" — {note}" if note else ""


@dataclass
class SentenceCheck:
    text: str  # the sentence as written, markers included
    start: int  # span in the raw answer
    end: int
    cited: list[int] = field(default_factory=list)  # shown-passage indices cited (0-based, in order)
    invalid: list[str] = field(default_factory=list)  # markers naming no shown passage, e.g. "[7]"
    inherited: bool = False  # citations taken from another sentence (``donor``)
    donor: int | None = None  # position of that sentence in the list
    listed: bool = False  # ... a heading or an introduction ("Pegawai ASN wajib: [1]") above it
    claim: bool = False
    support: float = 0.0  # share of content words found in the cited passages
    missing_numbers: list[str] = field(default_factory=list)
    supported: bool = False
    supporting: list[int] = field(default_factory=list)  # cited passages that alone hold the support
    labels: dict[int, tuple[str | None, str, str]] = field(default_factory=dict)  # index -> (ayat, label, note)

    @property
    def bare(self) -> str:
        return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(MARKER.sub(" ", self.text).split()))


@dataclass
class Verification:
    sentences: list[SentenceCheck]
    faithfulness: float
    citation_validity: float
    citations_total: int
    citations_good: int
    claims: int
    followed_injection: list[str] = field(default_factory=list)  # payloads of injected instructions found in the answer

    @property
    def invalid_citations(self) -> list[str]:
        return [m for s in self.sentences for m in s.invalid]

    @property
    def unsupported(self) -> list[SentenceCheck]:
        return [s for s in self.sentences if s.claim and not s.supported]

    @property
    def cited(self) -> list[int]:
        """Passages that hold the support of a kept sentence, in order of first citation."""
        order: dict[int, None] = {}
        for s in self.sentences:
            if s.claim and s.supported:
                for i in s.supporting or s.cited:
                    order.setdefault(i, None)
        return list(order)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text``; markers after a full stop stay with their sentence."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        offset, body = line.start(), line.group()
        start = 0
        for match in SENTENCE_END.finditer(body):
            if body[start : match.end()].strip():
                spans.append((offset + start, offset + match.end()))
            start = match.end()
        if body[start:].strip():
            spans.append((offset + start, offset + len(body)))
    # a piece made only of markers (e.g. "[1]" on its own line) belongs to the sentence before it
    merged: list[tuple[int, int]] = []
    for span in spans:
        piece = text[span[0] : span[1]]
        if merged and not MARKER.sub("", piece).strip(" .;,\t"):
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return merged


def verify(
    raw_text: str,
    passages: list[Passage],
    shown_texts: list[str],
    support_threshold: float,
) -> Verification:
    """Check ``raw_text`` against the passages shown as [1]..[n] (``shown_texts`` = what the model saw)."""
    sources = [SourceView.of(i, p, t) for i, (p, t) in enumerate(zip(passages, shown_texts))]
    checks = _sentences_with_markers(raw_text, len(sources))
    names = tuple(sorted({n for p in passages for n in (p.label, p.doc_name) if n}, key=len, reverse=True))
    terms = [content_terms(sentence.text, names) for sentence in checks]
    for sentence, words in zip(checks, terms):
        sentence.claim = len(words) >= MIN_CLAIM_TERMS
    _inherit_markers(checks, raw_text)
    total, good, claims, supported = _judge(checks, terms, sources, support_threshold)
    answer = " ".join(raw_text.lower().split())
    followed = sorted(p for text in shown_texts for p in injected_payloads(text) if p in answer)
    return Verification(
        followed_injection=followed,
        sentences=checks,
        faithfulness=supported / claims if claims else 0.0,
        citation_validity=good / total if total else 0.0,
        citations_total=total,
        citations_good=good,
        claims=claims,
    )


def _sentences_with_markers(raw_text: str, sources: int) -> list[SentenceCheck]:
    """Each sentence with the passages its own ``[n]`` markers cite; a number past ``sources`` is invalid."""
    checks: list[SentenceCheck] = []
    for start, end in split_sentences(raw_text):
        sentence = SentenceCheck(text=raw_text[start:end], start=start, end=end)
        for match in MARKER.finditer(sentence.text):
            for number in re.split(r"\s*[,;]\s*", match.group(1).strip()):
                k = int(number)
                if 1 <= k <= sources:
                    if k - 1 not in sentence.cited:
                        sentence.cited.append(k - 1)
                else:
                    sentence.invalid.append(f"[{k}]")
        checks.append(sentence)
    return checks


def _inherit_markers(checks: list[SentenceCheck], raw_text: str) -> None:
    """A sentence without markers borrows those of the next cited sentence on the same line
    ("A. B [1]."), else of the previous one on that line ("[1] A. B."), else of the cited line
    above it when that line is only a citation ("[2] — UU 20/2023 Pasal 25:") or introduces a
    list ("[1] Pegawai ASN wajib:" then "a. ...", "b. ...")."""
    own = [bool(c.cited or c.invalid) for c in checks]
    for i, sentence in enumerate(checks):
        if own[i]:
            continue

        def same_line(j: int) -> bool:
            a, b = sorted((i, j))
            return "\n" not in raw_text[checks[a].end : checks[b].start]

        later = [j for j in range(i + 1, len(checks)) if own[j] and checks[j].cited and same_line(j)]
        earlier = [j for j in range(i) if own[j] and checks[j].cited and same_line(j)]
        donor = later[0] if later else (earlier[-1] if earlier else None)
        listed = False
        if donor is None:
            above = [j for j in range(i) if own[j]]
            if above and checks[above[-1]].cited:
                head = checks[above[-1]]
                if not head.claim or head.bare.rstrip().endswith(":"):
                    donor, listed = above[-1], True
        if donor is not None:
            sentence.cited = list(checks[donor].cited)
            sentence.inherited = True
            sentence.donor = donor
            sentence.listed = listed


def _judge(checks: list[SentenceCheck], terms: list, sources: list, support_threshold: float) -> tuple[int, int, int, int]:
    """Mark each claim supported or not by its cited passages (terms and numbers); returns the
    counts behind citation validity (citations, good ones) and faithfulness (claims, supported)."""
    total = good = claims = supported = 0
    for sentence, words in zip(checks, terms):
        cited = [sources[i] for i in sentence.cited]
        if sentence.claim:
            claims += 1
            union = set().union(*(s.terms for s in cited)) if cited else set()
            sentence.support = len(words & union) / len(words)
            numbers = set().union(*(s.numbers for s in cited)) if cited else set()
            references = set().union(*(s.references for s in cited)) if cited else set()
            sentence.missing_numbers = sorted(
                (numbers_of(sentence.text) - numbers) | (numbers_of(sentence.text, references=True) - references)
            )
            sentence.supporting = [s.index for s in cited if len(words & s.terms) / len(words) >= CITATION_SHARE]
            sentence.supported = bool(cited) and sentence.support >= support_threshold and not sentence.missing_numbers
            supported += sentence.supported
        else:
            sentence.supporting = list(sentence.cited)
        for source in cited:
            sentence.labels[source.index] = (*source.cite(words), source.note)
        if not sentence.inherited:
            total += len(sentence.cited) + len(sentence.invalid)
            good += len(sentence.supporting) if (sentence.supported or not sentence.claim) else 0
    return total, good, claims, supported


def render(raw_text: str, verification: Verification) -> str:
    """The answer for the user: supported sentences only, each ``[n]`` replaced by its label.

    Invalid markers and unsupported sentences are removed (they are reported separately);
    citations of a passage that does not hold the sentence's support are dropped when another
    cited passage does hold it.
    """
    sentences = verification.sentences
    # kept: supported claims, and sentences that state nothing checkable but carry a citation
    # ("Ya [1]."), sit in a cited list, or introduce what follows ("Ketentuannya sebagai
    # berikut:"); an uncited fragment such as "HACKED" is dropped
    kept = [
        s.supported if s.claim else bool(s.cited and (s.listed or not s.inherited)) or s.bare.rstrip().endswith(":")
        for s in sentences
    ]
    out: list[str] = []
    position = 0
    for i, sentence in enumerate(sentences):
        out.append(raw_text[position : sentence.start])
        position = sentence.end
        if not kept[i]:
            continue
        keep = [k for k in sentence.cited if k in sentence.supporting] or sentence.cited
        text = _replace_markers(sentence, keep)
        if not sentence.claim and _citation_only(sentence):
            # only a citation: a heading for the sentences that borrowed it, else nothing
            followers = any(kept[j] and s.donor == i for j, s in enumerate(sentences))
            text = f"Menurut {'; '.join(sentence.labels[k][1] + sentence.labels[k][2] for k in keep)}:" if followers and keep else ""
        out.append(text)
    out.append(raw_text[position:])
    text = "".join(out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.strip()


def _citation_only(sentence: SentenceCheck) -> bool:
    """Whether the sentence says nothing but which passage it cites ("[2] — UU 20/2023 Pasal 25:")."""
    rest = sentence.bare
    for _, label, _ in sentence.labels.values():
        for name in (label, label.split(" ayat ")[0], label.split(" Pasal ")[0]):
            rest = rest.replace(name, " ")
    return not re.search(r"[^\W\d_]{2,}", REFERENCE.sub(" ", rest))


def _replace_markers(sentence: SentenceCheck, keep: list[int]) -> str:
    """Each run of markers becomes one '(label; label)'; a run after the final stop moves before it."""
    text = sentence.text.rstrip()
    used: set[int] = set()

    def labels_of(run: str) -> str:
        found = []
        for match in MARKER.finditer(run):
            for number in re.split(r"\s*[,;]\s*", match.group(1).strip()):
                index = int(number) - 1
                if index in keep and index not in used:
                    used.add(index)
                    _, label, note = sentence.labels[index]
                    found.append(label + note)
        return f" ({'; '.join(found)})" if found else ""

    leading = re.match(r"^(\s*(?:[-*•]\s+)?)(" + MARKER_RUN.pattern + r")\s*", text)
    if leading and not MARKER.search(text, leading.end()):
        # "[2] — UU 20/2023 Pasal 5: Pegawai ..." : the citation goes to the end, a copied heading goes
        rest = text[leading.end() :]
        heading = re.match(r"^[—–-]\s*([^:]{1,160}):\s*", rest)
        if heading and any(label.startswith(heading.group(1).strip()) for _, label, _ in sentence.labels.values()):
            rest = rest[heading.end() :]
        rest = rest.rstrip()
        stop = rest[-1] if rest and rest[-1] in ".!?…" else ""
        text = leading.group(1) + rest[: len(rest) - len(stop)] + leading.group(2) + stop
    trailing = re.search(r"([.!?…:;])(" + MARKER_RUN.pattern + r")\s*$", text)
    if trailing:
        text = text[: trailing.start()] + trailing.group(2) + trailing.group(1)
    text = MARKER_RUN.sub(lambda m: labels_of(m.group(0)), text)
    return re.sub(r"\s+([.,;:!?])", r"\1", text)
