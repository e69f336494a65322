"""`imr-llm report`: the page, tables and Parquet on synthetic and dev letters; intervals that respect letters;
the README's DuckDB and pandas example reproduces the report's table by kind."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from imr_llm.loaders import load_file
from imr_llm.parser import parse_text
from imr_llm.research.fields import icd10cm_chapter, normalise_specialty, tables
from imr_llm.research.report import DIMENSIONS, build_report, parquet_paths
from imr_llm.research.stats import group_rates, letter_weights
from tests.cli import run_cli
from tests.conftest import DEV, SAMPLES, UNLABELED, needs_shared

pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("matplotlib")


def write_records(paths: list[Path], out: Path) -> Path:
    with out.open("w", encoding="utf-8") as f:
        for path in paths:
            letter = load_file(path)
            f.write(parse_text(letter.text, letter.source).to_json_line() + "\n")
        f.write('{"error": "not an IMR letter", "error_kind": "not_imr", "source": {"path": "x.txt"}}\n')
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def check_report(records: Path, out: Path) -> dict[str, list[dict[str, str]]]:
    report = build_report(records, out, resamples=200)
    html = (out / "report.html").read_text(encoding="utf-8")
    md = (out / "report.md").read_text(encoding="utf-8")
    tables_out = {}
    for dim in DIMENSIONS:
        assert f'id="{dim.name}"' in html and f"## {dim.title}" in md
        rows = read_csv(out / f"by_{dim.name}.csv")
        tables_out[dim.name] = rows
        for row in rows:
            if row["uphold_rate"]:
                assert float(row["ci_low"]) <= float(row["uphold_rate"]) <= float(row["ci_high"])
                assert row["small"] == str(int(row["letters"]) < 10)
    assert html.count('src="data:image/png;base64,') >= len(DIMENSIONS) - 2  # plots embedded (not for empty groups)
    assert "cluster bootstrap over letters" in html
    assert "Wilson score interval" in html and "Wilson score interval" in md  # the page says what it computed
    # the kind table covers every decided item once
    assert sum(int(r["items"]) for r in tables_out["kind"]) == report.decided
    assert report.skipped == 1  # the error record
    items_path, letters_path = parquet_paths(records)
    items, letters = pq.read_table(items_path).to_pylist(), pq.read_table(letters_path).to_pylist()
    assert len(letters) == report.letters and len(items) == report.items
    assert {i["letter_id"] for i in items} == {row["letter_id"] for row in letters}  # the key joins
    return tables_out


def test_report_on_synthetic_letters(tmp_path: Path) -> None:
    records = write_records(sorted(SAMPLES.glob("*.txt")), tmp_path / "records.jsonl")
    check_report(records, tmp_path / "report")


@needs_shared
@pytest.mark.shared
def test_report_on_dev_letters(tmp_path: Path) -> None:
    records = write_records(sorted(DEV.glob("*.txt")), tmp_path / "dev.jsonl")
    out = check_report(records, tmp_path / "report")
    kinds = {r["group"]: r for r in out["kind"]}
    assert int(kinds["medication"]["items"]) == 30 and int(kinds["imaging"]["items"]) == 18
    overall_items = sum(int(r["items"]) for r in out["kind"])
    assert overall_items == 114
    specialties = {r["group"]: r["printed"] for r in out["reviewer_specialty"]}
    assert specialties["Family Medicine"] == "Family Practice"  # normalised beside the printed value


def test_cli_report(tmp_path: Path) -> None:
    records = write_records(sorted(SAMPLES.glob("synth-2016-*.txt")), tmp_path / "r.jsonl")
    run = run_cli("report", str(records), "--out", str(tmp_path / "rep"), "--resamples", "50")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "rep" / "report.html").is_file() and "upheld" in run.stderr
    bad = run_cli("report", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "x"))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def _intervals(letters: int, items_per_letter: int) -> tuple[float, float]:
    """40 letters, half all-upheld and half all-overturned, each with `items_per_letter` items."""
    letter_of = np.repeat(np.arange(letters), items_per_letter)
    upheld = np.array([1.0 if k < letters // 2 else 0.0 for k in letter_of], dtype=np.float32)
    rate = group_rates(
        letter_of.astype(np.int64),
        np.zeros(len(letter_of), dtype=np.int64),
        upheld,
        ["g"],
        letter_weights(letters, 500, 1),
    )[0]
    assert rate.low is not None and rate.high is not None
    return rate.low, rate.high


def test_intervals_respect_letters() -> None:
    """Ten identical items per letter carry no more evidence than one: the cluster interval stays as wide
    (treating the 400 items as independent would shrink it by about three times)."""
    low1, high1 = _intervals(40, 1)
    low10, high10 = _intervals(40, 10)
    assert abs((high1 - low1) - (high10 - low10)) < 0.06
    assert high10 - low10 > 0.2


def test_all_upheld_group_gets_an_honest_interval() -> None:
    letter_of = np.arange(8, dtype=np.int64)
    rate = group_rates(
        letter_of, np.zeros(8, dtype=np.int64), np.ones(8, dtype=np.float32), ["g"], letter_weights(8, 200, 0)
    )[0]
    assert rate.rate == 1.0 and rate.low is not None and rate.low < 0.8 and rate.small


def test_derived_fields() -> None:
    assert icd10cm_chapter("M54.5") is not None and icd10cm_chapter("M54.5").startswith("13 ")  # type: ignore[union-attr]
    assert icd10cm_chapter("S33.5XXA").startswith("19 ")  # type: ignore[union-attr]
    assert icd10cm_chapter(None) is None
    assert normalise_specialty("Physical Medicine Rehab") == "Physical Medicine and Rehabilitation"
    assert normalise_specialty("Family  Practice") == "Family Medicine"
    assert normalise_specialty("Undersea Medicine") == "Undersea Medicine"  # unknown: kept as printed
    data = tables([({"disputed_items": [{"request": "x", "decision": None}]}, "line")])
    assert data.items[0]["upheld"] is None  # an unread decision is in no rate


def test_icd_chapters_agree_with_the_cms_table() -> None:
    simple = pytest.importorskip("simple_icd_10_cm")
    for code in ("M54.5", "S33.5XXA", "G56.00", "F32.9", "R51.9", "Z79.891", "T14.90XA", "K21.9"):
        chapter = simple.get_ancestors(code)[-1]
        assert icd10cm_chapter(code).startswith(f"{int(chapter):02d} ")  # type: ignore[union-attr]


# -- the README's example ------------------------------------------------------------------------------

README_SQL = """
SELECT kind, count(DISTINCT letter_id) AS letters, count(*) AS items,
       sum(CASE WHEN upheld THEN 1 ELSE 0 END) AS upheld,
       round(avg(CASE WHEN upheld THEN 1.0 ELSE 0.0 END), 3) AS uphold_rate
FROM 'records.items.parquet'
WHERE upheld IS NOT NULL
GROUP BY kind
ORDER BY items DESC
"""


def _example_records(tmp_path: Path) -> Path:
    paths = (
        sorted(DEV.glob("*.txt")) + sorted(UNLABELED.glob("*.pdf"))[:20]
        if DEV.is_dir()
        else sorted(SAMPLES.glob("*.txt"))
    )
    return write_records(paths, tmp_path / "records.jsonl")


def _report_by_kind(out: Path) -> dict[str | None, tuple[int, int, int, float]]:
    return {
        (r["group"] if r["group"] != "(none)" else None): (
            int(r["letters"]),
            int(r["items"]),
            int(r["upheld"]),
            round(float(r["uphold_rate"]), 3),
        )
        for r in read_csv(out / "by_kind.csv")
    }


def test_readme_duckdb_example_reproduces_the_kind_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    duckdb = pytest.importorskip("duckdb")
    records = _example_records(tmp_path)
    build_report(records, tmp_path / "report", resamples=50, plots=False)
    assert README_SQL.strip() in (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    rows: list[Any] = duckdb.sql(README_SQL).fetchall()
    got = {kind: (letters, items, upheld, float(rate)) for kind, letters, items, upheld, rate in rows}
    assert got == _report_by_kind(tmp_path / "report")


def test_readme_pandas_example_reproduces_the_kind_table(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    records = _example_records(tmp_path)
    build_report(records, tmp_path / "report", resamples=50, plots=False)
    # the README's pandas lines
    items = pd.read_parquet(tmp_path / "records.items.parquet")
    decided = items[items["upheld"].notna()]
    table = decided.groupby("kind", dropna=False).agg(
        letters=("letter_id", "nunique"), items=("upheld", "size"), upheld=("upheld", "sum")
    )
    table["uphold_rate"] = (table["upheld"] / table["items"]).round(3)
    got = {
        (None if pd.isna(k) else k): (int(r.letters), int(r["items"]), int(r.upheld), float(r.uphold_rate))
        for k, r in table.iterrows()
    }
    assert got == _report_by_kind(tmp_path / "report")
    letters = pd.read_parquet(tmp_path / "records.letters.parquet")
    joined = items.merge(letters, on="letter_id")
    assert len(joined) == len(items)
    assert json.dumps(sorted(map(str, joined["decision_month"].dropna().unique())))


def test_a_record_edited_into_another_shape_is_left_out_and_counted(tmp_path: Path) -> None:
    """`"reviewer": "x"` or `"patient_age": "old"` in a hand-edited record stopped `report` with an internal
    error. Such a line is left out and counted, like an error record; the valid records make the report."""
    records = write_records(sorted(SAMPLES.glob("synth-2016-*.txt")), tmp_path / "r.jsonl")
    valid = len(records.read_text().splitlines()) - 1  # write_records adds one error record
    with records.open("a") as f:
        f.write('{"source": {"path": "x.txt"}, "reviewer": "x", "disputed_items": [{"request": "MRI"}]}\n')
        f.write('{"source": {"path": "y.txt"}, "template": "final_2016", "patient_age": "old", '
                '"disputed_items": [{"request": "MRI", "decision": "upheld"}]}\n')  # fmt: skip
    run = run_cli("report", str(records), "--out", str(tmp_path / "rep"), "--resamples", "50")
    assert run.returncode == 0, run.stderr
    assert f"{valid} letters" in run.stderr and "3 line(s) left out" in run.stderr  # with the error record


def test_one_letter_as_pdf_and_as_text_counts_once_and_two_letters_count_twice(tmp_path: Path) -> None:
    """A folder with a letter's PDF beside its text (or one letter downloaded twice) gives two records of one
    case: counting both would double its items and narrow every interval. Two different letters both count."""
    pdf, txt, other = SAMPLES / "synth-2016-basic.pdf", SAMPLES / "synth-2016-basic.txt", SAMPLES / "synth-2014.txt"
    both = tables(json_lines(write_records([pdf, txt, other], tmp_path / "r.jsonl")))
    assert len(both.letters) == 2 and both.repeated == 1 and both.skipped == 1  # the error line is not a repeat
    assert {x["case_number"] for x in both.letters} == {"CM16-0900101", parse_text(other.read_text()).case_number}
    apart = tables(json_lines(write_records([txt, other], tmp_path / "a.jsonl")))
    assert len(apart.letters) == 2 and apart.repeated == 0
    report = build_report(tmp_path / "r.jsonl", tmp_path / "rep", resamples=20, plots=False)
    assert report.letters == 2 and report.repeated == 1
    assert "1 record(s) of a letter already counted" in (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")


def json_lines(path: Path) -> list[tuple[dict[str, Any], str]]:
    from imr_llm.research.fields import read_records

    return list(read_records(path))


@pytest.mark.parametrize(
    "args",
    [["--seed", "-1"], ["--resamples", "100000000000"], ["--min-letters", "0"]],
)
def test_report_options_out_of_range_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    """A hostile tester's --seed -1 and --resamples 10^11 were internal errors (exit 70; a 2.9 TiB allocation)."""
    records = write_records(sorted(SAMPLES.glob("synth-2016-*.txt")), tmp_path / "r.jsonl")
    run = run_cli("report", str(records), "--out", str(tmp_path / "rep"), *args)
    assert run.returncode == 2 and "Traceback" not in run.stderr and "internal error" not in run.stderr


def test_a_letters_escapes_and_formulas_reach_no_report_file_raw(tmp_path: Path) -> None:
    """A specialty printed as '=HYPERLINK("http://x")' with an ANSI escape and a U+202E override went raw
    into report.md, report.html and the report's CSVs (batch --table already neutralised both). Every report
    file shows them as visible escapes, and a CSV cell never starts a formula; the plain words stay."""
    text = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    hostile = '=HYPERLINK("http://x")\x1b[31m\u202eRehab'
    assert "Orthopaedic Surgery" in text
    letter = tmp_path / "hostile.txt"
    letter.write_text(text.replace("Orthopaedic Surgery", hostile), encoding="utf-8")
    records = write_records([letter, SAMPLES / "synth-2016-columns.txt"], tmp_path / "records.jsonl")
    out = tmp_path / "report"
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plot label with a control character makes matplotlib warn
        check_report(records, out)
    files = [out / "report.md", out / "report.html", *sorted(out.glob("by_*.csv"))]
    for path in files:
        raw = path.read_text(encoding="utf-8")
        assert "\x1b" not in raw and "\u202e" not in raw, path.name
    cells = [cell for path in sorted(out.glob("by_*.csv")) for row in read_csv(path) for cell in row.values()]
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]
    assert any(c.startswith("'=HYPERLINK") and "\\x1b" in c for c in cells)  # shown, not run or hidden
    assert "\\u202e" in (out / "report.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["report.md", "report.html", "by_kind.csv"])
def test_the_report_never_writes_over_its_own_records(tmp_path: Path, name: str) -> None:
    records = _example_records(tmp_path)
    out = tmp_path / "r"
    out.mkdir()
    inside = out / name
    inside.write_bytes(records.read_bytes())
    before = inside.read_bytes()
    from imr_llm.errors import ConfigError

    with pytest.raises(ConfigError, match="write over its own input"):
        build_report(inside, out, resamples=20, plots=False)
    assert inside.read_bytes() == before  # the records are still there


def test_the_report_never_replaces_a_file_it_did_not_write_but_rewrites_its_own(tmp_path: Path) -> None:
    from imr_llm.errors import ConfigError

    records = _example_records(tmp_path)
    out = tmp_path / "r"
    build_report(records, out, resamples=20, plots=False)
    build_report(records, out, resamples=20, plots=False)  # the right output kept: its own pages are rewritten
    (out / "report.md").write_text("my notes\n")
    with pytest.raises(ConfigError, match="did not write"):
        build_report(records, out, resamples=20, plots=False)
    assert (out / "report.md").read_text() == "my notes\n"


def test_the_report_never_replaces_a_parquet_name_holding_someone_elses_file(tmp_path: Path) -> None:
    """Probe 22: a person's file at RECORDS.letters.parquet was overwritten silently; the report's own tables are
    rewritten on a rerun."""
    from imr_llm.errors import ConfigError
    from imr_llm.research.report import parquet_paths

    records = _example_records(tmp_path)
    build_report(records, tmp_path / "r", resamples=20, plots=False)
    build_report(records, tmp_path / "r", resamples=20, plots=False)  # right: its own tables are rewritten
    _, letters = parquet_paths(records)
    letters.write_text("my notes\n")
    with pytest.raises(ConfigError, match="did not write"):
        build_report(records, tmp_path / "r", resamples=20, plots=False)
    assert letters.read_text() == "my notes\n"


def test_cli_report_names_a_file_with_escapes_visibly(tmp_path: Path) -> None:
    result = run_cli("report", str(tmp_path / "no\x1b]0;PWN\x07such"), "--out", str(tmp_path / "r"))
    assert result.returncode == 2 and "\x1b" not in result.stderr and "\x07" not in result.stderr


@pytest.mark.parametrize("edited", ["report.md", "by_kind.csv", None])
def test_a_rerun_never_writes_over_a_page_or_table_a_person_changed(tmp_path: Path, edited: str | None) -> None:
    from imr_llm.errors import ConfigError

    records = _example_records(tmp_path)
    out = tmp_path / "report"
    build_report(records, out, resamples=20, plots=False)
    if edited is not None:
        with (out / edited).open("a", encoding="utf-8") as f:
            f.write("\nMy notes: check item 3 with the client.\n")
        # wrong before (the probe): the notes silently gone on the rerun
        with pytest.raises(ConfigError, match="changed since the report wrote it"):
            build_report(records, out, resamples=20, plots=False)
        assert "My notes" in (out / edited).read_text(encoding="utf-8")
    else:
        build_report(records, out, resamples=20, plots=False)  # right: its own files, unchanged, are written again
