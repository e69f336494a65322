"""`imr-llm serve`: the local web app (upload, letter view, review queue, gold export, eval).

Only typer is imported at start-up; the web stack (Starlette, uvicorn) loads when the command runs,
so every other command starts as fast as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from imr_llm.cli.common import BackendOpt, fail

DEFAULT_WORKSPACE = Path("imr-workspace")


def serve(
    workspace: Annotated[
        Path, typer.Argument(help="folder for the workspace (SQLite + uploaded files); made if missing")
    ] = DEFAULT_WORKSPACE,
    host: Annotated[
        str, typer.Option(help="address to listen on; any but 127.0.0.1/localhost/::1 requires a token")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="port to listen on")] = 8000,
    backend: BackendOpt = None,
    workers: Annotated[int, typer.Option(min=1, help="background threads reading letters (OCR, parsing)")] = 2,
) -> None:
    """Run the web app on this machine: drop in letters, read and print summaries, review, export gold.

    On a host other than loopback the app requires a token: set IMR_LLM_SERVE_TOKEN (16 characters or
    more), or one is made and printed with the address to open.
    """
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        fail("the web app needs its extra: pip install 'imr-llm[web]'")
    from imr_llm.errors import ConfigError
    from imr_llm.web.config import MIN_TOKEN_CHARS, TOKEN_ENV, Settings, is_loopback
    from imr_llm.web.security import new_token

    name = backend or "rules"
    destination = ""
    if workspace.exists() and not workspace.is_dir():
        fail(f"workspace {workspace} is a file; give a folder (made if missing)")
    problem, port = _cannot_listen(host, port)
    if problem:
        fail(f"cannot listen on {host} port {port}: {problem}")
    token = os.environ.get(TOKEN_ENV) or None
    if token is not None and len(token) < MIN_TOKEN_CHARS:
        fail(f"{TOKEN_ENV} must be at least {MIN_TOKEN_CHARS} characters")
    shown_token = None
    if not is_loopback(host) and token is None:
        token = shown_token = new_token()
    try:
        from imr_llm.pipeline.backends import get_backend

        chosen = get_backend(name)
        if chosen.remote:
            from imr_llm.llm.config import config_from_env

            config = config_from_env()
            config.check()
            destination = f"{config.display_url} (model {config.model})"
        elif chosen.uses_llm:
            destination = "a llama.cpp server on this machine (nothing leaves it)"
        settings = Settings(
            workspace=workspace,
            host=host,
            port=port,
            token=token,
            backend=name,
            destination=destination,
            workers=max(1, workers),
            reviewer=os.environ.get("USER") or "reviewer",
        )
        from imr_llm.web.app import create_app

        app = create_app(settings)
    except ConfigError as e:
        fail(str(e))
    except OSError as e:  # the workspace under a file, a folder that cannot be made
        fail(f"workspace {workspace} cannot be made or opened ({e.strerror or e})")
    shown_host = f"[{host}]" if ":" in host else host
    url = f"http://{shown_host}:{port}/"
    print(f"imr-llm: workspace {settings.workspace.resolve()}", file=sys.stderr)
    if not chosen.uses_llm:
        print(f"imr-llm: backend {name}: no letter text leaves this machine", file=sys.stderr)
    else:
        print(f"imr-llm: backend {name}: letter text goes to {destination}", file=sys.stderr)
    if shown_token is not None:
        print(f"imr-llm: open {url}?token={shown_token}  (a token is required on {host})", file=sys.stderr)
    else:
        print(f"imr-llm: open {url}", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _cannot_listen(host: str, port: int) -> tuple[str | None, int]:
    """Why the app could not listen on host:port (an unknown address, a port in use), or None: said in one
    line before the web stack starts, instead of the server's own lines; and the port (for port 0, the free one
    the system gave, so the address printed is the one the app listens on: it had printed ":0")."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
            port = int(probe.getsockname()[1])
    except OSError as e:  # socket.gaierror included
        return e.strerror or str(e), port
    return None, port
