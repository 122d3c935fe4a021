"""Section and document gold: how a retrieved unit is matched, and what the metrics make of it.

Every expected value is worked out by hand in the test; headings are invented, regulation-like.
"""

from __future__ import annotations

import math

import pytest

from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.gold import Unit, as_unit, heading_title, matches
from kb_assistant.evaluation.metrics import (
    SystemOutput,
    citation_precision,
    citation_recall,
    hit_at,
    mrr_at,
    ndcg_at,
    recall_at,
    summarize,
)

DOC = "perpres-9-2031"
VISI = Unit(DOC, "section:lampiran-7", ("Lampiran", "BAB II RANCANGAN BESAR", "2.4 Visi Pelayanan Piket"))
POLA = Unit(DOC, "section:lampiran-8", ("Lampiran", "BAB II RANCANGAN BESAR", "2.5 Pola Pikir Pencapaian Visi Pelayanan Piket"))
JARINGAN = Unit(DOC, "section:lampiran-12", ("Lampiran", "BAB III PENGEMBANGAN", "C. Jaringan Piket Bersama", "2. Anggota"))
PASAL_4 = Unit(DOC, "4")
OTHER_DOC = Unit("uu-7-2031", "section:s-1", ("Lampiran", "2.4 Visi Pelayanan Piket"))


def section(text: str, doc: str = DOC) -> GoldRef:
    return GoldRef(doc=doc, section=text)


@pytest.mark.parametrize(("heading", "title"), [
    ("2.4 Visi Pelayanan Piket", "visi pelayanan piket"),
    ("C.  Jaringan Piket\nBersama", "jaringan piket bersama"),
    ("BAB II RANCANGAN BESAR", "rancangan besar"),
    ("4. Sumber Daya Piket", "sumber daya piket"),
    ("Bagian Kesatu Umum", "umum"),
    ("Pengertian", "pengertian"),
])
def test_heading_title_drops_the_headings_own_numbering(heading, title):
    assert heading_title(heading) == title


def test_section_gold_matches_a_heading_of_the_path_ignoring_case_and_numbering():
    assert matches(section("visi pelayanan piket"), VISI)
    assert matches(section("2.4 Visi Pelayanan Piket"), VISI)  # numbering in the gold is ignored too
    assert matches(section("Jaringan Piket Bersama"), JARINGAN)  # a parent heading of a deeper node
    assert matches(section("Rancangan Besar"), VISI) and matches(section("Rancangan Besar"), POLA)
    # "contains": the longer 2.5 heading also contains the 2.4 title; a narrower text tells them apart
    assert matches(section("Visi Pelayanan Piket"), POLA)
    assert not matches(section("2.4 Visi Pelayanan Piket Nasional"), VISI)
    # numbering is not title text: "C." must not make "c jaringan" match, nor "2.4" match "2.5"
    assert not matches(section("C Jaringan"), JARINGAN)
    assert not matches(section("2.4"), POLA)


def test_section_gold_needs_the_same_document_and_a_section_path():
    assert not matches(section("Visi Pelayanan Piket"), OTHER_DOC)
    assert not matches(section("Visi Pelayanan Piket"), PASAL_4)  # a Pasal unit has no heading path


def test_doc_gold_matches_any_unit_of_that_document_only():
    whole = GoldRef(doc=DOC)
    assert all(matches(whole, u) for u in (VISI, POLA, JARINGAN, PASAL_4))
    assert not matches(whole, OTHER_DOC)


def test_pasal_gold_matches_only_that_pasal():
    assert matches(GoldRef(doc=DOC, pasal="4", ayat="2"), PASAL_4)
    assert not matches(GoldRef(doc=DOC, pasal="4"), Unit(DOC, "14"))
    assert not matches(GoldRef(doc=DOC, pasal="4"), VISI)


def test_units_from_what_systems_return():
    assert as_unit(("uu-1-2000", 5)) == Unit("uu-1-2000", "5")
    assert as_unit({"doc": DOC, "unit_key": "section:x", "section_path": ["Lampiran", "A. Umum"]}) == Unit(DOC, "section:x", ("Lampiran", "A. Umum"))
    assert as_unit([DOC, "section:x", ["Lampiran"]]).path == ("Lampiran",)


def test_ranking_metrics_with_section_gold():
    ranked = [PASAL_4, OTHER_DOC, JARINGAN, VISI]
    gold = [section("Visi Pelayanan Piket")]
    assert hit_at(ranked, gold, 3) == 0.0 and hit_at(ranked, gold, 4) == 1.0
    assert mrr_at(ranked, gold) == pytest.approx(1 / 4)
    assert ndcg_at(ranked, gold) == pytest.approx(1 / math.log2(5))


def test_a_long_section_split_into_nodes_is_one_unit():
    part2 = Unit(JARINGAN.doc, JARINGAN.key, JARINGAN.path)
    ranked = [JARINGAN, part2, PASAL_4, VISI]  # same unit twice: distinct ranks JARINGAN, PASAL_4, VISI
    assert mrr_at(ranked, [section("Visi Pelayanan Piket")]) == pytest.approx(1 / 3)


def test_each_gold_is_credited_once():
    # a doc gold and a section gold; VISI matches both but may only credit one of them
    gold = [GoldRef(doc=DOC), section("Visi Pelayanan Piket")]
    assert recall_at([VISI], gold, 5) == pytest.approx(1 / 2)
    assert recall_at([VISI, PASAL_4], gold, 5) == pytest.approx(1.0)
    # DCG = 1/log2(2) + 1/log2(3) equals the ideal for two gold: 1.0; never above it
    assert ndcg_at([VISI, PASAL_4, POLA, JARINGAN], gold) == pytest.approx(1.0)
    assert ndcg_at([VISI], gold) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_doc_gold_counts_any_unit_of_the_document_as_a_hit():
    gold = [GoldRef(doc=DOC)]
    assert mrr_at([OTHER_DOC, POLA], gold) == pytest.approx(1 / 2)
    assert hit_at([OTHER_DOC], gold, 10) == 0.0


def test_citation_metrics_with_section_and_doc_gold():
    gold = [section("Jaringan Piket Bersama"), GoldRef(doc="uu-7-2031", pasal="3")]
    cited = [JARINGAN, PASAL_4]  # one of two distinct cited units is gold
    assert citation_precision(cited, gold) == pytest.approx(1 / 2)
    assert citation_recall(cited, gold) == pytest.approx(1 / 2)
    assert citation_precision([PASAL_4, VISI], [GoldRef(doc=DOC)]) == 1.0


def test_summarize_mixes_the_three_forms():
    items = [
        QAItem(id="s", question="q", gold=[section("Visi Pelayanan Piket")], answerable=True, answer="a", type="english"),
        QAItem(id="d", question="q", gold=[GoldRef(doc="uu-7-2031")], answerable=True, answer="a", type="english"),
        QAItem(id="p", question="q", gold=[GoldRef(doc=DOC, pasal="4")], answerable=True, answer="a", type="definition"),
    ]
    outputs = [
        SystemOutput(ranked=[PASAL_4, VISI], cited=[VISI]),
        SystemOutput(ranked=[OTHER_DOC], cited=[PASAL_4]),
        SystemOutput(ranked=[(DOC, "4")], cited=[(DOC, "4")]),
    ]
    s = summarize(items, outputs)
    assert s["retrieval"]["mrr@10"] == pytest.approx((1 / 2 + 1 + 1) / 3)
    assert s["answer"]["citation_precision"] == pytest.approx((1 + 0 + 1) / 3)
    assert s["by_type"]["english"]["retrieval"]["hit@1"] == pytest.approx(1 / 2)
