"""`imr-llm report RECORDS.jsonl --out DIR`: uphold rates by group, with letter-respecting intervals.

Writes DIR/report.html (tables and plots in one file), DIR/report.md, DIR/by_DIMENSION.csv, and the two
analyst tables beside the records (RECORDS.items.parquet, RECORDS.letters.parquet, joined by `letter_id`).
"""

from __future__ import annotations

import base64
import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from jinja2 import Environment, PackageLoader

from imr_llm.errors import ConfigError
from imr_llm.outputs import atomic_write, csv_cell, file_sha256, md_escape, read_regular, visible
from imr_llm.research.fields import ITEM_COLUMNS, LETTER_COLUMNS, Tables, normalise_specialty, read_records, tables
from imr_llm.research.stats import DEFAULT_MIN_LETTERS, DEFAULT_RESAMPLES, GroupRate, group_rates, letter_weights

NONE_GROUP = "(none)"
NOT_READ_GROUP = "(not read)"


@dataclass(frozen=True)
class Dimension:
    name: str
    title: str
    meaning: str
    level: str  # "item" or "letter"
    groups: Callable[[dict[str, Any], dict[str, Any]], list[str]]  # (item row, letter row) -> its groups
    only: Callable[[dict[str, Any]], bool] = lambda item: True
    multi: bool = False  # an item can be in several groups (counted in each)


def _one(value: Any, missing: str = NONE_GROUP) -> list[str]:
    return [str(value)] if value not in (None, "") else [missing]


def _many(values: list[str], missing: str = NONE_GROUP) -> list[str]:
    return list(values) or [missing]


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "kind",
        "Kind of care",
        "The care classifier's stable code for what the request asks for (imr_llm.care.kinds): medication, "
        "imaging, electrodiagnostic, lab_test, therapy, injection, surgery, surgery_related, equipment, visit, "
        "home_care, other; '(none)' when no rule was sure.",
        "item",
        lambda i, _: _one(i["kind"]),
    ),
    Dimension(
        "drug_class",
        "Drug class (medication items)",
        "For medication items only: the product's class from the drug table (imr_llm/care/drugs.toml, classes "
        "named after the MTUS Chronic Pain Medical Treatment Guidelines' medication sections): an opioid when "
        "any ingredient is one, else the class all ingredients share, else 'multiple'; '(none)' when the drug "
        "is not in the table.",
        "item",
        lambda i, _: _one(i["drug_class"]),
        only=lambda i: i["kind"] == "medication",
    ),
    Dimension(
        "compounded",
        "Compounded or not (medication items)",
        "For medication items only: whether the product is compounded (stated, a compounding kit, or several "
        "active ingredients in one topical base).",
        "item",
        lambda i, _: ["compounded" if i["drug_compounded"] else "not compounded"],
        only=lambda i: i["kind"] == "medication",
    ),
    Dimension(
        "body_site",
        "Body site",
        "The body part the item is about (imr_llm.care.sites): from the request's words, else the guideline "
        "chapter cited when the diagnoses agree, else the diagnoses (for care that treats the injured part); "
        "'multiple' when the item names several sites; '(none)' when not stated.",
        "item",
        lambda i, _: _one(i["body_site"]),
    ),
    Dimension(
        "guideline",
        "Guideline cited",
        "The short names on the item's MAXIMUS guideline line (the reviewer's basis). An item citing two "
        "guidelines is counted under each; '(none)' when the reviewer cited no medical evidence; '(not read)' "
        "when the line is missing or names nothing the parser reads.",
        "item",
        lambda i, _: [NOT_READ_GROUP] if i["guidelines_cited"] is None else _many(i["guidelines_cited"]),
        multi=True,
    ),
    Dimension(
        "reason_topic",
        "Reason topic",
        "What the decision turned on, as the parser reads the rationale (functional_improvement, "
        "conservative_care, clinical_findings, request_details, guideline_amount, indication, "
        "safety_monitoring, linked_service, other).",
        "item",
        lambda i, _: _one(i["reason_topic"]),
    ),
    Dimension(
        "icd10cm_chapter",
        "ICD-10-CM chapter of the diagnoses",
        "The chapters of the letter's diagnosis codes (only codes the tool is certain of). A letter's items are "
        "counted under each chapter its diagnoses fall in; '(none)' when no diagnosis has a certain code.",
        "letter",
        lambda _, letter: _many(letter["icd10cm_chapters"]),
        multi=True,
    ),
    Dimension(
        "reviewer_specialty",
        "Reviewer specialty",
        "The expert reviewer's certifications / specialties, normalised to one name each (the printed values "
        "are listed beside). A reviewer with two specialties counts under both.",
        "letter",
        lambda _, letter: _many(letter["reviewer_specialties"]),
        multi=True,
    ),
    Dimension(
        "decision_month",
        "Decision month",
        "The month of the IMR decision date (header); '(none)' for letters without one.",
        "letter",
        lambda _, letter: _one(letter["decision_month"]),
    ),
)


@dataclass
class DimensionResult:
    dimension: Dimension
    rows: list[GroupRate]
    printed: dict[str, list[str]] = field(default_factory=dict)  # specialty: normalised -> printed values
    plot: str = ""  # data URI of the PNG


@dataclass
class Report:
    source: str
    letters: int
    items: int
    decided: int
    unread: int
    skipped: int
    repeated: int
    overall: GroupRate
    resamples: int
    seed: int
    min_letters: int
    results: list[DimensionResult]
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0


def compute(
    data: Tables, resamples: int = DEFAULT_RESAMPLES, seed: int = 0, min_letters: int = DEFAULT_MIN_LETTERS
) -> tuple[GroupRate, list[DimensionResult]]:
    letter_index = {row["letter_id"]: k for k, row in enumerate(data.letters)}
    weights = letter_weights(max(1, len(data.letters)), resamples, seed)
    decided = [i for i in data.items if i["upheld"] is not None]
    letter_rows = {row["letter_id"]: row for row in data.letters}
    li = np.array([letter_index[i["letter_id"]] for i in decided], dtype=np.int64)
    up = np.array([1.0 if i["upheld"] else 0.0 for i in decided], dtype=np.float32)
    overall = group_rates(li, np.zeros(len(decided), dtype=np.int64), up, ["all items"], weights, min_letters)[0]
    results = []
    for dim in DIMENSIONS:
        rows_l: list[int] = []
        rows_g: list[int] = []
        rows_u: list[float] = []
        names: dict[str, int] = {}
        for k, item in enumerate(decided):
            if not dim.only(item):
                continue
            for g in dict.fromkeys(dim.groups(item, letter_rows[item["letter_id"]])):
                rows_l.append(int(li[k]))
                rows_g.append(names.setdefault(g, len(names)))
                rows_u.append(float(up[k]))
        groups = list(names)
        rates = group_rates(
            np.array(rows_l, dtype=np.int64),
            np.array(rows_g, dtype=np.int64),
            np.array(rows_u, dtype=np.float32),
            groups,
            weights,
            min_letters,
        )
        if dim.name == "decision_month":
            rates.sort(key=lambda r: r.group)
        else:
            rates.sort(key=lambda r: (r.group == NONE_GROUP, -r.items, r.group))
        result = DimensionResult(dim, rates)
        if dim.name == "reviewer_specialty":
            for letter in data.letters:
                for printed in letter["reviewer_specialties_printed"]:
                    values = result.printed.setdefault(normalise_specialty(printed), [])
                    if printed not in values:
                        values.append(printed)
        results.append(result)
    return overall, results


# -- plots ----------------------------------------------------------------------------------------------

MAX_BARS = 25


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def plot(result: DimensionResult, overall: GroupRate) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in result.rows if r.rate is not None]
    if not rows:
        return ""
    if result.dimension.name == "decision_month":
        fig, (ax, bars) = plt.subplots(2, 1, figsize=(8, 4.6), sharex=True, height_ratios=(3, 1))
        x = np.arange(len(rows))
        rates = [r.rate or 0.0 for r in rows]
        ax.fill_between(
            x, [r.low or 0.0 for r in rows], [r.high or 0.0 for r in rows], alpha=0.25, label="95% interval"
        )
        ax.plot(x, rates, marker="o", label="share upheld")
        ax.set_ylim(0, 1.02)
        ax.set_ylabel("share upheld")
        ax.legend(loc="lower left", fontsize=8)
        bars.bar(x, [r.items for r in rows], color="grey")
        bars.set_ylabel("items")
        bars.set_xticks(x, [visible(r.group) for r in rows], rotation=45, ha="right", fontsize=8)
        fig.suptitle("Share upheld by decision month (bands: 95% cluster-bootstrap intervals)", fontsize=10)
    else:
        rows = rows[:MAX_BARS]
        fig, ax = plt.subplots(figsize=(8, 0.34 * len(rows) + 1.2))
        y = np.arange(len(rows))[::-1]
        rates = [r.rate or 0.0 for r in rows]
        errors = np.array(
            [
                [max(0.0, (r.rate or 0) - (r.low or 0)) for r in rows],
                [max(0.0, (r.high or 0) - (r.rate or 0)) for r in rows],
            ]
        )
        colours = ["#bbbbbb" if r.small else "#3b6ea8" for r in rows]
        ax.barh(y, rates, xerr=errors, color=colours, capsize=3, hatch=None)
        for yy, r in zip(y, rows, strict=True):
            ax.text(
                1.01, yy, f"n={r.items} ({r.letters} letters){' small' if r.small else ''}", va="center", fontsize=7
            )
        ax.axvline(overall.rate or 0.0, color="black", linestyle=":", linewidth=1)
        ax.set_yticks(y, [visible(r.group[:48]) for r in rows], fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_xlabel(
            "share upheld (bars: 95% cluster-bootstrap intervals; grey: fewer letters than the minimum; "
            "dotted: all items)",
            fontsize=7,
        )
        ax.set_title(result.dimension.title, fontsize=10)
    out = _png(fig)
    plt.close(fig)
    return out


# -- writing ----------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "group",
    "printed",
    "letters",
    "items",
    "upheld",
    "overturned",
    "uphold_rate",
    "ci_low",
    "ci_high",
    "small",
)


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.3f}"


def _csv_row(result: DimensionResult, r: GroupRate) -> dict[str, Any]:
    """One CSV row; a letter's words in it (a specialty as printed) are never a formula or a raw control."""
    return {
        "group": csv_cell(r.group),
        "printed": csv_cell("; ".join(result.printed.get(r.group, []))),
        "letters": r.letters,
        "items": r.items,
        "upheld": r.upheld,
        "overturned": r.overturned,
        "uphold_rate": _fmt(r.rate),
        "ci_low": _fmt(r.low),
        "ci_high": _fmt(r.high),
        "small": r.small,
    }


def write_parquet(data: Tables, items_path: Path, letters_path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - the report extra
        raise ConfigError("Parquet output needs pyarrow: pip install 'imr-llm[report]'") from None
    list_str = pa.list_(pa.string())
    letter_types = {
        "reviewer_specialties_printed": list_str,
        "reviewer_specialties": list_str,
        "reviewer_states": list_str,
        "diagnoses": list_str,
        "diagnosis_codes": list_str,
        "icd10cm_chapters": list_str,
        "patient_age": pa.int64(),
        "items_in_letter": pa.int64(),
        "needs_review": pa.bool_(),
    }
    item_types = {
        "item_number": pa.int64(),
        "upheld": pa.bool_(),
        "drug_ingredients": list_str,
        "drug_compounded": pa.bool_(),
        "body_sites": list_str,
        "guidelines_cited": list_str,
        "partly_authorized": pa.bool_(),
    }
    for rows, columns, types, path in (
        (data.letters, LETTER_COLUMNS, letter_types, letters_path),
        (data.items, ITEM_COLUMNS, item_types, items_path),
    ):
        schema = pa.schema(
            [pa.field(c, types.get(c, pa.string()), metadata={"description": d}) for c, d in columns.items()]
        )
        table = pa.Table.from_pylist(rows, schema=schema)
        with atomic_write(path, binary=True) as f:
            pq.write_table(table, f)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def markdown(report: Report) -> str:
    lines = [
        f"# Uphold rates in {report.letters} IMR letters",
        "",
        f"Source: `{visible(report.source, keep_newlines=False)}`; {report.items} items, {report.decided} with a "
        f"decision ({report.unread} unread, "
        f"left out). All items: **{_pct(report.overall.rate)} upheld** "
        f"(95% interval {_pct(report.overall.low)} to {_pct(report.overall.high)})."
        + (
            f" {report.repeated} record(s) of a letter already counted (the same case number or file) left out: "
            "each letter counts once."
            if report.repeated
            else ""
        ),
        "",
        f"Intervals: 95% cluster bootstrap over letters ({report.resamples} resamples, seed {report.seed}; where "
        "every resample gives the same rate, as for a group all upheld, the Wilson score interval with the letters "
        "as the sample size); "
        f"*small*: fewer than {report.min_letters} letters.",
    ]
    for res in report.results:
        printed = bool(res.printed)
        lines += ["", f"## {res.dimension.title}", "", res.dimension.meaning, ""]
        head = (
            ["group"]
            + (["as printed"] if printed else [])
            + ["letters", "items", "upheld", "share upheld", "95% interval", ""]
        )
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in res.rows:
            cells = [md_escape(r.group)]
            if printed:
                cells.append(md_escape("; ".join(res.printed.get(r.group, []))))
            cells += [
                str(r.letters),
                str(r.items),
                str(r.upheld),
                _pct(r.rate),
                f"{_pct(r.low)} – {_pct(r.high)}",
                "small" if r.small else "",
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def parquet_paths(records: Path, parquet_dir: Path | None = None) -> tuple[Path, Path]:
    folder = parquet_dir or records.parent
    stem = records.name[: -len(".jsonl")] if records.name.endswith(".jsonl") else records.name
    return folder / f"{stem}.items.parquet", folder / f"{stem}.letters.parquet"


# the first words of each file the report writes: a file of the same name without them is someone else's
_OURS = {
    ".html": '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>IMR uphold rates',
    ".md": "# Uphold rates in ",
}


def _refuse_to_replace(records: Path, pages: list[Path], tables: list[Path]) -> None:
    """Never write over the records read, nor over a page or table of the same name the report did not write (a
    `by_*.csv` is ours when its header is the report's columns; a Parquet table beside the records, by its name)."""
    for path in [*pages, *tables]:
        if path.exists() and records.exists() and path.resolve() == records.resolve():
            raise ConfigError(
                f"{records}: the report would write over its own input ({path.name}); choose another --out"
            )
    for path in pages:
        if not path.is_file():
            continue
        with path.open("rb") as f:
            head = f.read(200).decode("utf-8", "replace")
        ours = head.startswith(_OURS[path.suffix]) if path.suffix in _OURS else head.startswith(",".join(CSV_COLUMNS))
        if not ours:
            raise ConfigError(f"{path}: a file the report did not write is in the way; move it or choose another --out")
    for path in tables:
        if path.is_file() and not _our_table(path):
            raise ConfigError(
                f"{path}: a file the report did not write is in the way (not its Parquet table); move it or choose "
                "another --parquet-dir"
            )
    written = _written(pages[0].parent) if pages else {}
    for path in [*pages, *tables]:
        # a page or table the report wrote and a person changed since (notes added to report.md, a cell edited in a
        # CSV): kept, never written over on a rerun (the report lists what it wrote, with each file's hash)
        known = written.get(str(path.resolve()))
        if known is not None and path.is_file() and file_sha256(path) != known:
            raise ConfigError(
                f"{path}: changed since the report wrote it (someone's notes or edits?); move it aside to write "
                "the report again"
            )
        if known is None and path in pages and path.is_file():
            # a page in the report's shape that its list does not hold: a copy made without the hidden list (`cp
            # *.md`), edited perhaps; whether it was cannot be told, so it is kept
            raise ConfigError(
                f"{path}: a report page with no record of its writing beside it ({WRITTEN} does not list it: a "
                "copy?); it may hold someone's edits, so it is left as it is; move it aside to write the report here"
            )


WRITTEN = ".imr-llm-report.json"  # in --out: the path and hash of each file the last report wrote


def _written(out: Path) -> dict[str, str]:
    """What the last report into `out` wrote (resolved path -> sha256); empty when it is not there or not ours."""
    raw = read_regular(out / WRITTEN)
    try:
        listed = json.loads(raw or b"{}").get("files", {})
    except (ValueError, AttributeError):
        return {}
    return (
        {k: v for k, v in listed.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(listed, dict)
        else {}
    )


def _note_written(out: Path, paths: list[Path]) -> None:
    with atomic_write(out / WRITTEN) as f:
        json.dump({"files": {str(p.resolve()): file_sha256(p) for p in paths if p.is_file()}}, f, indent=1)


def _our_table(path: Path) -> bool:
    """A Parquet file whose columns include the report's `letter_id` (the items and letters tables both have it)."""
    with path.open("rb") as f:
        if f.read(4) != b"PAR1":
            return False
    try:
        import pyarrow.parquet as pq

        return "letter_id" in pq.read_schema(path).names
    except Exception:  # any unreadable file is not ours; pyarrow raises many kinds
        return False


def build_report(
    records: Path,
    out: Path,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    min_letters: int = DEFAULT_MIN_LETTERS,
    parquet_dir: Path | None = None,
    plots: bool = True,
) -> Report:
    started = time.perf_counter()
    data = tables(read_records(records))
    if not data.letters:
        raise ConfigError(f"{records}: no records with disputed items")
    overall, results = compute(data, resamples, seed, min_letters)
    if plots:
        for res in results:
            res.plot = plot(res, overall)
    decided = sum(i["upheld"] is not None for i in data.items)
    report = Report(
        source=str(records),
        letters=len(data.letters),
        items=len(data.items),
        decided=decided,
        unread=len(data.items) - decided,
        skipped=data.skipped,
        repeated=data.repeated,
        overall=overall,
        resamples=resamples,
        seed=seed,
        min_letters=min_letters,
        results=results,
    )
    items_path, letters_path = parquet_paths(records, parquet_dir)
    _refuse_to_replace(
        records,
        [out / "report.html", out / "report.md", *(out / f"by_{r.dimension.name}.csv" for r in results)],
        [items_path, letters_path],
    )
    out.mkdir(parents=True, exist_ok=True)
    write_parquet(data, items_path, letters_path)
    for res in results:
        path = out / f"by_{res.dimension.name}.csv"
        with atomic_write(path, newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(CSV_COLUMNS))
            writer.writeheader()
            for r in res.rows:
                writer.writerow(_csv_row(res, r))
        report.files.append(str(path))
    report.seconds = time.perf_counter() - started
    # every value shown with its control and bidi characters as visible escapes, then HTML-escaped
    env = Environment(
        loader=PackageLoader("imr_llm.research", "templates"),
        autoescape=True,
        finalize=lambda v: visible(v) if isinstance(v, str) else v,
    )
    html = env.get_template("report.html.j2").render(
        report=report,
        pct=_pct,
        item_columns=ITEM_COLUMNS,
        letter_columns=LETTER_COLUMNS,
        items_file=items_path.name,
        letters_file=letters_path.name,
    )
    for name, text in (("report.html", html), ("report.md", markdown(report))):
        with atomic_write(out / name) as f:
            f.write(text)
        report.files.append(str(out / name))
    report.files += [str(items_path), str(letters_path)]
    _note_written(out, [Path(f) for f in report.files])
    return report
