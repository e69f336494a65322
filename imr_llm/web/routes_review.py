"""The review queue and the review of one letter: confirm or correct each field, with an audit trail.

Why POST per field: each confirmation or correction is one audit row (who, when, old value, new
value) the moment it is made, so nothing is lost if the reviewer stops halfway and nothing is ever
overwritten. The forms work without script; with script, the page sends them in the background and
drives them from the keyboard (static/app.js).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from imr_llm.web.highlight import pieces
from imr_llm.web.pages import REVIEWER_COOKIE, render, reviewer, state
from imr_llm.web.review import BadValue, display, latest, parse_value, review_fields, value_at
from imr_llm.web.routes_letters import _letter_id, current_record, refuse_if_deleted
from imr_llm.web.security import CSRF_FIELD, csrf_ok


async def queue_page(request: Request) -> HTMLResponse:
    refuse_if_deleted(request)
    db = state(request).workspace.db
    return render(request, "queue.html", queue=db.queue(), reviewed=db.reviewed())


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_files=0, max_fields=20)
    values = {k: str(v) for k, v in form.items()}
    if not csrf_ok(request.scope, values.get(CSRF_FIELD)):
        raise HTTPException(403, "This form has expired or came from another site. Reload the page.")
    return values


async def review_page(request: Request) -> HTMLResponse:
    letter_id = _letter_id(request)
    s = state(request)
    row, record = current_record(request, letter_id)
    audit = s.workspace.db.audit(letter_id)
    last = latest(audit)
    fields = []
    for spec in review_fields(record):
        value = value_at(record, spec)
        action = last.get(spec.path, (None, None, None))[0]
        fields.append({"spec": spec, "value": value, "shown": display(value, spec), "state": action or "open"})
    return render(
        request,
        "review.html",
        row=row,
        record=record,
        fields=fields,
        evidence=record.get("evidence") or {},
        pieces=pieces(row["text"] or "", record.get("evidence") or {}),
        audit=audit,
        next_id=s.workspace.db.next_in_queue(letter_id),
        reasons=json.loads(row["priority_reasons"]),
        error=request.query_params.get("error"),
    )


async def review_field(request: Request) -> Response:
    letter_id = _letter_id(request)
    values = await _form(request)
    s = state(request)
    _, record = current_record(request, letter_id)
    specs = {spec.path: spec for spec in review_fields(record)}
    spec = specs.get(values.get("path", ""))
    if spec is None:
        raise HTTPException(400, "no such field")
    old = value_at(record, spec)
    action = values.get("action", "confirm")
    try:
        if action == "confirm":
            new = old
        elif action == "correct":
            new = parse_value(spec, values.get("value", ""))
        else:
            raise BadValue("unknown action")
    except BadValue as e:
        if _wants_json(request):
            return JSONResponse({"ok": False, "error": str(e)}, status_code=400)
        return RedirectResponse(f"/review/{letter_id}?error={spec.path}:+{e}#f-{spec.path}", 303)
    if action == "correct" and new == old:
        action = "confirm"  # the same value typed again: a confirmation, not a change
    s.workspace.db.log(letter_id, spec.path, action, old, new, reviewer(request))
    if _wants_json(request):
        return JSONResponse({"ok": True, "state": action, "value": display(new, spec), "path": spec.path})
    return RedirectResponse(f"/review/{letter_id}#f-{spec.path}", 303)


async def review_done(request: Request) -> Response:
    letter_id = _letter_id(request)
    values = await _form(request)
    s = state(request)
    current_record(request, letter_id)
    action = "reopened" if values.get("action") == "reopen" else "reviewed"
    s.workspace.db.log(letter_id, "*", action, None, None, reviewer(request))
    if action == "reopened":
        return RedirectResponse(f"/review/{letter_id}", 303)
    following = s.workspace.db.next_in_queue(letter_id)
    return RedirectResponse(f"/review/{following}" if following else "/review", 303)


async def set_reviewer(request: Request) -> Response:
    values = await _form(request)
    name = " ".join(values.get("name", "").split())[:80]
    target = values.get("back", "/")
    target = target if target.startswith("/") and not target.startswith("//") else "/"
    response = RedirectResponse(target, 303)
    if name:
        # percent-encoded: a cookie is Latin-1 on the wire ("Nguyễn", "Łukasz" had given an internal error)
        response.set_cookie(REVIEWER_COOKIE, quote(name), max_age=365 * 86400, httponly=True, samesite="strict")
    return response


def audit_rows(rows: list[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]
