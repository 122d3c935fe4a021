"""Gold documents written as names are read as manifest ids; unknown ones are reported, not lost."""

from __future__ import annotations

import json

import pytest

from kb_assistant.corpus.manifest import DocumentEntry, Manifest
from kb_assistant.evaluation.dataset import parse_dataset
from kb_assistant.evaluation.gold_docs import resolve_gold_documents
from kb_assistant.evaluation.metrics import hit_at
from kb_assistant.evaluation.gold import Unit


@pytest.fixture
def manifest() -> Manifest:
    def doc(doc_id, name, title, aliases=()):
        return DocumentEntry(id=doc_id, name=name, title=title, type=name.split()[0], number=name.split()[1].split("/")[0],
                             year=int(name.split("/")[1]), aliases=list(aliases), file=f"{doc_id}.md")
    return Manifest(documents=[
        doc("uu-20-2023", "UU 20/2023", "Undang-Undang Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara", ["UU ASN 2023"]),
        doc("pp-94-2021", "PP 94/2021", "Peraturan Pemerintah Nomor 94 Tahun 2021 tentang Disiplin Pegawai Negeri Sipil", ["PP Disiplin PNS"]),
    ])


def items_with(*docs: str):
    rows = [{"id": f"q{i}", "question": "?", "gold": [{"doc": d, "pasal": "4"}], "answerable": True, "answer": "", "type": "t"}
            for i, d in enumerate(docs)]
    return parse_dataset("\n".join(json.dumps(r) for r in rows), "t.jsonl")


def test_ids_names_aliases_titles_and_citations_resolve(manifest):
    written = ["uu-20-2023", "UU 20/2023", "uu ASN 2023", "UU_20_2023",
               "Undang-Undang Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara", "UU No. 20 Tahun 2023", "PP Disiplin PNS"]
    resolved = resolve_gold_documents(items_with(*written), manifest)
    assert [it.gold[0].doc for it in resolved.items] == ["uu-20-2023"] * 6 + ["pp-94-2021"]
    assert "uu-20-2023" not in resolved.renamed  # an id needs no note
    assert resolved.renamed["UU 20/2023"] == "uu-20-2023" and not resolved.unknown
    assert any("'UU 20/2023' read as uu-20-2023" in note for note in resolved.notes())


def test_a_name_written_gold_scores_like_its_id(manifest):
    """The point of resolving: the retrieved unit (doc id, Pasal) is credited either way."""
    resolved = resolve_gold_documents(items_with("UU 20/2023"), manifest)
    unit = Unit("uu-20-2023", "4")
    assert hit_at([unit], items_with("UU 20/2023")[0].gold_targets(), 1) == 0.0
    assert hit_at([unit], resolved.items[0].gold_targets(), 1) == 1.0


def test_unknown_documents_are_kept_and_named_with_their_questions(manifest):
    resolved = resolve_gold_documents(items_with("Perpres 95/2018", "UU 20/2023", "Perpres 95/2018"), manifest)
    assert resolved.items[0].gold[0].doc == "Perpres 95/2018"  # kept as written: it matches nothing, visibly
    assert resolved.unknown == {"Perpres 95/2018": ["q0", "q2"]}
    note = [n for n in resolved.notes() if "not in the corpus manifest" in n]
    assert note == ["gold document 'Perpres 95/2018' is not in the corpus manifest: it matches nothing in q0, q2"]


def test_two_documents_in_one_reference_do_not_resolve(manifest):
    resolved = resolve_gold_documents(items_with("UU 20/2023 dan PP 94/2021"), manifest)
    assert resolved.unknown and resolved.items[0].gold[0].doc == "UU 20/2023 dan PP 94/2021"


def test_many_questions_are_counted_not_all_listed(manifest):
    resolved = resolve_gold_documents(items_with(*["nowhere"] * 8), manifest)
    assert resolved.notes() == ["gold document 'nowhere' is not in the corpus manifest: it matches nothing in q0, q1, q2, q3, q4, … (8 questions)"]


def test_cli_eval_reads_named_gold_and_reports_unknown_documents(assistant, small_index, tmp_path, monkeypatch):
    """`kb eval` on the real small index: a set written with citation names and labels ("UU 20/2023",
    "Pasal 1") scores as the same set written with ids; a document the manifest lacks is printed and
    put in report.md."""
    import kb_assistant.assistant as assistant_module
    from typer.testing import CliRunner

    from kb_assistant import cli

    question = "Apa yang dimaksud dengan Sistem Merit?"

    def run(name: str, gold: list[dict]) -> tuple[dict, str]:
        rows = [{"id": "d1", "question": question, "gold": gold, "answerable": True, "answer": "-", "type": "definition"},
                {"id": "u1", "question": "Berapa gaji pokok golongan III/a tahun 2026?", "gold": [{"doc": "PP 99/2099", "pasal": "3"}],
                 "answerable": True, "answer": "-", "type": "temporal"}]
        dataset = tmp_path / f"{name}.jsonl"
        dataset.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
        result = CliRunner().invoke(cli.app, ["eval", "--dataset", str(dataset), "--json", str(tmp_path / f"{name}.json"),
                                              "--report", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        return json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8")), result.output

    monkeypatch.setattr(assistant_module, "Assistant", lambda settings: assistant)
    monkeypatch.setattr(cli, "get_settings", lambda: small_index)
    by_id, _ = run("ids", [{"doc": "uu-20-2023", "pasal": "1"}])
    by_name, out = run("names", [{"doc": "UU 20/2023", "pasal": "Pasal 1"}])
    hybrid = lambda r: r["configs"]["hybrid"]["per_question"]["hit@1"]  # noqa: E731
    assert hybrid(by_name) == hybrid(by_id) and hybrid(by_id)[0] == 1.0
    out = " ".join(out.split())  # the console wraps long lines
    assert "gold document 'UU 20/2023' read as uu-20-2023" in out
    assert "gold document 'PP 99/2099' is not in the corpus manifest: it matches nothing in u1" in out
    md = (tmp_path / "names" / "report.md").read_text(encoding="utf-8")
    assert "## Catatan set QA (dataset notes)" in md and "- gold document 'PP 99/2099' is not in the corpus manifest" in md
    assert "'UU 20/2023'" not in (tmp_path / "ids" / "report.md").read_text(encoding="utf-8")


def test_references_no_indexed_unit_matches_are_named(manifest):
    """A Pasal the document lacks, a mistyped section and a manifest document left out of the index."""
    from kb_assistant.indexing.chunk import Chunk

    chunks = [Chunk(id="a", doc="uu-20-2023", doc_name="UU 20/2023", text="…", prefix="", pasal="4"),
              Chunk(id="s", doc="uu-20-2023", doc_name="UU 20/2023", text="…", prefix="", kind="section", section_path=["BAB II", "2.1 Sasaran Reformasi"])]
    rows = [
        ("ok", {"doc": "UU 20/2023", "pasal": "Pasal 4"}), ("ok-section", {"doc": "uu-20-2023", "section": "sasaran reformasi"}),
        ("no-pasal", {"doc": "uu-20-2023", "pasal": "999"}), ("typo", {"doc": "uu-20-2023", "section": "Sasaran Reformsi"}),
        ("not-indexed", {"doc": "pp-94-2021", "pasal": "3"}), ("unknown", {"doc": "PP 99/2099"}),
    ]
    items = parse_dataset("\n".join(json.dumps({"id": i, "question": "?", "gold": [g], "answerable": True}) for i, g in rows), "t.jsonl")
    resolved = resolve_gold_documents(items, manifest, chunks)
    assert resolved.unmatched == {"uu-20-2023 Pasal 999": ["no-pasal"], "uu-20-2023 section 'Sasaran Reformsi'": ["typo"],
                                  "pp-94-2021 (in the manifest, not in the index)": ["not-indexed"]}
    assert resolved.unknown == {"PP 99/2099": ["unknown"]}  # reported once, as unknown, not also as unmatched
    assert "gold reference uu-20-2023 Pasal 999 matches no unit of the index: it scores nothing in no-pasal" in resolved.notes()
    assert resolve_gold_documents(items, manifest).unmatched == {}  # without the index nothing is judged
