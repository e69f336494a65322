"""The twenty-fifth hostile probe's cases, each tested both ways (the wrong output it must not produce, and the
right one). All letters here are synthetic."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imr_llm.parser import parse_text
from tests.test_probe22 import EN_SAID, _problems

# -- RW1: a rewrite made of joining words alone can say the opposite of the reviewer -----------------------


@pytest.mark.parametrize(
    "rewrite",
    [
        EN_SAID.replace("exceeds the recommended initial trial", "exceeds the recommended initial trial and is within "
                        "the guidelines") + ".",
        EN_SAID.replace("exceeds the recommended initial trial", "exceeds only the recommended initial trial") + ".",
        EN_SAID.replace("The reviewer found that", "The reviewer found for you that") + ".",
        EN_SAID.replace("The reviewer found that", "The reviewer found in your favor that") + ".",
    ],
)  # fmt: skip
def test_a_rewrite_adding_a_sense_or_a_side_the_reviewer_did_not_write_is_refused(rewrite: str) -> None:
    # wrong before (the probe): each accepted, a denial's finding turned into one for the worker ("is within the
    # guidelines", "found for you")
    assert _problems("en", rewrite), rewrite


@pytest.mark.parametrize(
    "rewrite",
    [
        EN_SAID + ".",
        "The 12 sessions asked for exceed the recommended initial trial of 6 sessions, and the reviewer found no "
        "record of an earlier course of therapy or its results.",
    ],
)
def test_a_faithful_rewrite_still_passes_the_sense_words_check(rewrite: str) -> None:
    assert _problems("en", rewrite) == []


def test_a_spanish_rewrite_finding_for_the_worker_is_refused() -> None:
    from tests.test_probe22 import ES_SAID

    assert _problems("es", ES_SAID.replace("El revisor encontró que", "El revisor encontró a su favor que") + ".")
    assert _problems("es", ES_SAID + ".") == []


# -- H1: the research gold is read once, up front, and a pipe or a broken file at its name is one clear line -------


@pytest.mark.parametrize("kind", ["fifo", "missing", "not json", "no letters"])
def test_a_research_gold_that_cannot_be_read_is_said_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    from imr_llm.errors import ConfigError
    from imr_llm.evals.scorers import RESEARCH_GOLD_ENV, research_gold

    place = tmp_path / "gold.json"
    if kind == "fifo":
        os.mkfifo(place)  # wrong before: read with read_text after every letter was scored, and waited forever
    elif kind == "not json":
        place.write_text("{not json", encoding="utf-8")
    elif kind == "no letters":
        place.write_text('{"items": []}', encoding="utf-8")  # wrong before: every research metric "-", no word why
    monkeypatch.setenv(RESEARCH_GOLD_ENV, str(place))
    with pytest.raises(ConfigError, match="research gold"):
        research_gold()


def test_the_kept_research_gold_is_read() -> None:
    from imr_llm.evals.scorers import research_gold

    assert len(research_gold()) >= 10  # right: evals/gold-research/dev.json, a table of letters


# -- RW2, RW3: an approval's findings put in the past, or moved to another person or thing -----------------------

R2 = (
    "The reviewer found that you have persistent pain, weakness with abduction and a positive impingement sign despite "
    "more than eight weeks of rest and anti-inflammatory medication."
)


def _approval_problems(lang: str, rewrite: str) -> list[str]:
    """The rewrite's problems as item 2 (the approved MRI) of the synthetic 2016 letter."""
    from imr_llm.summary.build import build_summary
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems
    from tests.conftest import SAMPLES

    record = parse_text((SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8"))
    return reason_problems(rewrite, build_summary(record, lang).items[1], get_language(lang))


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("en", R2.replace("you have persistent", "you used to have persistent")),
        ("en", R2.replace("you have persistent", "you had persistent")),
        ("en", R2.replace("that you have", "that your doctor has")),
        ("en", R2.replace("persistent pain", "some persistent pain")),
        ("en", R2.replace("eight weeks of rest", "eight weeks before rest")),
        ("en", R2.replace("you have persistent", "you did have persistent")),  # probe 26: the emphatic past
        ("en", R2.replace("The reviewer found that you have", "The reviewer has")),  # probe 26: the reviewer's pain
        (
            "es",
            "El revisor encontró que usted tenía dolor persistente, debilidad con la abducción y un signo de "
            "pinzamiento positivo a pesar de más de ocho semanas de reposo y medicamentos antiinflamatorios.",
        ),
    ],
)
def test_an_approvals_findings_put_in_the_past_or_on_another_are_refused(lang: str, rewrite: str) -> None:
    # wrong before (the probe): each accepted, checks passed: the symptoms the approval rests on gone, or another's
    assert _approval_problems(lang, rewrite), rewrite


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("en", R2),
        (
            "es",
            "El revisor encontró que usted tiene dolor persistente, debilidad con la abducción y un signo de "
            "pinzamiento positivo a pesar de más de ocho semanas de reposo y medicamentos antiinflamatorios.",
        ),
    ],
)
def test_the_approvals_findings_as_the_reviewer_wrote_them_pass(lang: str, rewrite: str) -> None:
    assert _approval_problems(lang, rewrite) == []


# -- P1: a prompt template that calls itself, or loops within the sandbox's bounds but nested, is one clear line ---


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}", "RecursionError"),  # was: internal error, exit 70
        ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "runs past"),  # forever
        ("Read it. {% for i in range(10) %}{{ i }}{% endfor %} {{ letter[:6] }}", None),  # right: a loop a prompt uses
        # probe 26: a string doubled in a loop took 24 GB; work inside each step ran past --letter-timeout
        ('{% set ns = namespace(s="ab") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}', "MB"),
        ("{% for i in range(99999) %}{{ range(99999)|sum }}{% endfor %}", "runs past"),
    ],
)
def test_a_prompt_template_that_runs_away_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, refused: str | None
) -> None:
    import shutil

    from imr_llm.errors import ConfigError
    from imr_llm.llm.prompts import load_prompt
    from tests.conftest import REPO

    root = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", root)
    folder = root / "extract" / "9"
    shutil.copytree(root / "extract" / "1", folder)
    toml = folder / "prompt.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('version = "1"', 'version = "9"'), encoding="utf-8")
    (folder / "system.j2").write_text(body + "\n", encoding="utf-8")
    monkeypatch.setenv("IMR_LLM_PROMPTS", str(root))
    import imr_llm.llm.prompts as prompts

    monkeypatch.setattr(prompts, "MAX_RENDER_S", 1.0)  # the bounds made small, so that the test stays quick
    monkeypatch.setattr(prompts, "MAX_RENDER_GROWTH", 64 << 20)
    prompt = load_prompt("extract@9")
    if refused is None:
        assert prompt.render("LETTER TEXT").messages[0]["content"] == "Read it. 0123456789 LETTER"
    else:
        with pytest.raises(ConfigError, match=refused):
            prompt.render("LETTER TEXT")


# -- D1: a table or report page copied without its hidden mark, edited, is never written over ----------------------


def test_a_table_copied_without_its_mark_is_never_rebuilt_over(tmp_path: Path) -> None:
    from tests.cli import run_cli
    from tests.test_batch import letters_folder

    letters_folder(tmp_path / "in", 2)
    out, table = tmp_path / "out.jsonl", tmp_path / "t.csv"
    assert (
        run_cli("batch", str(tmp_path / "in"), "--out", str(out), "--table", str(table), "--no-progress").returncode
        == 0
    )
    copy = tmp_path / "copy" / "t.csv"  # `cp *.csv copy/`: the hidden mark stays behind
    copy.parent.mkdir()
    copy.write_text(table.read_text(encoding="utf-8").replace("upheld", "CHECKED BY ME", 1), encoding="utf-8")
    again = run_cli("batch", str(tmp_path / "in"), "--out", str(out), "--table", str(copy), "--no-progress")
    # wrong before (the probe): exit 0, the edit gone
    assert again.returncode == 2 and "no mark of a run's writing" in " ".join(again.stderr.split()), again.stderr
    assert "CHECKED BY ME" in copy.read_text(encoding="utf-8")
    # right: the table with its mark is rebuilt as before
    assert (
        run_cli("batch", str(tmp_path / "in"), "--out", str(out), "--table", str(table), "--no-progress").returncode
        == 0
    )


def test_a_report_page_copied_without_the_list_is_never_written_over(tmp_path: Path) -> None:
    from imr_llm.errors import ConfigError
    from imr_llm.research.report import build_report
    from tests.test_report import _example_records

    records = _example_records(tmp_path)
    build_report(records, tmp_path / "report", resamples=20, plots=False)
    copy = tmp_path / "copy"
    copy.mkdir()
    page = (tmp_path / "report" / "report.md").read_text(encoding="utf-8") + "\nMy notes.\n"
    (copy / "report.md").write_text(page, encoding="utf-8")  # `cp *.md copy/`, then notes added
    with pytest.raises(ConfigError, match="no record of its writing"):
        build_report(records, copy, resamples=20, plots=False)
    assert (copy / "report.md").read_text(encoding="utf-8") == page
    build_report(records, tmp_path / "report", resamples=20, plots=False)  # right: its own folder, written again


# -- W1: one workspace, one serve ------------------------------------------------------------------------------------


def test_a_second_serve_on_an_open_workspace_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("starlette")
    from imr_llm.errors import ConfigError
    from imr_llm.web.workspace import Workspace

    first = Workspace(tmp_path / "ws")
    # wrong before (the probe): both ran; after one deleted the workspace, the other wrote an upload into it
    with pytest.raises(ConfigError, match="open in another imr-llm serve"):
        Workspace(tmp_path / "ws")
    first.db.close()
    first.close()
    again = Workspace(tmp_path / "ws")  # right: once the first has stopped
    again.db.close()
    again.close()


# -- M1: a model's case number after a label inside a sentence is another case's -----------------------------------


@pytest.mark.parametrize(
    ("sentence", "kept"),
    [
        ("A prior claim (Case Number: CM15-0123456) was closed. The injured worker is a", False),
        (None, True),  # right: the header's own "Case Number:" line
    ],
)
def test_a_models_case_number_after_a_label_in_prose_is_not_merged(sentence: str | None, kept: bool) -> None:
    from imr_llm.parser import letter_text
    from imr_llm.pipeline.answer import LLMLetter
    from imr_llm.pipeline.grounding import Grounder
    from tests.conftest import SAMPLES
    from tests.llm_answers import perfect_answer

    letter = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    number = "CM16-0900101"
    if sentence is not None:  # the header's label lost; another case's number, labelled, in the case summary
        letter = letter.replace("Case Number:", "").replace("The injured worker is a", sentence)
        number = "CM15-0123456"
    answer = perfect_answer(parse_text(letter))
    answer["case_number"] = number
    output = LLMLetter.model_validate(answer).ground(Grounder(letter_text(letter, parse_text(letter).source)))
    # wrong before (the probe): the other case's number merged, the worker's page headed with it
    assert ("case_number" in output.unsupported()) is not kept


# -- C1: a cache that cannot be written just now (a full disk) is left as it is, never called corrupt -------------

_OPEN_ON_A_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))  # no file may grow past 1 KB: a full disk, for SQLite
from imr_llm.errors import ConfigError
from imr_llm.llm.cache import ResponseCache
try:
    ResponseCache(Path(sys.argv[1]))
except ConfigError as e:
    print(e)
"""


def test_a_healthy_cache_on_a_full_disk_is_left_as_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    from imr_llm.llm.cache import ResponseCache

    own = tmp_path / "own.sqlite"
    ResponseCache(own)._db.close()  # type: ignore[union-attr]  # a healthy cache, made
    before = own.read_bytes()
    env = {**os.environ, "IMR_LLM_CACHE": str(own)}
    said = subprocess.run(
        [sys.executable, "-c", _OPEN_ON_A_FULL_DISK, str(own)], capture_output=True, text=True, env=env, timeout=60
    )
    # wrong before (the probe): "could not be read (disk I/O error); moved it to ...corrupt-..., started a new one"
    assert "cannot be used now" in said.stdout and "delete" not in said.stdout, (said.stdout, said.stderr)
    assert not list(tmp_path.glob("*.corrupt-*")) and own.read_bytes() == before
    # right both ways: a damaged one is still moved aside and started again
    own.write_bytes(b"\0" * 100 + before[100:])
    monkeypatch.setenv("IMR_LLM_CACHE", str(own))  # the tool's own cache (one named with --cache is never moved)
    ResponseCache(own)
    assert list(tmp_path.glob("own.sqlite.corrupt-*"))


# -- I2, L1, E1a: inputs and options said up front ------------------------------------------------------------------


def test_a_letter_in_the_summaries_folder_named_like_a_summary_is_read(tmp_path: Path) -> None:
    from tests.cli import run_cli
    from tests.conftest import SAMPLES

    folder = tmp_path / "sum"
    folder.mkdir()
    letter = folder / "b-0123abcd.en.md"  # a person's letter, named as summaries are
    letter.write_text((SAMPLES / "synth-2014.txt").read_text(encoding="utf-8"), encoding="utf-8")
    other = tmp_path / "a.txt"
    other.write_text((SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "r.jsonl"
    cmd = ["batch", str(other), str(letter), "--out", str(out), "--summaries", str(folder), "--no-progress"]
    first = run_cli(*cmd)
    # wrong before (the probe): "done: 1 inputs" for 2 given, the letter dropped without a word
    assert first.returncode == 0 and "done: 2 inputs" in " ".join(first.stderr.split()), first.stderr
    # right both ways: the summaries the run wrote there are never read as letters on a rerun
    again = run_cli("batch", str(other), f"{folder}/*", "--out", str(out), "--summaries", str(folder), "--no-progress")
    assert again.returncode == 0 and "2 already in" in again.stderr and "failed (" not in again.stderr, again.stderr


def test_a_table_naming_the_summaries_folder_and_a_timeout_of_no_bound_are_refused_up_front(tmp_path: Path) -> None:
    from tests.cli import run_cli
    from tests.conftest import SAMPLES

    letter = SAMPLES / "synth-2016-basic.txt"
    out = tmp_path / "r.jsonl"
    same = run_cli("batch", str(letter), "--out", str(out), "--table", str(tmp_path / "s"), "--summaries",
                   str(tmp_path / "s"), "--no-progress")  # fmt: skip
    # wrong before: the letters read and summarised, then "cannot write the table ... (Is a directory)"
    assert same.returncode == 2 and "--summaries folder" in same.stderr and not out.exists(), same.stderr
    huge = run_cli("extract", str(letter), "--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--model",
                   "m", "--timeout", "1e300")  # fmt: skip
    assert huge.returncode == 2 and "at most" in huge.stderr, huge.stderr  # was: "Connection error." from the client
    fine = run_cli("batch", str(letter), "--out", str(out), "--table", str(tmp_path / "t.csv"), "--no-progress")
    assert fine.returncode == 0  # right: a table beside, no summaries


# -- I1: one letter read from two files (its PDF and its text) is said --------------------------------------------


def test_a_letter_read_as_pdf_and_as_text_is_said(tmp_path: Path) -> None:
    import shutil

    from tests.cli import run_cli
    from tests.conftest import SAMPLES

    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("synth-2016-basic.txt", "synth-2016-basic.pdf", "synth-2014.txt"):
        shutil.copy(SAMPLES / name, folder / name)
    run = run_cli("batch", str(folder), "--out", str(tmp_path / "r.jsonl"), "--no-progress")
    said = " ".join(run.stderr.split())
    # wrong before (the probe): 81 records and 227 table rows for 41 letters, and no word from batch
    assert run.returncode == 0 and "1 record(s) of a letter already in" in said, said
    (folder / "synth-2016-basic.pdf").unlink()
    alone = run_cli("batch", str(folder), "--out", str(tmp_path / "r2.jsonl"), "--no-progress")
    assert alone.returncode == 0 and "of a letter already in" not in alone.stderr  # right: two letters, no word


# -- K1: `cache clear` never deletes a cache a run is using ---------------------------------------------------------


def test_cache_clear_refuses_a_cache_in_use_and_clears_one_that_is_not(tmp_path: Path) -> None:
    from imr_llm.errors import ConfigError
    from imr_llm.llm.cache import ResponseCache, clear_cache

    path = tmp_path / "c.sqlite"
    cache = ResponseCache(path)  # a run using it (a batch's worker holds it the same way)
    # wrong before (the probe): deleted under the run; its answers and call log lost, and neither process said so
    with pytest.raises(ConfigError, match="in use by a running imr-llm"):
        clear_cache(path)
    assert path.is_file()
    cache.close()
    assert path in clear_cache(path) and not path.exists()  # right: once the run has closed it


def _denial_problems(reviewer: str, rewrite: str) -> list[str]:
    """The rewrite's problems as the reason of a synthetic therapy denial whose reviewer wrote `reviewer`."""
    from imr_llm.summary.build import build_summary
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems
    from tests.letters import Item, make_letter

    record = parse_text(make_letter(Item("Physical therapy 12 sessions", "Upheld", reviewer + CLOSE)))
    return reason_problems(rewrite, build_summary(record, "en").items[0], get_language("en"))


CLOSE = " Therefore, the request is not medically necessary."


def test_a_rewrite_saying_guideline_for_the_reviewers_guidelines_passes() -> None:
    # right: the reviewer's "guidelines" said in the singular is no new sense ("the guideline's trial")
    reviewer = "The request for 12 sessions exceeds the guidelines' initial trial of 6 sessions."
    said = "The reviewer found that the request for 12 sessions exceeds the guideline's initial trial of 6 sessions."
    assert not [p for p in _denial_problems(reviewer, said) if "guideline" in p]


def test_a_denials_missing_record_said_in_the_past_is_no_new_sense() -> None:
    # right: "there was no record" for the reviewer's "there is no documentation" (a denial) says the same
    assert _problems("en", EN_SAID.replace("there is no record", "there was no record") + ".") == []


ES_R2 = (
    "El revisor encontró que usted tiene dolor persistente, debilidad con la abducción y un signo de pinzamiento "
    "positivo a pesar de más de ocho semanas de reposo y medicamentos antiinflamatorios."
)


@pytest.mark.parametrize(
    "rewrite",
    [
        ES_R2.replace("usted tiene dolor", "usted sufría dolor"),  # probe 26: another verb in the past
        ES_R2.replace("usted tiene dolor", "usted presentó dolor"),
        ES_R2.replace("usted tiene dolor", "usted ha tenido dolor"),
        ES_R2.replace("usted tiene dolor", "usted tiene en el pasado dolor"),
        ES_R2.replace("usted tiene dolor", "su médico tiene dolor"),  # the worker's findings on another
        ES_R2.replace("El revisor encontró que usted tiene dolor", "El revisor tiene dolor"),
        ES_R2.replace("a pesar de más de", "dentro de"),
    ],
)
def test_a_spanish_approvals_findings_in_the_past_or_on_another_are_refused(rewrite: str) -> None:
    assert _approval_problems("es", rewrite), rewrite


def test_the_spanish_approvals_findings_as_the_reviewer_wrote_them_still_pass() -> None:
    assert _approval_problems("es", ES_R2) == []


# -- T1 (probe 26): a table edited while a run goes on is not written over at its end -------------------------------


@pytest.mark.parametrize("edit", [True, False])
def test_a_table_edited_during_a_run_is_kept(tmp_path: Path, edit: bool) -> None:
    from imr_llm.batch.run import run_batch
    from imr_llm.errors import OutputError
    from imr_llm.pipeline.extraction import RulesExtractor
    from tests.test_batch import letters_folder

    letters_folder(tmp_path / "in", 2)
    out, table = tmp_path / "out.jsonl", tmp_path / "t.csv"
    run_batch([str(tmp_path / "in")], out, RulesExtractor(), table=table)
    letters_folder(tmp_path / "in", 4)  # two more letters for the next run

    def note(*_: object) -> None:  # a person's note, added while the run goes on (at its first record: no timing)
        if edit and "MY NOTE" not in table.read_text(encoding="utf-8"):
            with table.open("a", encoding="utf-8") as f:
                f.write("MY NOTE\n")

    if edit:
        # wrong before (probe 26): the table rebuilt at the run's end, the note gone without a word
        with pytest.raises(OutputError, match="changed while this run went on"):
            run_batch([str(tmp_path / "in")], out, RulesExtractor(), table=table, on_outcome=note)
        assert "MY NOTE" in table.read_text(encoding="utf-8") and len(out.read_text().splitlines()) == 4
    else:  # right: no edit, the table rebuilt with the new letters' rows
        run_batch([str(tmp_path / "in")], out, RulesExtractor(), table=table, on_outcome=note)
        assert "MY NOTE" not in table.read_text(encoding="utf-8")


def test_your_doctor_for_the_reviewers_physician_is_no_new_sense() -> None:
    # the page's own line keeps "the physician visit notes", so only the reviewer's word can license "doctor"
    reviewer = "The physician visit notes do not show a trial of home exercise."
    said = "The reviewer found that your doctor's visit notes do not show a trial of home exercise."
    # wrong before (probe 26): refused for adding 'doctor', a false alarm
    assert not [p for p in _denial_problems(reviewer, said) if "'doctor'" in p]
