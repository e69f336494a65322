"""`imr-llm gold`: a new user makes gold for their own letters (PDF and phone photos) and evaluates on it; a
broken gold file is one clear line, never a traceback."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from imr_llm.cli import app
from imr_llm.evals.gold_format import gold_schema, read_gold
from imr_llm.evals.runner import run_suite
from imr_llm.evals.suite import load_suite
from tests.conftest import SAMPLES

runner = CliRunner()


def test_the_samples_and_their_schema_are_the_gold_format() -> None:
    result = runner.invoke(app, ["gold", "check", str(SAMPLES)])
    assert result.exit_code == 0, result.output
    assert "8 gold file(s) checked, 0 with problems" in result.output
    schema = gold_schema()
    assert schema["required"][:3] == ["case_number", "date_of_injury", "ur_determination_date"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ("[" * 50_000 + "]" * 50_000, "nested more than"),
        (json.dumps({"case_number": 5}), "case_number: Input should be a valid string"),
        ('{"patient_age": ' + "9" * 5000 + "}", "not JSON (a number of thousands of digits)"),  # was an internal error
        # two values for one key: json kept the last silently
        ('{"case_number": "CM16-0900101", "case_number": "CM16-0900102"}', "the key 'case_number' is given twice"),
        ('{"case_number": "\\ud800"}', "holds a \\uD800-\\uDFFF escape"),  # eval had exited 70 on it
        (json.dumps({"patient_age": True}), "patient_age: Input should be a valid integer"),  # had scored as 1
    ],
)
def test_a_broken_gold_file_is_one_clear_line(tmp_path: Path, content: str, problem: str) -> None:
    shutil.copy(SAMPLES / "synth-2016-basic.txt", tmp_path / "bad.txt")
    (tmp_path / "bad.gold.json").write_text(content, encoding="utf-8")
    _, problems = read_gold(tmp_path / "bad.gold.json")
    assert any(problem in p for p in problems), problems
    result = runner.invoke(app, ["gold", "check", str(tmp_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"bad.gold.json: {problem}" in result.output


def test_a_gold_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """A gold file saved by a Windows editor starts with a UTF-8 byte-order mark: it was refused as "not JSON"."""
    text = (SAMPLES / "synth-2016-basic.gold.json").read_text(encoding="utf-8")
    (tmp_path / "a.gold.json").write_text("\ufeff" + text, encoding="utf-8")
    data, problems = read_gold(tmp_path / "a.gold.json")
    assert problems == [] and data is not None and data["case_number"] == "CM16-0900101"


def test_check_finds_a_missing_letter_and_a_value_not_in_its_text(tmp_path: Path) -> None:
    gold = json.loads((SAMPLES / "synth-2016-basic.gold.json").read_text())
    gold["disputed_items"][0]["request"] = "Acupuncture 6 sessions"
    (tmp_path / "a.gold.json").write_text(json.dumps(gold), encoding="utf-8")
    shutil.copy(SAMPLES / "synth-2016-basic.txt", tmp_path / "a.txt")
    (tmp_path / "b.gold.json").write_text(json.dumps(gold), encoding="utf-8")
    result = runner.invoke(app, ["gold", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        "a.gold.json: disputed_items.0.request: 'Acupuncture 6 sessions' is not in the letter's text" in result.output
    )
    assert "b.gold.json: no letter beside it" in result.output


def test_init_writes_gold_a_person_corrects_and_eval_runs_on_it(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(SAMPLES / "synth-2016-basic.pdf", letters / "mine.pdf")
    shutil.copy(SAMPLES / "synth-2014.txt", letters / "old.txt")
    out = tmp_path / "gold"
    result = runner.invoke(app, ["gold", "init", str(letters), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["mine.gold.json", "mine.pdf", "old.gold.json", "old.txt"]
    gold = json.loads((out / "mine.gold.json").read_text())
    assert gold["notes"].startswith("UNREVIEWED") and next(iter(gold)) == "case_number"
    again = runner.invoke(app, ["gold", "init", str(letters), "--out", str(out)])
    assert again.exit_code == 1 and "exists (use --force to replace it)" in again.output  # never overwritten
    # a file given as the folder: one line, exit 2 (it was "internal error (FileExistsError)", exit 70)
    onto = runner.invoke(app, ["gold", "init", str(letters), "--out", str(out / "mine.pdf")])
    assert onto.exit_code == 2 and "is a file; give a folder" in onto.output, onto.output
    suite = out / "suite.toml"
    suite.write_text(
        'name = "mine"\ngold = "."\ninputs = ["txt", "pdf"]\nbackend = "rules"\n'
        'scorers = ["fields", "items"]\n[thresholds.min]\nkey_field_accuracy = 1.0\n',
        encoding="utf-8",
    )
    # not reviewed yet: the check says so and the eval refuses (it would score the parser against itself: 100%)
    unchecked = runner.invoke(app, ["gold", "check", str(out)])
    assert unchecked.exit_code == 1 and unchecked.output.count("not reviewed yet") == 2
    refused = runner.invoke(app, ["eval", str(suite), "--out", str(tmp_path / "run.json")])
    assert refused.exit_code == 2 and "is not reviewed yet" in refused.output and "Traceback" not in refused.output
    for path in out.glob("*.gold.json"):  # a person read it against the letter (the values were right)
        reviewed = json.loads(path.read_text(encoding="utf-8"))
        reviewed["notes"] = "Checked against the letter by A. Reviewer; no corrections."
        path.write_text(json.dumps(reviewed), encoding="utf-8")
    assert runner.invoke(app, ["gold", "check", str(out)]).exit_code == 0
    run = run_suite(load_suite(suite))
    assert run.passed and len(run.letters) == 2 and run.metrics["key_field_accuracy"] == 1.0


def test_init_reads_a_folder_of_phone_photos_as_one_letter(tmp_path: Path) -> None:
    from imr_llm.evals.renderings import rendering
    from tests.conftest import needs_tesseract

    if needs_tesseract.args and needs_tesseract.args[0]:
        pytest.skip("Tesseract's English data is not installed")
    photos = rendering("photo", SAMPLES / "synth-2016-basic.pdf", "synth-2016-basic", tmp_path / "r")
    letters = tmp_path / "letters"
    shutil.copytree(photos, letters / "phone.pages")
    out = tmp_path / "gold"
    result = runner.invoke(app, ["gold", "init", str(letters), "--out", str(out)])
    assert result.exit_code == 0, result.output
    gold = json.loads((out / "phone.gold.json").read_text())
    assert [i["decision"] for i in gold["disputed_items"]] == ["upheld", "overturned"]
    assert (out / "phone.pages").is_dir()


def test_check_finds_reason_topics_without_sentences_and_names_letters_it_cannot_read(tmp_path: Path) -> None:
    gold = json.loads((SAMPLES / "synth-2016-basic.gold.json").read_text())
    first = gold["disputed_items"][0]
    first["reason_sentences"] = [first["rationale_first_sentence"]]  # a sentence, but no topic
    (tmp_path / "a.gold.json").write_text(json.dumps(gold), encoding="utf-8")
    shutil.copy(SAMPLES / "synth-2016-basic.txt", tmp_path / "a.txt")
    whole = json.loads((SAMPLES / "synth-2016-basic.gold.json").read_text())
    (tmp_path / "b.gold.json").write_text(json.dumps(whole), encoding="utf-8")
    shutil.copy(SAMPLES / "synth-2016-basic.tif", tmp_path / "b.tif")  # an image: no text to compare with
    result = runner.invoke(app, ["gold", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "a.gold.json: disputed_items.0: reason_sentences without reason_topics" in result.output
    assert "1 letter(s) are images only (b.gold.json)" in result.output and "b.gold.json:" not in result.output


def test_an_eval_with_no_letter_to_run_fails_instead_of_passing(tmp_path: Path) -> None:
    """A hostile tester's suite over an empty gold folder passed every threshold with 0 letters."""
    suite = tmp_path / "s.toml"
    suite.write_text(f'name = "empty"\ngold = "{tmp_path}"\nbackend = "rules"\n', encoding="utf-8")
    result = runner.invoke(app, ["eval", str(suite), "--out", str(tmp_path / "run.json")])
    assert result.exit_code == 2 and "no letter to run" in result.output and "Traceback" not in result.output
    shutil.copy(SAMPLES / "synth-2016-basic.txt", tmp_path / "a.txt")  # the right output: one letter runs
    shutil.copy(SAMPLES / "synth-2016-basic.gold.json", tmp_path / "a.gold.json")
    assert runner.invoke(app, ["eval", str(suite), "--out", str(tmp_path / "run.json")]).exit_code == 0


def test_a_fifo_where_a_suite_run_or_gold_file_is_expected_is_refused_never_read(tmp_path: Path) -> None:
    """A hostile tester's FIFOs made eval, eval compare and gold check wait forever (a FIFO blocks its reader
    until someone writes). Each is one line now; regular files still work (the other tests)."""
    os.mkfifo(tmp_path / "suite.toml")
    os.mkfifo(tmp_path / "run.json")
    gold = tmp_path / "g"
    gold.mkdir()
    shutil.copy(SAMPLES / "synth-2016-basic.txt", gold / "a.txt")
    shutil.copy(SAMPLES / "synth-2016-basic.gold.json", gold / "a.gold.json")
    os.mkfifo(gold / "b.gold.json")
    suite = runner.invoke(app, ["eval", str(tmp_path / "suite.toml")])
    assert suite.exit_code == 2 and "not a regular file" in suite.output
    compare = runner.invoke(app, ["eval", "compare", str(tmp_path / "run.json"), str(tmp_path / "run.json")])
    assert compare.exit_code == 2 and "not a regular file" in compare.output
    check = runner.invoke(app, ["gold", "check", str(gold)])
    assert check.exit_code == 1 and "b.gold.json: not a regular file" in check.output


def test_eval_and_gold_init_never_write_through_a_link_or_over_someone_elses_file(tmp_path: Path) -> None:
    """A hostile tester's links at eval's --out, --report-md and --report-html, and at a gold file under
    gold init --force, had their targets overwritten; an existing notes file given as --out was overwritten."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    for name in ("run.json", "rep.md", "rep.html"):
        (tmp_path / name).symlink_to(victim)
    suite = tmp_path / "s.toml"
    suite.write_text(f'name = "s"\ngold = "{SAMPLES}"\nbackend = "rules"\nlimit = 1\n', encoding="utf-8")
    args = ["eval", str(suite), "--out", str(tmp_path / "run.json")]
    ran = runner.invoke(
        app, [*args, "--report-md", str(tmp_path / "rep.md"), "--report-html", str(tmp_path / "rep.html")]
    )
    assert ran.exit_code == 0, ran.output
    assert victim.read_text(encoding="utf-8") == "precious\n"  # the links were replaced, not written through
    assert json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))["suite"]["name"] == "s"
    notes = tmp_path / "notes.json"
    notes.write_text('{"mine": true}\n', encoding="utf-8")
    refused = runner.invoke(app, ["eval", str(suite), "--out", str(notes)])
    assert refused.exit_code == 2 and "not an imr-llm eval output" in refused.output
    assert notes.read_text(encoding="utf-8") == '{"mine": true}\n'
    again = runner.invoke(app, args)  # the right output: its own run file is replaced
    assert again.exit_code == 0, again.output
    letters = tmp_path / "letters"
    letters.mkdir()
    shutil.copy(SAMPLES / "synth-2016-basic.txt", letters / "a.txt")
    out = tmp_path / "gold"
    out.mkdir()
    (out / "a.gold.json").symlink_to(victim)
    assert runner.invoke(app, ["gold", "init", str(letters), "--out", str(out), "--force"]).exit_code == 0
    assert victim.read_text(encoding="utf-8") == "precious\n" and not (out / "a.gold.json").is_symlink()


@pytest.mark.parametrize("suffix", [".text", ".gif", ".bmp", ".webp"])
def test_a_gold_file_finds_its_letter_of_every_type_the_tool_reads(tmp_path: Path, suffix: str) -> None:
    """One table of letter types (`imr_llm.suffixes`): `gold check` listed its own, without .text, .gif or .bmp,
    and called a gold file beside such a letter one with "no letter beside it"."""
    shutil.copy(SAMPLES / "synth-2016-basic.gold.json", tmp_path / "A.gold.json")
    letter = tmp_path / f"A{suffix}"
    if suffix == ".text":
        shutil.copy(SAMPLES / "synth-2016-basic.txt", letter)
    else:
        from PIL import Image

        Image.open(SAMPLES / "synth-2016-basic.tif").convert("L").save(letter)
    result = runner.invoke(app, ["gold", "check", str(tmp_path)])
    assert "no letter beside it" not in result.output, result.output
    # right: a gold file with no letter of any type beside it is still said
    letter.unlink()
    assert "no letter beside it" in runner.invoke(app, ["gold", "check", str(tmp_path)]).output
