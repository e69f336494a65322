"""The command line, run in this process: Typer's CliRunner instead of a fresh Python for every call.

A fresh `python -m imr_llm` costs about a second of imports on this machine, and the CLI tests made
about a hundred of them. `run_cli` gives the same view a user has (exit code, stdout, stderr; any
exception turned into the one line `imr_llm.cli.run` prints), with the LLM settings of the
developer's shell removed so no test talks to a real server or opens the real cache. Tests of what
only a separate process shows (start-up, signals, kill -9, resource limits, `python -m imr_llm`
itself) still start one.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path

from typer.testing import CliRunner

from imr_llm.cli import app
from imr_llm.outputs import visible

LLM_VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "IMR_LLM_BASE_URL", "IMR_LLM_MODEL", "IMR_LLM_API_KEY")


@contextlib.contextmanager
def _cwd(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    cwd: Path | None = None,
    keep_llm_env: bool = False,
) -> subprocess.CompletedProcess[str]:
    """`imr-llm ARGS` in this process, as a CompletedProcess (returncode, stdout, stderr)."""
    overrides: dict[str, str | None] = {} if keep_llm_env else dict.fromkeys(LLM_VARS)
    overrides.update(env or {})
    with _cwd(cwd):
        result = CliRunner().invoke(app, list(args), env=overrides, input=input, catch_exceptions=True)
    code, stderr = result.exit_code, result.stderr
    error = result.exception
    if error is not None and not isinstance(error, SystemExit):  # what imr_llm.cli.run makes of it
        if isinstance(error, KeyboardInterrupt):
            code, line = 130, "imr-llm: interrupted"
        else:
            code = 70
            line = visible(
                f"imr-llm: internal error ({type(error).__name__}: {error}); please report it", keep_newlines=False
            )
        stderr += line + "\n"
    return subprocess.CompletedProcess(list(args), code, result.stdout, stderr)
