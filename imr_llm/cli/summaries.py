"""`imr-llm summarize`: a plain-language summary per letter, checked before it is shown."""

from __future__ import annotations

import errno
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imr_llm.cli.common import (
    BaseUrlOpt,
    CacheOpt,
    FilesArg,
    LangOpt,
    LetterTimeoutOpt,
    ModelOpt,
    ModelPathOpt,
    NoCacheOpt,
    PagesOpt,
    SaveTextOpt,
    TextNotSaved,
    TimeoutOpt,
    backend_named,
    check_language,
    fail,
    letters,
    llm_config,
    report_error,
    writable_folder,
    write_stdout,
)
from imr_llm.cli.common import save_text as keep_text
from imr_llm.errors import ConfigError, ImrError
from imr_llm.outputs import OutputNames, json_text, visible, write_file
from imr_llm.summary.formats import Format

if TYPE_CHECKING:
    from imr_llm.summary.model import SummaryOutcome


def summarize(
    files: FilesArg,
    fmt: Annotated[Format, typer.Option("--format", help="md | txt | json | html")] = Format.MD,
    lang: LangOpt = "en",
    out: Annotated[Path | None, typer.Option(help="folder to write NAME.LANG.EXT (+ .checks.json) into")] = None,
    backend: Annotated[
        str, typer.Option(help="rules = offline templates; openai | local = LLM-written reasons, checked")
    ] = "rules",
    base_url: BaseUrlOpt = None,
    model: ModelOpt = None,
    prompt: Annotated[str, typer.Option(help="prompt template NAME[@VERSION] for LLM reasons")] = "summary",
    model_path: ModelPathOpt = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
    pages: PagesOpt = False,
    save_text: SaveTextOpt = None,
    timeout: TimeoutOpt = None,
    letter_timeout: LetterTimeoutOpt = None,
) -> None:
    """Plain-language summaries for the injured worker, checked before they are shown.

    A summary that fails its checks is still written, with a warning at its top, and the exit code is 1."""
    from imr_llm.llm.cache import opened
    from imr_llm.parser import parse_letter
    from imr_llm.pipeline.backends import BackendOptions, open_transport
    from imr_llm.summary.summarize import summarize as summarize_record

    check_language(lang)
    chosen = backend_named(backend)
    config = llm_config(base_url, model, timeout, letter_timeout=letter_timeout)
    if out is not None:
        if out.exists() and not out.is_dir():
            fail(f"--out {out} is a file; give a folder for the summaries")
        writable_folder(out, "--out")
    if save_text is not None:
        writable_folder(save_text, "--save-text")
    inputs = {os.path.realpath(f) for f in files}  # a summary never replaces an input letter
    try:
        with (
            open_transport(chosen.name, BackendOptions(config, model_path=model_path)) as client,
            opened(cache, not no_cache, client is not None) as store,
        ):
            template = None
            if client is not None:
                from imr_llm.llm.prompts import load_prompt

                template = load_prompt(prompt)
            failed = 0
            names = OutputNames()
            for name, load in letters(files, pages):
                path = Path(name.split(" + ")[0])
                try:
                    loaded = load()
                    try:
                        keep_text(save_text, name, loaded)
                    except TextNotSaved:
                        failed += 1  # reported; the summary is still made
                    outcome = summarize_record(parse_letter(loaded, codes=False), lang, client, template, store)
                except ImrError as e:
                    report_error(name, e)
                    failed += 1
                    continue
                try:
                    write_summary(path, outcome, fmt, out, names, inputs)
                except OSError as e:
                    report_error(name, f"summary not written ({e.strerror or e})")
                    failed += 1
                    continue
                failed += not outcome.checks.passed
    except ConfigError as e:
        fail(str(e))
    if failed:
        raise typer.Exit(1)


def _written_here(record: Path, fmt: Format) -> bool:
    """The file imr-llm writes beside (or as) a summary is there and is one of its own: the checks JSON (for JSON,
    the summary itself) with the keys it writes."""
    try:
        with open(record, "rb") as f:  # a summary's record is small; a large file is not one
            data = json.loads(f.read(1_000_000))
    except (OSError, ValueError):
        return False
    keys = {"summary", "checks"} if fmt is Format.JSON else {"passed", "source", "problems"}
    return isinstance(data, dict) and keys <= data.keys()


def write_summary(
    path: Path,
    outcome: SummaryOutcome,
    fmt: Format,
    out: Path | None,
    names: OutputNames | None = None,
    inputs: set[str] | frozenset[str] = frozenset(),
) -> None:
    from imr_llm.summary.render import render

    checks = outcome.checks.model_dump(mode="json") | {
        "source": outcome.summary.source,
        "rejected_llm_rewrite": outcome.rejected,
    }
    text = render(outcome.summary, fmt, checks)
    # a letter's control characters (ANSI escapes, bidi overrides) never reach a terminal or a page raw
    text = json_text(text) if fmt is Format.JSON else visible(text)
    status = "passed" if outcome.checks.passed else "FAILED: " + "; ".join(outcome.checks.problems)
    if outcome.checks.notes:
        status += " (target missed: " + "; ".join(outcome.checks.notes) + ")"
    score = f"grade {outcome.checks.grade}" if outcome.checks.grade is not None else f"ease {outcome.checks.ease}"
    note = f" (LLM rewrite rejected: {'; '.join(outcome.rejected)})" if outcome.rejected else ""
    if out is None:
        write_stdout(text if fmt is Format.JSON else text + ("\n" if fmt is not Format.HTML else ""))
    else:
        stem = (names or OutputNames()).stem(path)
        targets = [out / f"{stem}.{outcome.summary.lang}.{fmt.value}"]
        if fmt is not Format.JSON:
            targets.append(out / f"{stem}.{outcome.summary.lang}.checks.json")
        for target in targets:
            if os.path.realpath(target) in inputs:
                raise OSError(errno.EEXIST, f"{target} is one of the input letters; choose another --out")
            if os.path.lexists(target) and not _written_here(targets[-1], fmt):
                # a rerun replaces its own summary; a file of someone else's (notes, another tool's output) is kept
                raise OSError(
                    errno.EEXIST, f"{target} exists and is not a summary imr-llm wrote; move it or choose another --out"
                )
        write_file(targets[0], text)
        if fmt is not Format.JSON:
            write_file(targets[1], json_text(json.dumps(checks, ensure_ascii=False, indent=1)) + "\n")
    line = f"imr-llm: {path}: summary checks {status}; {score}; {outcome.summary.source}{note}"
    print(visible(line, keep_newlines=False), file=sys.stderr)
