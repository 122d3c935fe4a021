"""Evaluation runs and their reports (evaluators)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from kb_assistant.app.routes.deps import Evaluator, Services
from kb_assistant.app.routes.forms import form_file, multipart_schema, read_form
from kb_assistant.app.routes.jobs import WAIT_TIMEOUT_S, job_response
from kb_assistant.app.routes.models import EvalRequest
from kb_assistant.app.uploads import read_dataset_upload

router = APIRouter(tags=["evaluation"])
EVAL_UPLOAD_FORM = multipart_schema({
    "file": {"type": "string", "format": "binary", "description": "QA set in JSON Lines"},
    "configs": {"type": "array", "items": {"type": "string"}, "description": "Configuration names (repeat the field)"},
}, ["file", "configs"])


@router.get("/eval/datasets", summary="QA sets and configurations to choose from (evaluator)")
def eval_datasets(svc: Services, user: Evaluator) -> dict:
    return {"datasets": list(svc.datasets()), "configs": list(svc.eval_configs)}


@router.post("/eval", status_code=202, summary="Run a QA set through configurations (evaluator)")
def start_eval(body: EvalRequest, svc: Services, user: Evaluator, wait: bool = Query(False, description="Block until done")):
    from kb_assistant.evaluation.dataset import parse_dataset

    if (body.dataset is None) == (body.jsonl is None):
        raise ValueError("berikan tepat satu dari 'dataset' (nama) atau 'jsonl' (isi set QA)")
    if body.dataset is not None:
        items, name = svc.load_named_dataset(body.dataset), body.dataset
    else:
        items, name = parse_dataset(body.jsonl or "", body.name), body.name
    return _run(svc, items, name, body.configs, wait)


@router.post("/eval/upload", status_code=202, summary="Run an uploaded JSONL QA set (evaluator)", openapi_extra=EVAL_UPLOAD_FORM)
async def start_eval_upload(request: Request, svc: Services, user: Evaluator, wait: bool = Query(False, description="Block until done")):
    from kb_assistant.evaluation.dataset import parse_dataset

    async with read_form(request) as form:
        upload = form_file(form)
        configs = [c for c in form.getlist("configs") if isinstance(c, str)]

        def work():
            name, text = read_dataset_upload(upload.file, upload.filename)
            return _run(svc, parse_dataset(text, name), name, configs, wait)

        return await run_in_threadpool(work)


def _run(svc, items: list, name: str, configs: list[str], wait: bool):
    job = svc.start_eval(items, name, configs)
    return job_response(svc.eval_jobs.wait(WAIT_TIMEOUT_S) if wait else job, wait)


@router.get("/eval", summary="The current or last evaluation job with its metrics (evaluator)")
def eval_status(svc: Services, user: Evaluator) -> dict:
    job = svc.eval_jobs.current
    return {"job": job.public() if job else None}


@router.get("/eval/runs", summary="The kept evaluation runs, newest first (evaluator)")
def eval_runs(svc: Services, user: Evaluator) -> dict:
    return {"runs": svc.eval_runs()}


@router.get("/eval/compare", summary="Two kept runs of one QA set paired question by question (evaluator)")
def eval_compare(svc: Services, user: Evaluator, first: str = Query(..., description="Run id"), second: str = Query(..., description="Run id"),
                 config: str = Query("hybrid", description="Configuration present in both runs")) -> dict:
    return svc.compare_eval_runs(first, second, config)


@router.get("/eval/runs/{run_id}/{file_name}", summary="Download report.md, result.json or a plot (evaluator)")
def eval_file(run_id: str, file_name: str, svc: Services, user: Evaluator):
    path = svc.report_file(run_id, file_name)
    return FileResponse(path, filename=f"{run_id}-{file_name}")
