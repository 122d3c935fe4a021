"""Contrastive coverage: question terms weighted by their idf among the question's candidates."""

from __future__ import annotations

import math

import pytest

from kb_assistant.retrieval.contrast import candidate_weights, contrastive_coverage
from kb_assistant.retrieval.fusion import group_by_unit
from kb_assistant.retrieval.ranker import FEATURE_NAMES, feature_rows, learned_rank
from kb_assistant.retrieval.searcher import assemble
from test_retrieval_stages import CHUNKS, NEW, analysed, chunk

UNITS = [frozenset({"direksi", "lapor", "tugas"}), frozenset({"direksi", "tugas"}), frozenset({"direksi", "modal"})]


def test_a_term_every_candidate_holds_weighs_nothing_and_a_rare_one_most():
    weights = candidate_weights(frozenset({"direksi", "lapor", "tugas", "absent"}), UNITS)
    assert weights["direksi"] == 0.0  # in all three: tells nothing apart
    assert weights["tugas"] == 0.0  # in two of three: log(1.5 / 2.5) < 0, floored
    assert weights["lapor"] == pytest.approx(math.log(2.5 / 1.5))
    assert weights["absent"] > weights["lapor"]  # no candidate holds it: the highest weight, earned by none


def test_coverage_is_the_share_of_the_contrastive_weight_a_unit_holds():
    weights = candidate_weights(frozenset({"direksi", "lapor", "modal"}), UNITS)
    assert contrastive_coverage(UNITS[0], weights) == pytest.approx(0.5)  # lapor, not modal (equal weights)
    assert contrastive_coverage(UNITS[1], weights) == 0.0
    assert contrastive_coverage(UNITS[0], candidate_weights(frozenset({"direksi"}), UNITS)) == 0.0  # nothing to contrast
    assert candidate_weights(frozenset({"lapor"}), []) == {"lapor": 0.0}  # no candidates: log(0.5 / 0.5)


REPORTS = chunk(f"{NEW}:pasal-20", NEW, "20", "Direksi perusahaan arsip desa melaporkan pelaksanaan penugasan arsip kepada Menteri.")
ASSIGNED = chunk(f"{NEW}:pasal-21", NEW, "21", "Direksi perusahaan arsip desa menerima penugasan arsip desa dan penugasan arsip kota dari Menteri.")
CAPITAL = chunk(f"{NEW}:pasal-22", NEW, "22", "Modal perusahaan arsip desa berasal dari kekayaan desa yang dipisahkan.")


def test_the_ranker_feature_prefers_the_unit_with_the_word_that_tells_neighbours_apart():
    loaded = assemble(None, [*CHUNKS, REPORTS, ASSIGNED, CAPITAL])
    analysis = analysed("Kepada siapa direksi perusahaan arsip melaporkan penugasan arsip?", loaded)
    dense = {ASSIGNED.id: 0.62, REPORTS.id: 0.60, CAPITAL.id: 0.40}  # three neighbours: two candidates contrast nothing
    fresh = lambda: group_by_unit(loaded.chunks, dict(dense), dense, {})  # noqa: E731
    hits = fresh()
    rows = {h.key: dict(zip(FEATURE_NAMES, r)) for h, r in zip(hits, feature_rows(hits, analysis, loaded))}
    assert rows[(NEW, "20")]["contrastive_coverage"] > rows[(NEW, "21")]["contrastive_coverage"] == 0.0
    assert learned_rank(fresh(), analysis, loaded, {"dense": 1.0})[0].key == (NEW, "21")
    assert learned_rank(fresh(), analysis, loaded, {"dense": 1.0, "contrastive_coverage": 3.0})[0].key == (NEW, "20")
