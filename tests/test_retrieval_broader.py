"""The broader defined term: "Petugas Desa adalah pengelola arsip desa dan penjaga balai desa"
makes the rights of a Petugas Desa those of a PAD; a question about a PAD is also embedded as
one about a Petugas Desa, unless a regulation is about PAD itself (invented texts, fake model)."""

from __future__ import annotations

import numpy as np

from kb_assistant.retrieval.dense import adapter_applies, dense_candidates
from kb_assistant.retrieval.lexicon import build_lexicon
from kb_assistant.retrieval.scope import Scope
from test_retrieval_stages import CHUNKS


def test_a_term_is_generalised_to_the_broader_term_the_corpus_defines():
    lexicon = build_lexicon(CHUNKS)
    assert lexicon.generalise("Apa saja hak PAD?") == "Apa saja hak petugas desa?"
    assert lexicon.generalise("Apa hak pengelola arsip desa?") == "Apa hak petugas desa?"  # the full name too
    assert lexicon.generalise("Apa hak balai arsip?") == ""  # no broader term: nothing to embed


def test_a_term_a_regulation_is_about_keeps_its_own_name():
    lexicon = build_lexicon(CHUNKS)
    title = "undang undang nomor 7 tahun 2031 tentang pengelola arsip desa"
    assert lexicon.generalise("Apa saja hak PAD?", specific=title) == ""
    assert lexicon.generalise("Apa saja hak PBD?", specific=title) == "Apa saja hak petugas desa?"


class FakeEmbedder:
    def __init__(self):
        self.batches = []
        self.adapted = []

    def embed_queries(self, texts, adapted=True):
        self.batches.append(list(texts))
        self.adapted.append(adapted)
        return np.array([[float(i)] for i in range(len(texts))])


class FakeReader:
    """Each query vector finds its own nodes: the question finds a and b, the broader one b and c."""

    def dense(self, vector, k, docs):
        return [("a", 0.9), ("b", 0.5)] if vector[0] == 0 else [("b", 0.8), ("c", 0.7)]


class Analysis:
    def __init__(self, generalised, english=False):
        self.normalised, self.generalised, self.scope, self.english = "hak PAD", generalised, Scope(docs=None), english


def test_dense_candidates_keep_each_nodes_better_cosine_over_both_questions():
    embedder = FakeEmbedder()
    merged = dense_candidates(FakeReader(), embedder, Analysis("hak petugas desa"), 3, broader=True)
    assert merged == [("a", 0.9), ("b", 0.8), ("c", 0.7)]
    assert embedder.batches == [["hak PAD", "hak petugas desa"]]  # one batch: one model call
    assert dense_candidates(FakeReader(), FakeEmbedder(), Analysis("hak petugas desa"), 3, broader=False) == [("a", 0.9), ("b", 0.5)]
    assert dense_candidates(FakeReader(), FakeEmbedder(), Analysis(""), 3, broader=True) == [("a", 0.9), ("b", 0.5)]


def test_the_query_adapter_applies_to_the_questions_the_setting_names():
    def adapted(setting: str, english: bool) -> bool:
        embedder = FakeEmbedder()
        dense_candidates(FakeReader(), embedder, Analysis("", english=english), 3, adapter=setting)
        return embedder.adapted[0]

    assert adapted("english", True) and not adapted("english", False)
    assert adapted("all", False) and adapted("all", True)
    assert not adapted("off", True)
    assert [adapter_applies(s, e) for s in ("english", "all", "off") for e in (True, False)] == [True, False, True, True, False, False]
