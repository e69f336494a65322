"""The eighteenth hostile probe's findings (issue 26): each case made, the wrong output it must not produce
asserted, and the right one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from imr_llm.summary.render import render_text
from tests.cli import run_command as cli
from tests.conftest import SAMPLES
from tests.test_hardening_round3 import CLEAN_ENV, clean, letters, lines

BASIC = SAMPLES / "synth-2016-basic.txt"
AFTER = "six visits is appropriate, with further visits depending on documented functional improvement.\n"


@pytest.mark.parametrize(
    "line",
    [
        "# Decision: Overturned",
        "**Physical therapy: Overturned**",
        "- Physical therapy: Overturned",
        "Overturned",
        'The UR letter stated "Viagra: Overturned" in error',
    ],
)
def test_a_decision_line_inside_a_rationale_is_never_the_reason_and_is_said(line: str) -> None:
    text = BASIC.read_text()
    assert AFTER in text
    record = parse_text(text.replace(AFTER, AFTER + line + "\n"))
    summary = build_summary(record)
    page = render_text(summary)
    why = summary.items[0]
    # wrong: 'The reviewer wrote: "# Decision: Overturned The request for 12 sessions ..."' under "Upheld", no warning
    assert record.disputed_items[0].decision == "upheld"
    assert "Overturned" not in why.reason.quote and "Overturned" not in why.reason.text, why.reason
    assert record.needs_review and any("holds the word 'Overturned'" in w for w in record.warnings)
    assert "holds the word 'Overturned'" in page
    # right: the approved item keeps its reason and no warning of its own
    assert summary.items[1].reason.plain and not any(w.startswith("item 2:") for w in record.warnings)


def test_a_letter_without_such_a_line_has_no_such_warning() -> None:
    record = parse_text(BASIC.read_text())
    assert not any("holds the word" in w for w in record.warnings) and summary_quotes(record)


def summary_quotes(record: object) -> bool:
    return all(item.reason.quote for item in build_summary(record).items)  # type: ignore[arg-type]


@pytest.mark.parametrize("args", [["schema"], ["--help"], ["--version"], ["prompts", "show", "extract"]])
def test_a_closed_stdout_is_one_line_and_exit_1(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "imr_llm", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        timeout=120, env=CLEAN_ENV, pass_fds=(), preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    # wrong: exit 0 and nothing printed, nothing said
    assert result.returncode == 1 and "stdout is closed" in result.stderr, result.stderr
    clean(result)


def test_a_command_that_prints_nothing_works_with_stdout_closed(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "imr_llm", "summarize", str(BASIC), "--out", str(tmp_path / "s")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120, env=CLEAN_ENV,
        preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert result.returncode == 0 and (tmp_path / "s" / "synth-2016-basic.en.md").is_file(), result.stderr


@pytest.mark.parametrize(
    ("name", "make", "problem"),
    [
        ("A.tif", lambda p: os.mkfifo(p), "not a regular file"),
        ("A.pdf", lambda p: p.write_bytes(b""), "empty"),
        ("A.pdf", lambda p: p.write_bytes(b"%PDF-1.4 broken"), "cannot be read"),
        ("A.png", lambda p: p.write_bytes(b"not an image at all"), "not an image"),
        ("A.txt", lambda p: p.write_bytes(b"\x00\x01\x02binary"), "not text"),
    ],
)
def test_gold_check_refuses_a_letter_that_is_no_letter(tmp_path: Path, name: str, make: object, problem: str) -> None:
    shutil.copy(SAMPLES / "synth-2016-basic.gold.json", tmp_path / "A.gold.json")
    make(tmp_path / name)  # type: ignore[operator]
    result = cli("gold", "check", str(tmp_path), timeout=60)
    # wrong: "0 with problems", exit 0 (the letter called "images only")
    assert result.returncode == 1 and problem in result.stderr, result.stderr
    # right: the real letter there passes
    (tmp_path / name).unlink()
    shutil.copy(BASIC, tmp_path / "A.txt")
    assert cli("gold", "check", str(tmp_path)).returncode == 0


def test_a_fifo_planted_at_an_output_name_never_hangs(tmp_path: Path) -> None:
    out = tmp_path / "s"
    out.mkdir()
    os.mkfifo(out / "synth-2016-basic.en.checks.json")
    result = cli("summarize", str(BASIC), "--out", str(out), timeout=60)
    # wrong: a hang (opening the FIFO to read waits for a writer)
    assert result.returncode == 1 and "is not a summary imr-llm wrote" in result.stderr
    gold = tmp_path / "g"
    gold.mkdir()
    os.mkfifo(gold / "synth-2016-basic.gold.json")
    made = cli("gold", "init", "--force", str(BASIC), "--out", str(gold), timeout=60)
    assert made.returncode == 0 and (gold / "synth-2016-basic.gold.json").is_file(), made.stderr


def test_gold_init_never_takes_two_letters_of_one_case_for_one(tmp_path: Path) -> None:
    src = tmp_path / "c"
    src.mkdir()
    shutil.copy(BASIC, src / "D.txt")
    # the same case number, another decision: another letter (an IMR and a later one), not another form
    heading = "MRI of the right shoulder without contrast: "
    (src / "D.text").write_text(BASIC.read_text().replace(heading + "Overturned", heading + "Upheld"))
    result = cli("gold", "init", str(src / "D.txt"), str(src / "D.text"), "--out", str(tmp_path / "g"))
    assert result.returncode == 1 and "a second letter named D" in result.stderr, result.stderr
    # right: the same letter in two forms is one gold file
    shutil.copy(BASIC, src / "E.txt")
    shutil.copy(BASIC, src / "E.text")
    same = cli("gold", "init", str(src / "E.txt"), str(src / "E.text"), "--out", str(tmp_path / "g"))
    assert same.returncode == 0 and "the same letter as" in same.stderr, same.stderr


def test_a_glob_over_everything_never_reads_the_summaries_folder(tmp_path: Path) -> None:
    folder = tmp_path / "E"
    letters(folder, 2)
    args = ["batch", f"{folder}/**", "--out", str(folder / "out.jsonl"), "--summaries", str(folder / "s")]
    for _ in range(2):
        run = cli(*args, "--no-progress", "--workers", "1")
        # wrong: its marker, lock and (the second time) summaries read as letters: error lines, exit 1
        assert run.returncode == 0 and "failed (" not in run.stderr, run.stderr
    assert len(lines(folder / "out.jsonl")) == 2


def _rewrite_problems(lang: str, rewrite: str) -> list[str]:
    """What the rewrite checks say of `rewrite` as the reason of a letter whose reviewer wrote REVIEWER."""
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems
    from tests.letters import Item, make_letter

    record = parse_text(make_letter(Item("Physical therapy 12 sessions", "Upheld", REVIEWER)))
    return reason_problems(rewrite, build_summary(record, lang).items[0], get_language(lang))


REVIEWER = (
    "The request for 12 sessions exceeds the recommended initial trial of 6 sessions, and there is no documentation "
    "showing an earlier course of therapy or its results. Therefore, the request is not medically necessary."
)


@pytest.mark.parametrize(
    ("lang", "rewrite", "why"),
    [
        (
            "en",
            "The reviewer found that the request for 12 sessions does not exceed the recommended initial trial of 6 "
            "sessions, and there is no record of an earlier course of therapy or its results.",
            "denies something",
        ),
        (
            "en",
            "The reviewer did not find that the request for 12 sessions exceeds the recommended initial trial of 6 "
            "sessions, and there is no record of an earlier course of therapy or its results.",
            "denies something",
        ),
        (
            "en",
            "The reviewer found that the request for 12 sessions may exceed the recommended initial trial of 6 "
            "sessions, and there is no record of an earlier course of therapy or its results.",
            "hedges",
        ),
        (
            "es",
            "El revisor encontró que la solicitud de 12 sesiones excede la prueba inicial recomendada de 6 sesiones, "
            "y hay documentación de un curso previo de terapia y de sus resultados.",
            "drops one of the reviewer's negations",
        ),
        (
            "es",
            "El revisor encontró que la solicitud de 12 sesiones excede la prueba inicial de cuatro sesiones, y no hay "
            "documentación de un curso previo de terapia.",
            "number the reviewer did not",
        ),
    ],
)
def test_a_rewrite_that_adds_or_drops_a_denial_a_doubt_or_a_number_is_refused(
    lang: str, rewrite: str, why: str
) -> None:
    problems = _rewrite_problems(lang, rewrite)
    # wrong: accepted, and printed as the Why above the reviewer's own words that say otherwise
    assert any(why in p for p in problems), problems


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        (
            "en",
            "The reviewer found that the request for 12 sessions exceeds the recommended initial trial of 6 sessions, "
            "and there is no record of an earlier course of therapy or its results.",
        ),
        (
            "es",
            "El revisor encontró que la solicitud de 12 sesiones excede la prueba inicial recomendada de 6 sesiones, "
            "y no hay documentación de un curso previo de terapia ni de sus resultados.",
        ),
    ],
)
def test_a_faithful_rewrite_of_that_reason_passes(lang: str, rewrite: str) -> None:
    assert _rewrite_problems(lang, rewrite) == []


def test_a_referral_for_a_course_counted_in_words_is_that_care() -> None:
    """Found reading the diff: a backspace character where a word boundary was meant left "three times a week"
    unread as a course of visits, so such a referral was called "a treatment"."""
    from imr_llm.summary.facts import treatment_kind

    assert treatment_kind("Referral to chiropractor three times a week for 4 weeks").value == "chiropractic"
    assert treatment_kind("Referral to chiropractor twice a week for 3 weeks").value == "chiropractic"
    assert treatment_kind("Referral to an orthopedic surgeon").value != "chiropractic"  # right: one visit stays one


def test_a_link_planted_at_a_summarys_name_is_replaced_on_a_rerun(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    letters(folder, 1)
    out, summaries = tmp_path / "out.jsonl", tmp_path / "s"
    args = ["batch", str(folder), "--out", str(out), "--no-progress", "--workers", "1"]
    assert cli(*args).returncode == 0
    (tmp_path / "notes.md").write_text("my notes")
    summaries.mkdir()
    record = lines(out)[0]
    name = f"letter-00000-{record['source']['sha256'][:8]}.en.md"
    (summaries / name).symlink_to(tmp_path / "notes.md")
    again = cli(*args, "--summaries", str(summaries))
    # wrong: the link kept (its target is no summary), the letter's summary missing, nothing said
    assert again.returncode == 0, again.stderr
    assert not (summaries / name).is_symlink() and "Decision" in (summaries / name).read_text()
    assert (tmp_path / "notes.md").read_text() == "my notes"  # right: the link's target untouched


def test_sigterm_stops_a_run_as_ctrl_c_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`kill PID` left a summary's temporary file (medical details) and records behind the summaries: it now stops
    a run as Ctrl-C does (the batch keeps every record of what it summarized), and says so, exit 143. The signal
    is raised here by calling the handler (no timing)."""
    import imr_llm.cli as cli_module
    from imr_llm.batch.run import run_batch
    from imr_llm.errors import Terminated
    from imr_llm.pipeline.extraction import RulesExtractor

    with pytest.raises(Terminated):
        cli_module._terminate(15, None)
    letters(tmp_path / "in", 100)
    out, summaries = tmp_path / "out.jsonl", tmp_path / "s"

    def stop(*_: object) -> None:
        raise Terminated

    report = run_batch([str(tmp_path / "in")], out, RulesExtractor(), processes=1, summaries=summaries, on_outcome=stop)
    assert report.interrupted and len(list(summaries.glob("*.md"))) == len(lines(out)) >= 16
    assert report.stop_code == 143  # a batch stopped by SIGTERM exits 143, as every command does (Ctrl-C: 130)
    assert not list(summaries.glob("*.tmp*")) and not list(summaries.glob(".*tmp*"))

    def app(**_: object) -> None:
        raise Terminated

    monkeypatch.setattr(cli_module, "app", app)
    monkeypatch.setattr(sys, "argv", ["imr-llm", "batch"])
    import signal

    kept = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as stopped:
            cli_module.run()
        assert signal.getsignal(signal.SIGTERM) is cli_module._terminate
    finally:
        signal.signal(signal.SIGTERM, kept)  # this test process's own handler back
    # wrong: the default SIGTERM (no message, no cleanup); right: one line, exit 143
    assert stopped.value.code == 143


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("es", "El revisor encontró que usted tiene dolor y un signo positivo tras menos de ocho semanas de reposo."),
        ("es", "El revisor encontró que usted tiene dolor y un signo negativo tras más de ocho semanas de reposo."),
        ("es", "El revisor encontró que su dolor mejoró con más de ocho semanas de reposo."),
        ("en", "The reviewer found that you have pain and a positive sign despite less than eight weeks of rest."),
        ("en", "The reviewer found that you have pain and a negative sign despite more than eight weeks of rest."),
        ("en", "The reviewer found that your pain improved with more than eight weeks of rest."),
    ],
)
def test_a_rewrite_that_turns_a_comparison_a_result_or_a_change_round_is_refused(lang: str, rewrite: str) -> None:
    """The repeat of the probe: "menos de ocho semanas", "negativo", "mejoró" were accepted as translations of a
    reviewer's "more than eight weeks", "positive" and "persistent pain"."""
    problems = _approved_rewrite_problems(lang, rewrite)
    assert any("the reviewer's words do not" in p for p in problems), problems


ES_KEPT = "El revisor encontró que tiene dolor persistente y un signo positivo tras más de ocho semanas de reposo."
EN_KEPT = "The reviewer found that you have persistent pain and a positive sign despite more than eight weeks of rest."


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("es", ES_KEPT),
        ("en", EN_KEPT),
    ],
)
def test_a_rewrite_that_keeps_the_comparison_the_result_and_the_change_is_kept(lang: str, rewrite: str) -> None:
    problems = _approved_rewrite_problems(lang, rewrite)
    assert not any("the reviewer's words do not" in p for p in problems), problems


APPROVER = (
    "In this case, the injured worker has persistent pain and a positive sign despite more than eight weeks of rest. "
    "Therefore, the request is medically necessary."
)


def _approved_rewrite_problems(lang: str, rewrite: str) -> list[str]:
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems
    from tests.letters import Item, make_letter

    record = parse_text(make_letter(Item("MRI of the right shoulder", "Overturned", APPROVER)))
    return reason_problems(rewrite, build_summary(record, lang).items[0], get_language(lang))
