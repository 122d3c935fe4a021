"""The JSON answer for a started or awaited background job."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from kb_assistant.app.jobs import Job

WAIT_TIMEOUT_S = 900


def job_response(job: Job | None, waited: bool) -> JSONResponse:
    assert job is not None
    if waited and job.state == "failed":
        return JSONResponse({"error": job.error or "gagal", "job": job.public()}, status_code=409)
    finished = waited and not job.running
    return JSONResponse({"job": job.public(with_result=finished)}, status_code=200 if finished else 202)
