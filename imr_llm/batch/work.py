"""One input -> one output line (a record, or an error record). Runs in worker processes or threads."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from imr_llm.errors import ImrError, InputError
from imr_llm.loaders import load_bytes, load_pages, read_bytes
from imr_llm.outputs import json_line, read_regular, safe_stem, visible, write_file
from imr_llm.pipeline.extraction import Extractor
from imr_llm.schema import LetterRecord, path_text
from imr_llm.suffixes import IMAGE_SUFFIXES, is_pages_folder, page_files
from imr_llm.summary.formats import Format
from imr_llm.summary.render import render_text
from imr_llm.summary.summarize import summarize


@dataclass(frozen=True)
class Outcome:
    path: str
    sha256: str
    line: str | None  # None: skipped (already in the output)
    error_kind: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = 0
    cost_model: str | None = None
    summary_failed: bool = False
    llm_failed: str | None = None  # the model's failure kind; the line holds the parser's record
    summary_error: str | None = None  # the summary could not be written (disk full, ...): the record still is


def error_line(path: str, sha256: str, kind: str, reason: str) -> str:
    source = {"path": path_text(path), "sha256": sha256 or None}
    return json_line({"error": reason, "error_kind": kind, "source": source})


def read_input(path: Path) -> tuple[bytes | None, str, str | None]:
    """(bytes, sha256, problem). A file too large still gets its hash, so a rerun skips it. A NAME.pages/ folder
    (one letter's page images) gives no bytes: its hash is over its pages' hashes, in page order."""
    if is_pages_folder(path):
        pages = page_files(path)
        if not pages:
            return None, "", f"no page images in this folder ({', '.join(IMAGE_SUFFIXES)})"
        digest = hashlib.sha256()
        try:
            for page in pages:
                digest.update(hashlib.sha256(read_bytes(page)).digest())
        except InputError as e:
            return None, "", f"{page.name}: {e}"
        return b"", digest.hexdigest(), None
    try:
        data = read_bytes(path)
    except InputError as e:
        problem = str(e)
        if problem.startswith("file too large"):
            data_hash = hashlib.sha256()
            with path.open("rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    data_hash.update(block)
            return None, data_hash.hexdigest(), problem
        return None, "", problem
    return data, hashlib.sha256(data).hexdigest(), None


def remove_stale_summaries(summaries: Path, stale: list[tuple[str, str]]) -> int:
    """Remove the summaries (in any language) this tool wrote for records since replaced; how many. A
    person's own file at such a name is kept."""
    from imr_llm.summary.languages import LANGUAGES

    removed = 0
    for name, digest in stale:
        for lang in LANGUAGES.names():
            old = summary_path(summaries, Path(name), digest, lang)
            if _persons_file(old, lang):
                continue
            with suppress(FileNotFoundError):
                old.unlink()  # a link is removed, never followed
                removed += 1
    return removed


# the last line of a batch summary: the hash of everything before it, so an edit anywhere in the page (not only
# notes added after it) makes it a person's file, kept (a Markdown comment: not shown where the page is rendered)
_MARK = re.compile(rb"\n<!-- imr-llm sha256=(?P<hash>[0-9a-f]{64}) -->\n\Z")


def _marked(text: str) -> str:
    body = text.encode("utf-8")
    return text + f"\n<!-- imr-llm sha256={hashlib.sha256(body).hexdigest()} -->\n"


def _is_summary(path: Path, lang: str) -> bool:
    """A regular file that is a summary as imr-llm writes it in `lang`: its title first (under a failed-checks
    banner, if any), its closing line last, and the hash mark after them that matches every byte before it. A
    copy with a person's notes added after it, an edit inside it, or a page with no mark (a person's editor may
    drop a Markdown comment; an older release wrote none) is theirs."""
    from imr_llm.summary.languages import get_language

    language = get_language(lang)
    whole = read_regular(path, 2_000_000)
    if whole is None:
        return False
    mark = _MARK.search(whole)
    if mark is None or hashlib.sha256(whole[: mark.start()]).hexdigest() != mark.group("hash").decode():
        return False  # edited since imr-llm wrote it, or its mark dropped (an editor's save, a page of an older
        # release): kept, never replaced or removed (a person's notes inside it would be lost)
    whole = whole[: mark.start()]
    lines = [line for line in whole.decode("utf-8", "replace").splitlines() if line.strip()]
    closing = f"**{language.not_advice[0]}** {language.not_advice[1]}"
    return f"# {language.title}" in lines[:3] and bool(lines) and lines[-1] == closing


def _persons_file(path: Path, lang: str) -> bool:
    """A file at a summary's name that imr-llm did not write and that replacing would lose: a regular file
    with no other name whose title is not a summary's (a person's notes). A link, a FIFO, or a second name
    of a file kept elsewhere loses nothing when replaced."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_nlink == 1 and not _is_summary(path, lang)


def summary_path(summaries: Path, path: Path, digest: str, lang: str) -> Path:
    """Named from the input's name as its record writes it (`source.path`), so a later run that writes it
    from the record (`missing_summaries`) finds it, whatever bytes the file name holds."""
    # the hash: two inputs never collide. A record's hash that is not one (an edited records file: "b/../../") is
    # hashed again, so a name is always a file in `summaries` (one had been written outside it)
    tag = digest[:8] if re.fullmatch(r"[0-9a-f]{8,64}", digest) else hashlib.sha256(digest.encode()).hexdigest()[:8]
    return summaries / f"{safe_stem(path)}-{tag}.{lang}.md"


def write_summary(record: LetterRecord, target: Path, lang: str) -> tuple[bool, str | None]:
    """Write the record's offline summary to `target`: (its checks failed, why it could not be written)."""
    outcome = summarize(record, lang)
    if _persons_file(target, lang):
        kept = f"{target} exists and is not a summary imr-llm wrote (kept; move it and rerun)"
        return not outcome.checks.passed, kept
    try:
        write_file(target, _marked(visible(render_text(outcome.summary, Format.MD, outcome.checks.problems))))
    except OSError as e:
        return not outcome.checks.passed, f"cannot write {target} ({e.strerror or e})"
    return not outcome.checks.passed, None


def missing_summaries(
    out: Path, summaries: Path, lang: str, fresh: set[tuple[str, str]] | None = None
) -> tuple[int, int, int, str | None]:
    """The summaries of records already in `out` that the folder lacks (a rerun that adds --summaries, or
    another --lang), written from the records themselves: (written, failed checks, not written, first reason)."""
    from pydantic import ValidationError

    written = failed = unwritten = 0
    error: str | None = None
    with out.open(encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                raw = json.loads(line)
                source = raw.get("source") or {}
                if fresh and (str(source["path"]), str(source["sha256"])) in fresh:
                    continue  # read this run: its page was written (or kept, and counted) then
                target = summary_path(summaries, Path(source["path"]), str(source["sha256"]), lang)
                if "error" in raw or (_is_summary(target, lang) and os.lstat(target).st_nlink == 1):
                    continue  # an error record has no summary; a written one is kept (a link there is replaced)
                record = LetterRecord.model_validate(raw)
            except (ValidationError, ValueError, RecursionError, AttributeError, KeyError, TypeError):
                continue  # a line that is not a record: no summary
            checks_failed, problem = write_summary(record, target, lang)
            written += problem is None
            unwritten += problem is not None
            failed += checks_failed
            error = error or problem
    return written, failed, unwritten, error


def process(
    path: Path, extractor: Extractor, done: set[tuple[str, str]], summaries: Path | None = None, lang: str = "en"
) -> Outcome:
    data, digest, problem = read_input(path)
    name = path_text(str(path))  # as the record names it (a name that is not UTF-8 escaped)
    key = (name, digest)
    if key in done:
        return Outcome(name, digest, None)
    if data is None and problem == "no such file" and any(done_name == name for done_name, _ in done):
        return Outcome(name, digest, None)  # gone for now (moved, unmounted): its earlier record is kept
    if data is None:
        return Outcome(name, digest, error_line(name, digest, "InputError", problem or "unreadable"), "InputError")
    try:
        letter = load_pages(page_files(path), name) if is_pages_folder(path) else load_bytes(data, name)
        extraction = extractor.extract(letter)
        record: LetterRecord = extraction.merged
    except ImrError as e:
        kind = type(e).__name__
        return Outcome(name, digest, error_line(name, digest, kind, str(e)), kind)
    except Exception as e:  # a bug must not stop the batch
        kind = "internal"
        return Outcome(name, digest, error_line(name, digest, kind, f"{type(e).__name__}: {e}"), kind)
    summary_failed, summary_error = (
        write_summary(record, summary_path(summaries, Path(name), digest, lang), lang) if summaries else (False, None)
    )
    run = extraction.run
    return Outcome(
        name,
        digest,
        record.to_json_line(),
        None,
        run.prompt_tokens if run and not run.cached else 0,  # a cached answer spent nothing this run
        run.completion_tokens if run and not run.cached else 0,
        run.requests if run else 0,
        run.model if run else None,
        summary_failed,
        run.error_kind if run is not None and run.error else None,
        summary_error,
    )
