"""`imr-llm report RECORDS.jsonl --out DIR`: uphold rates by group with letter-respecting intervals."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from imr_llm.errors import ImrError

_RECORDS = typer.Argument(help="JSON Lines records (imr-llm parse / batch --out)")


def report(
    records: Annotated[Path, _RECORDS],
    out: Annotated[Path, typer.Option("--out", help="folder for report.html, report.md and the by_*.csv tables")],
    resamples: Annotated[
        int, typer.Option(min=1, max=100_000, help="bootstrap resamples (letters drawn with replacement)")
    ] = 1000,
    seed: Annotated[
        int,
        typer.Option(min=0, max=2**32 - 1, help="bootstrap seed: the same records and seed give the same intervals"),
    ] = 0,
    min_letters: Annotated[
        int, typer.Option(min=1, max=1_000_000, help="a group with fewer letters is marked small")
    ] = 10,
    parquet_dir: Annotated[
        Path | None,
        typer.Option(help="where RECORDS.items.parquet and RECORDS.letters.parquet go (default: beside RECORDS)"),
    ] = None,
) -> None:
    """Uphold rates by kind of care, drug class, body site, guideline, reason, ICD-10-CM chapter, reviewer
    specialty and decision month, with 95% cluster-bootstrap intervals over letters, as HTML (with plots),
    Markdown and CSV; and the letters and items tables as Parquet."""
    from imr_llm.outputs import visible
    from imr_llm.research.report import build_report

    if not records.is_file():
        print(visible(f"imr-llm: {records}: not a file", keep_newlines=False), file=sys.stderr)
        raise typer.Exit(2)
    if resamples < 1 or min_letters < 1:
        print("imr-llm: --resamples and --min-letters must be at least 1", file=sys.stderr)
        raise typer.Exit(2)
    try:
        made = build_report(
            records, out, resamples=resamples, seed=seed, min_letters=min_letters, parquet_dir=parquet_dir
        )
    except ImrError as e:
        print(visible(f"imr-llm: {e}", keep_newlines=False), file=sys.stderr)
        raise typer.Exit(2) from None
    except OSError as e:  # an output folder under a file, a full disk, no permission
        problem = f"imr-llm: cannot write the report: {e.strerror or e} ({e.filename or out})"
        print(visible(problem, keep_newlines=False), file=sys.stderr)
        raise typer.Exit(1) from None
    rate = "no decision read" if made.overall.rate is None else f"{100 * made.overall.rate:.1f}% upheld"
    print(
        visible(f"{made.letters} letters, {made.items} items: {rate}; ", keep_newlines=False)
        + visible(f"wrote {out / 'report.html'} ({made.seconds:.1f} s)", keep_newlines=False)
        + (f"; {made.skipped} line(s) left out (error records, or not a valid letter record)" if made.skipped else "")
        + (
            f"; {made.repeated} record(s) of a letter already counted left out (same case number or file)"
            if made.repeated
            else ""
        ),
        file=sys.stderr,
    )
    for path in made.files:
        print(visible(path, keep_newlines=False))
