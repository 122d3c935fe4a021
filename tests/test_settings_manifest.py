"""Settings sources and the manifest: defaults, TOML, env overrides, atomic edits and refusals."""


import pytest

from kb_assistant.corpus.manifest import DocumentEntry, Manifest, ManifestError, load_manifest, save_manifest, validate_entry
from kb_assistant.settings import PROJECT_ROOT, Settings

REQUIRED_IDS = {"uu-20-2023", "uu-5-2014", "uu-30-2014", "uu-25-2009", "uu-23-2014", "pp-28-2018", "pp-11-2017", "perpres-132-2022", "perpres-95-2018",
                "perpres-82-2023", "pp-96-2012", "pp-94-2021", "perpres-81-2010", "permenpanrb-30-2014"}


def test_env_overrides_toml_with_nested_delimiter(monkeypatch, tmp_path):
    config = tmp_path / "kb.toml"
    config.write_text('[retrieval]\ntop_k = 7\n[index]\nchroma_url = ""\n', encoding="utf-8")
    monkeypatch.setenv("KB_CONFIG", str(config))
    monkeypatch.setenv("KB_INDEX__CHROMA_URL", "http://127.0.0.1:8123")
    settings = Settings()
    assert settings.retrieval.top_k == 7
    assert settings.index.chroma_url == "http://127.0.0.1:8123"


def test_search_path_starts_with_uploads_folder():
    settings = Settings()
    assert settings.corpus.search_path[0] == PROJECT_ROOT / "corpus" / "files"


def test_every_settings_field_is_described():
    for section_name, section in Settings.model_fields.items():
        model = section.annotation
        for name, field in model.model_fields.items():
            if name in {"repeals", "repealed_by", "amends", "amended_by"}:
                continue
            assert field.description, f"{section_name}.{name} has no description"


def test_committed_manifest_has_the_required_ids():
    manifest = load_manifest(PROJECT_ROOT / "corpus" / "manifest.toml")
    assert REQUIRED_IDS <= {d.id for d in manifest.documents}  # QA sets use these ids
    assert manifest.get("uu-5-2014").status == "dicabut"
    assert manifest.get("uu-5-2014").status_label(manifest.names()) == "UU 5/2014 — dicabut oleh UU 20/2023"


def _entry(**changes) -> dict:
    return {"id": "se-1-2024", "name": "SE 1/2024", "title": "Surat Edaran Contoh", "type": "SE", "file": "se.md"} | changes


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"id": "Bad Id"}, "id must be"),
        ({"file": "../escape.md"}, "plain file name"),
        ({"status": "hapus"}, "status"),
        ({"type": "Novel"}, "type"),
    ],
)
def test_bad_metadata_is_refused_with_a_clear_message(changes, message):
    with pytest.raises(ManifestError, match=message):
        validate_entry(_entry(**changes))


def test_save_is_atomic_and_keeps_header(tmp_path):
    path = tmp_path / "manifest.toml"
    path.write_text("# header comment\n", encoding="utf-8")
    manifest = Manifest(documents=[DocumentEntry(**_entry())])
    save_manifest(manifest, path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# header comment")
    assert load_manifest(path).get("se-1-2024").name == "SE 1/2024"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.toml"]  # no temporary file left beside it


def test_duplicate_ids_in_file_are_refused(tmp_path):
    path = tmp_path / "manifest.toml"
    block = '[[documents]]\nid = "se-1-2024"\nname = "SE"\ntitle = "t"\ntype = "SE"\nfile = "a.md"\n'
    path.write_text(block + block, encoding="utf-8")
    with pytest.raises(ManifestError, match="duplicate"):
        load_manifest(path)
