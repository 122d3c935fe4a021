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


def test_missing_nested_gold_field():
    with pytest.raises(DatasetError) as exc:
        parse_dataset(line(gold=[{"doc": "uu-1-2000"}]), "t.jsonl")
    assert exc.value.problems == ["line 1: missing field 'gold.0.pasal'"]


def test_answerable_without_gold_and_duplicate_id():
    text = "\n".join([line(), line(id="q2", gold=[]), line()])
    with pytest.raises(DatasetError) as exc:
        parse_dataset(text, "t.jsonl")
    assert exc.value.problems == [
        "line 2: id 'q2' is answerable but has no gold Pasal",
        "line 3: duplicate id 'q1' (first on line 1)",
    ]


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
