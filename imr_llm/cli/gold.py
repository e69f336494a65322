"""`imr-llm gold`: make and check gold files for your own letters (docs/gold-format.md).

imr-llm gold init LETTERS... --out DIR    a starting gold file per letter, from the parser's record
imr-llm gold check DIR                    every gold file valid, and each beside its letter
imr-llm gold schema                       the gold format's JSON Schema
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Make and check gold files for your own letters.", no_args_is_help=True)

_NOTE = (
    "UNREVIEWED: written by imr-llm gold init on {date} from the parser's record. Check every value against the "
    "letter and correct it; then replace this note with the letter's quirks and your judgements."
)
_LETTERS = (".txt", ".text", ".pdf", ".tif", ".tiff", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp")


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
    from imr_llm.outputs import visible, write_file
    from imr_llm.parser import parse_letter
    from imr_llm.suffixes import IMAGE_SUFFIXES

    if out.exists() and not out.is_dir():
        fail(f"--out {visible(str(out))} is a file; give a folder for the gold files")
    writable_folder(out, "--out")
    failed = written = 0
    note = _NOTE.format(date=dt.date.today().isoformat())
    for path in _inputs(letters):
        name = _name(path)
        target = out / f"{name}.gold.json"
        if (target.exists() or target.is_symlink()) and not force:
            print(f"imr-llm: {target}: exists (use --force to replace it)", file=sys.stderr)
            failed += 1
            continue
        try:
            if path.is_dir():
                pages = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
                loaded = load_pages(pages)
            else:
                loaded = load_file(path)
            record = parse_letter(loaded)
        except ImrError as e:
            print(f"imr-llm: {path}: {e}", file=sys.stderr)
            failed += 1
            continue
        gold = gold_from_record(json.loads(record.model_dump_json()), note)
        kept = out / (f"{name}.pages" if path.is_dir() else path.name)
        if kept.is_symlink() and path.resolve() != kept.resolve():
            print(f"imr-llm: {kept}: a link; the letter is not copied through it", file=sys.stderr)
            failed += 1
            continue
        if path.resolve() != kept.resolve() and not kept.exists():
            (shutil.copytree if path.is_dir() else shutil.copy2)(path, kept)
        write_file(target, json.dumps(gold, indent=2, ensure_ascii=False) + "\n")  # a link there is replaced
        written += 1
        print(f"{target}: {len(gold['disputed_items'])} item(s); review it", file=sys.stderr)
    print(f"imr-llm: {written} gold file(s) written to {out}, {failed} failed", file=sys.stderr)
    raise typer.Exit(1 if failed else 0)


@app.command("check")
def check(folder: Annotated[Path, typer.Argument(help="a gold folder")]) -> None:
    """Validate every NAME.gold.json of a folder: the format, its letter beside it, its text in the letter."""
    from imr_llm.evals.gold_check import check_folder

    if not folder.is_dir():
        print(f"imr-llm: {folder}: not a folder", file=sys.stderr)
        raise typer.Exit(2)
    result = check_folder(folder)
    for name, problem in result.problems:
        print(f"imr-llm: {name}: {problem}", file=sys.stderr)
    if result.images_only:
        shown = ", ".join(result.images_only[:5]) + (", ..." if len(result.images_only) > 5 else "")
        print(
            f"imr-llm: {len(result.images_only)} letter(s) are images only ({shown}): their format is checked, but "
            "their copied strings could not be compared with a text; compare them with the letter by eye",
            file=sys.stderr,
        )
    with_problems = len({n for n, _ in result.problems})
    print(f"imr-llm: {result.checked} gold file(s) checked, {with_problems} with problems", file=sys.stderr)
    raise typer.Exit(1 if result.problems or not result.checked else 0)


@app.command("schema")
def schema() -> None:
    """Print the gold format's JSON Schema."""
    from imr_llm.evals.gold_format import gold_schema

    print(json.dumps(gold_schema(), indent=2))
