"""`kb corpus …` through the real CLI: validation over the shared corpus, add/remove refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixture_docs import regulation_text, write_fixture_corpus
from kb_assistant import cli
from kb_assistant.settings import PROJECT_ROOT, SHARED_SOURCES, Settings

EXPECTED = {"uu-20-2023": 77, "uu-5-2014": 141, "uu-30-2014": 89, "uu-25-2009": 62, "uu-23-2014": 411,
            "pp-28-2018": 52, "pp-11-2017": 364, "perpres-132-2022": 6, "perpres-81-2010": 6, "permenpanrb-30-2014": 3}
WITH_LAMPIRAN = {"uu-23-2014", "perpres-132-2022", "perpres-81-2010", "permenpanrb-30-2014"}


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="shared corpus sources not available")
def test_validate_json_over_the_shared_corpus(monkeypatch):
    settings = Settings()
    settings.corpus.search_path = [PROJECT_ROOT / "corpus" / "files", SHARED_SOURCES]
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    result = CliRunner().invoke(cli.app, ["corpus", "validate", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["id"]: row for row in json.loads(result.stdout)["documents"]}
    for doc_id, expected in EXPECTED.items():
        row = rows[doc_id]
        assert row["file_found"] and row["ok"] and row["pasal_found"] == expected == row["pasal_expected"], row
        assert row["missing"] == [] and row["duplicates"] == []
        assert row["empty"] == row["known_gaps"]
        assert (row["sections"] > 0) == (doc_id in WITH_LAMPIRAN), row
    assert rows["perpres-95-2018"]["file_found"] is False


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="shared corpus sources not available")
def test_show_sections_prints_the_lampiran_tree(monkeypatch):
    settings = Settings()
    settings.corpus.search_path = [SHARED_SOURCES]
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    result = CliRunner().invoke(cli.app, ["corpus", "show", "perpres-81-2010", "--sections"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    visi = next(line for line in lines if "2.4 Visi Reformasi Birokrasi" in line)
    assert visi.startswith("    ") and "hlm 23" in visi  # under BAB II, with its PDF page
    assert any(line.startswith("  BAB II GRAND DESIGN REFORMASI BIROKRASI") for line in lines)


@pytest.fixture
def fixture_cli(tmp_path, monkeypatch) -> Settings:
    manifest, files = write_fixture_corpus(tmp_path, ("perkom-1-2030",))
    settings = Settings()
    settings.corpus.manifest, settings.corpus.files_dir, settings.corpus.search_path = manifest, files, [files]
    settings.index.dir = tmp_path / "indexes"
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    return settings


def test_validate_exits_non_zero_when_a_document_is_broken(fixture_cli):
    (Path(fixture_cli.corpus.files_dir) / "perkom-1-2030.md").write_text("Tidak ada pasal di sini.\n", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["corpus", "validate", "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["documents"][0]["ok"] is False


def test_add_then_duplicate_refused_then_remove(fixture_cli, tmp_path):
    source = tmp_path / "baru.md"
    source.write_text(regulation_text("Peraturan Contoh Nomor 5 Tahun 2031 tentang Piket Bersama", ["Piket bersama dilakukan bergiliran."]), encoding="utf-8")
    args = ["corpus", "add", str(source), "--id", "perkom-5-2031", "--name", "Perkom 5/2031", "--title", "Peraturan Contoh tentang Piket Bersama", "--type", "Permen"]
    runner = CliRunner()
    assert runner.invoke(cli.app, args).exit_code == 0
    before = Path(fixture_cli.corpus.manifest).read_text(encoding="utf-8")
    again = runner.invoke(cli.app, args)
    assert again.exit_code == 1 and "already exists" in again.output
    assert Path(fixture_cli.corpus.manifest).read_text(encoding="utf-8") == before
    shown = runner.invoke(cli.app, ["corpus", "show", "perkom-5-2031", "--pasal", "1"])
    assert shown.exit_code == 0 and "Piket bersama" in shown.output
    assert runner.invoke(cli.app, ["corpus", "remove", "perkom-5-2031"]).exit_code == 0
    missing = runner.invoke(cli.app, ["corpus", "remove", "perkom-5-2031"])
    assert missing.exit_code == 1 and "no document with id" in missing.output


def test_eval_without_an_index_fails_clearly(fixture_cli, tmp_path):
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text('{"id": "q1", "question": "Apa itu piket?", "gold": [], "answerable": false, "answer": "-", "type": "unanswerable"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["eval", "--dataset", str(dataset)])
    assert result.exit_code == 1 and "kb ingest" in result.output


def test_eval_refuses_a_bad_dataset_and_unknown_config(fixture_cli, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["eval", "--dataset", str(bad)])
    assert result.exit_code == 1 and "line 1" in result.output.lower()


def test_status_refuses_a_document_repealed_by_itself(fixture_cli):
    """The CLI goes through the same corpus service as the app: a self-repeal is refused, nothing written."""
    before = Path(fixture_cli.corpus.manifest).read_bytes()
    runner = CliRunner()
    result = runner.invoke(cli.app, ["corpus", "status", "perkom-1-2030", "dicabut", "--by", "perkom-1-2030"])
    assert result.exit_code == 1 and "sendiri" in result.output
    unknown = runner.invoke(cli.app, ["corpus", "status", "perkom-1-2030", "dicabut", "--by", "tidak-ada-2099"])
    assert unknown.exit_code == 1 and "tidak dikenal" in unknown.output
    assert Path(fixture_cli.corpus.manifest).read_bytes() == before


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="shared corpus sources not available")
def test_validate_json_reports_warnings_and_known_gaps_of_the_new_documents(monkeypatch):
    settings = Settings()
    settings.corpus.search_path = [PROJECT_ROOT / "corpus" / "files", SHARED_SOURCES]
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    rows = {row["id"]: row for row in json.loads(CliRunner().invoke(cli.app, ["corpus", "validate", "--json"]).stdout)["documents"]}
    assert all(isinstance(row["warnings"], list) for row in rows.values())
    for doc_id, found in {"perpres-82-2023": 22, "pp-96-2012": 51, "pp-94-2021": 45}.items():
        assert rows[doc_id]["ok"] and rows[doc_id]["pasal_found"] == found, rows[doc_id]
    assert rows["pp-94-2021"]["pasal_expected"] == 46 and rows["pp-94-2021"]["known_gaps"] == ["39"]
    assert any(w.startswith("line ") and "Pasal 39" in w for w in rows["pp-94-2021"]["warnings"])


EXCERPT = (
    "PERATURAN DESA CONTOH NOMOR 2 TAHUN 2031\nPasal 1\nDesa membentuk regu ronda.\nPasal 7\nRegu ronda berjaga setiap malam.\n"
    "Pasal 32\nWarga membantu regu ronda.\nPasal 33\nBiaya ronda dari kas desa.\n"
    "Pasal 74\nPeraturan Desa ini mulai berlaku pada tanggal diundangkan.\n"
)


def _add(tmp_path, text: str, doc_id: str, doc_type: str, *extra: str):
    source = tmp_path / f"{doc_id}.md"
    source.write_text(text, encoding="utf-8")
    args = ["corpus", "add", str(source), "--id", doc_id, "--name", doc_id, "--title", f"Peraturan {doc_id}", "--type", doc_type, *extra]
    return CliRunner().invoke(cli.app, args)


def test_add_excerpt_with_skipped_numbers_keeps_every_pasal_without_warning(fixture_cli, tmp_path):
    result = _add(tmp_path, EXCERPT, "perdes-2-2031", "Perda")
    assert result.exit_code == 0 and "5 Pasal parsed" in result.output and "warning" not in result.output


def test_add_prints_warnings_with_their_line_and_not_ok(fixture_cli, tmp_path):
    lost = EXCERPT.replace("Pasal 7\n", "")  # a heading lost: its text runs on under Pasal 1
    lost = lost.replace("Pasal 32\n", "Pasal 2\n").replace("Pasal 33\n", "Pasal 3\n").replace("Pasal 74\n", "Pasal 5\n")
    result = _add(tmp_path, lost, "perdes-3-2031", "Perda", "--pasal-expected", "5")
    assert result.exit_code == 0, result.output
    assert "warning: line 9: Pasal 4: heading not found" in result.output and "not ok" in result.output
    assert "Pasal 4 missing" not in result.output  # reported once


def test_type_other_with_pasal_headings_is_parsed_by_pasal_and_a_guide_says_it_was_not(fixture_cli, tmp_path):
    other = _add(tmp_path, EXCERPT, "perdes-4-2031", "other")
    assert other.exit_code == 0 and "5 Pasal parsed" in other.output and "parsed as a regulation" in other.output
    guide = _add(tmp_path, EXCERPT, "panduan-ronda", "guide")
    assert guide.exit_code == 0 and "0 Pasal parsed" in guide.output
    assert "5 Pasal headings, but type 'guide' is parsed by its section headings, not by Pasal" in " ".join(guide.output.split())
