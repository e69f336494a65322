"""`imr-llm gold`: make and check gold files for your own letters (docs/gold-format.md).

imr-llm gold init LETTERS... --out DIR    a starting gold file per letter, from the parser's record
imr-llm gold check DIR                    every gold file valid, and each beside its letter
imr-llm gold schema                       the gold format's JSON Schema
"""

from __future__ import annotations

import datetime as dt
import filecmp
import json
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from imr_llm.outputs import visible
from imr_llm.suffixes import LETTER_SUFFIXES as _LETTERS  # the one table of letter file types

app = typer.Typer(help="Make and check gold files for your own letters.", no_args_is_help=True)

_NOTE = (
    "UNREVIEWED: written by imr-llm gold init on {date} from the parser's record. Check every value against the "
    "letter and correct it; then replace this note with the letter's quirks and your judgements."
)


def _inputs(paths: list[Path]) -> list[Path]:
    """Letter files, and NAME.pages/ folders (photos of one letter's pages); folders are searched (not deep)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir() and not path.name.endswith(".pages"):
            out += sorted(
                p
                for p in path.iterdir()
                if (p.is_file() and p.suffix.lower() in _LETTERS and not p.name.endswith(".gold.json"))
                or (p.is_dir() and p.name.endswith(".pages"))
            )
        else:
            out.append(path)
    return out


def _copy(path: Path, kept: Path) -> None:
    """The letter put beside its gold file (a folder of pages there that differs was refused before)."""
    from imr_llm.outputs import atomic_write

    if path.is_dir():
        shutil.copytree(path, kept)
    else:
        # a link or an older copy there is replaced, never written through
        with atomic_write(kept, binary=True) as sink:
            sink.write(path.read_bytes())


_HEADER_DATES = ("decision_date", "date_of_injury", "ur_determination_date", "application_received_date")


def _reading(record: object) -> tuple[object, dict[str, object]]:
    """What a letter reads as, beyond its case number: two forms of one letter read the same requests and
    decisions (two letters of one case, an IMR and its later one, do not), and the same header dates."""
    items = getattr(record, "disputed_items", [])
    dates = {field: getattr(record, field, None) for field in _HEADER_DATES}
    return tuple((" ".join(str(i.request).lower().split()), i.decision) for i in items), dates


def _read_alike(a: tuple[object, dict[str, object]], b: tuple[object, dict[str, object]]) -> str | None:
    """None when two readings can be one letter; else what differs. A date one form could not read (a scan's
    unread field) is no difference; a date both read and read differently is (a letter re-dated or re-issued)."""
    if a[0] != b[0]:
        return "their requests or decisions differ"
    for field in _HEADER_DATES:
        x, y = a[1].get(field), b[1].get(field)
        if x is not None and y is not None and x != y:
            return f"their {field.replace('_', ' ')}s differ ({x} and {y})"
    return None


def _same_letter(a: Path, b: Path) -> bool:
    """The same letter: one file (or folder of pages), or files with the same bytes."""
    try:
        if a.resolve() == b.resolve():
            return True
        if a.is_dir() or b.is_dir():
            if not (a.is_dir() and b.is_dir()):
                return False
            names = sorted(p.name for p in a.iterdir())
            if names != sorted(p.name for p in b.iterdir()):
                return False
            same, _, _ = filecmp.cmpfiles(a, b, names, shallow=False)
            return len(same) == len(names)
        return filecmp.cmp(a, b, shallow=False)
    except OSError:
        return False


def _unlike_form(
    out: Path, name: str, path: Path, reading: tuple[str | None, tuple[object, dict[str, object]]]
) -> Path | None:
    """A letter file NAME.* in the gold folder, of another type than `path`, that does not read as the same letter
    (another case number, other requests or decisions, a header date read two ways), or cannot be read."""
    from imr_llm.errors import ImrError
    from imr_llm.loaders import load_file
    from imr_llm.parser import parse_letter

    kept_name = f"{name}.pages" if path.is_dir() else path.name
    for suffix in (*_LETTERS, ".scan.pdf"):
        there = out / f"{name}{suffix}"
        if there.name.lower() == kept_name.lower() or not there.is_file() or _same_letter(path, there):
            continue
        try:
            record = parse_letter(load_file(there), codes=False)
        except ImrError:
            return there
        if record.case_number != reading[0] or _read_alike(_reading(record), reading[1]) is not None:
            return there
    return None


def _other_letter(
    out: Path, name: str, path: Path, case: str | None, reading: tuple[object, dict[str, object]]
) -> Path | None:
    """Another letter the gold folder's NAME.gold.json is of: a letter file of that name which is not this
    letter, beside a gold file of another case number (A.pdf's gold there, A.txt of another case given with
    --force). The same letter in another form (its gold file's case number read alike) is no conflict; a
    file of the same type is replaced with its gold file."""
    from imr_llm.outputs import read_regular

    raw = read_regular(out / f"{name}.gold.json")  # never a FIFO's wait
    try:
        there_case = json.loads(raw).get("case_number") if raw is not None else None
    except (ValueError, AttributeError):
        raw = None
    if raw is None:
        # no gold file of this name: a letter of another type already there is read, and must be this letter
        return _unlike_form(out, name, path, (case, reading))
    if case is not None and there_case == case:
        return None
    kept_name = f"{name}.pages" if path.is_dir() else path.name
    for suffix in (*_LETTERS, ".scan.pdf", ".pages"):
        there = out / f"{name}{suffix}"
        if there.name.lower() == kept_name.lower() and not there.is_dir():
            continue  # replaced by this letter's copy
        if (there.exists() or there.is_symlink()) and not _same_letter(path, there):
            return there
    return None


def _name(path: Path) -> str:
    name = path.name
    for suffix in (".pages", ".scan.pdf", path.suffix):
        if suffix and name.lower().endswith(suffix.lower()):
            return name[: -len(suffix)]
    return name


@app.command("init")
def init(
    letters: Annotated[list[Path], typer.Argument(help="letter files, NAME.pages/ folders of photos, or folders")],
    out: Annotated[Path, typer.Option("--out", help="the gold folder to write (NAME.gold.json + the letter)")],
    force: Annotated[bool, typer.Option("--force", help="replace gold files that already exist")] = False,
) -> None:
    """Write a starting gold file per letter from the parser's record, and put the letter beside it."""
    from imr_llm.cli.common import fail, writable_folder
    from imr_llm.errors import ImrError
    from imr_llm.evals.gold_format import gold_from_record
    from imr_llm.loaders import load_file, load_pages
    from imr_llm.outputs import write_file
    from imr_llm.parser import parse_letter
    from imr_llm.suffixes import IMAGE_SUFFIXES

    if out.exists() and not out.is_dir():
        fail(f"--out {visible(str(out))} is a file; give a folder for the gold files")
    writable_folder(out, "--out")
    failed = written = 0
    note = _NOTE.format(date=dt.date.today().isoformat())
    # name -> the letter its gold file is from, its case number, and what it reads as (requests and decisions)
    named: dict[str, tuple[Path, str | None, tuple[object, dict[str, object]]]] = {}

    def refuse(message: str) -> None:
        nonlocal failed
        print(visible(f"imr-llm: {message}", keep_newlines=False), file=sys.stderr)
        failed += 1

    for path in _inputs(letters):
        name = _name(path)
        target = out / f"{name}.gold.json"
        earlier = named.get(name)
        if earlier is None and (target.exists() or target.is_symlink()) and not force:
            refuse(f"{target}: exists (use --force to replace it)")
            continue
        try:
            if path.is_dir():
                pages = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
                loaded = load_pages(pages)
            else:
                loaded = load_file(path)
            record = parse_letter(loaded)
        except ImrError as e:
            refuse(f"{path}: {e}")
            continue
        kept = out / (f"{name}.pages" if path.is_dir() else path.name)
        if kept.is_symlink() and path.resolve() != kept.resolve():
            refuse(f"{kept}: a link; the letter is not copied through it")
            continue
        if earlier is not None:
            first, case, reading = earlier
            differs = "their case numbers differ" if case is None or record.case_number != case else None
            if (differs := differs or _read_alike(_reading(record), reading)) is not None:
                # A.pdf and A.txt, two letters: one gold file would be written over the other's, beside both
                refuse(f"{path}: a second letter named {name} (after {first}; {differs}); a gold folder holds one "
                       "letter per name: rename one")  # fmt: skip
                continue
            if not kept.exists():  # the same letter in another form (read alike): beside its gold file
                _copy(path, kept)
            print(visible(f"{kept}: the same letter as {first} (case {case}), beside {target}"), file=sys.stderr)
            continue
        other = _other_letter(out, name, path, record.case_number, _reading(record))
        if other is not None:
            refuse(f"{path}: {other} is already the letter named {name} in {out}; remove it or rename this letter")
            continue
        replacing = force and (target.exists() or target.is_symlink())
        there = (kept.exists() or kept.is_symlink()) and path.resolve() != kept.resolve()
        if there and not replacing and not _same_letter(path, kept):
            # a file of that name that is not this letter (a person's notes, another file): never written over
            refuse(f"{kept}: exists and is not this letter; move it (--force replaces a letter that has a gold file)")
            continue
        named[name] = (path, record.case_number, _reading(record))
        gold = gold_from_record(json.loads(record.model_dump_json()), note)
        if path.resolve() != kept.resolve() and not (kept.exists() and _same_letter(path, kept)):
            _copy(path, kept)  # --force over a letter of this name: the gold file's letter is this one
        write_file(target, json.dumps(gold, indent=2, ensure_ascii=False) + "\n")  # a link there is replaced
        written += 1
        print(visible(f"{target}: {len(gold['disputed_items'])} item(s); review it"), file=sys.stderr)
    print(visible(f"imr-llm: {written} gold file(s) written to {out}, {failed} failed"), file=sys.stderr)
    raise typer.Exit(1 if failed else 0)


@app.command("check")
def check(folder: Annotated[Path, typer.Argument(help="a gold folder")]) -> None:
    """Validate every NAME.gold.json of a folder: the format, its letter beside it, its text in the letter."""
    from imr_llm.evals.gold_check import check_folder

    if not folder.is_dir():
        print(visible(f"imr-llm: {folder}: not a folder"), file=sys.stderr)
        raise typer.Exit(2)
    result = check_folder(folder)
    for name, problem in result.problems:
        print(visible(f"imr-llm: {name}: {problem}", keep_newlines=False), file=sys.stderr)
    _say_some(
        result.images_only,
        "letter(s) are images only ({shown}): their format is checked, but their copied strings could not be "
        "compared with a text; compare them with the letter by eye",
    )
    _say_some(
        result.unchecked_images,
        "image form(s) beside a checked text were not checked ({shown}): make sure each is the same letter as its "
        "text (an eval scores every form)",
    )
    with_problems = len({n for n, _ in result.problems})
    print(visible(f"imr-llm: {result.checked} gold file(s) checked, {with_problems} with problems"), file=sys.stderr)
    raise typer.Exit(1 if result.problems or not result.checked else 0)


def _say_some(names: list[str], what: str) -> None:
    """One line naming how many files `what` says of, the first five shown."""
    if names:
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        print(visible(f"imr-llm: {len(names)} " + what.format(shown=shown)), file=sys.stderr)


@app.command("schema")
def schema() -> None:
    """Print the gold format's JSON Schema."""
    from imr_llm.evals.gold_format import gold_schema

    print(json.dumps(gold_schema(), indent=2))
