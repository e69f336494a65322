"""Two `summarize --out F` runs at once, letters of one name (issue 26, the repeat of the eighteenth probe: one
Spanish summary lost in 2 of 35 trials): the summary's name is chosen and written while the run holds the
folder's turn lock, so a second run sees the first's files and takes the hashed name. Tested without timing:
the lock is seen held from inside the step."""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path

import pytest

import imr_llm.cli.summaries as summaries
from imr_llm.batch.outfile import turn
from imr_llm.errors import ConfigError
from tests.cli import run_command as cli
from tests.conftest import SAMPLES


def test_the_name_is_chosen_and_written_under_the_folders_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "s"
    seen: list[bool] = []
    write_in = summaries._write_in

    def checked(folder: Path, *args: object) -> list[Path]:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            seen.append(False)  # wrong: another run could take the same free name now
        except BlockingIOError:
            seen.append(True)
        finally:
            os.close(fd)
        return write_in(folder, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(summaries, "_write_in", checked)
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        shutil.copy(
            SAMPLES / ("synth-2014.txt" if folder == "a" else "synth-2016-basic.txt"), tmp_path / folder / "L.txt"
        )
        run = cli("summarize", str(tmp_path / folder / "L.txt"), "--out", str(out), "--lang", "es")
        assert run.returncode == 0, run.stderr
    assert seen == [True, True]
    # right: the second letter of that name is kept beside the first, under its hashed name
    assert len(list(out.glob("L*.es.md"))) == 2 and (out / "L.es.md").is_file()


def test_a_turn_held_too_long_is_one_clear_error(tmp_path: Path) -> None:
    with turn(tmp_path, "the folder"), pytest.raises(ConfigError, match=r"has held the folder .* for 0 s"):  # noqa: SIM117
        with turn(tmp_path, "the folder", wait=0):
            pass  # never reached
    with turn(tmp_path, "the folder", wait=0):
        pass  # released: taken at once
    assert list(tmp_path.iterdir()) == []  # nothing left in the folder


def test_a_checks_file_vouches_only_for_the_files_it_lists(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    letter = tmp_path / "L.txt"
    shutil.copy(SAMPLES / "synth-2014.txt", letter)
    (out / "L.en.md").write_text("my own notes\n")
    assert cli("summarize", str(letter), "--out", str(out), "--format", "html").returncode == 0
    run = cli("summarize", str(letter), "--out", str(out))
    # wrong (the nineteenth probe): exit 0, the html run's checks file vouching for the person's L.en.md
    assert run.returncode == 1 and (out / "L.en.md").read_text() == "my own notes\n", run.stderr
    (out / "L.en.md").unlink()
    assert cli("summarize", str(letter), "--out", str(out)).returncode == 0
    # right: a rerun replaces the summary it wrote; a summary a person added notes to is theirs now
    assert cli("summarize", str(letter), "--out", str(out)).returncode == 0
    with (out / "L.en.md").open("a") as f:
        f.write("call the lawyer\n")
    assert cli("summarize", str(letter), "--out", str(out)).returncode == 1
    assert (out / "L.en.md").read_text().endswith("call the lawyer\n")
