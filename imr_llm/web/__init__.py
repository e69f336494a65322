"""`imr-llm serve`: a local web app over the library (upload, letter view, review queue, gold export, eval).

Why a web app: the people who hand a summary to an injured worker, and those who check extractions
before a study, do not open a terminal. Everything here is an interface: reading, parsing, summaries
and evals are the library's (`imr_llm.loaders`, `parser`, `summary`, `evals`); this package stores
what they produce in a workspace (SQLite beside the uploaded files) and shows it.

The web stack (Starlette, uvicorn, python-multipart) is the optional extra `web`; nothing outside
this package imports it, and `imr-llm serve` imports it only when it runs.
"""

from __future__ import annotations

from imr_llm.web.config import Limits, Settings

__all__ = ["Limits", "Settings", "create_app"]


def __getattr__(name: str) -> object:
    if name == "create_app":  # the web stack loads only when the app is built
        from imr_llm.web.app import create_app

        return create_app
    raise AttributeError(name)
