"""REST API: every endpoint, its refusals without the right role, and bad input that changes nothing.

One app per module over a private copy of the small index (so uploads, removals and ingests do
not touch the session index other tests use); the model is the session embedder.
"""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from app_fixtures import CONTOH_ID, CONTOH_META, CONTOH_QUESTION, PASSWORDS, app_settings, contoh_pdf, disk_state, scanned_pdf

QUESTION = "Apa saja nilai dasar ASN?"


@pytest.fixture(scope="module")
def settings(small_index, tmp_path_factory):
    return app_settings(tmp_path_factory.mktemp("api"), small_index)


@pytest.fixture(scope="module")
def own_assistant(settings, embedder):
    from kb_assistant.assistant import Assistant

    return Assistant(settings, embedder=embedder)


@pytest.fixture(scope="module")
def client(settings, own_assistant):
    from kb_assistant.app.server import create_app

    app = create_app(settings, assistant=own_assistant)
    with TestClient(app) as test_client:
        assert app.state.services.warm_up.wait(120)
        yield test_client


@pytest.fixture(scope="module")
def tokens(client) -> dict[str, str]:
    out = {}
    for name, (role, password) in PASSWORDS.items():
        response = client.post("/api/login", json={"username": name, "password": password})
        assert response.status_code == 200, response.text
        out[role] = response.json()["token"]
    return out


def auth(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def assert_error(response, status: int, contains: str = "") -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert contains.lower() in body["error"].lower(), body["error"]


# ---------------------------------------------------------------- health and auth
def test_health_reports_index_and_docs_page(client):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["index"]["available"] and body["index"]["documents"] == 3
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/ask", "/api/documents", "/api/documents/{doc_id}", "/api/ingest", "/api/eval", "/api/health", "/api/login"):
        assert path in paths


def test_login_returns_a_token_and_role(client):
    response = client.post("/api/login", json={"username": "tina", "password": PASSWORDS["tina"][1]})
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "trainer" and body["token_type"] == "bearer" and len(body["token"]) > 30
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json() == {"username": "tina", "role": "trainer"}
    assert client.post("/api/logout", headers={"Authorization": f"Bearer {body['token']}"}).status_code == 200
    assert_error(client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"}), 401, "token")


@pytest.mark.parametrize("payload", [
    {"username": "tina", "password": "salah"},
    {"username": "tidak-ada", "password": "apa saja"},
    {"username": "tina", "password": PASSWORDS["evan"][1]},
])
def test_wrong_password_or_user_is_refused(client, payload):
    assert_error(client.post("/api/login", json=payload), 401, "salah")


def test_repeated_wrong_passwords_are_throttled(client):
    for _ in range(5):
        assert_error(client.post("/api/login", json={"username": "penebak", "password": "tebakan"}), 401)
    assert_error(client.post("/api/login", json={"username": "penebak", "password": "tebakan"}), 429, "coba lagi")


def test_login_with_bad_input_is_a_422(client):
    assert_error(client.post("/api/login", content=b"{not json", headers={"Content-Type": "application/json"}), 422, "JSON")
    assert_error(client.post("/api/login", json={"username": "tina"}), 422, "password")
    assert_error(client.post("/api/login", json={"username": 5, "password": "x"}), 422, "username")


def test_basic_auth_works_and_a_bad_one_is_refused(client):
    good = base64.b64encode(f"tina:{PASSWORDS['tina'][1]}".encode()).decode()
    assert client.get("/api/ingest", headers={"Authorization": f"Basic {good}"}).status_code == 200
    bad = base64.b64encode(b"tina:salah").decode()
    assert_error(client.get("/api/ingest", headers={"Authorization": f"Basic {bad}"}), 401)
    assert_error(client.get("/api/ingest", headers={"Authorization": "Bearer bukan-token"}), 401, "token")


# ---------------------------------------------------------------- ask
def test_ask_returns_the_public_answer_shape(client, own_assistant):
    response = client.post("/api/ask", json={"question": QUESTION})
    assert response.status_code == 200
    body = response.json()
    expected = own_assistant.ask(QUESTION).to_public_json()
    assert set(body) == set(expected)
    assert body["answer"] == expected["answer"] and not body["refused"]
    assert any(c["doc"] == "uu-20-2023" and c["pasal"] == "3" for c in body["citations"])
    assert all({"label", "text", "page", "status"} <= set(p) for p in body["passages"])


def test_ask_follow_up_uses_history(client):
    history = [{"role": "user", "content": "Apa saja kewajiban PNS?"}, {"role": "assistant", "content": "…"}]
    body = client.post("/api/ask", json={"question": "Kalau untuk PPPK bagaimana?", "history": history}).json()
    assert "PPPK" in body["rewritten_question"]


def test_ask_document_filter_and_repealed_switch(client):
    body = client.post("/api/ask", json={"question": "Apa tujuan kerja sama daerah?", "docs": ["pp-28-2018"]}).json()
    assert body["passages"] and {p["doc"] for p in body["passages"]} == {"pp-28-2018"}
    body = client.post("/api/ask", json={"question": "Apa itu jabatan pimpinan tinggi?", "docs": ["uu-5-2014"], "include_repealed": True}).json()
    assert body["passages"] and all(p["status"] == "dicabut" for p in body["passages"])


def test_ask_streams_ndjson(client):
    response = client.post("/api/ask", json={"question": QUESTION, "stream": True})
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert "text" in lines[0] and "answer" in lines[-1]
    assert lines[-1]["answer"]["citations"]


def test_out_of_corpus_question_is_refused_with_closest_passages(client):
    body = client.post("/api/ask", json={"question": "Berapa harga tiket kereta api Jakarta ke Bandung?"}).json()
    assert body["refused"] and body["passages"] and not body["citations"]


@pytest.mark.parametrize("payload,status,contains", [
    ({"question": ""}, 400, "empty"),
    ({"question": "    "}, 400, "empty"),
    ({"question": "a" * 2001}, 422, "question"),
    ({"question": 42}, 422, "question"),
    ({}, 422, "question"),
    ({"question": "Apa itu ASN?", "docs": ["tidak-ada-2099"]}, 400, "tidak-ada-2099"),
    ({"question": "Apa itu ASN?", "docs": "uu-20-2023"}, 422, "docs"),
    ({"question": "Apa itu ASN?", "mode": "magic"}, 422, "mode"),
    ({"question": "Apa itu ASN?", "include_repealed": "ya"}, 422, "include_repealed"),
    ({"question": "Apa itu ASN?", "history": [{"role": "robot", "content": "x"}]}, 422, "role"),
    ({"question": "Apa itu ASN?", "history": "sebelumnya"}, 422, "history"),
    ({"question": "Apa itu ASN?", "surprise": 1}, 422, "surprise"),
])
def test_ask_bad_input_is_a_clear_4xx(client, payload, status, contains):
    assert_error(client.post("/api/ask", json=payload), status, contains)


def test_ask_bad_json_is_a_422(client):
    assert_error(client.post("/api/ask", content=b'{"question": ', headers={"Content-Type": "application/json"}), 422, "JSON")


def test_chat_login_setting_is_enforced(settings, own_assistant, tokens):
    from kb_assistant.app.server import create_app

    locked = settings.model_copy(deep=True)
    locked.app.chat_requires_login = True
    with TestClient(create_app(locked, assistant=own_assistant)) as other:
        assert_error(other.post("/api/ask", json={"question": QUESTION}), 401, "masuk")
        assert_error(other.get("/api/documents"), 401)
        token = other.post("/api/login", json={"username": "asti", "password": PASSWORDS["asti"][1]}).json()["token"]
        assert other.post("/api/ask", json={"question": QUESTION}, headers={"Authorization": f"Bearer {token}"}).status_code == 200


# ---------------------------------------------------------------- feedback
def test_feedback_is_stored_and_only_evaluators_read_it(client, tokens, settings):
    response = client.post("/api/feedback", json={"kind": "wrong_citation", "question": QUESTION, "answer": "x",
                                                  "citations": ["UU 20/2023 Pasal 3"], "comment": "Pasal 4 lebih tepat"})
    assert response.status_code == 201
    assert (settings.app.data_dir / "feedback.sqlite3").is_file()
    assert_error(client.post("/api/feedback", json={"kind": "meh", "question": QUESTION}), 422, "kind")
    assert_error(client.post("/api/feedback", json={"kind": "useful", "question": ""}), 422, "question")
    assert_error(client.get("/api/feedback"), 401)
    assert_error(client.get("/api/feedback", headers=auth(tokens, "trainer")), 403, "evaluator")
    body = client.get("/api/feedback", headers=auth(tokens, "evaluator")).json()
    assert body["counts"]["wrong_citation"] >= 1
    assert any(f["comment"] == "Pasal 4 lebih tepat" for f in body["feedback"])


# ---------------------------------------------------------------- corpus
def test_documents_list_has_status_file_pasal_and_index_time(client):
    rows = {r["id"]: r for r in client.get("/api/documents").json()["documents"]}
    assert set(rows) == {"uu-20-2023", "uu-5-2014", "pp-28-2018"}
    assert rows["uu-5-2014"]["status"] == "dicabut"
    assert rows["uu-20-2023"]["file_found"] and rows["uu-20-2023"]["pasal_found"] == 77
    assert rows["pp-28-2018"]["indexed_at"]


def test_one_document_with_its_tree(client):
    body = client.get("/api/documents/pp-28-2018").json()["document"]
    assert body["pasal_found"] == 52 and body["tree"][0]["pasal"] == "1"
    assert_error(client.get("/api/documents/tidak-ada-2099"), 404, "tidak-ada-2099")


def upload(client, tokens, path, meta=None, role="trainer", name=None, preview=False):
    data = dict(CONTOH_META if meta is None else meta)
    if preview:
        data["preview"] = "true"
    with open(path, "rb") as handle:
        files = {"file": (name or path.name, handle, "application/octet-stream")}
        return client.post("/api/documents", data=data, files=files, headers=auth(tokens, role) if role else {})


def test_corpus_changes_need_a_trainer(client, tokens, tmp_path, settings):
    pdf = contoh_pdf(tmp_path / "contoh.pdf")
    before = disk_state(settings)
    assert_error(upload(client, tokens, pdf, role=None), 401, "pelatih")
    assert_error(upload(client, tokens, pdf, role="evaluator"), 403, "pelatih")
    assert_error(upload(client, tokens, pdf, role="asn"), 403)
    assert_error(client.delete("/api/documents/uu-20-2023"), 401)
    assert_error(client.delete("/api/documents/uu-20-2023", headers=auth(tokens, "evaluator")), 403)
    assert_error(client.patch("/api/documents/uu-20-2023", json={"status": "dicabut"}, headers=auth(tokens, "asn")), 403)
    assert_error(client.post("/api/ingest"), 401)
    assert_error(client.post("/api/ingest", headers=auth(tokens, "evaluator")), 403)
    assert disk_state(settings) == before


def test_preview_parses_without_changing_anything(client, tokens, tmp_path, settings):
    pdf = contoh_pdf(tmp_path / "contoh.pdf")
    before = disk_state(settings)
    response = upload(client, tokens, pdf, preview=True)
    assert response.status_code == 200, response.text
    preview = response.json()["preview"]
    assert preview["pasal_found"] == 3 and preview["ok"]
    assert [n["pasal"] for n in preview["tree"]] == ["1", "2", "3"] and preview["tree"][2]["ayat"] == ["1", "2"]
    assert disk_state(settings) == before


def test_bad_uploads_are_refused_and_change_nothing(client, tokens, tmp_path, settings):
    pdf = contoh_pdf(tmp_path / "contoh.pdf")
    scan = scanned_pdf(tmp_path / "scan.pdf")
    docx = tmp_path / "aturan.docx"
    docx.write_bytes(b"PK\x03\x04 not a regulation")
    fake = tmp_path / "palsu.pdf"
    fake.write_text("ini bukan PDF", encoding="utf-8")
    big = tmp_path / "besar.txt"
    big.write_bytes(b"Pasal 1\n" + b"x" * int(settings.corpus.max_file_mb * 1024 * 1024 + 10))
    before = disk_state(settings)
    cases = [
        (upload(client, tokens, docx), 415, "tidak didukung"),
        (upload(client, tokens, scan), 400, "text layer"),
        (upload(client, tokens, fake), 400, "bukan PDF"),
        (upload(client, tokens, big), 413, "batas"),
        (upload(client, tokens, pdf, name="../../etc/evil.pdf"), 400, "tidak sah"),
        (upload(client, tokens, pdf, name="..\\corpus\\evil.pdf"), 400, "tidak sah"),
        (upload(client, tokens, pdf, meta={**CONTOH_META, "id": "uu-20-2023"}), 409, "already exists"),
        (upload(client, tokens, pdf, meta={**CONTOH_META, "title": ""}), 400, "judul"),
        (upload(client, tokens, pdf, meta={k: v for k, v in CONTOH_META.items() if k != "name"}), 400, "nama singkat"),
        (upload(client, tokens, pdf, meta={**CONTOH_META, "id": "../../x"}), 400, "id"),
        (upload(client, tokens, pdf, meta={**CONTOH_META, "year": "dua ribu"}), 400, "tahun"),
        (upload(client, tokens, pdf, meta={**CONTOH_META, "type": "Novel"}), 400, "type"),
        (upload(client, tokens, pdf, meta={**CONTOH_META, "status": "hilang"}), 400, "status"),
    ]
    for response, status, contains in cases:
        assert_error(response, status, contains)
    no_file = client.post("/api/documents", data=CONTOH_META, headers=auth(tokens, "trainer"))
    assert_error(no_file, 422, "file")
    assert disk_state(settings) == before


def test_status_change_refusals(client, tokens, settings):
    before = disk_state(settings)
    headers = auth(tokens, "trainer")
    assert_error(client.patch("/api/documents/tidak-ada-2099", json={"status": "dicabut"}, headers=headers), 404)
    assert_error(client.patch("/api/documents/uu-5-2014", json={"status": "hilang"}, headers=headers), 422, "status")
    assert_error(client.patch("/api/documents/uu-5-2014", json={"status": "dicabut", "by": ["tidak-ada-2099"]}, headers=headers), 400, "tidak dikenal")
    assert_error(client.patch("/api/documents/uu-5-2014", json={"status": "dicabut", "by": ["uu-5-2014"]}, headers=headers), 400, "sendiri")
    assert_error(client.delete("/api/documents/tidak-ada-2099", headers=headers), 404, "tidak-ada-2099")
    assert disk_state(settings) == before


def test_upload_ingest_ask_change_status_remove(client, tokens, tmp_path, settings):
    headers = auth(tokens, "trainer")
    response = upload(client, tokens, contoh_pdf(tmp_path / "Peraturan Contoh.PDF"))
    assert response.status_code == 201, response.text
    assert (settings.corpus.files_dir / f"{CONTOH_ID}.pdf").is_file()
    rows = {r["id"]: r for r in client.get("/api/documents").json()["documents"]}
    assert rows[CONTOH_ID]["pasal_found"] == 3 and not rows[CONTOH_ID]["indexed_at"]

    job = client.post("/api/ingest?wait=true", headers=headers)
    assert job.status_code == 200, job.text
    assert job.json()["job"]["result"]["documents"]["added"] == [CONTOH_ID]
    assert client.get("/api/ingest", headers=headers).json()["job"]["state"] == "done"

    body = client.post("/api/ask", json={"question": CONTOH_QUESTION}).json()
    assert not body["refused"]
    assert any(c["doc"] == CONTOH_ID and c["pasal"] == "3" for c in body["citations"]), body["citations"]

    changed = client.patch(f"/api/documents/{CONTOH_ID}", json={"status": "diubah", "by": ["uu-20-2023"]}, headers=headers)
    assert changed.status_code == 200 and "diubah oleh UU 20/2023" in changed.json()["status_label"]

    assert client.delete(f"/api/documents/{CONTOH_ID}", headers=headers).json()["removed"] == CONTOH_ID
    assert not (settings.corpus.files_dir / f"{CONTOH_ID}.pdf").exists()
    job = client.post("/api/ingest?wait=true", headers=headers).json()["job"]
    assert job["result"]["documents"]["removed"] == [CONTOH_ID]
    body = client.post("/api/ask", json={"question": CONTOH_QUESTION}).json()
    assert not any(c["doc"] == CONTOH_ID for c in body["citations"])


# ---------------------------------------------------------------- evaluation
def test_eval_on_the_dev_set_with_reports(client, tokens):
    headers = auth(tokens, "evaluator")
    listed = client.get("/api/eval/datasets", headers=headers).json()
    assert "dev" in listed["datasets"] and "hybrid" in listed["configs"]
    response = client.post("/api/eval?wait=true", json={"dataset": "dev", "configs": ["bm25"]}, headers=headers)
    assert response.status_code == 200, response.text
    job = response.json()["job"]
    assert job["state"] == "done" and job["result"]["result"]["n"] == 25
    assert "(hit@5) |" in job["result"]["table"]
    run_id = job["result"]["run_id"]
    assert client.get("/api/eval", headers=headers).json()["job"]["id"] == job["id"]
    report = client.get(f"/api/eval/runs/{run_id}/report.md", headers=headers)
    assert report.status_code == 200 and "# Evaluasi (evaluation)" in report.text
    assert client.get(f"/api/eval/runs/{run_id}/result.json", headers=headers).json()["n"] == 25
    assert client.get(f"/api/eval/runs/{run_id}/hitk.png", headers=headers).content[:4] == b"\x89PNG"
    assert_error(client.get(f"/api/eval/runs/{run_id}/..%2F..%2Ffeedback.sqlite3", headers=headers), 404)
    assert_error(client.get("/api/eval/runs/20990101-000000-abcdef/report.md", headers=headers), 404)
    # a second run of the set, compared with the first question by question
    second = client.post("/api/eval?wait=true", json={"dataset": "dev", "configs": ["dense"]}, headers=headers).json()["job"]["result"]["run_id"]
    runs = client.get("/api/eval/runs", headers=headers).json()["runs"]
    assert [r["run_id"] for r in runs][:2] == sorted([run_id, second], reverse=True) and runs[0]["n"] == 25
    assert_error(client.get(f"/api/eval/compare?first={run_id}&second={second}&config=bm25", headers=headers), 400)  # bm25 only in one
    bm25_again = client.post("/api/eval?wait=true", json={"dataset": "dev", "configs": ["bm25"]}, headers=headers).json()["job"]["result"]["run_id"]
    compared = client.get(f"/api/eval/compare?first={run_id}&second={bm25_again}&config=bm25", headers=headers)
    assert compared.status_code == 200, compared.text
    body = compared.json()
    assert body["n"] == 25 and body["gained"] == body["lost"] == []  # the same system twice: nothing moved
    assert body["metrics"]["hit@1"]["difference"][0] == 0.0 and f"| Metrik (metric) | {run_id} | {bm25_again} |" in body["table"]
    assert_error(client.get(f"/api/eval/compare?first=../../x&second={run_id}", headers=headers), 404)
    assert_error(client.get(f"/api/eval/compare?first={run_id}&second={second}"), 401)


def test_eval_with_an_uploaded_set(client, tokens):
    line = {"id": "t1", "question": QUESTION, "gold": [{"doc": "uu-20-2023", "pasal": "3"}], "answerable": True,
            "answer": "berorientasi pelayanan, akuntabel", "type": "list"}
    text = json.dumps(line, ensure_ascii=False) + "\n"
    headers = auth(tokens, "evaluator")
    inline = client.post("/api/eval?wait=true", json={"jsonl": text, "name": "mini.jsonl", "configs": ["hybrid"]}, headers=headers)
    assert inline.status_code == 200 and inline.json()["job"]["result"]["result"]["configs"]["hybrid"]["retrieval"]["hit@5"] == 1.0
    files = {"file": ("mini.jsonl", text.encode(), "application/json")}
    multipart = client.post("/api/eval/upload?wait=true", data={"configs": ["bm25", "dense"]}, files=files, headers=headers)
    assert multipart.status_code == 200, multipart.text
    assert set(multipart.json()["job"]["result"]["result"]["configs"]) == {"bm25", "dense"}
    # the same question with its gold written as a citation: read as the id, and the reading noted
    named = json.dumps(line | {"gold": [{"doc": "UU 20/2023", "pasal": "Pasal 3"}]}, ensure_ascii=False) + "\n"
    run = client.post("/api/eval?wait=true", json={"jsonl": named, "name": "named.jsonl", "configs": ["hybrid"]}, headers=headers).json()
    result = run["job"]["result"]["result"]
    assert result["configs"]["hybrid"]["retrieval"]["hit@5"] == 1.0
    assert result["dataset_notes"] == ["gold document 'UU 20/2023' read as uu-20-2023"]


@pytest.mark.parametrize("payload,contains", [
    ({"dataset": "rahasia", "configs": ["hybrid"]}, "tidak dikenal"),
    ({"dataset": "../../etc/passwd", "configs": ["hybrid"]}, "tidak dikenal"),
    ({"dataset": "dev", "configs": ["gpt-9"]}, "gpt-9"),
    ({"dataset": "dev", "jsonl": "{}", "configs": ["hybrid"]}, "tepat satu"),
    ({"configs": ["hybrid"]}, "tepat satu"),
    ({"jsonl": '{"id": "x", "question": "q"}\nbukan json\n', "configs": ["hybrid"]}, "line 2: bad JSON"),
])
def test_eval_bad_dataset_or_config_is_a_400(client, tokens, payload, contains):
    assert_error(client.post("/api/eval", json=payload, headers=auth(tokens, "evaluator")), 400, contains)


def test_eval_refusals(client, tokens):
    assert_error(client.post("/api/eval", json={"dataset": "dev", "configs": ["hybrid"]}), 401)
    assert_error(client.post("/api/eval", json={"dataset": "dev", "configs": ["hybrid"]}, headers=auth(tokens, "trainer")), 403, "evaluator")
    assert_error(client.post("/api/eval", json={"dataset": "dev", "configs": []}, headers=auth(tokens, "evaluator")), 422, "configs")
    files = {"file": ("../up.jsonl", b"{}", "application/json")}
    assert_error(client.post("/api/eval/upload", data={"configs": ["hybrid"]}, files=files, headers=auth(tokens, "evaluator")), 400, "tidak sah")
    files = {"file": ("set.csv", b"a,b", "text/csv")}
    assert_error(client.post("/api/eval/upload", data={"configs": ["hybrid"]}, files=files, headers=auth(tokens, "evaluator")), 400, "jsonl")
