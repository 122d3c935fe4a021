"""Term proximity: the question's adjacent term pairs found adjacent in a unit (invented texts)."""

from __future__ import annotations

from kb_assistant.retrieval.fusion import group_by_unit
from kb_assistant.retrieval.proximity import adjacent_pairs, pair_coverage
from kb_assistant.retrieval.ranker import FEATURE_NAMES, feature_rows, learned_rank
from kb_assistant.retrieval.searcher import assemble
from kb_assistant.indexing.text import analyse
from test_retrieval_stages import CHUNKS, NEW, analysed, chunk

CHAIR = chunk(f"{NEW}:pasal-12", NEW, "12", "Kepala desa selaku ketua tim arsip desa melakukan pembinaan.")
MEMBER = chunk(f"{NEW}:pasal-13", NEW, "13", "Sekretaris desa selaku anggota tim arsip desa melakukan pembinaan. Ketua rapat dipilih bergilir.")


def test_pairs_are_adjacent_content_terms_in_either_order():
    pairs = adjacent_pairs("Siapa ketua tim arsip?", drop_question_words=True)
    assert pairs == {frozenset(analyse("ketua tim")), frozenset(analyse("tim arsip"))}  # stems: "ketua" → "tua"
    assert frozenset(analyse("ketua tim")) in adjacent_pairs("tim yang ketua")  # stop words skipped, order free
    assert adjacent_pairs("arsip arsip") == frozenset()


def test_coverage_counts_pairs_within_an_ayat_not_across_two():
    loaded = assemble(None, [*CHUNKS, CHAIR, MEMBER])
    asked = adjacent_pairs("Siapa ketua tim arsip desa?", drop_question_words=True)  # ketua-tim, tim-arsip, arsip-desa
    assert pair_coverage([CHAIR.id], asked, loaded) == 1.0
    assert pair_coverage([MEMBER.id], asked, loaded) == 2 / 3  # "ketua" is there, but not beside "tim"
    assert pair_coverage([MEMBER.id], frozenset(), loaded) == 0.0


def test_the_ranker_feature_prefers_the_unit_with_the_question_s_combinations():
    loaded = assemble(None, [*CHUNKS, CHAIR, MEMBER])
    analysis = analysed("Siapa ketua tim arsip desa?", loaded)
    dense = {MEMBER.id: 0.62, CHAIR.id: 0.60}
    fresh = lambda: group_by_unit(loaded.chunks, dict(dense), dense, {})  # noqa: E731
    hits = fresh()
    rows = {h.key: dict(zip(FEATURE_NAMES, r)) for h, r in zip(hits, feature_rows(hits, analysis, loaded))}
    assert rows[(NEW, "12")]["pair_coverage"] > rows[(NEW, "13")]["pair_coverage"]
    assert learned_rank(fresh(), analysis, loaded, {"dense": 1.0})[0].key == (NEW, "13")
    assert learned_rank(fresh(), analysis, loaded, {"dense": 1.0, "pair_coverage": 3.0})[0].key == (NEW, "12")
