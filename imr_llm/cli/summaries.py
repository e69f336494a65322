"""`imr-llm summarize`: a plain-language summary per letter, checked before it is shown."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from imr_llm.batch.outfile import turn
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
from imr_llm.outputs import OutputNames, json_text, read_regular, safe_stem, visible, write_file
from imr_llm.schema import path_text
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


def _checks_of(record: Path, fmt: Format) -> dict[str, object] | None:
    """The checks imr-llm wrote beside (or, for JSON, inside) a summary, if the file there is one of its own
    (with the keys it writes); else None."""
    raw = read_regular(record)  # a summary's record is small (a large file is not one); never a FIFO's wait
    try:
        data = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    keys = {"summary", "checks"} if fmt is Format.JSON else {"passed", "source", "problems"}
    if not (isinstance(data, dict) and keys <= data.keys()):
        return None
    checks = data["checks"] if fmt is Format.JSON else data
    return checks if isinstance(checks, dict) else {}


def _of_another_letter(record: Path, fmt: Format, letter: str) -> bool:
    """The summary there was written (by an earlier run) for another letter of the same file name."""
    checks = _checks_of(record, fmt)
    return checks is not None and checks.get("letter", letter) != letter


def _targets(out: Path, stem: str, lang: str, fmt: Format) -> list[Path]:
    """The summary, and (but for JSON, which holds its checks) its checks beside it."""
    names = [f"{stem}.{lang}.{fmt.value}"] + ([] if fmt is Format.JSON else [f"{stem}.{lang}.checks.json"])
    return [out / name for name in names]


def _write_in(
    out: Path,
    names: OutputNames | None,
    letter: str,
    lang: str,
    fmt: Format,
    checks: dict[str, object],
    text: str,
    inputs: set[str] | frozenset[str],
) -> list[Path]:
    """Write the summary (and its checks) into `out` under its name; the files written."""
    stem = (names or OutputNames()).stem(letter)
    targets = _targets(out, stem, lang, fmt)
    if _of_another_letter(targets[-1], fmt, str(checks["letter"])):
        # an earlier run's summary of another letter named the same (a/X.pdf, then b/X.pdf): kept, and this
        # one named by its path's hash, as a second letter of that name within one run is
        stem = f"{stem}-{hashlib.sha256(letter.encode()).hexdigest()[:8]}"
        targets = _targets(out, stem, lang, fmt)
    earlier = _checks_of(targets[-1], fmt)
    for target in targets:
        if os.path.realpath(target) in inputs:
            raise OSError(errno.EEXIST, f"{target} is one of the input letters; choose another --out")
        if os.path.lexists(target) and earlier is None:
            # a rerun replaces its own summary; a file of someone else's (notes, another tool's output) is kept
            raise OSError(
                errno.EEXIST, f"{target} exists and is not a summary imr-llm wrote; move it or choose another --out"
            )
    written = earlier.get("files") if earlier is not None and fmt is not Format.JSON else None
    if (
        isinstance(written, dict)
        and os.path.lexists(targets[0])
        and written.get(targets[0].name) != _digest(targets[0])
    ):
        # one checks file serves every format of a name: it vouches only for the files it lists as written (an
        # html run's checks never vouch for a person's NAME.en.md; a summary changed since is someone's now)
        raise OSError(
            errno.EEXIST,
            f"{targets[0]} exists and is not the summary imr-llm wrote there; move it or choose another --out",
        )
    write_file(targets[0], text)
    if fmt is not Format.JSON:
        files = {**(written if isinstance(written, dict) else {}), targets[0].name: _digest_of(text)}
        checks = {**checks, "files": files}
        try:
            write_file(targets[1], json_text(json.dumps(checks, ensure_ascii=False, indent=1)) + "\n")
        except OSError:
            # a full disk between the two: the summary is never left without the checks that vouch for it (a rerun
            # refused it as someone else's file, for ever)
            with contextlib.suppress(OSError):
                targets[0].unlink()
            raise
    return targets


def _digest_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _digest(path: Path) -> str | None:
    """The SHA-256 of a regular file's bytes (a link, a FIFO or a large file: None, never a match)."""
    raw = read_regular(path, 20_000_000)
    return hashlib.sha256(raw).hexdigest() if raw is not None else None


def write_summary(
    path: Path,
    outcome: SummaryOutcome,
    fmt: Format,
    out: Path | None,
    names: OutputNames | None = None,
    inputs: set[str] | frozenset[str] = frozenset(),
) -> None:
    from imr_llm.summary.render import render

    # a file name's bytes that are not UTF-8 as escapes: written raw into the checks they stopped the run with an
    # internal error, after the summary was written
    letter = path_text(os.path.realpath(path))
    checks = outcome.checks.model_dump(mode="json") | {
        "source": outcome.summary.source,
        "rejected_llm_rewrite": outcome.rejected,
    }
    if out is not None:  # which letter a summary in a folder is of: a later run never replaces another's
        checks["letter"] = visible(letter, keep_newlines=False)
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
        with turn(out, "the summaries folder"):
            # the name is chosen and written in one turn: two runs at once never both take a free name
            targets = _write_in(out, names, letter, outcome.summary.lang, fmt, checks, text, inputs)
        if targets[0].name != f"{safe_stem(path)}.{outcome.summary.lang}.{fmt.value}":
            said = f"imr-llm: {path}: summary written as {targets[0].name}"
            print(visible(said, keep_newlines=False), file=sys.stderr)
    line = f"imr-llm: {path}: summary checks {status}; {score}; {outcome.summary.source}{note}"
    print(visible(line, keep_newlines=False), file=sys.stderr)
