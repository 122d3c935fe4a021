"""Dataset loading: the real format is accepted, every bad line is reported by number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb_assistant.evaluation.dataset import DatasetError, QAItem, load_dataset, parse_dataset

REAL_DEV = Path("/work/shared/eval-dev/qa-dev.jsonl")


def line(**overrides) -> str:
    row = {
        "id": "q1",
        "question": "Apa itu ASN?",
        "gold": [{"doc": "uu-20-2023", "pasal": "1", "ayat": "1"}],
        "answerable": True,
        "answer": "Aparatur Sipil Negara.",
        "type": "definition",
    }
    row.update(overrides)
    return json.dumps({k: v for k, v in row.items() if v is not ...})


def test_parses_valid_lines_and_normalises_pasal_to_str():
    text = "\n".join([
        line(),
        "",  # blank lines are skipped
        line(id="q2", gold=[{"doc": "uu-5-2014", "pasal": 126}, {"doc": "uu-5-2014", "pasal": 126, "ayat": 2}]),
        line(id="q3", gold=[], answerable=False, type="whatever-new-type"),
    ])
    items = parse_dataset(text, "t.jsonl")
    assert [it.id for it in items] == ["q1", "q2", "q3"]
    assert isinstance(items[0], QAItem)
    assert items[1].gold[0].pasal == "126" and items[1].gold[1].ayat == "2"
    assert items[0].gold[0].ayat == "1" and items[1].gold[0].ayat is None
    # two ayat of one Pasal are one gold Pasal
    assert items[1].gold_pasal() == [("uu-5-2014", "126")]
    assert items[2].type == "whatever-new-type" and items[2].gold == []


def test_bad_json_names_the_line():
    with pytest.raises(DatasetError) as exc:
        parse_dataset(line() + "\n{not json\n", "t.jsonl")
    msg = str(exc.value)
    assert "t.jsonl" in msg and "line 2: bad JSON" in msg
    assert isinstance(exc.value, ValueError)


def test_missing_field_names_line_and_field():
    text = "\n".join([line(), line(id="q2"), line(id="q3", question=...)])
    with pytest.raises(DatasetError) as exc:
        parse_dataset(text, "t.jsonl")
    assert exc.value.problems == ["line 3: missing field 'question'"]


def test_three_gold_forms_are_accepted():
    text = "\n".join([
        line(id="p", gold=[{"doc": "uu-1-2000", "pasal": "4", "ayat": "2"}]),
        line(id="s", gold=[{"doc": "perpres-81-2010", "section": " 2.4 Visi Reformasi Birokrasi "}]),
        line(id="d", gold=[{"doc": "uu-1-2000"}]),
    ])
    p, s, d = parse_dataset(text, "t.jsonl")
    assert [g.kind for g in (p.gold[0], s.gold[0], d.gold[0])] == ["pasal", "section", "doc"]
    assert s.gold[0].section == "2.4 Visi Reformasi Birokrasi" and s.gold[0].pasal is None
    assert d.gold_targets() == d.gold and d.gold_pasal() == []


def test_gold_problems_name_the_line_and_the_problem():
    text = "\n".join([
        line(id="a", gold=[{"pasal": "4"}]),
        line(id="b", gold=[{"doc": "x", "pasal": "4", "section": "Visi"}]),
        line(id="c", gold=[{"doc": "x", "ayat": "2"}]),
        line(id="d", gold=[{"doc": "x", "sectoin": "Visi"}]),
    ])
    with pytest.raises(DatasetError) as exc:
        parse_dataset(text, "t.jsonl")
    problems = exc.value.problems
    assert problems[0] == "line 1: missing field 'gold.0.doc'"
    assert problems[1].startswith("line 2: field 'gold.0': ") and "either 'pasal' or 'section'" in problems[1]
    assert problems[2].startswith("line 3: field 'gold.0': ") and "'ayat' needs a 'pasal'" in problems[2]
    assert problems[3].startswith("line 4: unknown field 'gold.0.sectoin'")
    assert len(problems) == 4


def test_answerable_without_gold_unanswerable_with_gold_and_duplicate_id():
    text = "\n".join([line(), line(id="q2", gold=[]), line(), line(id="q4", answerable=False)])
    with pytest.raises(DatasetError) as exc:
        parse_dataset(text, "t.jsonl")
    assert exc.value.problems == [
        "line 2: id 'q2' is answerable but has no gold reference",
        "line 3: duplicate id 'q1' (first on line 1)",
        "line 4: id 'q4' is unanswerable but has gold references",
    ]


def test_gold_targets_count_one_pasal_once_and_keep_order():
    [item] = parse_dataset(line(gold=[
        {"doc": "a", "section": "Visi"}, {"doc": "a", "pasal": "4", "ayat": "1"},
        {"doc": "a", "pasal": "4", "ayat": "2"}, {"doc": "a", "section": "VISI "}, {"doc": "a"},
    ]), "t.jsonl")
    assert [(g.kind, g.pasal or g.section) for g in item.gold_targets()] == [("section", "Visi"), ("pasal", "4"), ("doc", None)]


def test_non_object_line_and_empty_dataset():
    with pytest.raises(DatasetError, match=r"line 1: expected a JSON object, got list"):
        parse_dataset("[1, 2]", "t.jsonl")
    with pytest.raises(DatasetError, match="no questions found"):
        parse_dataset("\n\n", "t.jsonl")


def test_message_lists_at_most_five_problems():
    text = "\n".join("{bad" for _ in range(8))
    with pytest.raises(DatasetError) as exc:
        parse_dataset(text, "t.jsonl")
    msg = str(exc.value)
    assert len(exc.value.problems) == 8
    assert "8 problem(s)" in msg
    assert "line 5: bad JSON" in msg and "line 6:" not in msg
    assert "... and 3 more" in msg


def test_load_dataset_from_file(tmp_path):
    path = tmp_path / "qa.jsonl"
    path.write_text(line() + "\n", encoding="utf-8")
    assert load_dataset(path)[0].id == "q1"


@pytest.mark.skipif(not REAL_DEV.exists(), reason="shared dev set not present")
def test_real_dev_set_loads():
    items = load_dataset(REAL_DEV)
    assert items and len({it.id for it in items}) == len(items)
    assert all(isinstance(g.pasal, str) for it in items for g in it.gold)


@pytest.mark.parametrize(("pasal", "ayat", "want"), [
    ("Pasal 4", "(2)", ("4", "2")),
    ("pasal 12a", "ayat (3)", ("12A", "3")),
    ("PASAL 7", "ayat 1", ("7", "1")),
    ("4", "2", ("4", "2")),
    ("I", None, ("I", None)),  # an amending law's roman Pasal is not a label: kept
])
def test_pasal_and_ayat_written_as_labels_become_numbers(pasal, ayat, want):
    """A gold "Pasal 4" would never equal a unit's "4" and score zero unnoticed."""
    gold = {"doc": "uu-20-2023", "pasal": pasal} | ({"ayat": ayat} if ayat else {})
    ref = parse_dataset(line(gold=[gold]), "t.jsonl")[0].gold[0]
    assert (ref.pasal, ref.ayat) == want


def test_answer_and_type_may_be_left_out():
    """Other projects' sets may carry no reference answer or type: they run, with one type row."""
    item = parse_dataset(line(answer=..., type=...), "t.jsonl")[0]
    assert item.answer == "" and item.type == "untyped"
    with pytest.raises(DatasetError, match="field 'type'"):
        parse_dataset(line(type=""), "t.jsonl")
