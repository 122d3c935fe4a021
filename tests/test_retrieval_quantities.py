"""Figures with a unit: what a regulation states, what a question gives, and the ranker feature
that tells neighbouring Pasal apart by them (invented texts, no model)."""

from __future__ import annotations

import math

import pytest

from kb_assistant.retrieval.fusion import group_by_unit
from kb_assistant.retrieval.quantities import asked_quantities, stated_quantities, states_any
from kb_assistant.retrieval.ranker import FEATURE_NAMES, feature_rows, learned_rank
from kb_assistant.retrieval.searcher import assemble
from test_retrieval_stages import CHUNKS, NEW, analysed, chunk

LIGHT = chunk(f"{NEW}:pasal-9", NEW, "9", "PAD yang tidak hadir tanpa alasan selama 7 (tujuh) sampai dengan 10 (sepuluh) hari kerja dijatuhi teguran.")
MODERATE = chunk(f"{NEW}:pasal-10", NEW, "10", "PAD yang tidak hadir tanpa alasan selama 11 (sebelas) sampai dengan 13 (tiga belas) hari kerja dijatuhi pemotongan tunjangan 25% (dua puluh lima persen).")
HEAVY = chunk(f"{NEW}:pasal-11", NEW, "11", "PAD yang tidak hadir tanpa alasan selama 28 (dua puluh delapan) hari kerja atau lebih diberhentikan.",
              penjelasan="Contoh: PAD yang tidak hadir 10 (sepuluh) hari kerja.")


def test_the_text_states_single_figures_ranges_and_open_ranges():
    assert stated_quantities(LIGHT.text) == [(7.0, 10.0, "hari")]
    assert stated_quantities(MODERATE.text) == [(11.0, 13.0, "hari"), (25.0, 25.0, "persen")]
    assert stated_quantities(HEAVY.text) == [(28.0, math.inf, "hari")]
    assert stated_quantities("diberikan 2 (dua) kali dalam 1 (satu) tahun; 25o/o (dua puluh lima persen)") == [(1.0, 1.0, "tahun"), (25.0, 25.0, "persen")]


def test_a_regulation_cited_by_number_and_year_is_no_quantity():
    assert stated_quantities("sebagaimana dimaksud dalam Undang-Undang Nomor 5 Tahun 2014") == []
    assert asked_quantities("menurut UU Nomor 5 Tahun 2014, cuti 2 tahun?") == ((2.0, "tahun"),)


def test_an_asked_figure_matches_an_equal_figure_or_a_range_of_the_same_unit():
    asked = asked_quantities("PAD bolos 10 hari kerja dihukum apa?")
    assert asked == ((10.0, "hari"),)
    assert states_any(stated_quantities(LIGHT.text), asked)
    assert not states_any(stated_quantities(MODERATE.text), asked)
    assert not states_any([(10.0, 10.0, "bulan")], asked)  # another unit
    assert states_any(stated_quantities(HEAVY.text), ((30.0, "hari"),))  # "atau lebih"


def test_the_ranker_feature_prefers_the_pasal_stating_the_figure():
    loaded = assemble(None, [*CHUNKS, LIGHT, MODERATE, HEAVY])
    analysis = analysed("PAD yang bolos 10 hari kerja dijatuhi apa?", loaded)
    dense = {MODERATE.id: 0.62, LIGHT.id: 0.60, HEAVY.id: 0.58}
    fresh = lambda: group_by_unit(loaded.chunks, dict(dense), dense, {})  # noqa: E731
    hits = fresh()
    rows = {h.key: dict(zip(FEATURE_NAMES, r)) for h, r in zip(hits, feature_rows(hits, analysis, loaded))}
    assert rows[(NEW, "9")]["states_quantity"] == 1.0
    assert rows[(NEW, "10")]["states_quantity"] == 0.0
    assert rows[(NEW, "11")]["states_quantity"] == 0.0  # its Penjelasan's example is not what the Pasal states
    assert learned_rank(fresh(), analysis, loaded, {"dense": 1.0})[0].key == (NEW, "10")
    assert learned_rank(fresh(), analysis, loaded, {"dense": 1.0, "states_quantity": 2.0})[0].key == (NEW, "9")
    plain = analysed("PAD yang bolos dijatuhi apa?", loaded)
    assert not plain.quantities and all(r[FEATURE_NAMES.index("states_quantity")] == 0.0 for r in feature_rows(fresh(), plain, loaded))


@pytest.mark.parametrize("question", ["apa hak PAD?", "Berapa lama cuti PAD?"])
def test_a_question_without_a_figure_states_no_quantity(question):
    assert asked_quantities(question) == ()
