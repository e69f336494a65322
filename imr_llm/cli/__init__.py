"""The `imr-llm` command line: one module per command group, one Typer app.

Every command reads letters one at a time and writes each result as soon as it exists, so an
error in one file never loses the others. Errors are one line on stderr naming the file; the exit
code is 1 when any input failed, 2 for a usage or configuration error.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import signal
import sys
from typing import Annotated

import typer

from imr_llm.cli import cache, gold, prompts
from imr_llm.cli.batch import batch
from imr_llm.cli.evals import eval_command
from imr_llm.cli.logs import logs
from imr_llm.cli.records import extract, parse, schema
from imr_llm.cli.report import report
from imr_llm.cli.serve import serve
from imr_llm.cli.summaries import summarize
from imr_llm.errors import ConfigError, ImrError, Terminated
from imr_llm.outputs import visible
from imr_llm.version import VERSION as __version__

# Click's exception classes, from the copy of Click this Typer uses (Typer >= 0.22 vendors its own)
_UsageError: type[Exception] = typer.BadParameter.__mro__[1]
_ClickException: type[Exception] = _UsageError.__mro__[1]

app = typer.Typer(
    name="imr-llm",
    help="Read California IMR Final Determination letters into typed records and plain-language summaries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def version_callback(value: bool) -> None:
    if value:
        print(f"imr-llm {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """imr-llm: IMR letters in, records and summaries out."""


app.command()(parse)
app.command()(extract)
app.command()(summarize)
app.command("eval")(eval_command)
app.command()(batch)
app.command()(schema)
app.command()(logs)
app.command()(serve)
app.command()(report)
app.add_typer(prompts.app, name="prompts")
app.add_typer(cache.app, name="cache")
app.add_typer(gold.app, name="gold")


def empty_argument(args: list[str]) -> str | None:
    """What is wrong when an argument is empty, else None. An empty value is never meant: it is a shell
    variable that was not set (`--out "$DIR"`), and Click reads "" as a path to the current folder, so
    `summarize --out ""` wrote its files wherever the command was run."""
    for k, arg in enumerate(args):
        if arg.startswith("--") and arg.endswith("=") and len(arg) > 3:
            return f"{arg[:-1]}: an empty value (give a value, or leave the option out)"
        if arg == "":
            before = args[k - 1] if k else ""
            if before.startswith("--") and "=" not in before:
                return f"{before}: an empty value (give a value, or leave the option out)"
            return "an empty argument (a file name that is empty?)"
    return None


def run() -> None:
    """Console-script entry point: no traceback ever reaches the user."""
    if sys.stdout is None:  # started with stdout closed (`>&-`): what a command prints fails, and says so
        sys.stdout = _ClosedStdout()
    # `kill PID` stops a run as Ctrl-C does: what is done is kept, begun letters finished, temporary files gone
    signal.signal(signal.SIGTERM, _terminate)
    problem = empty_argument(sys.argv[1:])
    if problem:
        print(visible(f"imr-llm: {problem}", keep_newlines=False), file=sys.stderr)
        sys.exit(2)
    try:
        # not standalone: Click's errors come back here, to be said in one line
        code = app(standalone_mode=False, prog_name="imr-llm")
    except _ClickException as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # a command given nothing to work on prints its help
            e.show()  # type: ignore[attr-defined]
            sys.exit(e.exit_code)  # type: ignore[attr-defined]
        # a usage error: one line naming the command, not a boxed panel
        ctx = getattr(e, "ctx", None)
        command = ctx.command_path if isinstance(e, _UsageError) and ctx is not None else "imr-llm"
        hint = f" (see '{command} --help')" if isinstance(e, _UsageError) else ""
        message = e.format_message()  # type: ignore[attr-defined]
        print(visible(f"{command}: {message}{hint}", keep_newlines=False), file=sys.stderr)
        sys.exit(e.exit_code)  # type: ignore[attr-defined]
    except typer.Abort:
        print("imr-llm: aborted", file=sys.stderr)
        sys.exit(1)
    except Terminated:
        print("imr-llm: terminated (SIGTERM); what was done is kept: rerun the same command to finish", file=sys.stderr)
        sys.exit(143)
    except KeyboardInterrupt:
        print("imr-llm: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as e:
        if (line := path_refused(e)) is not None:
            print(line, file=sys.stderr)
            sys.exit(2)
        if e.errno not in _OUTPUT_ERRORS:
            _internal_error(e)
        # a full disk, a broken device or a closed stdout, where no command said which file (a full stdout for
        # `schema`, `report`, `--help`): the user's problem, said in one line, never "internal error"
        _stdout_dropped()
        print(f"imr-llm: cannot write its output ({e.strerror or e})", file=sys.stderr)
        sys.exit(1)
    except UnicodeEncodeError as e:
        encoding = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "").replace("_", "")
        if encoding.startswith("utf"):
            _internal_error(e)
        # PYTHONIOENCODING=ascii, a C locale: the summary's words cannot be written to this stdout (said in ASCII)
        _stdout_dropped()
        print(
            f"imr-llm: the output's encoding ({e.encoding}) cannot hold this text: set PYTHONIOENCODING=utf-8 "
            "(or a UTF-8 locale), or write to a file (--out)",
            file=sys.stderr,
        )
        sys.exit(1)
    except ImrError as e:  # a user's input or set-up that a command did not catch itself: still one line
        print(visible(f"imr-llm: {e}", keep_newlines=False), file=sys.stderr)
        sys.exit(2 if isinstance(e, ConfigError) else 1)
    except Exception as e:  # a bug: still one line, never a traceback
        _internal_error(e)
    try:  # what is still buffered goes now, where a failure can be said (at exit it would be a warning)
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _stdout_dropped()
        sys.exit(0)
    except OSError as e:
        _stdout_dropped()
        print(f"imr-llm: cannot write to stdout ({e.strerror or e})", file=sys.stderr)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)  # typer.Exit(n) comes back as n


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


_NAME_ERRORS = {errno.ENAMETOOLONG, errno.ELOOP}
_OUTPUT_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EBADF}


class _ClosedStdout(io.TextIOBase):
    """stdout when the process was started without one: Click's help and echo skip a missing stream
    silently (`imr-llm schema >&-` printed nothing and exited 0); this one refuses every write."""

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed")


def path_refused(e: OSError) -> str | None:
    """The one line for a path the system refuses by its name (a name past 255 bytes, a symbolic link loop),
    wherever it was given (--out, --cache, --prices, an input, a workspace): the user's to fix, never an internal
    error. None for any other OSError."""
    if e.errno not in _NAME_ERRORS:
        return None
    name = str(e.filename or "")
    shown = name if len(name) <= 80 else f"{name[:40]}...{name[-30:]}"
    return visible(f"imr-llm: {shown}: {e.strerror or e}", keep_newlines=False)


def _stdout_dropped() -> None:
    """stdout's buffered rest is dropped, never retried (and failed again) as the interpreter exits."""
    with contextlib.suppress(OSError):
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115


def _internal_error(e: BaseException) -> None:
    message = visible(f"imr-llm: internal error ({type(e).__name__}: {e}); please report it", keep_newlines=False)
    print(message, file=sys.stderr)
    sys.exit(70)


__all__ = ["app", "path_refused", "run"]
