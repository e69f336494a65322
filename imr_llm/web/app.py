"""The Starlette application: routes, the protective middleware, and the background readers' life.

Why Starlette (not FastAPI): every page is server-rendered HTML from plain forms; FastAPI's additions
(request models, OpenAPI, dependency injection) serve JSON APIs this app does not have, and it is a
layer over Starlette anyway. Starlette gives routing, forms and uploads (python-multipart), static
files and a test client, on the same ASGI server (uvicorn) any larger deployment would use.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from imr_llm.web import routes_letters as letters
from imr_llm.web import routes_review as review
from imr_llm.web import routes_workspace as workspace_routes
from imr_llm.web.config import Settings
from imr_llm.web.evaluate import Evaluator
from imr_llm.web.jobs import Reader, Runner, StepHook
from imr_llm.web.pages import render
from imr_llm.web.security import LOOPBACK_NAMES, BodyLimit, CsrfCookie, HostCheck, SecurityHeaders, TokenAuth
from imr_llm.web.state import AppState
from imr_llm.web.workspace import Workspace

if TYPE_CHECKING:
    from imr_llm.pipeline.extraction import Extractor

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("imr_llm.web")


class RowId(Convertor[int]):
    """A row number as SQLite stores it: at most 18 digits (a longer number in a URL is no row: a 404, never the
    500 of an integer SQLite cannot hold)."""

    regex = "[0-9]{1,18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("rowid", RowId())


def routes() -> list[Route | Mount]:
    return [
        Route("/", letters.home),
        Route("/upload", letters.upload, methods=["POST"]),
        Route("/letters/{letter_id:rowid}", letters.letter_page),
        Route("/letters/{letter_id:rowid}/status.json", letters.letter_status),
        Route("/letters/{letter_id:rowid}/summary.{lang}.html", letters.summary_document),
        Route("/letters/{letter_id:rowid}/summary.{lang}.md", letters.summary_markdown),
        Route("/letters/{letter_id:rowid}/record.json", letters.record_json),
        Route("/letters/{letter_id:rowid}/items.csv", letters.items_csv),
        Route("/batches/{batch_id:rowid}", letters.batch_page),
        Route("/batches/{batch_id:rowid}/status.json", letters.batch_status),
        Route("/review", review.queue_page),
        Route("/review/{letter_id:rowid}", review.review_page),
        Route("/review/{letter_id:rowid}/field", review.review_field, methods=["POST"]),
        Route("/review/{letter_id:rowid}/done", review.review_done, methods=["POST"]),
        Route("/reviewer", review.set_reviewer, methods=["POST"]),
        Route("/gold", workspace_routes.gold_page),
        Route("/gold/export", workspace_routes.gold_export, methods=["POST"]),
        Route("/gold/eval", workspace_routes.gold_eval, methods=["POST"]),
        Route("/gold/evals/{eval_id:rowid}.json", workspace_routes.eval_status),
        Route("/gold/imr-gold.zip", workspace_routes.gold_zip),
        Route("/settings", workspace_routes.settings_page),
        Route("/settings/delete", workspace_routes.delete_workspace, methods=["POST"]),
        Route("/login", workspace_routes.login, methods=["GET", "POST"]),
        Route("/favicon.ico", no_icon),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]


async def no_icon(request: Request) -> Response:
    return Response(status_code=204)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.endswith(".json") or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"ok": False, "error": exc.detail}, status_code=exc.status_code)
    try:
        return render(request, "error.html", exc.status_code, message=exc.detail)
    except Exception:  # no app state (e.g. a deleted workspace's database): a plain page
        return HTMLResponse(f"<p>{exc.status_code}</p>", status_code=exc.status_code)


def open_extractor(settings: Settings, stack: contextlib.ExitStack) -> tuple[Extractor, bool]:
    """The backend's extractor, open for the app's life; and whether it takes one letter at a time."""
    from imr_llm.api import reader
    from imr_llm.pipeline.backends import get_backend

    backend = get_backend(settings.backend)
    return stack.enter_context(reader(backend.name)), not backend.concurrent


def create_app(settings: Settings, extractor: Extractor | None = None, step_hook: StepHook | None = None) -> Starlette:
    """The app over `settings.workspace`. `extractor` replaces the backend's (tests); `step_hook` is
    called at each progress step of a letter (tests hold a letter at a page with it)."""
    stack = contextlib.ExitStack()
    ws = Workspace(settings.workspace)
    serial = False
    if extractor is None:
        extractor, serial = open_extractor(settings, stack)
    from imr_llm.pipeline.backends import get_backend

    config = None
    asks_model = get_backend(settings.backend).uses_llm
    if asks_model:
        from imr_llm.llm.config import config_from_env

        config = config_from_env()
    reader = Reader(ws, extractor, serial=serial, step_hook=step_hook, asks_model=asks_model)
    state = AppState(settings, ws, reader, Runner(reader, settings.workers), Evaluator(ws, settings.backend, config))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.runner.start(ws.db.pending())
        threading.Thread(target=warm_up, name="imr-llm-warm-up", daemon=True).start()
        try:
            yield
        finally:
            state.runner.stop()
            stack.close()
            ws.close()

    allowed = frozenset(LOOPBACK_NAMES | {settings.host}) if settings.loopback and not settings.token else None
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(HostCheck, allowed=allowed),
            Middleware(BodyLimit, limit=settings.limits.request_bytes),
            Middleware(TokenAuth, token=settings.token),
            Middleware(CsrfCookie),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.imr = state
    return app


def warm_up() -> None:
    """Load the parser, the ICD-10-CM index and the summary languages once, so the first letter a user
    sends is as fast as the rest (the first summary otherwise costs about 2 s of imports)."""
    try:
        from imr_llm.icd10 import icd10_index
        from imr_llm.schema import DisputedItem, LetterRecord
        from imr_llm.summary.summarize import summarize

        icd10_index()
        record = LetterRecord(template="final_2016", disputed_items=[DisputedItem(request="MRI", decision="upheld")])
        for lang in ("en", "es"):
            summarize(record, lang)
    except Exception:  # warming is an optimisation only
        log.debug("warm-up failed", exc_info=True)
