"""Rendering pages: one Jinja2 environment with autoescaping always on, and what every page shows.

Why autoescape everywhere (not only for .html): the letter's text, the record's values and upload
names are data, never markup; the templates never mark them safe. The summary documents are the
library's own HTML (`Summary.render("html")`, built with autoescaping) and are served as they are.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from imr_llm.outputs import visible
from imr_llm.pipeline.backends import get_backend
from imr_llm.version import VERSION
from imr_llm.web.highlight import anchor
from imr_llm.web.security import CSRF_FIELD
from imr_llm.web.state import AppState

TEMPLATES = Path(__file__).parent / "templates"
REVIEWER_COOKIE = "imr_reviewer"


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["anchor"] = anchor
    env.filters["fromjson"] = json.loads
    env.filters["paged"] = paged
    return env


def paged(text: str) -> Markup:
    """Letter text, escaped, with each page break (form feed) drawn as a rule."""
    return Markup(str(escape(text)).replace("\f", '<span class="pb" role="separator"></span>'))


def state(request: Request) -> AppState:
    app_state: AppState = request.app.state.imr
    return app_state


def reviewer(request: Request) -> str:
    name = unquote(request.cookies.get(REVIEWER_COOKIE, "")).strip()  # set percent-encoded (`set_reviewer`)
    return name[:80] if name else state(request).settings.reviewer


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    s = state(request)
    base = {
        "request": request,
        "csrf": request.scope.get("state", {}).get("csrf", ""),
        "csrf_field": CSRF_FIELD,
        "settings": s.settings,
        "backend": s.settings.backend,
        "parser_only": not get_backend(s.settings.backend).uses_llm,
        "destination": s.settings.destination,
        "reviewer": reviewer(request),
        "version": VERSION,
        "deleted": s.workspace.deleted,
        "counts": s.workspace.db.counts() if not s.workspace.deleted else {},
        "per_page": s.reader.per_page,
    }
    html = environment().get_template(template).render(**base, **context)
    # a letter's (or a file name's) control and bidi characters never reach the browser raw: U+202E would flip
    # the request's words on the page
    return HTMLResponse(visible(html), status_code=status_code)
