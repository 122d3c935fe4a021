"""Evidence for answering: term coverage of the top units, and the specifics they lack.

A question asking for something specific — a figure, a year, a grade, a named programme — is
answered only when the retrieved text contains it; otherwise the corpus does not say it,
however close the topic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb_assistant.retrieval.analysis import QueryAnalysis
from kb_assistant.retrieval.rescore import term_coverage, unit_coverage
from kb_assistant.retrieval.tables import patterns
from kb_assistant.indexing.text import WORD, stop_words
from kb_assistant.retrieval.units import PasalHit

EVIDENCE_DEPTH = 3
ANSWER_TYPE_LABELS = {"money": "nominal uang (rupiah)", "percent": "persentase", "period": "jangka waktu",
                      "clock_period": "jangka waktu dalam jam atau menit", "date": "tanggal"}  # how a refusal names the kind


@dataclass
class Evidence:
    coverage: float = 0.0  # share of the question's idf-weighted terms found in the top units
    top_unit_coverage: float = 0.0  # the same share within the top unit's best ayat or sentence
    top_dense: float = 0.0
    missing: list[str] = field(default_factory=list)  # figures asked for absent from the top unit, kinds of figure absent from the top units
    unknown_names: list[str] = field(default_factory=list)  # names absent from the top units and from the corpus


def gather_evidence(hits: list[PasalHit], analysis: QueryAnalysis, loaded, top_dense: float) -> Evidence:
    """Coverage over the top units; the specifics the evidence lacks.

    A figure the question names (a year, a grade: "target … tahun 2024") must be in the top unit,
    the passage the answer cites: a neighbour mentioning 2024 does not make a passage about 2020 an
    answer. The kind of figure asked ("berapa lama", an amount) may be stated by any of the top
    units: a procedure's time limit is often in the next Pasal (measured on the tuning sets: 3
    unanswerable questions refused more, 0 answerable ones lost; the kinds at depth 1 lost 3).
    """
    top = hits[:EVIDENCE_DEPTH]
    coverage = term_coverage(top, loaded, analysis.terms)
    top_unit = unit_coverage(hits[0], loaded, analysis.terms) if hits else 0.0
    texts = [loaded.unit_text(h.key).lower() for h in top]
    low, cited = "\n".join(texts), (texts[0] if texts else "")
    missing = [s for s in analysis.specifics if not _holds(cited, s)]
    missing += [ANSWER_TYPE_LABELS.get(kind, kind) for kind in analysis.answer_types if not states(low, kind)]
    unknown = [n for n in analysis.names if not _holds(low, n) and n.lower() not in loaded.vocabulary and not loaded.lexicon.find(n)
               and not spelled_by_initials(n, low)]
    unknown += [w for w in unwritten_term_words(analysis, loaded) if w not in unknown]
    return Evidence(coverage, top_unit, top_dense, missing, unknown)


def unwritten_term_words(analysis: QueryAnalysis, loaded) -> list[str]:
    """The words of a term a definition question asks about that the corpus never writes: no
    passage can define it ("Apa itu maladministrasi?"). English questions are read by the dense
    model only (their words are not the corpus's)."""
    if analysis.english or not analysis.definition_term:
        return []
    stops = stop_words()
    return [w for w in WORD.findall(analysis.definition_term.lower())
            if len(w) > 2 and w not in stops and not w.isdigit() and w not in loaded.vocabulary and not loaded.lexicon.find(w)]


def spelled_by_initials(name: str, text: str) -> bool:
    """Whether an acronym of three or more letters is spelled by the initials of consecutive words
    of the text ("MPP": "masa persiapan pensiun"): regulations write the long form, ASN the
    acronym. Stop words and words of one or two letters do not count ("tunjangan arsip dan" is no
    "TAD")."""
    if len(name) < 3 or not name.isalpha() or not name.isupper():
        return False
    initials, stops = name.lower(), stop_words()
    tokens = re.findall(r"[a-z]+", text.lower())
    content = [len(t) >= 3 and t not in stops for t in tokens]
    size = len(initials)
    return any(
        all(content[i : i + size]) and "".join(t[0] for t in tokens[i : i + size]) == initials
        for i in range(len(tokens) - size + 1)
    )


def states(text: str, kind: str) -> bool:
    """Whether ``text`` states a figure of this kind (``data/answer_types.toml``)."""
    return any(p.search(text) for p in patterns("answer_types", f"states_{kind}"))


def _holds(text: str, specific: str) -> bool:
    return bool(re.search(rf"(?<!\w){re.escape(specific.lower())}(?!\w)", text))
