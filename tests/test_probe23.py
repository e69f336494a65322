"""The twenty-third hostile probe: each case it found, the wrong outcome it must no longer give and the right one it
must keep. Letters are the synthetic samples."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from imr_llm.cues import CueSet
from tests.fake_openai_server import Behaviour, fake_server
from tests.test_hardening_round3 import LETTER, SAMPLES, cli, letters, llm_flags

# -- data loss ---------------------------------------------------------------------------------------------------


def _records(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8-sig").splitlines() if line.strip()]


def test_a_records_file_saved_with_a_byte_order_mark_keeps_its_first_record(tmp_path: Path) -> None:
    letters(tmp_path / "gone", 1)
    letters(tmp_path / "in", 1, SAMPLES / "synth-2014.txt")
    out = tmp_path / "r.jsonl"
    assert cli("batch", str(tmp_path / "gone"), "--out", str(out), "--no-progress").returncode == 0
    assert cli("batch", str(tmp_path / "in"), "--out", str(out), "--no-progress").returncode == 0
    first = _records(out)[0]["source"]
    for f in (tmp_path / "gone").iterdir():
        f.unlink()
    out.write_bytes(b"\xef\xbb\xbf" + out.read_bytes())  # an editor's byte-order mark
    result = cli("batch", str(tmp_path / "in"), "--out", str(out), "--no-progress")
    # wrong: the first record (a letter no longer at hand, so never redone) dropped as "not a record"
    assert result.returncode == 0 and "unreadable line" not in result.stderr, result.stderr
    assert _records(out)[0]["source"] == first and len(_records(out)) == 2


def test_retrying_errors_leaves_other_inputs_records_alone(tmp_path: Path) -> None:
    letters(tmp_path / "A", 1)
    letters(tmp_path / "B", 1, SAMPLES / "synth-2014.txt")
    out = tmp_path / "r.jsonl"
    with fake_server(Behaviour("500")) as server:
        flags = ["--backend", "openai", *llm_flags(server.base_url, tmp_path / "c.sqlite"), "--no-cache"]
        flags += ["--no-progress", "--letter-timeout", "4", "--timeout", "2"]
        cli("batch", str(tmp_path / "A"), str(tmp_path / "B"), "--out", str(out), *flags)
        assert len(_records(out)) == 2 and all(r.get("llm") for r in _records(out))
        cli("batch", str(tmp_path / "A"), "--out", str(out), *flags, "--retry-errors")
    paths = sorted(str(r["source"]["path"]) for r in _records(out))  # type: ignore[index]
    # wrong: B's record (the parser's, its model call failed) dropped by a run that does not read B, never redone
    assert len(paths) == 2 and any("/B/" in p for p in paths), paths


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_an_input_unreadable_on_a_rerun_keeps_its_record_and_summary(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    letter = tmp_path / "in" / "a.txt"
    letter.write_text(LETTER.read_text())
    out, summaries = tmp_path / "r.jsonl", tmp_path / "sum"
    args = ["batch", str(tmp_path / "in"), "--out", str(out), "--summaries", str(summaries), "--no-progress"]
    assert cli(*args).returncode == 0
    before, pages = out.read_text(), sorted(summaries.iterdir())
    letter.unlink()
    os.mkfifo(letter)  # the same name, now something that cannot be read as a letter
    result = cli(*args)
    # wrong: its good record replaced by an error record "as its content changed", and its summary removed
    assert result.returncode == 1 and "earlier records kept" in " ".join(result.stderr.split()), result.stderr
    assert out.read_text() == before and sorted(summaries.iterdir()) == pages


# -- hangs and foreign files at the tool's own names -------------------------------------------------------------


def _cues(folder: Path) -> CueSet:
    return CueSet([re.compile(r"\bknee\b"), re.compile(r"\bshoulder\b")], cache_dir=folder)


def test_a_cue_database_of_other_patterns_is_not_used(tmp_path: Path) -> None:
    ours = _cues(tmp_path)
    ours.scan("a knee")  # compiled and kept
    kept = next(tmp_path.glob("cues-*.hsdb"))
    other = CueSet([re.compile(r"zzqq"), re.compile(r"xxyy")], cache_dir=tmp_path / "other")
    other.scan("a knee")
    kept.write_bytes(next((tmp_path / "other").glob("cues-*.hsdb")).read_bytes())  # a whole foreign file copied in
    fresh = _cues(tmp_path)
    # wrong: every cue of ours "not in" any text (the foreign database found none of them)
    assert fresh.scan("pain in the knee").search(fresh.patterns[0])
    # right: our own kept file is loaded, and still answers
    again = _cues(tmp_path)
    assert again.scan("a shoulder").search(again.patterns[1])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_at_the_cue_databases_name_is_not_waited_on(tmp_path: Path) -> None:
    cues = _cues(tmp_path)
    path = tmp_path / f"cues-{cues._identity()[:16]}.hsdb"
    os.mkfifo(path)
    # wrong: the first scan blocked forever on the pipe; right: compiled again (and not kept), the scan answers
    assert cues.scan("the knee").search(cues.patterns[0])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_prompts_show_reads_only_regular_files_of_the_prompt_folder(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "pr"
    shutil.copytree(Path("prompts") / "extract" / "1", root / "extract" / "9")
    shutil.copytree(Path("prompts") / "extract" / "1", root / "extract" / "8")
    env = {"IMR_LLM_PROMPTS": str(root)}
    assert cli("prompts", "show", "extract@8", env=env).returncode == 0  # right: an ordinary prompt is shown
    (root / "extract" / "9" / "system.j2").unlink()
    os.mkfifo(root / "extract" / "9" / "system.j2")
    result = cli("prompts", "show", "extract@9", env=env)
    # wrong: waited forever on the pipe
    assert result.returncode == 2 and "not a regular file" in result.stderr
    secret = tmp_path / "secret.j2"
    secret.write_text("the key is hunter2")
    (root / "extract" / "8" / "user.j2").unlink()
    (root / "extract" / "8" / "user.j2").symlink_to(secret)
    result = cli("prompts", "show", "extract@8", env=env)
    # wrong: a link out of the prompt folder printed (extract refuses the same file)
    assert result.returncode == 2 and "hunter2" not in result.stdout


# -- names from records, ports, file names -------------------------------------------------------------------


def test_a_records_hash_that_is_a_path_never_names_a_file_outside_the_summaries_folder(tmp_path: Path) -> None:
    from imr_llm.batch.work import summary_path

    folder = tmp_path / "sum"
    bad = summary_path(folder, Path("/x/a.txt"), "b/../../" + "0" * 56, "en")
    assert bad.parent == folder, bad
    good = summary_path(folder, Path("/x/a.txt"), "12dff51a" + "0" * 56, "en")
    assert good == folder / "a-12dff51a.en.md"


def test_serve_on_port_0_says_the_port_it_listens_on() -> None:
    from imr_llm.cli.serve import _cannot_listen

    problem, port = _cannot_listen("127.0.0.1", 0)
    assert problem is None and port > 0  # wrong: ":0" printed as the address to open


def test_a_file_name_that_is_not_utf8_gets_its_summary_and_checks(tmp_path: Path) -> None:
    name = os.fsdecode(b"bad\xff\xfename.txt")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / name).write_text(LETTER.read_text())
    result = cli("summarize", str(folder / name), "--out", str(tmp_path / "so"))
    # wrong: "internal error (UnicodeEncodeError)" after the summary was written, its checks never
    assert result.returncode == 0 and "internal error" not in result.stderr, result.stderr
    assert len(list((tmp_path / "so").glob("*.checks.json"))) == 1


# -- pages too large or too many -------------------------------------------------------------------------------


def test_an_image_that_would_be_scaled_past_a_letter_page_is_refused(tmp_path: Path) -> None:
    from PIL import Image

    from imr_llm.errors import InputError
    from imr_llm.loaders.images import image_pages

    strip = tmp_path / "strip.png"
    Image.new("1", (100, 100_000), 1).save(strip)  # a few KB, scaled to 8.5 inches wide: billions of pixels
    with pytest.raises(InputError, match="too large"):
        image_pages(strip.read_bytes())
    page = tmp_path / "page.png"
    Image.new("L", (1700, 2200), 255).save(page, dpi=(200, 200))  # right: a letter page at 200 dpi
    assert len(image_pages(page.read_bytes())) == 1


def test_a_pdf_page_larger_than_a_letter_page_is_refused_before_it_is_drawn(tmp_path: Path) -> None:
    import pypdfium2 as pdfium

    from imr_llm.errors import InputError
    from imr_llm.loaders.images import pdf_page_images

    big = pdfium.PdfDocument.new()
    big.new_page(200 * 72, 200 * 72)  # a page 200 inches square
    with pytest.raises(InputError, match="too large"):
        pdf_page_images(big, 1)
    letter = pdfium.PdfDocument.new()
    letter.new_page(8.5 * 72, 11 * 72)
    assert len(pdf_page_images(letter, 1)) == 1


def test_more_pages_than_a_letter_has_over_all_the_files_given_are_refused(tmp_path: Path) -> None:
    from PIL import Image

    from imr_llm.errors import InputError
    from imr_llm.loaders import load_pages
    from imr_llm.loaders.images import MAX_PAGES

    pages = []
    for k in range(MAX_PAGES + 1):
        path = tmp_path / f"p{k:02d}.png"
        Image.new("L", (20, 20), 255).save(path)
        pages.append(path)
    with pytest.raises(InputError, match=f"more than {MAX_PAGES} pages"):
        load_pages(pages)


# -- a model's rewrite: the reviewer's words in their order -----------------------------------------------------


def _trial_item() -> object:
    from imr_llm.summary.build import build_summary
    from tests.test_faithful_reasons import one

    record = one(
        "Physical therapy 12 sessions",
        "Upheld",
        "The request for 12 sessions exceeds the recommended initial trial, and there is no documentation of an "
        "earlier course of therapy or of its results. Therefore, the request is not medically necessary.",
    )
    return build_summary(record, "en").items[0]


@pytest.mark.parametrize(
    ("rewrite", "why"),
    [
        # the denial moved over the finding: "no documentation that the request exceeds"
        (
            "The reviewer found no documentation that the request for 12 sessions exceeds the recommended initial "
            "trial, and of an earlier course of therapy or of its results.",
            "another order",
        ),
        # "and" made "or"
        (
            "The reviewer found that the request for 12 sessions exceeds the recommended initial trial, or there is "
            "no documentation of an earlier course of therapy or of its results.",
            "joins with 'or'",
        ),
        # a sentence of the reviewer's own words added
        (
            "The reviewer found that the request for 12 sessions exceeds the recommended initial trial, and there is "
            "no documentation of an earlier course of therapy or of its results. The recommended initial trial is "
            "the request.",
            "more often",
        ),
        # "no documentation of a course" said as "no course" (records made a fact), the words shuffled
        (
            "The reviewer wrote that there is no earlier course of therapy, and the request for 12 sessions exceeds "
            "the recommended initial trial of its documentation or results.",
            "another order",
        ),
    ],
)
def test_a_rewrite_with_the_reviewers_words_in_another_order_is_refused(rewrite: str, why: str) -> None:
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems

    problems = reason_problems(rewrite, _trial_item(), get_language("en"))  # type: ignore[arg-type]
    assert any(why in p for p in problems), problems


@pytest.mark.parametrize(
    "rewrite",
    [
        "The reviewer found that the request for 12 sessions exceeds the recommended initial trial. There is no "
        "documentation of an earlier course of therapy or of its results.",
        # the reviewer's two points said in the other order, each in its own sentence
        "There is no documentation of an earlier course of therapy or of its results. The reviewer found that the "
        "request for 12 sessions exceeds the recommended initial trial.",
    ],
)
def test_a_rewrite_in_the_reviewers_order_passes_the_order_check(rewrite: str) -> None:
    from imr_llm.summary.rewrite import _out_of_order

    item = _trial_item()
    assert _out_of_order(rewrite, " ".join(item.reason.sentences)) is None  # type: ignore[attr-defined]


# -- a 2013 notice cut inside its last rationale -----------------------------------------------------------------


def test_a_2013_notice_cut_mid_word_is_warned_of_and_a_whole_one_is_not() -> None:
    from imr_llm.parser import parse_text

    whole = (SAMPLES / "synth-2013-notice.txt").read_text()
    assert not any("cut off" in w for w in parse_text(whole).warnings)  # right: a whole notice, no warning
    last = whole.rstrip().rfind(".")
    cut = whole[: whole.rfind(" ", 0, last - 3) + 4]  # inside the last rationale's last sentence
    record = parse_text(cut)
    # wrong: no warning, not flagged, and the summary said nothing of it
    assert any("stops mid-sentence" in w for w in record.warnings) and record.needs_review, record.warnings


# -- an answer's size is bounded (H5: a 500 MB body ran the client out of memory) ------------------------


def _extract_with(server_url: str, tmp_path: Path) -> tuple[int, dict[str, object], str]:
    result = cli("extract", *llm_flags(server_url, tmp_path / "c"), "--no-cache", str(LETTER), timeout=120)
    return result.returncode, json.loads(result.stdout), result.stderr


@pytest.mark.parametrize(("padding", "refused"), [(20 * 2**20, True), (2 * 2**20, False)])
def test_an_answer_larger_than_any_answer_can_be_is_not_read_FAKE_SERVER(
    tmp_path: Path, padding: int, refused: bool
) -> None:
    from tests.test_hardening_round3 import answer_with

    with fake_server(Behaviour("padded", answer_with(), padding=padding)) as server:
        code, record, stderr = _extract_with(server.base_url, tmp_path)
        asked = len(server.requests)
    llm = record["llm"]
    assert isinstance(llm, dict)
    if refused:
        # wrong: the whole body read into memory (several times its size), or asked for again
        assert code == 1 and llm["error_kind"] == "transport" and "larger than" in str(llm["error"]), stderr
        assert record["extractor"] == "rules" and asked == 1
    else:
        # wrong: a valid answer with a large field nobody reads refused (a false alarm on a real server)
        assert code == 0 and llm["error"] is None and record["extractor"] != "rules", stderr


@pytest.mark.parametrize("compressed", [True, False])
def test_an_answer_is_asked_for_uncompressed_and_a_compressed_one_refused_FAKE_SERVER(
    tmp_path: Path, compressed: bool
) -> None:
    from tests.test_hardening_round3 import answer_with

    with fake_server(Behaviour("padded", answer_with(), gzip=compressed)) as server:
        code, record, stderr = _extract_with(server.base_url, tmp_path)
        sent = server.headers[0]
    llm = record["llm"]
    assert isinstance(llm, dict)
    assert sent.get("accept-encoding") == "identity", sent  # the size bound counts the bytes as sent
    if compressed:
        # wrong: a small gzip body decoded without bound (a few MB can decode to gigabytes)
        assert code == 1 and "compressed" in str(llm["error"]) and record["extractor"] == "rules", stderr
    else:
        assert code == 0 and llm["error"] is None, stderr


# -- one file, one record, whichever way it is named (S9) ------------------------------------------------


@pytest.mark.parametrize("way", ["linked parent folder", "/proc/self/cwd", "the same path"])
def test_a_file_named_another_way_on_a_rerun_keeps_its_one_record(tmp_path: Path, way: str) -> None:
    (tmp_path / "in").mkdir()
    letter = tmp_path / "in" / "a.txt"
    letter.write_bytes(LETTER.read_bytes())
    out = tmp_path / "r.jsonl"
    first = cli("batch", str(letter), "--out", str(out), "--no-progress", timeout=120)
    assert first.returncode == 0, first.stderr
    if way == "linked parent folder":
        (tmp_path / "link").symlink_to(tmp_path, target_is_directory=True)
        again = str(tmp_path / "link" / "in" / "a.txt")
    elif way == "/proc/self/cwd":
        again = "/proc/self/cwd/in/a.txt"
    else:
        again = str(letter)
    rerun = cli("batch", again, "--out", str(out), "--no-progress", cwd=tmp_path, timeout=120)
    # wrong before: a second record of the same file (same inode, same content), and the table's rows doubled
    assert rerun.returncode == 0 and "1 already in" in rerun.stderr, rerun.stderr
    assert [r["source"]["path"] for r in _records(out)] == [str(letter)]  # type: ignore[index]


# -- a letter cut inside the next item's heading (S8) ----------------------------------------------------


def test_a_letter_cut_after_the_next_items_first_line_is_warned_of_and_the_whole_one_is_not() -> None:
    from imr_llm.parser import parse_text
    from imr_llm.summary.render import Format, render_text
    from imr_llm.summary.summarize import summarize

    whole = (SAMPLES / "synth-2016-partial.txt").read_text()
    for opening in ("purchase was the original request.", "leaving the original request IMR eligible."):
        cut = parse_text(whole[: whole.index(opening) + len(opening)] + "\n")
        # wrong before: one item, no warning, not flagged (behind the opioid weaning paragraph the cut passed as an end)
        assert cut.needs_review and any("original request" in w and "cut off" in w for w in cut.warnings), cut.warnings
    page = render_text(summarize(cut, "en").summary, Format.MD, [])
    assert "cut off" in page, page
    # right: the whole letter, whose partly authorized items open the same way, is not warned of
    full = parse_text(whole)
    assert not any("original request" in w for w in full.warnings), full.warnings
