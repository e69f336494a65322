"""`imr-llm prompts`: list the prompt templates, show one, diff two."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated

import typer

from imr_llm.cli.common import fail
from imr_llm.errors import ConfigError

app = typer.Typer(help="The prompt templates: list (no arguments), show NAME@VERSION, diff A B.")


@app.callback(invoke_without_command=True)
def prompts(ctx: typer.Context) -> None:
    """List the prompt templates (NAME@VERSION) and what they are for."""
    if ctx.invoked_subcommand is not None:
        return
    from imr_llm.llm.prompts import available_prompts, load_prompt

    try:
        for ref in available_prompts():
            print(f"{ref}\t{load_prompt(ref).description}")
    except ConfigError as e:
        fail(str(e))


def _files(ref: str) -> list[tuple[str, str]]:
    """(label, text) of everything that makes a prompt: its prompt.toml, its templates (which may come
    from another version), and its few-shot example letters."""
    from imr_llm.llm.prompts import load_prompt, prompts_dir

    template = load_prompt(ref)
    own = prompts_dir() / template.name / template.version
    files: list[tuple[str, str]] = [("prompt.toml", _text(own / "prompt.toml"))]
    origin = "" if template.folder == own else f" (from {template.folder.parent.name}@{template.folder.name})"
    for name in ("system.j2", "user.j2"):
        files.append((name + origin, _text(template.folder / name)))
    files += [(f"example {Path(p).name}", _text(Path(p))) for p in template.examples]
    return files


def _text(path: Path) -> str:
    """A prompt file's text, read as `extract` reads it: a regular file, never through a link (one leading out of
    the prompt folder was shown) and never a pipe (a FIFO at a template's name made `show` wait forever)."""
    from imr_llm.outputs import read_regular

    data = read_regular(path, 10_000_000)
    if data is None:
        raise ConfigError(f"cannot read the prompt file {path}: not a regular file (a link, a pipe or missing)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read the prompt file {path}: not UTF-8 text") from None


@app.command("show")
def show(ref: Annotated[str, typer.Argument(help="NAME@VERSION, e.g. extract@2")]) -> None:
    """Print a prompt's prompt.toml, templates and examples."""
    try:
        files = _files(ref)
    except (ConfigError, OSError) as e:
        fail(str(e))
    for label, text in files:  # stdout that cannot take it: one line, exit 1 (imr_llm.cli.run)
        print(f"==> {label} <==")
        print(text.rstrip("\n"))
        print()


@app.command("diff")
def diff(
    a: Annotated[str, typer.Argument(help="NAME@VERSION")], b: Annotated[str, typer.Argument(help="NAME@VERSION")]
) -> None:
    """Unified diff of two prompts (templates, TOML and examples); exit 1 when they differ."""
    try:
        left, right = _files(a), _files(b)
    except (ConfigError, OSError) as e:
        fail(str(e))
    lines: list[str] = []
    for (la, ta), (lb, tb) in zip(_pad(left, len(right)), _pad(right, len(left)), strict=True):
        lines += difflib.unified_diff(
            ta.splitlines(keepends=True), tb.splitlines(keepends=True), f"{a}/{la}", f"{b}/{lb}"
        )
    print("".join(lines), end="")
    raise typer.Exit(1 if lines else 0)


def _pad(files: list[tuple[str, str]], length: int) -> list[tuple[str, str]]:
    return files + [("(none)", "")] * max(0, length - len(files))
