"""The learned ranker on the invented mini corpus of test_retrieval_stages (no model, no Chroma):
its features, its weighted ranking and the check of its weight names."""

from __future__ import annotations

import pytest

from kb_assistant.retrieval.fusion import group_by_unit
from kb_assistant.retrieval.ranker import FEATURE_NAMES, check_weights, feature_rows, learned_rank
from kb_assistant.retrieval.searcher import assemble
from kb_assistant.retrieval.structural import add_structural
from test_retrieval_stages import CHUNKS, MANIFEST, NEW, analysed

DEF_PAD, PASAL_4, PASAL_5 = f"{NEW}:pasal-1:angka-1", f"{NEW}:pasal-4", f"{NEW}:pasal-5"


@pytest.fixture(scope="module")
def loaded():
    return assemble(None, CHUNKS)


def features(hits, analysis, loaded) -> list[dict[str, float]]:
    return [dict(zip(FEATURE_NAMES, row)) for row in feature_rows(hits, analysis, loaded)]


def test_grouping_keeps_each_units_best_rank_in_each_channel(loaded):
    dense = {PASAL_5: 0.7, DEF_PAD: 0.6, f"{NEW}:pasal-1:angka-2": 0.5}  # ranks 1, 2, 3
    lexical = {f"{NEW}:pasal-1:angka-2": 9.0, PASAL_4: 4.0}  # ranks 1, 2
    hits = {h.key: h for h in group_by_unit(loaded.chunks, dict.fromkeys([*dense, *lexical], 1.0), dense, lexical)}
    assert (hits[(NEW, "1")].dense_rank, hits[(NEW, "1")].lexical_rank) == (2, 1)  # the best of its two nodes
    assert (hits[(NEW, "4")].dense_rank, hits[(NEW, "4")].lexical_rank) == (None, 2)
    assert (hits[(NEW, "5")].dense_rank, hits[(NEW, "5")].lexical_rank) == (1, None)


def test_features_describe_each_candidate(loaded):
    analysis = analysed("Apa saja hak PAD?", loaded)
    dense = {DEF_PAD: 0.62, PASAL_5: 0.50}
    lexical = {PASAL_4: 8.0, DEF_PAD: 2.0}
    hits = group_by_unit(loaded.chunks, dict.fromkeys([*dense, *lexical], 1.0), dense, lexical)
    rows = {h.key: f for h, f in zip(hits, features(hits, analysis, loaded))}
    definition, rights, storage = rows[(NEW, "1")], rows[(NEW, "4")], rows[(NEW, "5")]
    assert (definition["dense"], storage["dense"], rights["dense"]) == (1.0, 0.0, 0.0)  # rescaled between the dense candidates
    assert (rights["dense_missed"], definition["dense_missed"]) == (1.0, 0.0)
    assert (definition["dense_rr"], storage["dense_rr"], rights["lexical_rr"], definition["lexical_rr"]) == (1.0, 0.5, 1.0, 0.5)
    assert (rights["bm25"], definition["bm25"]) == (1.0, 0.25)
    assert rights["coverage"] > definition["coverage"]  # the definition counts only its matched entries
    assert rights["unit_coverage"] > storage["unit_coverage"]  # "berhak" and "PAD" in one ayat; Pasal 5 has "hak" only in its heading
    assert (definition["definition_not_asked"], definition["definition_asked"], rights["definition_not_asked"]) == (1.0, 0.0, 0.0)
    assert all(f["section"] == 0.0 and f["english_lexical_rr"] == 0.0 for f in rows.values())


def test_structural_features_follow_the_reason_a_unit_was_added(loaded):
    analysis = analysed("UU 3/2019 masih berlaku?", loaded)
    hits = add_structural([], analysis, loaded, MANIFEST)
    rows = {h.key: f for h, f in zip(hits, features(hits, analysis, loaded))}
    assert rows[(NEW, "30")]["structural_status_named"] == 1.0 and rows[(NEW, "29")]["structural_status"] == 1.0
    assert MANIFEST.repealing() == {NEW}  # UU 7/2031 repealed UU 3/2019
    assert all(f["structural_repealing_law"] == 0.0 for f in rows.values())  # not told which documents repealed another
    told = {h.key: dict(zip(FEATURE_NAMES, row)) for h, row in zip(hits, feature_rows(hits, analysis, loaded, MANIFEST.repealing()))}
    assert told[(NEW, "30")]["structural_repealing_law"] == told[(NEW, "29")]["structural_repealing_law"] == 1.0
    plain = group_by_unit(loaded.chunks, {f"{NEW}:pasal-4": 1.0}, {f"{NEW}:pasal-4": 0.5}, {})
    [row] = feature_rows(plain, analysis, loaded, MANIFEST.repealing())
    assert dict(zip(FEATURE_NAMES, row))["structural_repealing_law"] == 0.0  # the repealing law, but not a status clause
    asked = analysed("Apa yang dimaksud dengan Balai Arsip?", loaded)
    hits = add_structural([], asked, loaded, MANIFEST)
    [row] = features(hits, asked, loaded)
    assert row["structural_definition"] == row["definition_asked"] == 1.0


def test_the_weights_decide_the_order(loaded):
    question = analysed("Apa saja hak PAD?", loaded)
    dense = {DEF_PAD: 0.62, PASAL_4: 0.60}
    fresh = lambda: group_by_unit(loaded.chunks, dict(dense), dense, {})  # noqa: E731
    assert learned_rank(fresh(), question, loaded, {"dense": 1.0})[0].key == (NEW, "1")
    ranked = learned_rank(fresh(), question, loaded, {"dense": 1.0, "definition_not_asked": -2.0})
    assert ranked[0].key == (NEW, "4") and ranked[0].score == pytest.approx(0.0) and ranked[1].score == pytest.approx(-1.0)
    asked = analysed("Apa yang dimaksud dengan PAD?", loaded)  # the same penalty spares a definition question
    assert learned_rank(fresh(), asked, loaded, {"dense": 1.0, "definition_not_asked": -2.0})[0].key == (NEW, "1")


def test_an_unknown_feature_name_is_refused(loaded):
    with pytest.raises(ValueError, match="unknown ranker feature.*covrage"):
        check_weights({"covrage": 1.0})
    with pytest.raises(ValueError, match="covrage"):
        learned_rank([], analysed("hak PAD", loaded), loaded, {"covrage": 1.0})
    check_weights(dict.fromkeys(FEATURE_NAMES, 1.0))
