"""The library API: `parse`, `extract`, `reader`, `summarize` (re-exported by `imr_llm`); the CLI and the
web app call these too.

Heavy parts load on first use: `parse` never imports the LLM stack, `summarize` only for LLM-written
reasons. For many letters with an LLM, open the backend once with `reader(...)` and call its `run` per
letter, instead of calling `extract` per letter (each call opens the backend, and `local` may start its
server).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeAlias, TypeVar

from imr_llm.errors import ConfigError, InputError
from imr_llm.schema import LetterRecord

if TYPE_CHECKING:
    from imr_llm.llm.config import LLMConfig
    from imr_llm.loaders import LoadedLetter
    from imr_llm.pipeline.extraction import Extractor
    from imr_llm.summary.model import Summary

Source: TypeAlias = "str | Path | bytes | LoadedLetter"
P = ParamSpec("P")
T = TypeVar("T")


def _load(source: Source) -> LoadedLetter:
    """The letter, from whatever `Source` names it (`imr_llm.loaders.as_letter`)."""
    from imr_llm.loaders import as_letter

    return as_letter(source)


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


def _with_only(opener: Callable[P, AbstractContextManager[T]]) -> Callable[P, AbstractContextManager[T]]:
    """`opener`, whose context manager, used without `with` (`reader("rules").run(p)`), says how to use it
    (ConfigError) instead of an AttributeError."""

    @functools.wraps(opener)
    def opening(*args: P.args, **kwargs: P.kwargs) -> AbstractContextManager[T]:
        return _WithOnly(opener(*args, **kwargs))

    return opening


class _WithOnly(AbstractContextManager[T]):
    def __init__(self, opening: AbstractContextManager[T]) -> None:
        self._opening = opening

    def __enter__(self) -> T:
        return self._opening.__enter__()

    def __exit__(self, *exc: Any) -> bool | None:
        return self._opening.__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        raise ConfigError(f"use the reader in a with-block: `with imr_llm.reader(...) as r: r.{name}(...)`")


@_with_only
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
    `letter` is what `parse` takes (a Path, bytes, the text, a loaded letter). The response cache
    (`cache_path`, else the user's) is open as long, and only when the backend asks a model; `config`
    defaults to the environment's. Used without `with`, it says so (ConfigError)."""
    from imr_llm.llm.cache import opened
    from imr_llm.llm.config import LLMConfig, config_from_env
    from imr_llm.llm.prompts import DEFAULT_PROMPT
    from imr_llm.pipeline.backends import BackendOptions, get_backend, open_extractor

    chosen = get_backend(backend)
    if config is not None and not isinstance(config, LLMConfig):
        raise ConfigError(f"config must be an LLMConfig (imr_llm.llm.config), not {type(config).__name__}")
    for name, value in (("prompt", prompt), ("model_path", model_path), ("cache_path", cache_path)):
        if value is not None and not isinstance(value, str | os.PathLike):
            raise ConfigError(f"{name} must be a {'str' if name == 'prompt' else 'path'}, not {type(value).__name__}")
    model_path = Path(model_path) if model_path is not None else None
    cache_path = Path(cache_path) if cache_path is not None else None
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

    for name, value in (("base_url", base_url), ("model", model)):
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{name} must be a str, not {type(value).__name__}")
    config = config_from_env(base_url, model)
    if settings:
        config = config.with_(**settings)
    with reader(backend, config, prompt=prompt, model_path=model_path, cache=cache) as extractor:
        return extractor.run(_load(source))


def summarize(record: LetterRecord | dict[str, Any], lang: str = "en") -> Summary:
    """The offline plain-language summary of a record (a `LetterRecord`, or one read back from JSON as a
    dict), checked: `summary.checks.passed`, and `summary.render("md" | "txt" | "html" | "json")`."""
    from pydantic import ValidationError

    from imr_llm.summary.summarize import summarize as summarize_record

    if isinstance(record, dict):
        try:
            record = LetterRecord.model_validate(record)
        except ValidationError as e:
            raise InputError(f"not a letter record ({e.error_count()} field(s) invalid, first: {_first(e)})") from None
    if not isinstance(record, LetterRecord):
        raise InputError(f"summarize() takes a LetterRecord (from parse or extract), not {type(record).__name__}")
    _summarisable(record)
    outcome = summarize_record(record, lang)
    outcome.summary.attach_checks(outcome.checks)
    return outcome.summary


def _summarisable(record: LetterRecord) -> None:
    """A record no letter gives is refused, not summarised: no request at all ("All zero were approved"), or an
    item whose decision and "medically necessary" disagree (an edited or a model's record): which one the page
    should state cannot be told."""
    if not record.disputed_items:
        raise InputError("a letter record with no disputed item: there is nothing to summarise")
    for n, item in enumerate(record.disputed_items, 1):
        expected = {"overturned": True, "upheld": False}.get(item.decision or "")
        if expected is not None and item.medically_necessary is not None and item.medically_necessary != expected:
            raise InputError(
                f"item {n}: decision {item.decision!r} and medically_necessary {item.medically_necessary} disagree; "
                "fix the record"
            )


def _first(error: Any) -> str:
    first = error.errors()[0]
    return ".".join(str(p) for p in first["loc"]) + ": " + str(first["msg"])
