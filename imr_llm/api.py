"""The library API: `parse`, `extract`, `reader`, `summarize` (re-exported by `imr_llm`); the CLI and the
web app call these too.

Heavy parts load on first use: `parse` never imports the LLM stack, `summarize` only for LLM-written
reasons. For many letters with an LLM, open the backend once with `reader(...)` and call its `run` per
letter, instead of calling `extract` per letter (each call opens the backend, and `local` may start its
server).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from imr_llm.errors import InputError
from imr_llm.schema import LetterRecord
from imr_llm.suffixes import LETTER_SUFFIXES

if TYPE_CHECKING:
    from imr_llm.llm.config import LLMConfig
    from imr_llm.loaders import LoadedLetter
    from imr_llm.pipeline.extraction import Extractor
    from imr_llm.summary.model import Summary

Source: TypeAlias = "str | Path | bytes | LoadedLetter"


def _load(source: Source) -> LoadedLetter:
    """The letter from a path (`pathlib.Path` or any `os.PathLike`: the file is read), a file's `bytes`,
    a `str`, which is always the letter's text and never opened as a file: a service that passes a
    user's text to `parse` cannot be made to read `/proc/self/environ` or another letter; or a letter
    already loaded (`imr_llm.loaders.load_file`, as the CLI does with its page groups)."""
    from imr_llm.loaders import LoadedLetter, load_bytes, load_file
    from imr_llm.schema import Source as RecordSource

    if isinstance(source, LoadedLetter):
        return source
    if isinstance(source, os.PathLike):
        return load_file(Path(source))
    if isinstance(source, bytes):
        return load_bytes(source)
    if isinstance(source, str):
        if "\n" not in source.strip() and len(source) < 4096 and source.strip().lower().endswith(LETTER_SUFFIXES):
            raise InputError(
                "parse() and extract() read a str as the letter's text, and this one looks like a file name: "
                "pass pathlib.Path(...) to read a file"
            )
        return LoadedLetter(source, RecordSource(kind="text"))
    raise InputError(f"cannot read a letter from {type(source).__name__}: give a Path, bytes or the letter's text")


def parse(source: Source) -> LetterRecord:
    """The deterministic parser's record of one letter: `source` is a `Path` (the file is read), the
    file's `bytes`, or the letter's text as a `str` (never opened as a file).

    >>> record = parse(Path("samples/synth-2016-basic.txt"))
    >>> [item.decision for item in record.disputed_items]
    ['upheld', 'overturned']
    """
    from imr_llm.parser import parse_letter

    letter = _load(source)
    return parse_letter(letter)


@contextmanager
def reader(
    backend: str = "rules",
    config: LLMConfig | None = None,
    *,
    prompt: str | None = None,
    model_path: Path | None = None,
    cache: bool = True,
    cache_path: Path | None = None,
) -> Iterator[Extractor]:
    """A backend opened once for many letters: `with reader("openai") as r: record = r.run(letter)`, where
    `letter` is a `LoadedLetter` (`imr_llm.loaders.load_file`). The response cache (`cache_path`, else the
    user's) is open as long, and only when the backend asks a model; `config` defaults to the environment's."""
    from imr_llm.llm.cache import opened
    from imr_llm.llm.config import config_from_env
    from imr_llm.llm.prompts import DEFAULT_PROMPT
    from imr_llm.pipeline.backends import BackendOptions, get_backend, open_extractor

    chosen = get_backend(backend)
    config = config or (config_from_env() if chosen.uses_llm else None)
    with opened(cache_path, cache, chosen.uses_llm) as store:
        options = BackendOptions(prompt=prompt or DEFAULT_PROMPT, model_path=model_path, cache=store)
        with open_extractor(backend, replace(options, config=config) if config else options) as extractor:
            yield extractor


def extract(
    source: Source,
    backend: str = "openai",
    *,
    base_url: str | None = None,
    model: str | None = None,
    prompt: str | None = None,
    model_path: Path | None = None,
    cache: bool = True,
    **settings: Any,
) -> LetterRecord:
    """The LLM's answer cross-checked with the parser and merged (the parser's record, with
    `llm.error`, when the model fails). `settings` are `LLMConfig` fields (max_tokens,
    letter_timeout_s, temperature, ...); the environment fills the rest as for the CLI."""
    from imr_llm.llm.config import config_from_env

    config = config_from_env(base_url, model)
    if settings:
        config = config.with_(**settings)
    with reader(backend, config, prompt=prompt, model_path=model_path, cache=cache) as extractor:
        return extractor.run(_load(source))


def summarize(record: LetterRecord, lang: str = "en") -> Summary:
    """The offline plain-language summary of a record, checked: `summary.checks.passed`, and
    `summary.render("md" | "txt" | "html" | "json")`."""
    from imr_llm.summary.summarize import summarize as summarize_record

    outcome = summarize_record(record, lang)
    outcome.summary.attach_checks(outcome.checks)
    return outcome.summary
