"""Training pairs for domain adaptation, mined from the corpus structure only (never from QA sets).

Why: a small multilingual model knows little of Indonesian statute language; the corpus itself says
which texts belong together. Four kinds of (anchor, positive) pairs:

* definition: the defined term (and its "yang selanjutnya disingkat X" alias) -> its definition;
* heading: a BAB/Bagian/Paragraf title -> the text of a Pasal under it (titles over few Pasal only);
* penjelasan: a Pasal's official elucidation -> the Pasal;
* reference: the words around "sebagaimana dimaksud dalam Pasal N" -> Pasal N of the same document.

Nodes are duck-typed (``doc``, ``pasal``, ``kind``, ``text``, ``prefix``, ``embed_text``,
``penjelasan``, ``references``) so this module does not depend on the indexing package.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from dataclasses import dataclass

DEFINITION_LEAD = re.compile(r"^[^:]{0,160}:\s*\d+[a-z]?\.\s+")
TERM = re.compile(r"^(?P<term>.{2,120}?)\s+(?:yang selanjutnya (?:disingkat|disebut)\s+(?P<alias>.{1,60}?)\s+)?adalah\s", re.S)
REFERENCE = re.compile(r"\s*sebagaimana dimaksud (?:dalam|pada) Pasal (?P<pasal>\d+[A-Z]?)(?:\s+ayat\s*\(\d+[a-z]?\))?(?:\s+huruf\s+[a-z])?", re.I)
SENTENCE = re.compile(r"(?<=[.;:])\s+|\n")
HEADING_SEP = " › "
MAX_PASAL_PER_HEADING = 3  # broader headings ("Ketentuan Umum") say little about one Pasal
MIN_CHARS = 25


@dataclass(frozen=True)
class Pair:
    anchor: str
    positive: str
    kind: str
    source: str  # node id the pair comes from (for the record)
    target: str = ""  # node id of the positive (the referring node's source differs from it)


def definition_pairs(nodes) -> list[Pair]:
    """Defined term (and alias) -> the definition node."""
    out = []
    for node in nodes:
        if node.kind != "definition":
            continue
        body = DEFINITION_LEAD.sub("", " ".join(node.text.split()), count=1)
        match = TERM.match(body)
        if not match:
            continue
        for term in (match.group("term"), match.group("alias")):
            if term and len(term) >= 2:
                out.append(Pair(term.strip(" ,"), node.embed_text, "definition", node.id, node.id))
    return out


def heading_pairs(nodes) -> list[Pair]:
    """Innermost heading title -> each Pasal under it, for headings over at most a few Pasal."""
    under: dict[tuple[str, str], list] = defaultdict(list)
    for node in nodes:
        parts = node.prefix.split(HEADING_SEP)
        if node.kind in ("pasal", "ayat", "items") and node.pasal and len(parts) >= 3:
            under[(node.doc, parts[-2])].append(node)
    out = []
    for (_, heading), members in under.items():
        pasal = {m.pasal for m in members}
        title = re.sub(r"^(BAB|Bagian|Paragraf)\s+\S+\s+", "", heading).strip()
        if len(pasal) > MAX_PASAL_PER_HEADING or len(title) < 4:
            continue
        # the Pasal text without its heading path, which already contains the title verbatim
        out.extend(Pair(title, m.text, "heading", m.id, m.id) for m in members)
    return out


def penjelasan_pairs(nodes) -> list[Pair]:
    """A Pasal's (or ayat's) elucidation -> the node, unless it only says 'Cukup jelas'."""
    out = []
    for node in nodes:
        text = " ".join((node.penjelasan or "").split())
        if len(text) >= MIN_CHARS and "cukup jelas" not in text.lower()[:40]:
            out.append(Pair(text, node.embed_text, "penjelasan", node.id, node.id))
    return out


def reference_pairs(nodes) -> list[Pair]:
    """The sentence around a same-document reference, the reference itself removed -> the target Pasal."""
    first_of: dict[tuple[str, str], object] = {}
    for node in nodes:
        if node.pasal and node.kind != "definition":
            first_of.setdefault((node.doc, node.pasal), node)
    out = []
    for node in nodes:
        for sentence in SENTENCE.split(node.text):
            for match in REFERENCE.finditer(sentence):
                target = first_of.get((node.doc, match.group("pasal")))
                context = " ".join(REFERENCE.sub("", sentence).split()).strip(" ,;.")
                context = re.sub(r"^\(\d+[a-z]?\)\s*", "", context)
                if target is not None and target is not node and len(context) >= MIN_CHARS:
                    out.append(Pair(context, target.embed_text, "reference", node.id, target.id))
    return out


def mine_pairs(nodes, max_pairs: int = 0, seed: int = 0) -> list[Pair]:
    """All four kinds, de-duplicated, shuffled; at most ``max_pairs`` (0 = all), kinds kept in proportion."""
    nodes = list(nodes)
    pairs = [*definition_pairs(nodes), *heading_pairs(nodes), *penjelasan_pairs(nodes), *reference_pairs(nodes)]
    unique = list({(p.anchor, p.positive): p for p in pairs}.values())
    random.Random(seed).shuffle(unique)
    return unique[:max_pairs] if max_pairs > 0 else unique


def batches(pairs: list[Pair], size: int) -> list[list[Pair]]:
    """Batches in which no anchor and no positive repeats (a repeat would be a false in-batch negative)."""
    out: list[list[Pair]] = []
    open_batches: list[tuple[list[Pair], set[str]]] = []
    for pair in pairs:
        for batch, seen in open_batches:
            if len(batch) < size and pair.anchor not in seen and pair.positive not in seen:
                batch.append(pair)
                seen.update((pair.anchor, pair.positive))
                break
        else:
            open_batches.append(([pair], {pair.anchor, pair.positive}))
    out = [batch for batch, _ in open_batches if len(batch) > 1]
    return out


def positive_indices(pairs: list[Pair], nodes) -> list[list[int]]:
    """Per pair, the indices in ``nodes`` of every node of its target's citable unit (a Pasal split
    over several nodes is one answer); [] when the target is not among ``nodes``."""
    def unit(node) -> tuple[str, str]:
        return node.doc, getattr(node, "unit_key", None) or node.pasal or node.id

    members: dict[tuple[str, str], list[int]] = defaultdict(list)
    unit_of: dict[str, tuple[str, str]] = {}
    for index, node in enumerate(nodes):
        members[unit(node)].append(index)
        unit_of[node.id] = unit(node)
    return [list(members[unit_of[p.target]]) if p.target in unit_of else [] for p in pairs]
