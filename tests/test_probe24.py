"""The twenty-fourth hostile probe's cases, each tested both ways (the wrong output it must not produce, and the
right one). All letters here are synthetic."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import imr_llm.icd10 as icd10
from imr_llm.parser import parse_text
from imr_llm.pipeline.crosscheck import _decision_word, decision_in_its_place
from imr_llm.schema import Span
from tests.conftest import SAMPLES
from tests.test_probe22 import EN_SAID, ES_SAID, _problems

# -- N01: a non-regular file at the ICD-10-CM index's name is never replaced ---------------------------


@pytest.mark.parametrize("kind", ["fifo", "folder", "index"])
def test_the_icd_index_is_never_built_over_a_pipe_or_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    place = tmp_path / "index.sqlite"
    if kind == "fifo":
        os.mkfifo(place)
    elif kind == "folder":
        place.mkdir()
    built: list[Path] = []

    def build_index_FAKE(path: Path) -> None:  # a fake: records where an index would be built, builds none
        built.append(path)
        raise OSError("not built in this test")

    monkeypatch.setenv("IMR_LLM_ICD10_INDEX", str(place))
    monkeypatch.setattr(icd10, "build_index", build_index_FAKE)
    monkeypatch.setattr(icd10.tempfile, "gettempdir", lambda: str(tmp_path / "elsewhere"))
    icd10.icd10_index.cache_clear()
    try:
        icd10.icd10_index()
    finally:
        icd10.icd10_index.cache_clear()
    if kind == "fifo":
        # wrong before: the pipe (as root, /dev/null itself) replaced by a 41 MB index file
        assert stat.S_ISFIFO(os.lstat(place).st_mode) and place not in built, built
    elif kind == "folder":
        assert place.is_dir() and place not in built, built
    else:
        # right: a name with nothing at it is where the index is built
        assert built and built[0] == place, built


# -- N02: a model's decision is never read from a word of the request ---------------------------------

HEADING = "(12 sessions):\nUpheld\n"


@pytest.mark.parametrize(
    ("word", "decision"),
    [("Upheld", "upheld"), ("Upheid", "upheld"), ("0verturned", "overturned"), ("Overtumed", "overturned"),
     ("returned", None), ("turned", None), ("overturn", None)],
)  # fmt: skip
def test_a_decision_word_is_a_misread_of_one_never_a_word_sharing_its_letters(word: str, decision: str | None) -> None:
    assert _decision_word(word) == decision


def test_a_decision_quoted_from_the_requests_own_words_is_not_in_its_place() -> None:
    letter = (SAMPLES / "synth-2016-basic.txt").read_text()
    lost = letter.replace(HEADING, "(12 sessions), device returned:\n")
    parser = parse_text(lost)
    at = lost.index("device returned")
    # wrong before: "returned" read as "overturned", and the worker told the care was approved
    assert not decision_in_its_place(parser, 0, "overturned", "device returned", Span(start=at, end=at + 15))
    # right: the heading's own decision word, after the request
    whole = parse_text(letter)
    at = letter.index(HEADING) + len("(12 sessions):\n")
    assert decision_in_its_place(whole, 0, "upheld", "Upheld", Span(start=at, end=at + 6))


# -- J01-J12, E02, E05: a rewrite adds no condition, cause, question, attribution or quotation marks -----


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("en", EN_SAID.replace(", and there is no record", ", if there is no record") + "."),
        ("en", EN_SAID.replace(", and there is no record", ", because there is no record") + "."),
        ("en", EN_SAID + "?"),
        ("en", EN_SAID.replace("The reviewer found that", "The reviewer asked whether") + "."),
        ("en", EN_SAID.replace("The reviewer found that", "Your doctor found that") + "."),
        ("en", EN_SAID.replace("exceeds", '"exceeds"') + "."),
        ("es", ES_SAID.replace(", y no hay documentación", ", si no hay documentación") + "."),
        ("es", ES_SAID.replace(", y no hay documentación", ", porque no hay documentación") + "."),
        ("es", ES_SAID + "?"),
        ("es", ES_SAID.replace("El revisor encontró que", "Su médico encontró que") + "."),
    ],
)
def test_a_rewrite_that_adds_a_condition_cause_question_or_attribution_is_refused(lang: str, rewrite: str) -> None:
    # wrong before (the probe): each accepted, a finding made a condition, a cause, a question, the worker's own
    # doctor's words or a doubt in quotation marks
    assert _problems(lang, rewrite), rewrite


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("en", EN_SAID + "."),
        ("en", "The 12 sessions asked for exceed the recommended initial trial of 6 sessions, and the reviewer found "
         "no record of an earlier course of therapy or its results."),
        ("es", ES_SAID + "."),
    ],
)  # fmt: skip
def test_a_faithful_rewrite_with_no_added_logic_passes(lang: str, rewrite: str) -> None:
    # right: "asked for" is no question, and the reviewer's own words pass
    assert _problems(lang, rewrite) == []


# -- N12: an output encoding that cannot hold the text is one clear line, not an internal error ---------


@pytest.mark.parametrize(("lang", "code"), [("es", 1), ("en", 0)])
def test_an_ascii_stdout_gets_a_clear_line_for_text_it_cannot_hold(lang: str, code: int) -> None:
    import subprocess
    import sys

    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run(
        [sys.executable, "-m", "imr_llm", "summarize", str(SAMPLES / "synth-2016-basic.txt"), "--lang", lang],
        capture_output=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    # wrong before: "internal error (UnicodeEncodeError ...)", exit 70
    assert result.returncode == code, result.stderr
    if code:
        assert b"set PYTHONIOENCODING=utf-8" in result.stderr and b"internal error" not in result.stderr


# -- N18: gold commands print a file's name with its control characters made visible ---------------------


def test_gold_init_and_check_never_print_a_names_escape_sequences_raw(tmp_path: Path) -> None:
    from tests.cli import run_command as cli

    (tmp_path / "g").mkdir()
    name = "a\x1b]0;PWN\x07b.txt"
    (tmp_path / "g" / name).write_bytes((SAMPLES / "synth-2016-basic.txt").read_bytes())
    made = cli("gold", "init", str(tmp_path / "g"), "--out", str(tmp_path / "g2"))
    checked = cli("gold", "check", str(tmp_path / "g2"))
    for result in (made, checked):
        # wrong before: ESC ] 0 ; ... BEL reached the terminal (it retitles it; others rewrite the screen)
        assert "\x1b" not in result.stderr and "\x07" not in result.stderr, result.stderr
        assert "a\\x1b]0;PWN\\x07b" in result.stderr, result.stderr  # right: the name is still shown


# -- N05: a model's age and sex are the worker's, never another person's in the letter ---------------------


@pytest.mark.parametrize(
    ("sentence", "quote", "merged"),
    [
        # wrong before: another person's age and sex merged as the worker's, not flagged
        ("His supervisor, a 64 year old female, was present.", "a 64 year old female", False),
        ("Her husband, a 64 year old female, drove her.", "64 year old female", False),
        # right: the worker's, in the shapes the letters use
        ("The injured worker is a 64 year old female.", "64 year old female", True),
        ("The applicant, a 64 year old female, was seen.", "a 64 year old female", True),
    ],
)
def test_the_age_and_sex_a_model_quotes_are_the_workers_own(sentence: str, quote: str, merged: bool) -> None:
    from tests.llm_answers import perfect_answer
    from tests.test_hardening_round3 import merged_record

    letter = (SAMPLES / "synth-2016-basic.txt").read_text()
    text = letter.replace("The injured worker is a 47 year old male, who", sentence + " The worker,")
    answer = perfect_answer(parse_text(text))
    answer.update(patient_age=64, patient_sex="female", patient_quote=quote)
    record = merged_record(text, answer)
    assert (record.patient_age == 64 and record.patient_sex == "female") is merged, (record.patient_age, sentence)


# -- N08: a guideline's number for another kind of care is not this request's limit ------------------------


@pytest.mark.parametrize(
    ("sentence", "named"),
    [
        ("For acupuncture the guidelines allow up to 6 treatments.", False),  # wrong before: "allow 6 treatments"
        ("For physical therapy the guidelines allow up to 10 visits.", True),  # right: this care's own number
        ("The guidelines allow up to 10 visits.", True),  # right: no other care named
    ],
)
def test_a_guideline_number_for_another_kind_of_care_is_not_this_requests(sentence: str, named: bool) -> None:
    from imr_llm.summary.build import build_summary
    from tests.test_faithful_reasons import one

    rationale = f"{sentence} The request for 12 sessions of therapy exceeds the recommended number. Therefore, the "
    letter = one("Physical therapy 12 sessions for the low back", "Upheld", rationale + "request is not necessary.")
    step = build_summary(letter, "en").items[0].next_step
    number = sentence.split("up to ")[1].rstrip(".")
    assert (number in step) is named, step


# -- S7b: a 2013 notice cut at a sentence's end before its last conclusion is warned of ----------------------


def test_a_2013_notice_cut_before_its_last_conclusion_is_warned_of_and_the_whole_one_is_not() -> None:
    whole = (SAMPLES / "synth-2013-notice.txt").read_text()
    cut = parse_text(whole[: whole.index("The last course of therapy")])
    # wrong before: two items, no warning, not flagged
    assert cut.needs_review and any("ends without a conclusion" in w for w in cut.warnings), cut.warnings
    assert not parse_text(whole).warnings  # right: the whole notice ends on its conclusion


# -- N06: a model's case number is the one after the letter's own label --------------------------------------


@pytest.mark.parametrize("labelled", [False, True])
def test_a_models_case_number_is_the_one_its_label_gives(labelled: bool) -> None:
    from imr_llm.parser import letter_text
    from imr_llm.pipeline.answer import LLMLetter
    from imr_llm.pipeline.grounding import Grounder
    from tests.llm_answers import perfect_answer

    letter = (SAMPLES / "synth-2016-basic.txt").read_text()
    if not labelled:  # the header's label lost; another case's number in the text
        letter = letter.replace("Case Number:", "").replace(
            "The injured worker is a", "A prior IMR, CM15-0123456, upheld a request for rest. The injured worker is a"
        )
    answer = perfect_answer(parse_text(letter))
    answer["case_number"] = "CM16-0900101" if labelled else "CM15-0123456"
    output = LLMLetter.model_validate(answer).ground(Grounder(letter_text(letter, parse_text(letter).source)))
    # wrong before: the prior IMR's number merged, and the worker's page headed with another case's number
    assert ("case_number" in output.unsupported()) is not labelled


# -- N07: the parser's injury date from the text is never another person's -----------------------------------


@pytest.mark.parametrize(
    ("sentence", "stated"),
    [
        ("A coworker injured on 01/05/2015 was also seen.", False),  # wrong before: the coworker's date taken
        ("The worker was injured on 01/05/2015 while lifting.", True),  # right: the worker's own, said of the text
    ],
)
def test_an_injury_date_from_the_text_is_the_workers_own(sentence: str, stated: bool) -> None:
    letter = (SAMPLES / "synth-2016-basic.txt").read_text()
    text = letter.replace(" Date of Injury: 09/14/2016", "").replace(
        "The injured worker is a", f"{sentence} The injured worker is a"
    )
    record = parse_text(text)
    assert (str(record.date_of_injury) == "2015-01-05") is stated, record.date_of_injury


# -- N13: a temporary copy a killed writer left is removed when its file is written again --------------------


def test_a_killed_writers_temporary_copy_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    import subprocess
    import sys

    from imr_llm import outputs

    host = outputs._OWNER.rsplit("-", 1)[0]
    # a PID no process can have (past the kernel's maximum): dead for sure, never reused by another process
    dead_pid = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    live = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        stale = tmp_path / f".a.en.md.{host}-{dead_pid}.k3j4.tmp"  # a kill -9 left it: a summary's text
        running = tmp_path / f".a.en.md.{host}-{live.pid}.x9y8.tmp"  # another run still writing it
        elsewhere = tmp_path / f".a.en.md.otherhost-{dead_pid}.q1w2.tmp"  # another machine's
        other = tmp_path / f".b.en.md.{host}-{dead_pid}.z7z7.tmp"  # another file's
        for path in (stale, running, elsewhere, other):
            path.write_text("medical text")
        outputs.write_file(tmp_path / "a.en.md", "the summary")
        # wrong before: the killed run's copy stayed after every later run (medical text left behind)
        assert not stale.exists()
        # right: what may still be in use, or is not this file's, is left alone
        assert running.exists() and elsewhere.exists() and other.exists()
        assert (tmp_path / "a.en.md").read_text() == "the summary"
    finally:
        live.communicate(b"")


# -- N09: letters read again after their folder moved are said, not silently doubled -------------------------


@pytest.mark.parametrize("how", ["moved", "copied", "same"])
def test_letters_read_again_after_their_folder_moved_are_said(tmp_path: Path, how: str) -> None:
    import shutil

    from tests.cli import run_command as cli

    (tmp_path / "in").mkdir()
    for k in range(2):
        text = (SAMPLES / "synth-2016-basic.txt").read_text().replace("CM16-0900101", f"CM16-090020{k}")
        (tmp_path / "in" / f"l{k}.txt").write_text(text)
    out = tmp_path / "r.jsonl"
    assert cli("batch", str(tmp_path / "in"), "--out", str(out), "--no-progress").returncode == 0
    folder = tmp_path / "in"
    if how == "moved":
        folder = tmp_path / "in2"
        (tmp_path / "in").rename(folder)
    elif how == "copied":
        folder = tmp_path / "in2"
        shutil.copytree(tmp_path / "in", folder)
    rerun = cli("batch", str(folder), "--out", str(out), "--no-progress")
    said = "read again under a new path" in rerun.stderr
    # wrong before: the moved letters' second records (and doubled table rows) with nothing said
    assert said is (how == "moved"), rerun.stderr


# -- H-a: a pipe given as a file is said to be one, not "no such file" -----------------------------------------


@pytest.mark.parametrize("flag", ["--prices", "--from-results"])
@pytest.mark.parametrize("kind", ["fifo", "missing"])
def test_a_pipe_given_as_a_file_is_named_as_one(tmp_path: Path, flag: str, kind: str) -> None:
    from tests.cli import run_command as cli

    given = tmp_path / "given"
    if kind == "fifo":
        os.mkfifo(given)
    extra = ["--via", "batch-api"] if flag == "--prices" else []
    result = cli(
        "batch", str(SAMPLES / "synth-2016-basic.txt"), "--out", str(tmp_path / "r.jsonl"), "--backend", "openai",
        "--model", "m", "--base-url", "http://127.0.0.1:9/v1", *extra, flag, str(given),
    )  # fmt: skip
    # wrong before: "no such file" for a file that is there (a pipe); right: a missing one is said missing
    wanted = "not a regular file" if kind == "fifo" else "no such file"
    assert result.returncode == 2 and wanted in result.stderr, result.stderr


# -- F10: cache clear on a link to a cache says it is a link, and deletes nothing ------------------------------


def test_cache_clear_on_a_link_says_so_and_deletes_nothing(tmp_path: Path) -> None:
    from imr_llm.llm.cache import ResponseCache
    from tests.cli import run_command as cli
    from tests.test_hardening_round3 import CLEAN_ENV

    real = tmp_path / "cache.sqlite"
    ResponseCache(real).close()
    link = tmp_path / "link.sqlite"
    link.symlink_to(real)
    refused = cli("cache", "clear", env={**CLEAN_ENV, "IMR_LLM_CACHE": str(link)})
    # wrong before: "is not an imr-llm cache" for a link to one (the refusal was right, its reason not)
    assert refused.returncode == 2 and "is a link" in refused.stderr, refused.stderr
    assert real.exists() and link.is_symlink()
    done = cli("cache", "clear", env={**CLEAN_ENV, "IMR_LLM_CACHE": str(real)})  # right: the file itself is cleared
    assert done.returncode == 0 and not real.exists(), done.stderr


# -- L09: the Batch API's status and list calls keep to --timeout -------------------------------------------


@pytest.mark.parametrize(("timeout", "attempts", "bound"), [(3.0, 2, 6.0), (60.0, 5, 120.0)])
def test_a_batch_api_call_is_bounded_by_the_timeout_given(timeout: float, attempts: int, bound: float) -> None:
    from imr_llm.llm.batch_api import BatchAPI
    from imr_llm.llm.config import LLMConfig

    config = LLMConfig(base_url="http://127.0.0.1:9/v1", model="m", timeout_s=timeout, transport_attempts=attempts)
    # wrong before: every status or list call allowed 120 s whatever --timeout said (139 s for --timeout 3)
    assert BatchAPI(config).call_s == bound
