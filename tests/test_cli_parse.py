"""`imr-llm parse`, run as a real subprocess (exit codes, stdout/stderr separation)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from imr_llm.cli import run
from tests.cli import run_cli
from tests.conftest import SAMPLES
from tests.pdfs import make_pdf


def test_parse_prints_one_json_line_per_file_in_input_order(tmp_path: Path) -> None:
    pdf = make_pdf((SAMPLES / "synth-2016-partial.txt").read_text(), tmp_path / "partial.pdf")
    files = [str(SAMPLES / "synth-2014.txt"), str(pdf), str(SAMPLES / "synth-2013-notice.txt")]
    result = run_cli("parse", *files)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [json.loads(line)["source"]["path"] for line in lines] == files
    assert [json.loads(line)["template"] for line in lines] == ["final_2014", "final_2016", "notice_2013"]
    assert result.stderr == ""


def test_bad_inputs_get_one_line_errors_and_the_rest_still_print(tmp_path: Path) -> None:
    not_letter = tmp_path / "notes.txt"
    not_letter.write_text("Shopping list: eggs, milk, bread.\n")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    broken_pdf = tmp_path / "broken.pdf"
    broken_pdf.write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog")
    good = str(SAMPLES / "synth-2016-basic.txt")
    result = run_cli(
        "parse",
        str(not_letter),
        good,
        str(tmp_path / "missing.txt"),
        str(empty),
        str(tmp_path),
        str(broken_pdf),
        good,
    )
    assert result.returncode == 1
    assert len(result.stdout.splitlines()) == 2
    errors = result.stderr.splitlines()
    assert errors == [
        f"imr-llm: {not_letter}: not an IMR determination letter (no known layout found)",
        f"imr-llm: {tmp_path / 'missing.txt'}: no such file",
        f"imr-llm: {empty}: empty file",
        f"imr-llm: {tmp_path}: is a folder, not a file",
        f"imr-llm: {broken_pdf}: cannot open PDF (Failed to load document (PDFium: Data format error))",
    ]
    assert "Traceback" not in result.stderr


def test_password_protected_pdf_is_reported_as_such(tmp_path: Path) -> None:
    pdf = make_pdf((SAMPLES / "synth-2016-basic.txt").read_text(), tmp_path / "locked.pdf", user_password="s3cret")
    result = run_cli("parse", str(pdf))
    assert result.returncode == 1
    assert result.stderr.strip() == f"imr-llm: {pdf}: PDF is password-protected"


def test_no_arguments_shows_usage() -> None:
    result = run_cli()
    assert result.returncode != 0
    assert "Usage" in result.stdout + result.stderr


def _entry_point(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """`imr-llm ARGV` through the console-script entry point `imr_llm.cli.run`, in this process."""
    monkeypatch.setattr(sys, "argv", ["imr-llm", *argv])
    with pytest.raises(SystemExit) as stop:
        run()
    out, err = capsys.readouterr()
    return Outcome(int(stop.value.code or 0), out, err)


class Outcome(NamedTuple):
    code: int
    stdout: str
    stderr: str


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["parse", "--bogus"], "imr-llm parse: No such option: --bogus (see 'imr-llm parse --help')"),
        (["parse"], "imr-llm parse: Missing argument 'files'. (see 'imr-llm parse --help')"),
        (["cache"], "imr-llm cache: Missing command. (see 'imr-llm cache --help')"),
        (["nosuchcommand"], "imr-llm: No such command 'nosuchcommand'. (see 'imr-llm --help')"),
    ],
)
def test_a_usage_error_is_one_line_naming_the_command_with_exit_2(
    argv: list[str], line: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outcome = _entry_point(argv, capsys, monkeypatch)
    assert outcome.code == 2
    assert outcome.stderr.splitlines() == [line]  # not Click's boxed panel of five lines
    assert outcome.stdout == ""


def test_the_entry_point_still_prints_help_version_and_runs_commands(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    helped = _entry_point(["parse", "--help"], capsys, monkeypatch)
    assert helped.code == 0 and "Usage" in helped.stdout and helped.stderr == ""
    bare = _entry_point([], capsys, monkeypatch)  # no command: the help, as Click does, exit 2
    assert bare.code == 2 and "Usage" in bare.stdout + bare.stderr
    assert _entry_point(["--version"], capsys, monkeypatch).stdout.startswith("imr-llm ")
    parsed = _entry_point(["parse", str(SAMPLES / "synth-2014.txt")], capsys, monkeypatch)
    assert parsed.code == 0 and json.loads(parsed.stdout)["template"] == "final_2014"
    failed = _entry_point(["parse", str(SAMPLES / "no-such-letter.txt")], capsys, monkeypatch)
    assert failed.code == 1 and len(failed.stderr.splitlines()) == 1  # a command's own exit code comes through
