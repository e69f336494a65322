"""The seventeenth hostile probe's limits (issue 26: the command line, batches, files): each case made, the
wrong output it must not produce asserted, and the right one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli import run_command as cli
from tests.conftest import SAMPLES
from tests.test_hardening_round3 import CLEAN_ENV, clean, letters, lines, one_line

BASIC, OTHER = SAMPLES / "synth-2016-basic.txt", SAMPLES / "synth-2014.txt"


@pytest.mark.parametrize("args", [["schema"], ["--help"], ["report", "--help"], ["gold", "schema"]])
def test_a_full_stdout_is_one_line_not_an_internal_error(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "imr_llm", *args], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
            env=CLEAN_ENV,
        )  # fmt: skip
    # wrong: "internal error (OSError: [Errno 28] ...); please report it", exit 70
    assert result.returncode == 1 and "No space left on device" in one_line(result)


def test_a_printed_schema_still_reaches_stdout() -> None:
    result = cli("schema")
    assert result.returncode == 0 and json.loads(result.stdout)["title"]


def _summary_of(folder: Path, name: str) -> str:
    return json.loads((folder / f"{name}.en.checks.json").read_text())["letter"]


def test_a_later_run_never_replaces_another_letters_summary_of_the_same_name(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = tmp_path / "a" / "X.txt", tmp_path / "b" / "X.txt"
    shutil.copy(OTHER, first)
    shutil.copy(BASIC, second)
    out = tmp_path / "s"
    assert cli("summarize", str(first), "--out", str(out)).returncode == 0
    kept = (out / "X.en.md").read_text()
    run = cli("summarize", str(second), "--out", str(out))
    assert run.returncode == 0, run.stderr
    # wrong: X.en.md now the second letter's summary, the first one's gone
    assert (out / "X.en.md").read_text() == kept and _summary_of(out, "X") == str(first.resolve())
    named = sorted(p.name for p in out.glob("X-*.en.md"))
    assert len(named) == 1 and f"written as {named[0]}" in run.stderr
    assert _summary_of(out, named[0][: -len(".en.md")]) == str(second.resolve())
    # right: a rerun of either letter replaces its own summary, and makes no third file
    for letter in (first, second, first):
        assert cli("summarize", str(letter), "--out", str(out)).returncode == 0
    assert len(list(out.glob("*.en.md"))) == 2
    # and within one run, the same names
    both = cli("summarize", str(first), str(second), "--out", str(tmp_path / "s2"))
    assert sorted(p.name for p in (tmp_path / "s2").glob("*.en.md")) == sorted(["X.en.md", named[0]]), both.stderr


def test_gold_init_keeps_one_letter_per_gold_file(tmp_path: Path) -> None:
    src = tmp_path / "c"
    src.mkdir()
    shutil.copy(SAMPLES / "synth-2016-basic.pdf", src / "A.pdf")
    shutil.copy(OTHER, src / "A.txt")  # another letter (another case number) of the same name
    out = tmp_path / "g"
    run = cli("gold", "init", "--force", str(src / "A.pdf"), str(src / "A.txt"), "--out", str(out))
    # wrong: one A.gold.json (the second's) beside both letters, exit 0
    assert run.returncode == 1 and "a second letter named A" in run.stderr, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["A.gold.json", "A.pdf"]
    assert json.loads((out / "A.gold.json").read_text())["case_number"] == "CM16-0900101"
    again = cli("gold", "init", "--force", str(src / "A.txt"), "--out", str(out))  # a later run, the same
    assert again.returncode == 1 and "A.pdf is already the letter named A" in again.stderr
    assert json.loads((out / "A.gold.json").read_text())["case_number"] == "CM16-0900101"
    # right: the same letter in two forms is one gold file with both beside it, and --force reruns work
    for _ in range(2):
        forms = cli("gold", "init", "--force", str(SAMPLES / "synth-2016-basic.pdf"), str(BASIC), "--out", str(out))
        assert forms.returncode == 0 and "the same letter as" in forms.stderr, forms.stderr
    assert {"synth-2016-basic.pdf", "synth-2016-basic.txt"} <= {p.name for p in out.iterdir()}
    # --force over a letter of the same name and type: the letter beside the gold file is the new one
    shutil.copy(BASIC, src / "B.txt")
    assert cli("gold", "init", str(src / "B.txt"), "--out", str(out)).returncode == 0
    shutil.copy(OTHER, src / "B.txt")
    assert cli("gold", "init", "--force", str(src / "B.txt"), "--out", str(out)).returncode == 0
    assert (out / "B.txt").read_text() == OTHER.read_text()
    assert json.loads((out / "B.gold.json").read_text())["case_number"] != "CM16-0900101"


def test_a_glob_over_the_output_folder_never_reads_the_runs_own_locks(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    letters(folder, 2)
    out, table = folder / "out.jsonl", folder / "t.csv"
    args = ["batch", f"{folder}/*", "--out", str(out), "--table", str(table), "--no-progress", "--workers", "1"]
    for _ in range(2):
        run = cli(*args)
        # wrong: out.jsonl.lock and t.csv.lock read as letters ("2 failed"), then "content changed"
        assert run.returncode == 0 and "failed (" not in run.stderr and "changed" not in run.stderr, run.stderr
    assert len(lines(out)) == 2


@pytest.mark.parametrize("option", ["--out", "--table"])
def test_an_output_file_named_with_a_trailing_slash_is_refused(tmp_path: Path, option: str) -> None:
    folder = tmp_path / "in"
    letters(folder, 1)
    target = tmp_path / "newdir"
    out = str(target) + "/" if option == "--out" else str(tmp_path / "r.jsonl")
    extra = ["--table", str(target) + "/"] if option == "--table" else []
    run = cli("batch", str(folder), "--out", out, *extra, "--no-progress")
    # wrong: a file named `newdir` holding the records (or the table)
    message = " ".join(run.stderr.replace("│", " ").split())  # in this process Click draws a box around it
    assert run.returncode == 2 and "ends with '/' but is no folder" in message and not target.exists(), message
    clean(run)
    ok = cli("batch", str(folder), "--out", str(target / "r.jsonl"), "--no-progress")
    assert ok.returncode == 0 and len(lines(target / "r.jsonl")) == 1


def test_a_stopped_batch_keeps_the_records_of_every_letter_it_summarized(tmp_path: Path) -> None:
    """Ctrl-C (here raised by the progress callback, at the first record: no timing) keeps the records of the
    task whose outcome was being written and of every task a worker had begun: each summary has its record."""
    from imr_llm.batch.run import run_batch
    from imr_llm.pipeline.extraction import RulesExtractor

    letters(tmp_path / "in", 100)  # tasks of 16, at most 4 handed out at once
    out, summaries = tmp_path / "out.jsonl", tmp_path / "s"

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    report = run_batch([str(tmp_path / "in")], out, RulesExtractor(), processes=1, summaries=summaries, on_outcome=stop)
    assert report.interrupted
    written = lines(out)
    # wrong: 1 record (the rest of its task's outcomes dropped) beside 16 or more summaries
    assert len(written) >= 16 and len(list(summaries.glob("*.md"))) == len(written) <= 64
    again = run_batch([str(tmp_path / "in")], out, RulesExtractor(), processes=1, summaries=summaries)
    assert not again.interrupted and len(lines(out)) == 100 and again.skipped == len(written)
