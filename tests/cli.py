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
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

from typer.testing import CliRunner

from imr_llm.cli import app, empty_argument, path_refused
from imr_llm.errors import ConfigError, ImrError
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
    problem = empty_argument(list(args))
    if problem:  # what imr_llm.cli.run says before Click sees the arguments
        return subprocess.CompletedProcess(
            list(args), 2, "", visible(f"imr-llm: {problem}", keep_newlines=False) + "\n"
        )
    overrides: dict[str, str | None] = {} if keep_llm_env else dict.fromkeys(LLM_VARS)
    overrides.update(env or {})
    with _cwd(cwd):
        result = CliRunner().invoke(app, list(args), env=overrides, input=input, catch_exceptions=True)
    code, stderr = result.exit_code, result.stderr
    error = result.exception
    if error is not None and not isinstance(error, SystemExit):  # what imr_llm.cli.run makes of it
        if isinstance(error, KeyboardInterrupt):
            code, line = 130, "imr-llm: interrupted"
        elif isinstance(error, OSError) and (refused := path_refused(error)) is not None:
            code, line = 2, refused
        elif isinstance(error, ImrError):  # as imr_llm.cli.run says it
            code = 2 if isinstance(error, ConfigError) else 1
            line = visible(f"imr-llm: {error}", keep_newlines=False)
        else:
            code = 70
            line = visible(
                f"imr-llm: internal error ({type(error).__name__}: {error}); please report it", keep_newlines=False
            )
        stderr += line + "\n"
    return subprocess.CompletedProcess(list(args), code, result.stdout, stderr)


BOUNDED = 300.0  # a call given a shorter timeout tests a bound on waiting: it runs in its own process


def run_command(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = BOUNDED, **process: object
) -> subprocess.CompletedProcess[str]:
    """`imr-llm ARGS` as the hardening tests call it, with `env` a whole environment (as for a process).

    In this process (`run_cli`) unless what is tested needs a process of its own: a `preexec_fn`
    (resource limits, another user) or a timeout shorter than the default, which a test gives when
    what it checks is that the command does not wait forever; in this process a hang would hang the
    suite instead of failing the test. The LLM settings of the developer's shell never reach it, and
    the session's temporary cache (conftest) stays unless `env` names another."""
    cwd = process.pop("cwd", None)
    if process or timeout < BOUNDED:
        whole = dict(env) if env is not None else _clean(os.environ)
        if "IMR_LLM_CACHE" in os.environ:
            whole.setdefault("IMR_LLM_CACHE", os.environ["IMR_LLM_CACHE"])
        return subprocess.run(
            [sys.executable, "-m", "imr_llm", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=whole,
            cwd=cwd,  # type: ignore[arg-type]
            **process,  # type: ignore[arg-type]
        )
    overrides: dict[str, str | None] = {k: None for k in os.environ if k.startswith(_LLM_PREFIXES)}
    overrides.pop("IMR_LLM_CACHE", None)
    if env is not None:
        overrides.update({k: v for k, v in env.items() if os.environ.get(k) != v or k in overrides})
    return run_cli(*args, env=overrides, cwd=cwd if cwd is None else Path(str(cwd)), keep_llm_env=True)


_LLM_PREFIXES = ("OPENAI_", "IMR_LLM_")


def _clean(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without the developer's LLM settings, keeping the session's temporary cache."""
    return {k: v for k, v in environ.items() if not k.startswith(_LLM_PREFIXES) or k == "IMR_LLM_CACHE"}
