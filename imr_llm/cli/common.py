"""What every command shares: option types, one-line errors, the progress bar.

Only light modules are imported here: `imr-llm --help` and `imr-llm parse` never load the LLM
stack (openai, instructor) or the summary and eval machinery.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from imr_llm.errors import ConfigError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from imr_llm.llm.config import LLMConfig
    from imr_llm.loaders import LoadedLetter
    from imr_llm.pipeline.backends import Backend

# options shared by the LLM-using commands
BackendOpt = Annotated[
    str | None, typer.Option(help="rules | openai (any OpenAI-compatible server) | local (llama.cpp)")
]
BaseUrlOpt = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint [env IMR_LLM_BASE_URL]")]
ModelOpt = Annotated[str | None, typer.Option(help="model name [env IMR_LLM_MODEL]")]
ModelPathOpt = Annotated[Path | None, typer.Option(help="GGUF file for --backend local")]
MaxTokensOpt = Annotated[
    int | None, typer.Option(help="completion token cap per answer (default: sized from the letter's items)")
]
TimeoutOpt = Annotated[float | None, typer.Option(help="seconds per HTTP request")]
ApiKeyOpt = Annotated[
    str | None, typer.Option(help="API key for --base-url [env IMR_LLM_API_KEY; OPENAI_API_KEY only for OpenAI]")
]
LetterTimeoutOpt = Annotated[
    float | None,
    typer.Option(help="seconds for all LLM attempts on one letter (default 300 for openai, 120 for local)"),
]
CacheOpt = Annotated[Path | None, typer.Option(help="SQLite response cache and call log [env IMR_LLM_CACHE]")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="always call the model")]
PromptOpt = Annotated[str | None, typer.Option(help="prompt template NAME[@VERSION] (default extract@1)")]
LangOpt = Annotated[str, typer.Option(help="summary language (en | es)")]
FilesArg = Annotated[
    list[Path],
    typer.Argument(help="Letter files: text, PDF, or a scan / fax / photo (TIFF, PNG, JPEG)", show_default=False),
]
PagesOpt = Annotated[
    bool, typer.Option("--pages", help="the FILES are the pages (photos or scans) of ONE letter, in this order")
]
SaveTextOpt = Annotated[
    Path | None,
    typer.Option(help="write the text each letter was read as (the OCR text for scans) into this folder as NAME.txt"),
]

NO_LLM_HELP = (
    "no LLM configured: set OPENAI_API_KEY (OpenAI), or --base-url / IMR_LLM_BASE_URL and --model / IMR_LLM_MODEL "
    "(your own OpenAI-compatible server), or use --backend local (pip install 'imr-llm[local]'), "
    "or --backend rules for the parser alone"
)


def letters(files: list[Path], pages: bool) -> Iterator[tuple[str, Callable[[], LoadedLetter]]]:
    """(name, how to load it) per letter: each file, or all files as the pages of one letter."""
    from imr_llm.loaders import load_file, load_pages

    if pages:
        yield " + ".join(map(str, files)), lambda: load_pages(files)
        return
    for path in files:
        yield str(path), lambda path=path: load_file(path)  # type: ignore[misc]


def save_text(folder: Path | None, name: str, letter: LoadedLetter) -> None:
    """Keep the text the parser read (evidence spans point into it), e.g. a scan's OCR text."""
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    stem = Path(name.split(" + ")[0]).stem
    (folder / f"{stem}.txt").write_text(letter.text, encoding="utf-8")


def report_error(path: Path | str, error: BaseException | str) -> None:
    """One line on stderr: which file, and what is wrong with it."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    print(f"imr-llm: {path}: {message}", file=sys.stderr, flush=True)


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"imr-llm: {message}", file=sys.stderr)
    raise typer.Exit(code)


def backend_named(name: str) -> Backend:
    from imr_llm.pipeline.backends import get_backend

    try:
        return get_backend(name)
    except ConfigError as e:
        fail(str(e))


def check_language(code: str) -> None:
    from imr_llm.summary.languages import get_language

    try:
        get_language(code)
    except ConfigError as e:
        fail(str(e))


def llm_config(
    base_url: str | None = None,
    model: str | None = None,
    timeout: float | None = None,
    max_tokens: int | None = None,
    letter_timeout: float | None = None,
    log_text: bool = False,
    api_key: str | None = None,
) -> LLMConfig:
    from imr_llm.llm.config import config_from_env

    config = config_from_env(base_url, model, None, timeout, max_tokens, letter_timeout, api_key)
    return config.with_(log_text=log_text)


def progress_bar(console: Console, label: str) -> Progress:
    """Rate, ETA and failures, on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}/s"),
        TimeRemainingColumn(),
        TextColumn("failed {task.fields[failed]}"),
        console=console,
    )
