"""Upload, the letter page, its progress, the summary documents and downloads, and batches.

Why uploads return at once: the files are checked (type from bytes, size, pages) and stored, each
letter is queued for the background readers, and the browser is sent to the letter's page (one file)
or the batch page (several), which show progress until the record is there.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from imr_llm.batch.table import COLUMNS, _row, neutralise
from imr_llm.outputs import json_text, visible
from imr_llm.web.db import now
from imr_llm.web.highlight import field_rows, pieces
from imr_llm.web.jobs import LANGS
from imr_llm.web.pages import render, state
from imr_llm.web.review import corrected
from imr_llm.web.security import CSRF_FIELD, csrf_ok, style_hashes
from imr_llm.web.sniff import Rejected, Upload, letter_pages, sniff
from imr_llm.web.summaries import current_summary
from imr_llm.web.workspace import WorkspaceLinked

FINISHED = ("done", "failed")


def refuse_if_deleted(request: Request) -> None:
    if state(request).workspace.deleted:
        raise HTTPException(410, "the workspace was deleted")


async def home(request: Request) -> HTMLResponse:
    s = state(request)
    if s.workspace.deleted:
        return render(request, "deleted.html", 410)
    return render(request, "index.html", letters=s.workspace.db.recent(), batches=s.workspace.db.batches())


async def upload(request: Request) -> Response:
    try:
        return await _upload(request)
    except WorkspaceLinked as e:  # a link planted in the workspace: refused, nothing written through it
        return _refused(request, [str(e)])
    except sqlite3.Error:
        if state(request).workspace.deleted:  # deleted while the upload's body was arriving: as every route says
            return render(request, "deleted.html", 410)
        raise


async def _upload(request: Request) -> Response:
    refuse_if_deleted(request)
    s = state(request)
    limits = s.settings.limits
    try:
        form = await request.form(max_files=limits.files + 1, max_fields=20)
    except HTTPException as e:
        return render(request, "index.html", 400, errors=[str(e.detail)], letters=[], batches=[])
    refuse_if_deleted(request)  # the body may take a while to arrive: the workspace may be gone by then
    if not csrf_ok(request.scope, str(form.get(CSRF_FIELD) or "")):
        return render(request, "error.html", 403, message="This form has expired or came from another site. Reload.")
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and (f.filename or f.size)]
    pasted = str(form.get("text") or "")
    mode = str(form.get("mode") or "letters")
    errors: list[str] = []
    uploads: list[Upload] = []
    if len(files) > limits.files:
        errors.append(f"{len(files)} files at once; send at most {limits.files}")
        files = []
    for f in files:
        name = _display_name(f.filename)
        data = await f.read(limits.file_bytes + 1)
        await f.close()
        try:
            uploads.append(sniff(name, data, limits))
        except Rejected as e:
            errors.append(str(e))
    if pasted.strip():
        if len(pasted) > limits.paste_chars:
            errors.append(f"pasted text: {len(pasted):,} characters; one letter has at most {limits.paste_chars:,}")
        else:
            uploads.append(Upload("pasted text", pasted.encode("utf-8"), "text", None))
    if mode == "pages" and uploads:
        try:
            pages = letter_pages(uploads, limits)
        except Rejected as e:
            return _refused(request, [*errors, str(e)])
        if errors:
            return _refused(request, errors)
        letter_id = s.workspace.db.add_letter(" + ".join(u.name for u in uploads), "pages", pages, None)
        for n, u in enumerate(uploads, 1):
            _store(request, letter_id, n, u)
        s.runner.submit(letter_id)
        return RedirectResponse(f"/letters/{letter_id}", 303)
    if not uploads:
        return _refused(request, errors or ["choose a file, several photos, or paste the letter's text"])
    if len(uploads) == 1 and not errors:
        return RedirectResponse(f"/letters/{_queue(request, uploads[0], None)}", 303)
    batch_id = s.workspace.db.add_batch(len(uploads), errors)
    for u in uploads:
        _queue(request, u, batch_id)
    return RedirectResponse(f"/batches/{batch_id}", 303)


def _queue(request: Request, u: Upload, batch_id: int | None) -> int:
    s = state(request)
    kind = "pasted" if u.name == "pasted text" else u.kind
    letter_id = s.workspace.db.add_letter(u.name, kind, u.pages, batch_id)
    _store(request, letter_id, 1, u)
    s.runner.submit(letter_id)
    return letter_id


def _store(request: Request, letter_id: int, index: int, u: Upload) -> None:
    """One upload kept in the workspace; refused (and its letter marked failed, never left queued) at a link."""
    s = state(request)
    try:
        s.workspace.save(letter_id, index, u.kind, u.data)
    except WorkspaceLinked as e:
        s.workspace.db.update(letter_id, status="failed", stage="failed", error=str(e), finished=now())
        raise


def _refused(request: Request, errors: list[str]) -> HTMLResponse:
    s = state(request)
    return render(
        request, "index.html", 400, errors=errors, letters=s.workspace.db.recent(), batches=s.workspace.db.batches()
    )


def _display_name(name: str | None) -> str:
    """The sender's file name, for display only: the last path part, printable, at most 120 characters."""
    base = re.split(r"[\\/]", name or "upload")[-1]
    return "".join(c for c in base if c.isprintable())[:120] or "upload"


def _letter_id(request: Request) -> int:
    refuse_if_deleted(request)
    letter_id = int(request.path_params["letter_id"])
    if state(request).workspace.db.status(letter_id) is None:
        raise HTTPException(404, "no such letter in this workspace")
    return letter_id


def status_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "status": row["status"],
        "stage": row["stage"],
        "pages_total": row["pages_total"],
        "pages_done": row["pages_done"],
        "error": row["error"],
        "finished": row["status"] in FINISHED,
        "case_number": row["case_number"],
    }


async def letter_status(request: Request) -> JSONResponse:
    row = state(request).workspace.db.status(_letter_id(request))
    return JSONResponse(status_dict(row))


def current_record(request: Request, letter_id: int) -> tuple[Any, dict[str, Any]]:
    db = state(request).workspace.db
    row = db.letter(letter_id)
    if row is None or row["status"] != "done":
        raise HTTPException(409, "this letter has no record (yet)")
    return row, corrected(json.loads(row["record"]), db.audit(letter_id))


async def letter_page(request: Request) -> HTMLResponse:
    letter_id = _letter_id(request)
    s = state(request)
    row = s.workspace.db.letter(letter_id)
    assert row is not None
    if row["status"] != "done":
        return render(request, "progress.html", row=row, status=status_dict(row))
    lang = request.query_params.get("lang", "en")
    lang = lang if lang in LANGS else "en"
    _, record = current_record(request, letter_id)
    audit = s.workspace.db.audit(letter_id)
    text = row["text"] or ""
    evidence = record.get("evidence") or {}
    sides = json.loads(row["extraction"]) if row["extraction"] else None
    checks = {code: current_summary(s.workspace, letter_id, code) for code in LANGS}
    return render(
        request,
        "letter.html",
        row=row,
        record=record,
        fields=field_rows(record, evidence, len(text)),
        pieces=pieces(text, evidence),
        lang=lang,
        checks=checks,
        sides=sides,
        crosscheck=(record.get("crosscheck") or {}).get("fields") or [],
        reasons=json.loads(row["priority_reasons"]),
        corrections=sum(1 for a in audit if a["action"] == "correct"),
    )


async def summary_document(request: Request) -> Response:
    """The summary page exactly as `imr-llm summarize --format html` writes it (for print and the frame)."""
    letter_id = _letter_id(request)
    lang = request.path_params["lang"]
    if lang not in LANGS:
        raise HTTPException(404, "no such language")
    current_record(request, letter_id)
    summary = current_summary(state(request).workspace, letter_id, lang)
    html = visible(summary.html)  # a letter's control and bidi characters as visible escapes, as the CLI writes it
    csp = f"default-src 'none'; style-src {style_hashes(html)}; base-uri 'none'; frame-ancestors 'self'"
    headers = {"content-security-policy": csp, "x-frame-options": "SAMEORIGIN"}
    if request.query_params.get("download"):
        headers["content-disposition"] = f'attachment; filename="{_stem(request, letter_id)}.{lang}.html"'
    return HTMLResponse(html, headers=headers)


def _stem(request: Request, letter_id: int) -> str:
    row = state(request).workspace.db.status(letter_id)
    case = re.sub(r"[^A-Za-z0-9_-]", "", (row["case_number"] if row else "") or "")
    return case or f"letter-{letter_id}"


def _attachment(body: str, media: str, filename: str) -> Response:
    return Response(body, media_type=media, headers={"content-disposition": f'attachment; filename="{filename}"'})


async def summary_markdown(request: Request) -> Response:
    letter_id = _letter_id(request)
    lang = request.path_params["lang"]
    if lang not in LANGS:
        raise HTTPException(404, "no such language")
    current_record(request, letter_id)
    md = visible(current_summary(state(request).workspace, letter_id, lang).md)
    return _attachment(md, "text/markdown; charset=utf-8", f"{_stem(request, letter_id)}.{lang}.md")


async def record_json(request: Request) -> Response:
    letter_id = _letter_id(request)
    _, record = current_record(request, letter_id)
    body = json_text(json.dumps(record, indent=1, ensure_ascii=False)) + "\n"
    return _attachment(body, "application/json", f"{_stem(request, letter_id)}.record.json")


async def items_csv(request: Request) -> Response:
    """The letter's rows of the item table (`imr-llm batch --table`), same columns, same neutralising."""
    letter_id = _letter_id(request)
    _, record = current_record(request, letter_id)
    return _attachment(table([record]), "text/csv; charset=utf-8", f"{_stem(request, letter_id)}.items.csv")


def table(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[c for c, _ in COLUMNS])
    writer.writeheader()
    for record in records:
        for i, item in enumerate(record.get("disputed_items") or [], 1):
            writer.writerow({k: neutralise(v) for k, v in _row(record, i, item).items()})
    return out.getvalue()


# -- batches --------------------------------------------------------------------------------------


def _batch(request: Request) -> tuple[int, Any]:
    refuse_if_deleted(request)
    batch_id = int(request.path_params["batch_id"])
    batch = state(request).workspace.db.batch(batch_id)
    if batch is None:
        raise HTTPException(404, "no such batch in this workspace")
    return batch_id, batch


def batch_progress(rows: list[Any], total: int) -> dict[str, Any]:
    finished = sum(r["status"] in FINISHED for r in rows)
    return {
        "total": total,
        "letters": len(rows),
        "finished": finished,
        "failed": sum(r["status"] == "failed" for r in rows),
        "done": finished == len(rows),
        "percent": round(100 * finished / max(1, len(rows))),
    }


async def batch_status(request: Request) -> JSONResponse:
    batch_id, batch = _batch(request)
    rows = state(request).workspace.db.batch_letters(batch_id)
    return JSONResponse(batch_progress(rows, int(batch["total"])))


FILTERS = ("decision", "kind", "review", "checks")


async def batch_page(request: Request) -> HTMLResponse:
    batch_id, batch = _batch(request)
    db = state(request).workspace.db
    rows = db.batch_letters(batch_id)
    items = db.items_of([int(r["id"]) for r in rows])
    chosen = {k: request.query_params.get(k, "") for k in FILTERS}
    kinds = sorted({i["kind"] for its in items.values() for i in its if i["kind"]})
    shown = []
    for r in rows:
        its = items[int(r["id"])]
        if chosen["review"] == "yes" and not (r["needs_review"] or r["status"] == "failed"):
            continue
        if chosen["review"] == "no" and (r["needs_review"] or r["status"] == "failed"):
            continue
        if chosen["checks"] == "failed" and not r["checks_failed"]:
            continue
        if chosen["checks"] == "passed" and (r["checks_failed"] or r["status"] != "done"):
            continue
        if chosen["decision"]:
            wanted = None if chosen["decision"] == "unread" else chosen["decision"]
            its = [i for i in its if i["decision"] == wanted]
        if chosen["kind"]:
            its = [i for i in its if i["kind"] == chosen["kind"]]
        if (chosen["decision"] or chosen["kind"]) and not its:
            continue
        shown.append((r, its))
    return render(
        request,
        "batch.html",
        batch=batch,
        rejected=json.loads(batch["rejected"]),
        rows=shown,
        progress=batch_progress(rows, int(batch["total"])),
        chosen=chosen,
        kinds=kinds,
    )
