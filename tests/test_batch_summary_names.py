"""A batch's summaries folder and the files a person keeps there (issue 26, the repeat of the eighteenth
probe): a person's own file at a summary's name is never replaced or removed, and the run says so (exit 1);
imr-llm's own summaries, links and second names are replaced as before; the folder the letters are in can be
the summaries folder (its letters are read; only what imr-llm wrote there is skipped)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from imr_llm.batch.work import _is_summary, _marked, summary_path
from tests.cli import run_command as cli
from tests.test_hardening_round3 import clean, letters, lines


def _name(folder: Path, letter: Path, lang: str = "en") -> Path:
    return summary_path(folder, letter.resolve(), hashlib.sha256(letter.read_bytes()).hexdigest(), lang)


def _batch(inputs: Path, out: Path, summaries: Path, *extra: str) -> object:
    return cli("batch", str(inputs), "--out", str(out), "--summaries", str(summaries), "--no-progress", *extra)


def test_a_persons_file_at_a_summary_name_is_kept_and_said_on_the_first_run(tmp_path: Path) -> None:
    first, second = letters(tmp_path / "in", 2)
    summaries = tmp_path / "s"
    summaries.mkdir()
    notes = _name(summaries, first)
    notes.write_text("my notes\n")
    run = _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries)
    # wrong (the probe): exit 0, nothing said, and "my notes" replaced by the summary
    assert notes.read_text() == "my notes\n"
    assert run.returncode == 1 and "summaries NOT written: 1" in run.stderr
    assert "not a summary imr-llm wrote" in run.stderr
    # right: both records kept, the other letter's summary written
    assert len(lines(tmp_path / "o.jsonl")) == 2 and _is_summary(_name(summaries, second), "en")
    clean(run)


def test_a_persons_file_put_at_a_summary_name_before_a_rerun_is_said(tmp_path: Path) -> None:
    (letter,) = letters(tmp_path / "in", 1)
    summaries = tmp_path / "s"
    assert _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries).returncode == 0
    target = _name(summaries, letter)
    # right: a rerun keeps its own summary and says nothing
    again = _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries)
    assert again.returncode == 0 and "NOT written" not in again.stderr and _is_summary(target, "en")
    target.unlink()
    target.write_text("user notes\n")
    run = _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries)
    # wrong (the probe): exit 0, "1 already in", and the summary silently missing
    assert run.returncode == 1 and "NOT written: 1" in run.stderr and target.read_text() == "user notes\n"


def test_a_second_name_of_another_file_at_a_summary_name_is_replaced_and_the_file_kept(tmp_path: Path) -> None:
    (letter,) = letters(tmp_path / "in", 1)
    summaries = tmp_path / "s"
    assert _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries).returncode == 0
    target = _name(summaries, letter)
    victim = tmp_path / "victim.txt"
    victim.write_text("kept\n")
    target.unlink()
    os.link(victim, target)
    run = _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries)
    # wrong (the probe): exit 0 and no summary; right: the name holds the summary, the other file is untouched
    assert run.returncode == 0 and _is_summary(target, "en") and victim.read_text() == "kept\n", run.stderr


def test_the_letters_folder_can_be_the_summaries_folder(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    letters(folder, 2)
    out = tmp_path / "o.jsonl"
    run = _batch(folder, out, folder)
    # wrong (the probe): exit 2, "no letter files found", nothing read
    assert run.returncode == 0 and len(lines(out)) == 2, run.stderr
    assert len(list(folder.glob("*.en.md"))) == 2
    spanish = _batch(folder, out, folder, "--lang", "es")
    # right: a rerun reads no summary as a letter, and adds the Spanish ones from the records
    assert spanish.returncode == 0 and len(lines(out)) == 2 and len(list(folder.glob("*.es.md"))) == 2, spanish.stderr
    clean(spanish)


def test_a_summary_under_its_failed_checks_banner_is_known_as_one(tmp_path: Path) -> None:
    from imr_llm.summary.languages import get_language

    page = tmp_path / "x.es.md"
    es = get_language("es")
    closing = f"**{es.not_advice[0]}** {es.not_advice[1]}"
    page.write_text(_marked(f"**banner**\n\n# {es.title}\n\nrest\n\n{closing}\n"))
    assert _is_summary(page, "es") and not _is_summary(page, "en")
    # a probe: the same page with its mark dropped (an editor's save, an older release) is a person's, kept
    page.write_text(f"**banner**\n\n# {es.title}\n\nrest\n\n{closing}\n")
    assert not _is_summary(page, "es")
    page.write_text(f"notes about # {es.title}\n")
    assert not _is_summary(page, "es")
    # the nineteenth probe: a person's copy of a summary with their own notes after it is theirs
    page.write_text(f"# {es.title}\n\nrest\n\n{closing}\n\nMIS NOTAS: llamar al abogado\n")
    assert not _is_summary(page, "es")


def test_a_summary_with_a_persons_notes_is_kept_when_its_letter_changes(tmp_path: Path) -> None:
    (letter,) = letters(tmp_path / "in", 1)
    summaries = tmp_path / "s"
    assert _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries).returncode == 0
    target = _name(summaries, letter)
    target.write_text(target.read_text() + "\nMY NOTES: call the lawyer Tuesday\n")
    letter.write_text(letter.read_text().replace("rotator cuff tear", "rotator cuff  tear"))
    run = _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries)
    # wrong (the probe): "removed 1 summary file(s) of those replaced records", and the notes gone
    assert "MY NOTES" in target.read_text(), run.stderr
    clean(run)


def test_a_summary_a_person_edited_inside_is_kept_when_its_letter_changes(tmp_path: Path) -> None:
    """A person's edit inside a batch summary (not after it) was not seen: the page kept its title first and its
    closing line last, so a rerun after the letter changed removed it as stale, and the edit was lost."""
    (letter,) = letters(tmp_path / "in", 1)
    summaries = tmp_path / "s"
    assert _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries).returncode == 0
    target = _name(summaries, letter)
    page = target.read_text()
    assert _is_summary(target, "en")
    edited = page.replace("## What was decided", "## What was decided\n\nMY NOTE: ask about the appeal form", 1)
    assert edited != page
    target.write_text(edited)
    assert not _is_summary(target, "en")
    letter.write_text(letter.read_text().replace("rotator cuff tear", "rotator cuff  tear"))
    run = _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries)
    assert "MY NOTE" in target.read_text(), run.stderr
    clean(run)


def test_a_summary_whose_mark_was_dropped_with_a_note_inside_is_kept(tmp_path: Path) -> None:
    """A probe: a person's note written inside a page whose mark line their editor dropped was removed as stale
    when the letter changed (the page had been judged by its title and closing line alone)."""
    (letter,) = letters(tmp_path / "in", 1)
    summaries = tmp_path / "s"
    assert _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries).returncode == 0
    target = _name(summaries, letter)
    page = target.read_text()
    unmarked = page[: page.rindex("\n<!-- imr-llm sha256=")] + "\n"
    target.write_text(unmarked.replace("## What was decided", "## What was decided\n\nMY NOTE: call Tuesday", 1))
    letter.write_text(letter.read_text().replace("rotator cuff tear", "rotator cuff  tear"))
    run = _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries)
    assert "MY NOTE" in target.read_text(), run.stderr
    clean(run)


def test_an_unedited_summary_is_still_replaced_and_removed_as_stale(tmp_path: Path) -> None:
    """The right way: a page exactly as imr-llm wrote it is imr-llm's (a rerun after the letter changed writes the
    new page and removes the old one), and one changed byte anywhere makes it a person's."""
    (letter,) = letters(tmp_path / "in", 1)
    summaries = tmp_path / "s"
    assert _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries).returncode == 0
    old = _name(summaries, letter)
    assert _is_summary(old, "en")
    letter.write_text(letter.read_text().replace("rotator cuff tear", "rotator cuff  tear"))
    run = _batch(tmp_path / "in", tmp_path / "o.jsonl", summaries)
    assert not old.exists() and _is_summary(_name(summaries, letter), "en"), run.stderr
    page = _name(summaries, letter)
    text = page.read_bytes()
    middle = len(text) // 2
    page.write_bytes(text[:middle] + (b"X" if text[middle : middle + 1] != b"X" else b"Y") + text[middle + 1 :])
    assert not _is_summary(page, "en")
    page.write_bytes(text)
    assert _is_summary(page, "en")


def test_a_persons_file_at_a_lock_name_is_never_written_over(tmp_path: Path) -> None:
    letters(tmp_path / "in", 1)
    lock = tmp_path / "o.jsonl.lock"
    lock.write_text("precious\n")
    run = cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "o.jsonl"), "--no-progress")
    # wrong (the probe): exit 0 and the file now holding a PID
    assert run.returncode != 0 and "not an imr-llm lock file" in run.stderr and lock.read_text() == "precious\n"
    lock.write_text("12345\n")  # right: a lock a run left behind (its holder's PID) is taken over
    again = cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "o.jsonl"), "--no-progress")
    assert again.returncode == 0, again.stderr


def _edit(page: Path) -> None:
    page.write_text(page.read_text().replace("## What was decided", "## What was decided\n\nMY NOTE", 1))


def test_every_page_kept_is_counted_once(tmp_path: Path) -> None:
    """A probe: a rerun that kept 8 edited pages said "summaries NOT written: 1"; each kept page counts, once
    (a page kept when its letter was read again is not counted again by the pass over the earlier records)."""
    three = letters(tmp_path / "in", 3)
    summaries, out = tmp_path / "s", tmp_path / "o.jsonl"
    assert _batch(tmp_path / "in", out, summaries).returncode == 0
    for letter in three:
        _edit(_name(summaries, letter))
    unchanged = _batch(tmp_path / "in", out, summaries)
    assert unchanged.returncode == 1 and "summaries NOT written: 3" in unchanged.stderr + unchanged.stdout, (
        unchanged.stderr
    )
    # one letter changed, a person's file at its new page's name: that one, and the two edited pages, once each
    three[0].write_text(three[0].read_text().replace("rotator cuff tear", "rotator cuff  tear"))
    _name(summaries, three[0]).write_text("my own notes\n")  # a person's file at its new page's name: counted once
    changed = _batch(tmp_path / "in", out, summaries)
    assert changed.returncode == 1 and "summaries NOT written: 3" in changed.stderr + changed.stdout, changed.stderr
