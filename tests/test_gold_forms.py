"""Gold folders with a letter in two forms (issue 26, the repeat of the eighteenth probe): `gold check` checks
every form that has text, so a right NAME.txt never vouches for a NAME.pdf of another letter; `gold init` takes
two files as one letter only when their header dates read alike too (a date one form could not read is no
difference)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from imr_llm.cli.gold import _read_alike
from tests.cli import run_command as cli
from tests.conftest import SAMPLES

BASIC = SAMPLES / "synth-2016-basic"


def test_check_finds_a_second_form_that_is_another_letter(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "synth-2014.gold.json", tmp_path / "a.gold.json")
    shutil.copy(SAMPLES / "synth-2014.txt", tmp_path / "a.txt")
    shutil.copy(BASIC.with_suffix(".pdf"), tmp_path / "a.pdf")  # another letter, under the same name
    run = cli("gold", "check", str(tmp_path))
    # wrong (the probe): "0 with problems", exit 0, then an eval scoring every field 0.5
    assert run.returncode == 1 and "a.pdf: " in run.stderr and "is not in the letter's text" in run.stderr, run.stderr
    assert "a.txt: " not in run.stderr


def test_check_passes_a_letter_given_as_text_and_as_pdf(tmp_path: Path) -> None:
    for suffix in (".gold.json", ".txt", ".pdf", ".tif"):
        shutil.copy(BASIC.with_suffix(suffix), tmp_path / f"a{suffix}")
    run = cli("gold", "check", str(tmp_path))
    # right: both forms hold every string the gold copies; no false alarm
    assert run.returncode == 0 and "0 with problems" in run.stderr, run.stderr


def test_init_refuses_two_forms_whose_decision_dates_differ(tmp_path: Path) -> None:
    letters = tmp_path / "in"
    letters.mkdir()
    shutil.copy(BASIC.with_suffix(".pdf"), letters / "D.pdf")
    text = BASIC.with_suffix(".txt").read_text()
    record = json.loads(cli("parse", str(BASIC.with_suffix(".txt"))).stdout)
    us = record["decision_date"]
    year, month, day = us.split("-")
    written = f"{month}/{day}/{year}"
    assert written in text
    (letters / "D.txt").write_text(text.replace(written, f"{month}/{int(day) + 1:02d}/{year}"))
    run = cli("gold", "init", str(letters / "D.pdf"), str(letters / "D.txt"), "--out", str(tmp_path / "g"))
    # wrong (the probe): "the same letter", and an eval scoring decision_date 0.5
    assert run.returncode == 1 and "a second letter named D" in run.stderr and "decision dates differ" in run.stderr


def test_init_takes_the_same_letter_in_three_forms(tmp_path: Path) -> None:
    letters = tmp_path / "in"
    letters.mkdir()
    for suffix in (".txt", ".pdf", ".tif"):
        shutil.copy(BASIC.with_suffix(suffix), letters / f"D{suffix}")
    run = cli("gold", "init", *(str(p) for p in sorted(letters.iterdir())), "--out", str(tmp_path / "g"))
    # right: one gold file, every form beside it
    assert run.returncode == 0 and run.stderr.count("the same letter as") == 2, run.stderr
    assert {p.name for p in (tmp_path / "g").iterdir()} == {"D.gold.json", "D.txt", "D.pdf", "D.tif"}


def test_a_date_one_form_could_not_read_is_no_difference() -> None:
    items = (("mri", "upheld"),)
    assert _read_alike((items, {"decision_date": "2016-12-30"}), (items, {"decision_date": None})) is None
    assert _read_alike((items, {"decision_date": "2016-12-30"}), (items, {"decision_date": "2016-12-31"}))
    assert _read_alike((items, {}), ((("mri", "overturned"),), {})) == "their requests or decisions differ"


def test_init_never_writes_over_a_persons_file_of_the_letters_name(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(SAMPLES / "synth-2014.txt", source / "A.txt")
    gold = tmp_path / "g"
    gold.mkdir()
    (gold / "A.txt").write_text("my own notes about the case\n")
    run = cli("gold", "init", str(source / "A.txt"), "--out", str(gold))
    # wrong (the nineteenth probe): "1 gold file(s) written", the notes replaced by the letter
    assert run.returncode == 1 and "exists and is not this letter" in run.stderr, run.stderr
    assert (gold / "A.txt").read_text() == "my own notes about the case\n" and not (gold / "A.gold.json").exists()


def test_init_refuses_a_folder_holding_another_letter_of_that_name_in_another_form(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(SAMPLES / "synth-2014.txt", source / "A.txt")
    gold = tmp_path / "g"
    gold.mkdir()
    shutil.copy(BASIC.with_suffix(".pdf"), gold / "A.pdf")  # another case, under the same name
    for force in ([], ["--force"]):
        run = cli("gold", "init", str(source / "A.txt"), "--out", str(gold), *force)
        # wrong (the probe): exit 0, a gold file of one letter beside another letter's PDF
        assert run.returncode == 1 and "A.pdf is already the letter named A" in run.stderr, run.stderr
    # right: the same letter in another form there is no conflict
    shutil.copy(BASIC.with_suffix(".txt"), source / "B.txt")
    shutil.copy(BASIC.with_suffix(".pdf"), gold / "B.pdf")
    ok = cli("gold", "init", str(source / "B.txt"), "--out", str(gold))
    assert ok.returncode == 0 and (gold / "B.gold.json").is_file(), ok.stderr


def test_check_names_an_image_form_it_could_not_check(tmp_path: Path) -> None:
    for suffix in (".gold.json", ".txt"):
        shutil.copy(SAMPLES / f"synth-2014{suffix}", tmp_path / f"a{suffix}")
    shutil.copy(BASIC.with_suffix(".tif"), tmp_path / "a.tif")  # another letter's scan
    run = cli("gold", "check", str(tmp_path))
    # wrong (the probe): "0 with problems" and nothing said of the image; right: it is named as not checked
    assert "a.tif" in run.stderr and "were not checked" in run.stderr, run.stderr
