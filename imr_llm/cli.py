"""The `imr-llm` command line.

Every command reads letters one at a time and writes each result as soon as it
exists, so an error in one file never loses the others. Errors are one line on
stderr naming the file; the exit code is 1 when any input failed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from imr_llm import __version__
from imr_llm.errors import ImrError
from imr_llm.loaders import load_file
from imr_llm.parser import parse_text

app = typer.Typer(
    name="imr-llm",
    help="Read California IMR Final Determination letters into typed records and plain-language summaries.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

FilesArg = Annotated[list[Path], typer.Argument(help="Letter files (.txt or .pdf)", show_default=False)]


def report_error(path: Path | str, error: BaseException | str) -> None:
    """One line on stderr: which file, and what is wrong with it."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    print(f"imr-llm: {path}: {message}", file=sys.stderr, flush=True)


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


@app.command()
def parse(files: FilesArg) -> None:
    """Parse letters with the deterministic parser; one JSON record per line, in input order."""
    failed = 0
    for path in files:
        try:
            loaded = load_file(path)
            record = parse_text(loaded.text, loaded.source)
        except ImrError as e:
            report_error(path, e)
            failed += 1
            continue
        except Exception as e:  # a parser bug must not lose the other files
            report_error(path, f"internal error ({type(e).__name__}: {e})")
            failed += 1
            continue
        sys.stdout.write(record.to_json_line() + "\n")
        sys.stdout.flush()
    if failed:
        raise typer.Exit(1)


def run() -> None:
    """Console-script entry point: no traceback ever reaches the user."""
    try:
        app()
    except KeyboardInterrupt:
        print("imr-llm: interrupted", file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)


if __name__ == "__main__":
    run()
