"""`imr-llm parse`, `extract` and `schema`: letters in, one JSON record per line out."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from imr_llm.cli.common import (
    NO_LLM_HELP,
    ApiKeyOpt,
    BackendOpt,
    BaseUrlOpt,
    CacheOpt,
    FilesArg,
    LetterTimeoutOpt,
    MaxTokensOpt,
    ModelOpt,
    ModelPathOpt,
    NoCacheOpt,
    PagesOpt,
    PromptOpt,
    SaveTextOpt,
    TextNotSaved,
    TimeoutOpt,
    backend_named,
    fail,
    letters,
    llm_config,
    note_unused,
    report_error,
    save_text,
    writable_folder,
    write_stdout,
)
from imr_llm.errors import ConfigError, ImrError
from imr_llm.llm.config import ModeChoice, llm_configured
from imr_llm.loaders import LoadedLetter
from imr_llm.schema import LetterRecord


def emit_records(
    files: list[Path],
    extract: Callable[[LoadedLetter], LetterRecord],
    llm_failure_fails: bool = True,
    pages: bool = False,
    text_folder: Path | None = None,
) -> int:
    """Run `extract` on each letter in order, print each record at once; return the failure count.

    A record whose LLM call failed is the parser's record: printed, with one line on stderr, and
    counted as a failure unless `llm_failure_fails` is False."""
    failed = 0
    for path, load in letters(files, pages):
        try:
            letter = load()
            try:
                save_text(text_folder, path, letter)
            except TextNotSaved:
                failed += 1  # reported; the record is still made and printed
            record = extract(letter)
        except ImrError as e:
            report_error(path, e)
            failed += 1
            continue
        except Exception as e:  # a bug must not lose the other files
            report_error(path, f"internal error ({type(e).__name__}: {e})")
            failed += 1
            continue
        write_stdout(record.to_json_line() + "\n")
        if record.llm is not None and record.llm.error:
            report_error(path, f"LLM failed ({record.llm.error_kind}: {record.llm.error}); printed the parser's record")
            failed += llm_failure_fails
    return failed


def parse(files: FilesArg, pages: PagesOpt = False, save_text: SaveTextOpt = None) -> None:
    """Parse letters with the deterministic parser; one JSON record per line, in input order."""
    from imr_llm.api import parse as parse_letter

    if save_text is not None:
        writable_folder(save_text, "--save-text")
    if emit_records(files, parse_letter, pages=pages, text_folder=save_text):
        raise typer.Exit(1)


def extract(
    files: FilesArg,
    backend: BackendOpt = None,
    base_url: BaseUrlOpt = None,
    api_key: ApiKeyOpt = None,
    model: ModelOpt = None,
    mode: Annotated[ModeChoice | None, typer.Option(help="instructor mode (auto = tools)")] = None,
    prompt: PromptOpt = None,
    model_path: ModelPathOpt = None,
    max_tokens: MaxTokensOpt = None,
    timeout: TimeoutOpt = None,
    letter_timeout: LetterTimeoutOpt = None,
    cache: CacheOpt = None,
    no_cache: NoCacheOpt = False,
    log_text: Annotated[bool, typer.Option(help="also write letter text into the call log")] = False,
    allow_llm_failure: Annotated[
        bool, typer.Option(help="exit 0 when the model failed on a letter (its parser record is printed anyway)")
    ] = False,
    pages: PagesOpt = False,
    save_text: SaveTextOpt = None,
) -> None:
    """Extract with an LLM, cross-checked by the parser: one merged record (with its cross-check) per line.

    When the model fails on a letter, the parser's record is printed (with `llm.error`, needing review)."""
    from imr_llm.api import reader

    if backend is None:
        if not (base_url or llm_configured()):
            fail(NO_LLM_HELP)
        backend = "openai"
    chosen = backend_named(backend)
    if save_text is not None:
        writable_folder(save_text, "--save-text")
    config = llm_config(base_url, model, timeout, max_tokens, letter_timeout, log_text, api_key)
    note_unused(chosen, base_url=base_url, model=model, prompt=prompt, model_path=model_path, mode=mode)
    if mode is not None:
        config = config.with_(mode=mode)
    try:
        with reader(
            chosen.name, config, prompt=prompt, model_path=model_path, cache=not no_cache, cache_path=cache
        ) as r:
            failed = emit_records(files, r.run, not allow_llm_failure, pages, save_text)
    except ConfigError as e:
        fail(str(e))
    if failed:
        raise typer.Exit(1)


def schema() -> None:
    """Print the JSON Schema of the record (`imr-llm parse` / `extract` output lines)."""
    print(json.dumps(LetterRecord.model_json_schema(), indent=1))
