"""Hardening, round five: a sixth hostile probe's findings, each the wrong output it must not produce and the right
output it must keep. Letters are synthetic (tests/letters.py); closings are written for these tests.

- A closing that approves other care (the other side, another kind of the same care, another study), part of the
  request (a count with another unit, a number the request does not have), stopping the care, or opens "Yes," and
  then denies, states no approval of this request: with the heading's decision word lost, the decision is left
  empty and the page says so; with the heading intact, no false "the rationale concludes medically necessary".
- A date of injury given as a range to the present or as two dates, or before the worker was born; a case number
  with a digit more; the same request twice with opposite decisions: each is said.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from imr_llm.parser import parse_text
from imr_llm.parser.verdict import plain_reading
from imr_llm.summary.model import ItemSummary
from tests.conftest import approving_title
from tests.letters import HEAD, Item, make_letter

CHIRO = "Chiropractic manipulation, 12 sessions for the cervical spine"


@pytest.mark.parametrize(
    ("closing", "asked"),
    [
        ("Yes, the denial is upheld; the request is not medically necessary.", CHIRO),
        ("Yes, the prior review's denial stands since the request is not medically necessary.", CHIRO),
        ("Right knee arthroscopy is medically necessary.", "Left knee arthroscopy"),
        ("Aquatic therapy for the lumbar spine is medically necessary.", "Physical therapy 12 visits, lumbar spine"),
        ("Lumbar facet injection is medically necessary.", "Lumbar epidural steroid injection L4-5"),
        ("A TENS unit purchase is medically necessary.", "TENS unit rental for 30 days"),
        ("MRI of the lumbar spine with contrast is medically necessary.", "MRI of the lumbar spine without contrast"),
        ("Maintenance chiropractic manipulation is medically necessary.", CHIRO),
        ("Six sessions of physical therapy are medically necessary.", "Physical therapy 2 times a week for 6 weeks"),
        ("Oxycodone 10mg #10 is medically necessary.", "Oxycodone 10mg #120"),
        ("Eighty tablets of Oxycodone 10mg are medically necessary.", "Oxycodone 10mg #120"),
        ("Ninety grams of the compound cream are medically necessary.", "Compound cream 180 grams"),
        ("Discontinuing chiropractic manipulation is medically necessary.", CHIRO),
        ("Upholding the denial of chiropractic manipulation is medically necessary.", CHIRO),
    ],
)
def test_a_closing_that_does_not_approve_this_request_is_no_approval(closing: str, asked: str) -> None:
    assert plain_reading(closing, asked) is not True
    lost = parse_text(make_letter(Item(asked, "", f"The records were reviewed. {closing}")))
    item = lost.disputed_items[0]
    assert item.decision is None and lost.needs_review, (item.decision, lost.warnings)
    intact = parse_text(make_letter(Item(asked, "Upheld", f"The records were reviewed. {closing}")))
    assert intact.disputed_items[0].decision == "upheld"
    assert not any("concludes medically necessary" in w for w in intact.warnings), intact.warnings


@pytest.mark.parametrize(
    ("closing", "asked", "reading"),
    [
        (
            "Yes, the request for naproxen, an anti-inflammatory medicine, was medically necessary.",
            "Naproxen 550mg",
            True,
        ),
        (
            "No, the request for cervical facet injections was not medically necessary.",
            "Cervical facet injections",
            False,
        ),
        ("Therefore, a CT of the lumbar spine is medically necessary.", "CT of the lumbosacral spine", True),
        (
            "The request for CT of the neck (Date of Service 1/2/17) is medically necessary.",
            "CT of the neck (DOS 1/2/17)",
            True,
        ),
        ("Continued Norco 10/325 #60 is medically necessary.", "Norco 10/325mg #60", True),
        (
            "Physical therapy 2 times a week for 6 weeks is medically necessary.",
            "Physical therapy 2 times a week for 6 weeks",
            True,
        ),
        ("MRI of the left knee is medically necessary.", "MRI left knees", True),
    ],
)
def test_a_plain_closing_on_this_request_is_still_read(closing: str, asked: str, reading: bool) -> None:
    assert plain_reading(closing, asked) is reading
    word = "Overturned" if reading else "Upheld"
    record = parse_text(make_letter(Item(asked, word, f"The records were reviewed. {closing}")))
    assert record.disputed_items[0].decision == ("overturned" if reading else "upheld")
    assert not record.warnings, record.warnings


APPROVED = Item(
    "MRI of the lumbar spine",
    "Overturned",
    "In this case, the records document weakness in the left leg. Therefore, the request is medically necessary.",
)


@pytest.mark.parametrize(
    ("injury", "said"),
    [
        ("09/14/2015 - Present", "more than one date"),
        ("09/14/2015 and 09/14/2016", "more than one date"),
        ("09/14/2015 / 09/14/2016", "more than one date"),
        ("09/14/1955", "before the worker was born"),  # the worker is 52 in 2016
        ("09/14/2016", None),
    ],
)
def test_a_date_of_injury_that_is_not_one_date_of_this_worker_is_said(injury: str, said: str | None) -> None:
    letter = make_letter(APPROVED).replace("Date of Injury: 09/14/2016", f"Date of Injury: {injury}", 1)
    assert f"Date of Injury: {injury}" in letter
    warnings = [w for w in parse_text(letter).warnings if w.startswith("date_of_injury")]
    assert (said is None and not warnings) or (said is not None and any(said in w for w in warnings)), warnings


def test_a_case_number_with_a_digit_more_is_said() -> None:
    assert "Case Number: CM16-0900199" in HEAD
    long = parse_text(make_letter(APPROVED).replace("CM16-0900199", "CM16-09001990", 1))
    assert any(w.startswith("case_number") and "goes on" in w for w in long.warnings), long.warnings
    assert not parse_text(make_letter(APPROVED)).warnings


def test_the_same_request_with_opposite_decisions_is_said() -> None:
    denied = Item(
        APPROVED.request, "Upheld", "There is no documentation of deficits. The request is not medically necessary."
    )
    record = parse_text(make_letter(APPROVED, denied))
    assert any("opposite decisions" in w for w in record.warnings), record.warnings
    other = Item("MRI of the cervical spine", "Upheld", denied.rationale)
    assert not parse_text(make_letter(APPROVED, other)).warnings


@pytest.mark.parametrize("heading", ["Upheld in part", "Overturned in part", "Not Upheld", "Overturned Upheld"])
def test_decision_words_that_do_not_read_as_one_decision_leave_it_empty(heading: str) -> None:
    """ "Overturned in part" over a rationale that denies: the rationale alone made it "Upheld", a part read as a
    whole; "Not Upheld" was read the other way round."""
    letter = make_letter(
        Item(
            "Back support", heading, "There is no documentation of instability. The request is not medically necessary."
        )
    )
    record = parse_text(letter)
    assert record.disputed_items[0].decision is None, record.disputed_items[0]
    assert any("do not read as one decision" in w for w in record.warnings), record.warnings
    # the right output: a heading whose word is only damaged is decided by a plain closing, as before
    damaged = parse_text(
        make_letter(
            Item(
                "Back support",
                "Uph#ld",
                "There is no documentation of instability. The request is not medically necessary.",
            )
        )
    )
    assert damaged.disputed_items[0].decision == "upheld"


@pytest.mark.parametrize(
    "closing",
    [
        "A sacroiliac joint injection is medically necessary.",  # a verdict on other care still ends the rationale
        "Physical therapy once a week to the right elbow is medically necessary.",  # "once a week" is no condition
    ],
)
def test_a_rationale_ending_on_a_verdict_about_other_care_is_not_called_cut_off(closing: str) -> None:
    record = parse_text(
        make_letter(Item("Lumbar facet injection", "Upheld", f"The request is not medically necessary. {closing}"))
    )
    assert record.disputed_items[0].decision == "upheld"
    assert not any("cut off" in w for w in record.warnings), record.warnings


# -- a seventh probe, on the code after the sixth's fixes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("closing", "asked"),
    [
        # one part of a request of several parts
        ("MRI of the lumbar spine is medically necessary.", "MRI of the cervical and lumbar spine"),
        ("Norco 10/325mg #60 is medically necessary.", "Norco 10/325mg #60 and Soma 350mg #30"),
        ("Left knee MRI is medically necessary.", "Left and right knee MRI"),
        ("NCV of the lumbar spine is medically necessary.", "EMG/NCV of the lumbar spine"),
        ("Physical therapy without aquatic therapy is medically necessary.", "Physical therapy and aquatic therapy"),
        # another spinal level; a part, said after "Yes"
        ("Epidural steroid injection at C4-5 is medically necessary.", "Lumbar epidural steroid injection at L4-5"),
        ("Yes, the request for chiropractic care is medically necessary in part.", CHIRO),
        ("Yes, the request is medically necessary at a reduced frequency.", CHIRO),
        ("Physical therapy 12 sessions per month is medically necessary.", "Physical therapy 12 sessions"),
        ("Six sessions of physical therapy are medically necessary.", "Physical therapy 2 times a week for 6 weeks"),
    ],
)
def test_an_approval_of_a_part_or_another_level_is_no_approval(closing: str, asked: str) -> None:
    assert plain_reading(closing, asked) is not True
    lost = parse_text(make_letter(Item(asked, "", f"The records were reviewed. {closing}")))
    assert lost.disputed_items[0].decision is None and lost.needs_review


@pytest.mark.parametrize(
    ("closing", "asked"),
    [
        ("MRI of the cervical and lumbar spine is medically necessary.", "MRI of the cervical and lumbar spine"),
        ("The request for Norco and Soma is medically necessary.", "Norco 10/325mg #60 and Soma 350mg #30"),
        (
            "Physical therapy 12 visits for the lumbar spine is medically necessary.",
            "Physical therapy 12 sessions for the lumbar spine",
        ),
        ("Oxycodone 10mg 120 tablets is medically necessary.", "Oxycodone 10mg #120"),
        ("Twelve sessions of chiropractic manipulation for the cervical spine are medically necessary.", CHIRO),
        (
            "Physical therapy 12 sessions for the low back is medically necessary.",
            "Physical therapy 12 sessions lumbar",
        ),
        ("Naproxen sodium 550mg #60 is medically necessary.", "Naproxen 550mg #60"),
        (
            "Physical therapy twice a week for four weeks is medically necessary.",
            "Physical therapy 2 times a week for 4 weeks",
        ),
        ("Yes, the request is medically necessary and the denial is overturned.", CHIRO),
        # a course's total, and a request whose commas only separate its details
        ("Eight sessions of physical therapy are medically necessary.", "Physical therapy 2 times a week for 4 weeks"),
        ("Twelve sessions of physical therapy are medically necessary.", "Physical therapy 2x6"),
        (
            "Physical therapy 2 times a week for 5 weeks for the left ankle is medically necessary.",
            "Physical therapy, 2 times a week for 5 weeks, left ankle",
        ),
    ],
)
def test_a_plain_approval_written_another_way_is_still_read(closing: str, asked: str) -> None:
    """The same count in other words ("12 visits", "120 tablets", "Twelve", "twice a week"), the same region
    ("low back"), a salt's name ("sodium"): the request's own approval, read."""
    assert plain_reading(closing, asked) is True


@pytest.mark.parametrize(
    ("closing", "cut_off"),
    [
        ("Therefore, I cannot recommend this request.", False),
        ("The request is non-certified.", False),
        ("Therefore, the denial is upheld.", False),
        ("The request does not meet guideline criteria.", False),
        # a letter cut after a sentence about something else is still flagged
        ("The patient was authorized a one month trial of the unit.", True),
        ("Guidelines state that this is not recommended until there are better studies.", True),
    ],
)
def test_closings_a_reviewer_ends_with_and_sentences_a_cut_ends_on(closing: str, cut_off: bool) -> None:
    last = Item("TENS unit", "Upheld", f"There is no documentation of measurable functional gains. {closing}")
    record = parse_text(make_letter(APPROVED, last))
    assert any("may be cut off" in w for w in record.warnings) is cut_off, record.warnings


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("Date of Injury: 09/14/2016", "Date of Injury: 09/14/2016 and continuing", "date_of_injury"),
        ("CM16-0900199", "CM16-0900199A", "goes on"),
        ("CM16-0900199", "CM16-0900199-1", "goes on"),
        ("CM16-0900199", "CCM16-0900199", "goes on"),
        ("CM16-0900199", "CM16-0900199 CM16-0900200", "goes on"),
    ],
)
def test_a_header_value_that_goes_on_is_said(old: str, new: str, said: str) -> None:
    record = parse_text(make_letter(APPROVED).replace(old, new, 1))
    assert any(said in w for w in record.warnings), record.warnings


@pytest.mark.parametrize("second", ["MRI of the lumbar spine.", "MRIs of the lumbar spine", "mri of the LUMBAR spine"])
def test_the_same_request_written_another_way_with_the_opposite_decision_is_said(second: str) -> None:
    denied = Item(second, "Upheld", "There is no documentation of deficits. The request is not medically necessary.")
    record = parse_text(make_letter(APPROVED, denied))
    assert any("opposite decisions" in w for w in record.warnings), record.warnings


def test_pages_out_of_order_that_hide_requests_are_said_in_a_text_letter() -> None:
    """An eighth probe: a real PDF with its pages 2 and 3 swapped (a fax put together again) read 5 of its 8
    requests, with no warning, and the page told the worker "five requests". Its text layer is in the swapped
    order too; the rationale blocks before the items' heading are counted, as a scan's were. The letter in its
    own order has no such warning."""
    letter = make_letter(
        Item("Physical therapy 6 sessions", "Upheld", "There is no documentation of functional improvement."),
        Item("MRI of the lumbar spine", "Upheld", "There are no red flags. The request is not medically necessary."),
        Item("Naproxen 500mg #60", "Overturned", "The patient has arthritis. The request is medically necessary."),
    )
    assert not any("blocks" in w for w in parse_text(letter).warnings)
    heading = letter.index("IMR ISSUES, DECISIONS AND RATIONALES")
    second = letter.index("MRI of the lumbar spine:", heading)
    third = letter.index("Naproxen 500mg #60:", second)
    swapped = letter[:heading] + letter[second:third] + letter[heading:second] + letter[third:]
    record = parse_text(swapped)
    assert len(record.disputed_items) < 3  # the request before the heading is not read ...
    assert record.needs_review
    assert any("'Decision rationale' blocks but" in w for w in record.warnings), record.warnings  # ... and it is said


# -- an eighth probe: rewrites that swap the reviewer's numbers, move a denial, or add one ---------------------

SPRAIN = (
    "The injured worker was diagnosed with a sprain of the knee and attended 6 sessions of physical therapy with "
    "benefit. This request for an additional 8 supervised physical therapy sessions is medically necessary "
    "because the worker reported benefit from previous sessions and they will exceed the guideline recommendations "
    "by only 2 sessions. Therefore, the request is medically necessary."
)
SPRAIN_EN = (
    "The reviewer found that you were diagnosed with a sprain of the knee and attended 6 sessions of physical therapy "
    "with benefit. The reviewer found that the request for an additional 8 supervised physical therapy sessions "
    "is medically necessary because you reported benefit from previous sessions and they will exceed the guideline "
    "recommendations by only 2 sessions."
)
SPRAIN_ES = (
    "El revisor encontró que a usted le diagnosticaron un esguince de rodilla y que completó 6 sesiones de terapia "
    "física con beneficio. El revisor encontró que la solicitud de 8 sesiones adicionales de terapia física es "
    "médicamente necesaria porque usted reportó beneficio de las sesiones previas y porque excederán las "
    "recomendaciones de las guías por solo 2 sesiones."
)


def _sprain_item(lang: str) -> ItemSummary:
    from imr_llm.summary.build import build_summary

    record = parse_text(make_letter(Item("Physical therapy 8 sessions for the right knee", "Overturned", SPRAIN)))
    return build_summary(record, lang).items[0]


def _sprain_problems(lang: str, rewrite: str) -> list[str]:
    """Why `rewrite` may not replace the sprain item's reason, in `lang` (empty: it may)."""
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems

    return reason_problems(rewrite, _sprain_item(lang), get_language(lang))


@pytest.mark.parametrize(
    ("lang", "rewrite", "said"),
    [
        # the reviewer's own numbers, each put with the other's words: 8 completed, 6 asked for, "by only 6"
        ("en", SPRAIN_EN.replace("6 sessions of", "8 sessions of").replace("additional 8", "additional 6"), "numbers"),
        ("en", SPRAIN_EN.replace("by only 2", "by only 6"), "numbers"),
        ("es", SPRAIN_ES.replace("6 sesiones", "8 sesiones").replace("de 8 sesiones", "de 6 sesiones"), "numbers"),
        # a denial added to a finding the approval rests on, though a denial elsewhere keeps the count even
        ("es", SPRAIN_ES.replace("con beneficio", "sin beneficio"), "denies more"),
        ("es", SPRAIN_ES.replace("con beneficio", "con ningún beneficio"), "denies more"),
        # another body part
        ("es", SPRAIN_ES.replace("rodilla", "hombro"), "body part"),
    ],
)
def test_a_rewrite_that_swaps_the_reviewers_facts_is_rejected(lang: str, rewrite: str, said: str) -> None:
    problems = _sprain_problems(lang, rewrite)
    assert any(said in p for p in problems), problems


@pytest.mark.parametrize(("lang", "rewrite"), [("en", SPRAIN_EN), ("es", SPRAIN_ES)])
def test_the_faithful_rewrite_of_the_same_reason_passes(lang: str, rewrite: str) -> None:
    """The other way: the faithful rewrite, in each language, passes (the Spanish "excederán" keeps the reviewer's
    "exceed", as the English denial words count it)."""
    assert _sprain_problems(lang, rewrite) == []


def test_an_english_rewrite_that_moves_the_no_onto_another_finding_is_rejected() -> None:
    """ "The reviewer found recorded leg weakness, or no signs consistent with cauda equina syndrome" for "There is
    no documented leg weakness or any signs consistent with cauda equina syndrome": the first thing the reviewer
    denied is said outside any denial. The faithful rewrite and a passive one ("Leg weakness was not recorded") pass."""
    from imr_llm.summary.build import build_summary
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems

    rationale = (
        "There is no documented leg weakness or any signs consistent with cauda equina syndrome. Therefore, the "
        "request is not medically necessary."
    )
    item = build_summary(parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", rationale)))).items[0]
    en = get_language("en")
    moved = "The reviewer found recorded leg weakness, or no signs consistent with cauda equina syndrome."
    assert any("no longer denies" in p for p in reason_problems(moved, item, en))
    faithful = "The reviewer found no recorded leg weakness or any signs consistent with cauda equina syndrome."
    assert reason_problems(faithful, item, en) == []
    passive = "Leg weakness was not recorded, nor any signs consistent with cauda equina syndrome."
    assert not any("no longer denies" in p for p in reason_problems(passive, item, en))


@pytest.mark.parametrize(
    ("written", "warned"),
    [
        ("Decision Date: 12/30/2016 (revised 01/06/2017)", True),  # the date that starts the appeal clock, twice
        ("Decision Date: 12/30/2016 - 01/06/2017", True),
        ("Decision Date: 12/30/2016", False),
    ],
)
def test_a_second_decision_date_is_said(written: str, warned: bool) -> None:
    """An eighth probe: "Decision Date: 02/03/2017 (revised 02/10/2017)" took the first date with no warning,
    though the date of injury warned on two dates. The letter as written has no warning."""
    record = parse_text(
        make_letter(
            Item(
                "MRI of the lumbar spine",
                "Upheld",
                "There are no red flags. Therefore, the request is not medically necessary.",
            )
        ).replace("Decision Date: 12/30/2016", written, 1)
    )
    said = [w for w in record.warnings if w.startswith("decision_date:")]
    assert bool(said) is warned, record.warnings
    assert record.needs_review is warned


@pytest.mark.parametrize(
    ("written", "age"),
    [("a 55- to 60-year-old female", None), ("a 55-60 year old female", None), ("a 55-year-old female", 55)],
)
def test_an_age_written_as_a_range_is_left_empty(written: str, age: int | None) -> None:
    """ "a now 55- to 60-year-old female" gave patient_age 60 with no warning."""
    letter = make_letter(
        Item(
            "MRI of the lumbar spine",
            "Upheld",
            "There are no red flags. Therefore, the request is not medically necessary.",
        )
    )
    assert "a 52 year old female" in letter
    record = parse_text(letter.replace("a 52 year old female", written, 1))
    assert record.patient_age == age
    assert any("range" in w for w in record.warnings) is (age is None), record.warnings


def test_summarize_out_keeps_a_file_it_did_not_write_and_replaces_its_own(tmp_path: Path) -> None:
    """An eighth probe: `summarize --out DIR` replaced DIR/NAME.en.md, a worker's own notes. A file there that is
    not a summary imr-llm wrote is kept (one line, exit 1); a rerun replaces its own summary, in each format."""
    from tests.cli import run_cli

    letter = tmp_path / "good.txt"
    letter.write_text(make_letter(Item("MRI of the lumbar spine", "Upheld", "There are no red flags.")))
    notes = tmp_path / "good.en.md"
    notes.write_text("my own notes, not a summary\n")
    kept = run_cli("summarize", str(letter), "--out", str(tmp_path))
    assert kept.returncode == 1 and "is not a summary imr-llm wrote" in kept.stderr, kept.stderr
    assert "Traceback" not in kept.stderr and len(kept.stderr.strip().splitlines()) == 1
    assert notes.read_text() == "my own notes, not a summary\n"
    again = tmp_path / "again"
    for fmt in ("md", "json", "html"):
        for _ in range(2):
            result = run_cli("summarize", str(letter), "--out", str(again), "--format", fmt)
            assert "not a summary imr-llm wrote" not in result.stderr, result.stderr
    assert (again / "good.en.md").read_text().startswith("# ")


@pytest.mark.parametrize(
    "args",
    [
        ("summarize", "LETTER", "--out", ""),
        ("summarize", "LETTER", "--out="),
        ("summarize", "LETTER", "--out", "", "--format", "html"),
        ("summarize", ""),
        ("parse", "LETTER", ""),
        ("batch", "LETTER", "--out", "x.jsonl", "--summaries", ""),
    ],
)
def test_an_empty_argument_is_one_line_and_nothing_is_written(tmp_path: Path, args: tuple[str, ...]) -> None:
    """`summarize --out ""` (a shell variable that was not set) wrote its files into the folder the command ran in:
    Click reads "" as the current folder. Any empty argument is now one line, exit 2, before any work."""
    from tests.cli import run_cli

    letter = tmp_path / "good.txt"
    letter.write_text(make_letter(Item("MRI of the lumbar spine", "Upheld", "There are no red flags.")))
    work = tmp_path / "work"
    work.mkdir()
    result = run_cli(*(str(letter) if a == "LETTER" else a for a in args), cwd=work)
    assert result.returncode == 2 and "empty" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
    assert list(work.iterdir()) == []


def test_values_with_an_equals_sign_or_a_dot_folder_still_work(tmp_path: Path) -> None:
    """The right side of the empty-argument check: `--out=DIR` and `--out .` (said, not empty) are read."""
    from tests.cli import run_cli

    letter = tmp_path / "good.txt"
    letter.write_text(make_letter(Item("MRI of the lumbar spine", "Upheld", "There are no red flags.")))
    first = run_cli("summarize", str(letter), f"--out={tmp_path / 'a'}")
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "a" / "good.en.md").is_file()
    work = tmp_path / "work"
    work.mkdir()
    second = run_cli("summarize", str(letter), "--out", ".", cwd=work)
    assert second.returncode == 0, second.stderr
    assert (work / "good.en.md").is_file()


def test_the_console_script_refuses_an_empty_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    """`imr_llm.cli.run` itself (the console script) applies the check, not only the test helper."""
    import imr_llm.cli as cli

    monkeypatch.setattr(sys, "argv", ["imr-llm", "summarize", "x.txt", "--out", ""])
    with pytest.raises(SystemExit) as ended:
        cli.run()
    assert ended.value.code == 2


# -- a ninth probe ------------------------------------------------------------------------------------------------


def test_a_page_of_another_letter_is_said_and_its_request_is_not_decided() -> None:
    """A page 2 of another letter appended to a letter gave a ninth request, "IMR ISSUES, DECISIONS AND
    RATIONALES The Final Determination ... Physical therapy ...", overturned, with no warning: the page told the
    worker "One was approved". The heading over the items twice is said, and a request holding that heading has
    no decision. The letter alone has no such warning."""
    letter = make_letter(
        Item(
            "MRI of the lumbar spine",
            "Upheld",
            "There are no red flags. Therefore, the request is not medically necessary.",
        ),
    )
    other = make_letter(
        Item("Physical therapy 6 sessions", "Overturned", "The patient improved. The request is medically necessary."),
    )
    assert not any("more than once" in w for w in parse_text(letter).warnings)
    heading = other.index("IMR ISSUES, DECISIONS AND RATIONALES")
    record = parse_text(letter + "\f" + other[heading:])
    assert any("heading over its items more than once" in w for w in record.warnings), record.warnings
    assert record.needs_review
    assert all(item.decision != "overturned" for item in record.disputed_items), [
        (i.request[:40], i.decision) for i in record.disputed_items
    ]


@pytest.mark.parametrize(
    "missing",
    [
        "leg weakness or any signs consistent with cauda equina syndrome",
        "diversion or drug-seeking behavior",
        "an inconsistent urine drug screen",
        "bowel or bladder dysfunction",
    ],
)
def test_a_next_step_never_asks_for_records_of_a_red_flag_or_misuse(missing: str) -> None:
    """A letter's "There is no documented leg weakness or any signs consistent with cauda equina syndrome" gave
    "a new request could include records of recorded leg weakness or any signs consistent with cauda equina
    syndrome"; crafted ones asked for records of diversion, an inconsistent drug test, bowel or bladder dysfunction."""
    from imr_llm.summary.build import build_summary

    rationale = f"There is no documentation of {missing}. Therefore, the request is not medically necessary."
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", rationale)))
    for lang in ("en", "es"):
        step = build_summary(record, lang).items[0].next_step
        assert missing.split()[-1] not in step, step


def test_a_next_step_still_asks_for_records_of_what_was_missing() -> None:
    """The other way: a missing record that is no risk still gives its step."""
    from imr_llm.summary.build import build_summary

    rationale = (
        "There is no documentation of a trial of physical therapy. Therefore, the request is not medically necessary."
    )
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", rationale)))
    assert "records of a trial of physical therapy" in build_summary(record).items[0].next_step


WEAKNESS = (
    "There is no documented leg weakness or any signs consistent with cauda equina syndrome. Therefore, the request "
    "is not medically necessary."
)


def _weakness_item(lang: str) -> ItemSummary:
    from imr_llm.summary.build import build_summary

    return build_summary(parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", WEAKNESS))), lang).items[0]


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("en", "You have no leg weakness or any signs consistent with cauda equina syndrome."),
        ("en", "The reviewer found that you have no leg weakness or any signs consistent with cauda equina syndrome."),
        ("en", "The reviewer found no leg weakness or any signs consistent with cauda equina syndrome."),
        (
            "es",
            "El revisor encontró que usted no tiene debilidad ni hallazgos compatibles con el síndrome de cauda "
            "equina.",
        ),
    ],
)
def test_a_rewrite_that_makes_what_the_records_lack_a_finding_about_you_is_rejected(lang: str, rewrite: str) -> None:
    """A ninth probe: "no documented weakness" (what the records lack) rewritten "You have no weakness" (a finding
    about the worker), or with its record word dropped, was accepted, in English and Spanish."""
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems

    assert reason_problems(rewrite, _weakness_item(lang), get_language(lang))


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("en", "The reviewer found no recorded leg weakness or any signs consistent with cauda equina syndrome."),
        (
            "es",
            "El revisor no encontró constancia de debilidad ni de hallazgos compatibles con el síndrome de cauda "
            "equina.",
        ),
    ],
)
def test_a_rewrite_that_keeps_the_records_passes(lang: str, rewrite: str) -> None:
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems

    assert reason_problems(rewrite, _weakness_item(lang), get_language(lang)) == []


@pytest.mark.parametrize(
    ("lang", "rewrite", "said"),
    [
        # numbers written as words, swapped
        (
            "es",
            SPRAIN_ES.replace("6 sesiones", "ocho sesiones").replace("de 8 sesiones", "de seis sesiones"),
            "numbers",
        ),
        # a side the request does not name
        ("es", SPRAIN_ES.replace("esguince de rodilla", "esguince de rodilla izquierda"), "body part"),
        # another unit for the reviewer's number
        ("es", SPRAIN_ES.replace("6 sesiones", "6 semanas"), "unit"),
        ("en", SPRAIN_EN.replace("6 sessions of", "6 weeks of"), "unit"),
    ],
)
def test_a_rewrite_that_changes_a_count_or_a_side_is_rejected(lang: str, rewrite: str, said: str) -> None:
    problems = _sprain_problems(lang, rewrite)
    assert any(said in p for p in problems), problems


def test_two_headings_on_one_line_give_no_decision() -> None:
    """ "Back support: Upheld; Lumbar brace: Overturned" was one item, shown "This is approved" (the last word)."""
    letter = make_letter(
        Item("Back support", "Upheld", "There is no evidence of instability. The request is not medically necessary."),
    )
    record = parse_text(letter.replace("Back support: Upheld", "Back support: Upheld; Lumbar brace: Overturned", 1))
    assert record.disputed_items[0].decision is None
    assert record.needs_review
    assert parse_text(letter).disputed_items[0].decision == "upheld"


@pytest.mark.parametrize(
    ("written", "age", "sex"),
    [
        ("A 19 year old male coworker backed into the injured worker, who was a 52 year old female", 52, "female"),
        ("The injured worker, whose 6 year old male child was present, is a 52 year old female", 52, "female"),
        (
            "The injured worker was a 50 year old female at the time of injury and is now a 52 year old female",
            52,
            "female",
        ),
        ("The injured worker is a 52 year old female", 52, "female"),
    ],
)
def test_the_workers_age_is_not_another_persons(written: str, age: int, sex: str) -> None:
    """A ninth probe: the first age-and-sex phrase was taken, a coworker's, a child's, or the age at the injury."""
    letter = make_letter(
        Item("MRI of the lumbar spine", "Upheld", "There are no red flags. The request is not medically necessary.")
    )
    record = parse_text(letter.replace("The injured worker is a 52 year old female", written, 1))
    assert (record.patient_age, record.patient_sex) == (age, sex)


def test_a_pdfs_ligatures_read_as_letters() -> None:
    """Text with ligature characters ("Certiﬁcation(s)") lost the reviewer and warned on every clean letter."""
    letter = make_letter(
        Item("MRI of the lumbar spine", "Upheld", "There are no red flags. The request is not medically necessary.")
    )
    from imr_llm import parse

    plain = parse(letter)
    tied = parse(letter.replace("fi", "\ufb01").replace("ff", "\ufb00"))
    assert "\ufb01" in letter.replace("fi", "\ufb01")
    assert tied.reviewer == plain.reviewer and tied.warnings == plain.warnings


@pytest.mark.parametrize("written", ["October 11, 2016", "10.11.2016", "11-Oct-2016", "2016-10-11", "10/11/2016"])
def test_a_header_date_written_another_way_is_read_without_a_warning(written: str) -> None:
    letter = make_letter(
        Item("MRI of the lumbar spine", "Upheld", "There are no red flags. The request is not medically necessary.")
    )
    assert "Date of Injury: 09/14/2016" in letter
    letter = letter.replace("industrial injury on 9-14-16", "industrial injury on 10-11-16")  # one date throughout
    record = parse_text(letter.replace("Date of Injury: 09/14/2016", f"Date of Injury: {written}", 1))
    assert record.date_of_injury is not None and record.date_of_injury.isoformat() == "2016-10-11"
    assert not any(w.startswith("date_of_injury") for w in record.warnings), record.warnings


def test_a_page_that_starts_inside_a_sentence_after_a_finished_one_is_said() -> None:
    """A page of another letter, holding only whole requests after the end of its first one's rationale, read as
    this letter's, silently. A page that starts inside a sentence though the page before ended one never happens
    in a real letter's text layer (213 page breaks of 149 PDFs): it is said. A page break inside a sentence, or
    between two sentences, is not."""
    letter = make_letter(
        Item("MRI of the lumbar spine", "Upheld", "There are no red flags. The request is not medically necessary."),
    )
    stray = "request a back support. However, the request is not medically necessary.\nLumbar brace: Overturned\n"
    record = parse_text(letter + "\f" + stray)
    assert any("starts inside a sentence" in w for w in record.warnings), record.warnings
    at = letter.index("There are no red flags.") + len("There are no red flags.")
    between = letter[:at] + "\f" + letter[at:]
    inside = letter.replace("There are no red", "There are no\fred", 1)
    for text in (between, inside):
        assert not any("starts inside a sentence" in w for w in parse_text(text).warnings)


# -- a tenth probe ------------------------------------------------------------------------------------------------


def test_a_request_that_runs_across_a_page_break_gets_no_decision() -> None:
    """A letter's last page replaced by a page of another letter: the page before ended inside a sentence ("...
    Sessions should"), glued to the other letter's first heading, a request "Sessions should EMG/NCS of the
    bilateral hand", overturned, with no warning. A heading is one line: a request across a page break has no
    decision. A letter whose page break falls inside a rationale is read as before."""
    letter = make_letter(
        Item("MRI of the lumbar spine", "Upheld", "There are no red flags. The request is not medically necessary."),
        Item("Physical therapy 6 sessions", "Upheld", "There is no documentation of a trial. Sessions should be few."),
    )
    cut = letter.index("Sessions should be few.") + len("Sessions should")
    blocks = letter[letter.index("Claims Administrator guideline:") : letter.index("Decision rationale:")]
    foreign = "EMG/NCS of the bilateral hand: Overturned\n" + blocks
    glued = (
        letter[:cut]
        + "\f"
        + foreign
        + "Decision rationale: The patient improved. The request is medically necessary.\n"
    )
    record = parse_text(glued)
    assert all(item.decision != "overturned" for item in record.disputed_items), [
        (i.request, i.decision) for i in record.disputed_items
    ]
    inside = letter.replace("There are no red flags.", "There are no red\fflags.", 1)
    assert [i.decision for i in parse_text(inside).disputed_items] == ["upheld", "upheld"]


def test_a_heading_left_at_the_end_of_a_rationale_leaves_the_next_decision_empty() -> None:
    """ "Back support: Upheld. Lumbar brace: Overturned" read "Lumbar brace" approved, and "Back support" vanished."""
    letter = make_letter(
        Item("MRI of the lumbar spine", "Upheld", "There are no red flags. The request is not medically necessary."),
        Item("Back support", "Upheld", "There is no instability. The request is not medically necessary."),
    )
    record = parse_text(letter.replace("Back support: Upheld", "Back support: Upheld. Lumbar brace: Overturned", 1))
    assert all(item.decision != "overturned" for item in record.disputed_items)
    assert any("runs into it" in w for w in record.warnings), record.warnings
    assert not any("runs into it" in w for w in parse_text(letter).warnings)


@pytest.mark.parametrize("missing", ["illicit drug use", "a positive urine drug screen", "alcohol use"])
def test_a_next_step_never_asks_for_records_of_drug_use(missing: str) -> None:
    from imr_llm.summary.build import build_summary

    rationale = f"There is no documentation of {missing}. Therefore, the request is not medically necessary."
    record = parse_text(make_letter(Item("Norco 10/325mg #60", "Upheld", rationale)))
    for lang in ("en", "es"):
        assert missing.split()[-2] not in build_summary(record, lang).items[0].next_step


def test_the_workers_age_is_not_a_person_named_beside_them() -> None:
    letter = make_letter(
        Item("MRI of the lumbar spine", "Upheld", "There are no red flags. The request is not medically necessary.")
    )
    written = "The injured worker is a 52 year old female (her supervisor, a 61 year old male, saw it)"
    record = parse_text(letter.replace("The injured worker is a 52 year old female", written, 1))
    assert (record.patient_age, record.patient_sex) == (52, "female")


@pytest.mark.parametrize("written", ["Dec. 30, 2016", "Dec 30, 2016", "Dec. 30th, 2016"])
def test_an_abbreviated_month_in_the_header_is_read(written: str) -> None:
    """A tenth probe: "Decision Date: Feb. 17, 2017" was "no value after its label", and the page lost "decided on"."""
    from imr_llm.parser.dates import parse_date

    assert parse_date("Sept 5, 2016") is not None and parse_date("Sept 5, 2016").month == 9  # type: ignore[union-attr]
    letter = make_letter(
        Item("MRI of the lumbar spine", "Upheld", "There are no red flags. The request is not medically necessary.")
    )
    record = parse_text(letter.replace("Decision Date: 12/30/2016", f"Decision Date: {written}", 1))
    assert record.decision_date is not None and record.decision_date.day == 30
    assert not any(w.startswith("decision_date") for w in record.warnings), record.warnings


@pytest.mark.parametrize(
    ("lang", "rewrite", "said"),
    [
        # a denial put on the finding the approval rests on
        ("es", SPRAIN_ES.replace("usted reportó beneficio", "usted no reportó beneficio"), "denies"),
        # "no excederán": the reviewer's "will exceed" turned round
        ("es", SPRAIN_ES.replace("porque excederán", "porque no excederán"), "turns"),
        # a condition or care the reviewer's words do not name
        ("es", SPRAIN_ES.replace("un esguince de rodilla", "una fractura de rodilla"), "condition"),
        ("es", SPRAIN_ES.replace("de terapia física es", "de terapia física y una cirugía es"), "condition"),
        (
            "en",
            SPRAIN_EN.replace("physical therapy sessions is", "physical therapy sessions and surgery is"),
            "surgery",
        ),
    ],
)
def test_a_rewrite_that_adds_care_a_condition_or_a_denial_is_rejected(lang: str, rewrite: str, said: str) -> None:
    """A tenth probe: "supportive of obtaining MRI and surgery" (the frames' own "a surgery" let the word through),
    "usted no reportó beneficio", "no excederán", "una fractura" for a sprain: all accepted."""
    problems = _sprain_problems(lang, rewrite)
    assert any(said in p for p in problems), problems


# -- an eleventh probe ---------------------------------------------------------------------------------------------


def test_odd_files_are_one_line_never_an_internal_error(tmp_path: Path) -> None:
    """An eleventh probe: a suite that is not UTF-8, a records file with a line that is not UTF-8, and a price table
    that is not TOML each gave "internal error (...); please report it". Each is one line naming the file."""
    from tests.cli import run_cli

    suite = tmp_path / "suite.toml"
    suite.write_bytes(b'\xff\xfe name = "x"\n')
    result = run_cli("eval", str(suite), "--out", str(tmp_path / "run.json"))
    assert result.returncode == 2 and "not UTF-8" in result.stderr and "internal error" not in result.stderr
    records = tmp_path / "records.jsonl"
    records.write_bytes(b'{"a":1}\n\xff\xfe\n')
    result = run_cli("report", str(records), "--out", str(tmp_path / "rep"))
    assert result.returncode != 0 and "internal error" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    prices = tmp_path / "prices.toml"
    prices.write_text("x = [\n")
    letter = tmp_path / "good.txt"
    letter.write_text(make_letter(Item("MRI of the lumbar spine", "Upheld", "There are no red flags.")))
    result = run_cli(
        "batch", str(letter), "--out", str(tmp_path / "r.jsonl"), "--backend", "openai", "--via", "batch-api",
        "--model", "gpt-4o-mini", "--prices", str(prices), "--no-progress", env={"OPENAI_API_KEY": "sk-test"},
    )  # fmt: skip
    assert result.returncode == 2 and "price table" in result.stderr and "internal error" not in result.stderr


def test_a_closed_stdout_is_one_line(tmp_path: Path) -> None:
    """`imr-llm parse LETTER >&-` (cron, a daemon) gave "internal error (AttributeError ...)": Python starts with
    sys.stdout None. It is one line on stderr, exit 1; a real run in a process of its own."""
    import subprocess

    letter = tmp_path / "good.txt"
    letter.write_text(make_letter(Item("MRI of the lumbar spine", "Upheld", "There are no red flags.")))
    closed = subprocess.run(
        [sys.executable, "-m", "imr_llm", "parse", str(letter)],
        stdout=None,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=120,
        preexec_fn=lambda: os.close(1),
    )
    assert closed.returncode == 1 and "stdout" in closed.stderr and "internal error" not in closed.stderr, closed.stderr
    opened = subprocess.run(
        [sys.executable, "-m", "imr_llm", "parse", str(letter)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert opened.returncode == 0 and opened.stdout.startswith("{")


@pytest.mark.parametrize(
    ("last", "warned"),
    [
        # cut at the end of a sentence that is no verdict: a guideline's line, a finding, the next item's first line
        ("The patient has had pain. This procedure is not recommended given the thin evidence.", True),
        ("The patient has been on it for 6 months. This medication is not indicated for prolonged use.", True),
        ("There is no documentation of benefit. Therefore, the request is not medically necessary. Tizanidine "
         "4mg #90 was the original request.", True),
        # cut after the reviewer's opening verdict
        ("The request is not medically necessary.", True),
        ("The MRI of the elbow is not medically necessary per the MTUS guidelines.", True),
        # whole rationales, closed as real letters close them
        ("The patient has had 10 sessions of chiro. There are no special factors which would call for 12 "
         "more sessions of chiro therefore the request is not medically necessary.", False),
        ("There is lack of documentation regarding the worker's response to the visits. Therefore, further visits "
         "would not be supported by the MTUS. As such, the request is not medically necessary.", False),
        ("There is no documentation of benefit. A CT arthrogram of the left hip is determined to be not "
         "medically necessary.", False),
        ("As the requested surgical intervention is not medically necessary per the documentation, the requested "
         "ancillary service is not medically necessary.", False),
    ],
)  # fmt: skip
def test_a_letter_cut_at_the_end_of_a_sentence_says_it_may_be_cut_off(last: str, warned: bool) -> None:
    """An eleventh probe: a letter cut after a guideline's sentence ("This procedure is not recommended due to ..."),
    after a reviewer's opening verdict, or inside the next item's "X was the original request." lost its later
    requests with no warning (6 requests read as 1). The last rationale of every one of the 150 real letters here ends
    on a sentence that says the request is (not) necessary, supported, ...; one that does not, or that is one verdict
    sentence alone (a linked service's aside), says the letter may be cut off. Whole rationales say nothing."""
    letter = make_letter(
        Item(
            "MRI of the lumbar spine",
            "Upheld",
            "There are no red flags. Therefore, the request is not medically necessary.",
        ),
        Item("Cyclobenzaprine 7.5mg #60", "Upheld", last),
    )
    warnings = parse_text(letter).warnings
    assert any("may be cut off" in w for w in warnings) is warned, warnings


def test_a_batch_never_reads_its_own_output_as_a_letter(tmp_path: Path) -> None:
    """An eleventh probe: `batch in/ --out in/records.txt` read records.txt (a letter suffix, in the folder read) as
    a letter: an error record about itself, and exit 1 on every rerun. The run's own outputs are not inputs; a
    letter named records.txt in another run's folder still is."""
    from tests.cli import run_cli

    folder = tmp_path / "in"
    folder.mkdir()
    for k in (1, 2):
        (folder / f"letter{k}.txt").write_text(make_letter(Item(f"MRI {k}", "Upheld", "There are no red flags.")))
    out = folder / "records.txt"
    for _ in range(2):
        result = run_cli("batch", str(folder), "--out", str(out), "--no-progress")
        assert result.returncode == 0, result.stderr
    lines = out.read_text().splitlines()
    assert len(lines) == 2 and all("records.txt" not in line.split('"path"')[-1][:80] for line in lines), lines
    other = run_cli("batch", str(folder), "--out", str(tmp_path / "elsewhere.jsonl"), "--no-progress")
    assert "3 inputs" in other.stdout + other.stderr  # there, records.txt is an input like any other


@pytest.mark.parametrize(
    ("closing", "decision"),
    [
        ("is medically necessary. Or is it?", None),
        ("is medically necessary and not medically necessary.", None),
        ("is not medically necessary.", "upheld"),  # the sample's own closing
        ("is medically necessary.", "overturned"),
    ],
)
def test_a_verdict_read_from_the_rationale_alone_must_close_it_and_say_one_thing(
    closing: str, decision: str | None
) -> None:
    """An eleventh probe: in the layout with no decision word (the decision read from the conclusion), "... is
    medically necessary. Or is it?" was read as an approval and "... is medically necessary and not medically
    necessary." as a denial, with no warning. Such a verdict is no verdict; a plain closing still decides."""
    from pathlib import Path as _Path

    sample = (_Path(__file__).resolve().parent.parent / "samples" / "synth-professional-review.txt").read_text()
    care = "chiropractic manipulation, 12 sessions for the cervical spine"
    old = f"Therefore, the request for\n{care} is not medically necessary."
    assert old in sample
    text = sample.replace(
        old, f"Therefore, the request for chiropractic manipulation, 12 sessions for the cervical spine {closing}"
    )
    if decision == "overturned":  # an approval's title reads it (under a "... NOT ..." title it decides nothing)
        text = approving_title(text)
    record = parse_text(text)
    assert record.disputed_items[0].decision == decision, record.warnings
    assert bool(record.warnings) is (decision is None), record.warnings


# -- a twelfth probe: a negation of a negation, another's verdict -------------------------------------------------


@pytest.mark.parametrize(
    "closing",
    [
        "Therefore the request is not medically unnecessary.",
        "It is not the case that the request is not medically necessary.",
        "There is no reason to find the request not medically necessary.",
        "Therefore, the request is not medically unreasonable.",
        "The utilization reviewer found the request not medically necessary. I disagree.",
        "The previous determination concluded the request is not medically necessary, which is overturned here.",
    ],
)
def test_a_doubled_negation_or_anothers_verdict_decides_nothing(closing: str) -> None:
    """Read as denials ("This is not approved") where each is an approval, or says nothing plainly: with no
    decision word, the decision is left unread and the page says so."""
    rationale = f"The records document weakness in the left leg. {closing}"
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "", rationale)))
    assert record.disputed_items[0].decision is None, closing
    # with its decision word, the heading decides, and no false alarm says the rationale concludes otherwise
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "Overturned", rationale)))
    assert record.disputed_items[0].decision == "overturned"
    assert not [w for w in record.warnings if "concludes" in w], record.warnings
    if closing.endswith(("unnecessary.", "unreasonable.", "is not medically necessary.")):
        # a closing on a verdict phrase is no cut; one ending on "I disagree." may be said to be (a caution only)
        assert not [w for w in record.warnings if "cut off" in w], record.warnings


@pytest.mark.parametrize(
    ("closing", "decision"),
    [
        ("Therefore, the request is not medically necessary as it is unsupported by the guidelines.", "upheld"),
        ("The request is not medically necessary; it is excessive.", "upheld"),
        ("Therefore, the request is medically necessary.", "overturned"),
        ("The prior denial was not supported. The request is medically necessary.", "overturned"),
    ],
)
def test_a_plain_closing_beside_other_negative_words_is_still_read(closing: str, decision: str) -> None:
    rationale = f"The records were reviewed. {closing}"
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "", rationale)))
    assert record.disputed_items[0].decision == decision, (closing, record.warnings)


def test_an_approval_the_letter_stops_on_without_its_period_is_not_read() -> None:
    """A professional review cut exactly after "... is medically necessary" (the sentence went on "only if ...,
    which it is not") was an approval on the page; with its period the same closing is read."""
    sample = (Path(__file__).resolve().parent.parent / "samples" / "synth-professional-review.txt").read_text()
    denial = "12 sessions for the cervical spine is not medically necessary."
    assert denial in sample
    cut = sample[: sample.index(denial)] + "12 sessions for the cervical spine is medically necessary"
    assert parse_text(cut).disputed_items[0].decision is None
    opening = approving_title(sample[: sample.index(denial)])
    whole = opening + "12 sessions for the cervical spine is medically necessary.\n"
    assert parse_text(whole).disputed_items[0].decision == "overturned"
    # a denial without its period (one real letter ends so) is still a denial
    unended = sample[: sample.index(denial)] + "12 sessions for the cervical spine is not medically necessary"
    assert parse_text(unended).disputed_items[0].decision == "upheld"


@pytest.mark.parametrize("word", ["U\u0440held", "Up\u00adheld", "Up\u200bheld", "\u041everturned", "Upheld\u200b"])
def test_a_heading_word_that_shows_as_a_decision_is_never_overridden(word: str) -> None:
    """ "U\u0440held" (a Cyrillic p) and "Up\u00adheld" (a soft hyphen) show as "Upheld" to the worker; the rationale
    read "medically necessary" and the page said "Approved" under that heading. Such a word leaves the decision
    empty."""
    rationale = "The records document weakness. Therefore, the request is medically necessary."
    if word.startswith("\u041e"):
        rationale = "There is no documentation of weakness. Therefore, the request is not medically necessary."
    record = parse_text(make_letter(Item("MRI of the lumbar spine", word, rationale)))
    shown = "overturned" if word.startswith("\u041e") else "upheld"
    assert record.disputed_items[0].decision in (None, shown)  # never the opposite of the word the worker sees
    if shown == "upheld":
        assert record.disputed_items[0].decision != "overturned"
    # the right outputs: a plain word its rationale agrees with decides (one the rationale concludes against does not:
    # two readings that disagree), and a heading with no decision word is read from its rationale
    approval = "The records document weakness. Therefore, the request is medically necessary."
    assert parse_text(make_letter(Item("MRI of the lumbar spine", "Overturned", approval))).disputed_items[
        0
    ].decision == ("overturned")
    assert (
        parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", approval))).disputed_items[0].decision is None
    )
    assert parse_text(make_letter(Item("MRI of the lumbar spine", "", approval))).disputed_items[0].decision == (
        "overturned"
    )
    assert parse_text(make_letter(Item("Home health care: up to 4 hours", "", approval))).disputed_items[
        0
    ].decision == ("overturned")


def test_a_letter_that_stops_on_an_approval_without_its_period_may_be_cut_off() -> None:
    cut = "Per these guidelines, an MRI of the thoracic spine is medically necessary"
    record = parse_text(make_letter(Item("MRI of the thoracic spine", "Upheld", f"The records were reviewed. {cut}")))
    assert any("cut off" in w for w in record.warnings), record.warnings
    # the right outputs: the sentence with its period, and a denial missing its period (one real letter ends so)
    whole = parse_text(
        make_letter(Item("MRI of the thoracic spine", "Overturned", f"The records were reviewed. {cut}."))
    )
    assert not [w for w in whole.warnings if "cut off" in w], whole.warnings
    denial = "Therefore, the request for the right wrist splint is not medically necessary"
    unended = parse_text(make_letter(Item("Right wrist splint", "Upheld", f"The exam was normal. {denial}")))
    assert not [w for w in unended.warnings if "cut off" in w], unended.warnings


def test_a_denial_right_after_a_plain_approval_of_the_request_decides_nothing() -> None:
    both = (
        "The records document weakness. The MRI is medically necessary at this time. The request is not medically "
        "necessary."
    )
    assert parse_text(make_letter(Item("MRI of the lumbar spine", "", both))).disputed_items[0].decision is None
    # the right output: a denial alone still decides
    alone = "The records were reviewed. The request is not medically necessary."
    assert parse_text(make_letter(Item("MRI of the lumbar spine", "", alone))).disputed_items[0].decision == "upheld"


@pytest.mark.parametrize(
    "closing",
    [
        "Medical necessity has not been established for this request.",
        "The requested MRI is therefore unnecessary.",
        "At this time, an MRI of the lumbar spine is not warranted.",
        "Therefore the request is not medically necessary at this time, although it may become medically necessary "
        "if symptoms worsen.",
    ],
)
def test_a_letter_closing_on_a_denial_in_other_words_is_not_called_cut_off(closing: str) -> None:
    """False alarms on complete letters ("the letter may be cut off there") from common closings."""
    rationale = f"There is no documentation of a neurological deficit. {closing}"
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", rationale)))
    assert not [w for w in record.warnings if "cut off" in w], record.warnings


def test_a_last_line_on_other_care_can_still_be_where_a_cut_fell() -> None:
    """The wrong output still caught: a last sentence denying something else ("Surgery is not warranted.") does
    not close the rationale on its request."""
    rationale = "The guidelines state imaging is for red flags. In general, surgery is not warranted."
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", rationale)))
    assert [w for w in record.warnings if "cut off" in w], record.warnings
