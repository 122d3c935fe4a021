"""`kb eval --typos`: seeded, realistic typos that leave acronyms, numbers and citations alone."""

from __future__ import annotations

import random

from kb_assistant.evaluation.dataset import GoldRef, QAItem
from kb_assistant.evaluation.perturb import items_with_typos, swap_letters, with_typos


def test_two_long_words_get_one_adjacent_swap_each():
    question = "Apa saja kewajiban pegawai menurut UU 20/2023 dan PP 94/2021 tentang disiplin?"
    typed = with_typos(question, random.Random(3))
    changed = [(a, b) for a, b in zip(question.split(), typed.split()) if a != b]
    assert len(changed) == 2
    for before, after in changed:
        assert len(before) >= 6 and sorted(before) == sorted(after) and before[0] == after[0] and before[-1] == after[-1]
        assert sum(x != y for x, y in zip(before, after)) == 2  # one adjacent swap
    assert "UU 20/2023" in typed and "PP 94/2021" in typed


def test_short_words_acronyms_and_numbers_stay():
    assert with_typos("Apa itu ASN? SPBE 2023 III/a", random.Random(0)) == "Apa itu ASN? SPBE 2023 III/a"
    assert swap_letters("aaaaaa", random.Random(0)) == "aaaaaa"  # no swap changes it


def test_the_same_seed_gives_the_same_typos_and_keeps_everything_else():
    items = [QAItem(id=f"q{i}", question=f"Bagaimana prosedur mutasi pegawai nomor {i}?", gold=[GoldRef(doc="pp-11-2017", pasal="193")],
                    answerable=True, answer="x", type="procedure") for i in range(5)]
    first, again, other = items_with_typos(items, 7), items_with_typos(items, 7), items_with_typos(items, 8)
    assert [i.question for i in first] == [i.question for i in again] != [i.question for i in other]
    assert all(a.question != b.question for a, b in zip(items, first))
    assert [(i.id, i.gold, i.answer, i.type) for i in first] == [(i.id, i.gold, i.answer, i.type) for i in items]


def test_cli_eval_with_typos_on_the_real_small_index(assistant, small_index, tmp_path, monkeypatch):
    """`kb eval --typos 1`: the questions are asked with typos and the run says so; with the spelling
    correction the misspelt definition question still finds its Pasal."""
    import json

    from typer.testing import CliRunner

    import kb_assistant.assistant as assistant_module
    from kb_assistant import cli

    rows = [{"id": "d1", "question": "Apa yang dimaksud dengan Sistem Merit menurut undang-undang aparatur?",
             "gold": [{"doc": "uu-20-2023", "pasal": "1"}], "answerable": True, "answer": "-", "type": "definition"}]
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    monkeypatch.setattr(assistant_module, "Assistant", lambda settings: assistant)
    monkeypatch.setattr(cli, "get_settings", lambda: small_index)
    asked = []
    real_ask = type(assistant).ask
    monkeypatch.setattr(type(assistant), "ask", lambda self, q, *a, **k: asked.append(q) or real_ask(self, q, *a, **k))
    result = CliRunner().invoke(cli.app, ["eval", "--dataset", str(dataset), "--typos", "1", "--json", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    saved = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert saved["dataset"].endswith("qa.jsonl (typos, seed 1)")
    assert asked and asked[0] != rows[0]["question"] and sorted(asked[0]) == sorted(rows[0]["question"])
    assert saved["configs"]["hybrid"]["retrieval"]["hit@5"] == 1.0


def test_casing_perturbations_and_their_run_name():
    import pytest

    from kb_assistant.evaluation.perturb import items_recased, perturbed

    items = [QAItem(id="q1", question="Apa saja hak PNS menurut UU 20/2023?", gold=[GoldRef(doc="uu-20-2023", pasal="21")], answerable=True)]
    assert items_recased(items, "upper")[0].question == "APA SAJA HAK PNS MENURUT UU 20/2023?"
    assert items_recased(items, "title")[0].question == "Apa Saja Hak Pns Menurut Uu 20/2023?"
    asked, note = perturbed(items, 1, "upper")
    assert note == " (typos, seed 1; casing upper)" and asked[0].question.isupper() and asked[0].gold == items[0].gold
    assert perturbed(items, None, None) == (items, "")
    with pytest.raises(ValueError, match="unknown casing"):
        items_recased(items, "lower")
