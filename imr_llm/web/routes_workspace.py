"""The workspace as a whole: gold export and the eval on it, settings, deleting everything, login.

Why the eval is here and not a command: the reviewer who just corrected letters sees, on the same
page, how the chosen backend scores against them (the same suite `imr-llm eval` runs).
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from imr_llm.web.gold import SUITE_NAME, export, repeats
from imr_llm.web.pages import render, state
from imr_llm.web.review import corrected
from imr_llm.web.routes_letters import refuse_if_deleted
from imr_llm.web.routes_review import _form
from imr_llm.web.security import auth_cookie, csrf_ok, token_matches
from imr_llm.web.workspace import GoldFolderLinked


def _reviewed_records(request: Request) -> list[tuple[sqlite3.Row, dict[str, Any]]]:
    db = state(request).workspace.db
    out = []
    for brief in db.reviewed():
        row = db.letter(int(brief["id"]))
        assert row is not None
        out.append((row, corrected(json.loads(row["record"]), db.audit(int(row["id"])))))
    return out


async def gold_page(request: Request) -> HTMLResponse:
    refuse_if_deleted(request)
    s = state(request)
    latest = s.workspace.db.latest_eval()
    suite = s.workspace.gold / SUITE_NAME
    exported = sorted(p.name[: -len(".gold.json")] for p in s.workspace.gold.glob("*.gold.json"))
    reviewed = s.workspace.db.reviewed()
    return render(
        request,
        "gold.html",
        reviewed=reviewed,
        repeats=repeats(reviewed),
        exported=exported,
        suite=suite if suite.exists() else None,
        latest=latest,
        metrics=json.loads(latest["metrics"]) if latest is not None and latest["metrics"] else None,
        running=s.evaluator.running(),
    )


async def gold_export(request: Request) -> Response:
    refuse_if_deleted(request)
    values = await _form(request)
    s = state(request)
    letters = _reviewed_records(request)
    if not letters:
        return RedirectResponse("/gold?note=none", 303)
    try:
        done = export(s.workspace, letters, s.settings.backend)
    except GoldFolderLinked as e:
        raise HTTPException(409, detail=str(e)) from None
    if values.get("then") == "eval":
        s.evaluator.start(done.suite, len(done.names))
    return RedirectResponse("/gold", 303)


async def gold_eval(request: Request) -> Response:
    refuse_if_deleted(request)
    await _form(request)
    s = state(request)
    suite = s.workspace.gold / SUITE_NAME
    if not suite.exists():
        return RedirectResponse("/gold", 303)
    letters = len(list(s.workspace.gold.glob("*.gold.json")))
    s.evaluator.start(suite, letters)
    return RedirectResponse("/gold", 303)


async def eval_status(request: Request) -> JSONResponse:
    refuse_if_deleted(request)
    row = state(request).workspace.db.eval(int(request.path_params["eval_id"]))
    if row is None:
        raise HTTPException(404, "no such eval")
    return JSONResponse(
        {
            "id": row["id"],
            "status": row["status"],
            "done": row["done"],
            "letters": row["letters"],
            "error": row["error"],
        }
    )


async def gold_zip(request: Request) -> Response:
    refuse_if_deleted(request)
    folder = state(request).workspace.gold
    if folder.is_symlink() or not folder.is_dir():
        raise HTTPException(404, "nothing exported yet")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            # only the workspace's own files: never through a link planted in it (the zip had served /etc/passwd)
            inside = path.relative_to(folder)
            if any((folder / Path(*inside.parts[: k + 1])).is_symlink() for k in range(len(inside.parts))):
                continue
            if path.is_file():
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
                with os.fdopen(fd, "rb") as f:
                    z.writestr(f"gold/{inside.as_posix()}", f.read())
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"content-disposition": 'attachment; filename="imr-gold.zip"'},
    )


async def settings_page(request: Request) -> HTMLResponse:
    s = state(request)
    if s.workspace.deleted:
        return render(request, "deleted.html", 410)
    return render(request, "settings.html", workspace=s.workspace.root, error=request.query_params.get("error"))


async def delete_workspace(request: Request) -> Response:
    refuse_if_deleted(request)
    values = await _form(request)
    s = state(request)
    if values.get("confirm", "").strip().lower() != "delete":
        return RedirectResponse("/settings?error=type+delete+to+confirm", 303)
    s.workspace.delete()
    s.runner.stop(timeout=0.1)
    return render(request, "deleted.html", 200)


async def login(request: Request) -> Response:
    s = state(request)
    if request.method == "GET":
        return render(request, "login.html")
    form = await request.form(max_files=0, max_fields=5)
    if not csrf_ok(request.scope, str(form.get("csrf") or "")):
        return render(request, "login.html", 403, error="The form expired; try again.")
    if not s.settings.token or not token_matches(s.settings.token, str(form.get("token") or "")):
        return render(request, "login.html", 401, error="That is not this server's token.")
    response = RedirectResponse("/", 303)
    response.headers.append("set-cookie", auth_cookie(s.settings.token))
    return response
