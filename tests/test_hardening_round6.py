"""Hardening, round six: a thirteenth hostile probe's findings, each the wrong output it must not produce and the
right output it must keep. Letters are synthetic (tests/letters.py); sentences are written for these tests.

- The firm taper line ("Do not stop this medicine suddenly") only when a sentence says the worker uses the drug
  asked for: not the guidelines' talk of long-term use, not a negation, not another drug.
"""

from __future__ import annotations

import datetime as dt

import pytest

from imr_llm.parser import parse_text
from imr_llm.schema import LetterRecord
from imr_llm.summary.build import build_summary
from tests.letters import Item, make_letter

FIRM = "Do not stop this medicine suddenly."
IF_TAKEN = "If you already take this medicine"


def _taper(request: str, rationale: str) -> str:
    record = parse_text(make_letter(Item(request, "Upheld", rationale)))
    return build_summary(record).items[0].taper_warning or ""


@pytest.mark.parametrize(
    "sentence",
    [
        "Extended use can be suitable if the claimant shows measured gains in function and less pain.",
        "There is no indication that the claimant is on tramadol.",
        "The claimant was weaned off hydrocodone in 2015.",
        "The claimant is on ibuprofen and acetaminophen.",
        "The claimant has been off opioids since 2015.",
        "The claimant tolerated continued physical therapy for several months.",
    ],
)
def test_no_firm_taper_line_without_a_sentence_that_the_worker_takes_it(sentence: str) -> None:
    rationale = (
        f"Opioids are a second choice after other pain medicines. {sentence} There is no record of first-line "
        "medicines tried before. The request is not medically necessary."
    )
    line = _taper("Tramadol 50mg #60", rationale)
    assert line.startswith(IF_TAKEN) and FIRM not in line, line


@pytest.mark.parametrize(
    "sentence",
    [
        "The claimant has been on tramadol for two years.",
        "The claimant is currently taking tramadol twice a day.",
        "The claimant has been on chronic opioid treatment for at least 6 months.",
        "The request for tramadol was noted to be a refill.",
    ],
)
def test_the_firm_taper_line_when_a_sentence_says_the_worker_takes_it(sentence: str) -> None:
    rationale = (
        f"Opioids are a second choice after other pain medicines. {sentence} There is no record of first-line "
        "medicines tried before. The request is not medically necessary."
    )
    assert _taper("Tramadol 50mg #60", rationale).startswith(FIRM)


def _approved(request: str, rationale: str) -> tuple[str, str | None]:
    item = build_summary(parse_text(make_letter(Item(request, "Overturned", rationale)))).items[0]
    return item.next_step, item.already_given


@pytest.mark.parametrize(
    "sentence",
    [
        "Upon retrospective review of the records, the worker tolerates anti-inflammatory pills.",
        "A retrospective review of the pharmacy notes shows steady use without stomach upset.",
        "The requested naproxen was dispensed on 10/03/2016 with benefit, and a further month is now requested.",
    ],
)
def test_a_look_back_at_records_or_an_earlier_fill_is_not_care_already_given(sentence: str) -> None:
    step, given = _approved(
        "Naproxen 500mg #60", f"The guidelines support anti-inflammatory pills for flares of pain. {sentence}"
    )
    assert given is None and "5 working days" in step and "20 days" not in step, step
    # the right output kept: a retrospective request, and the requested care given on a date, are care already given
    step, given = _approved(
        "Naproxen 500mg #60",
        "The guidelines support anti-inflammatory pills for flares. This is a retrospective request for the pills.",
    )
    assert given is not None and "20 days" in step, step
    step, given = _approved(
        "Naproxen 500mg #60",
        "The guidelines support anti-inflammatory pills for flares. The requested naproxen was dispensed on "
        "10/03/2016.",
    )
    assert given is not None and "October 3, 2016" in given, given


def _why(rationale: str, request: str = "CT scan of the head") -> str:
    item = build_summary(parse_text(make_letter(Item(request, "Upheld", rationale)))).items[0]
    return f"{item.reason.text} {item.next_step}"


@pytest.mark.parametrize(
    "sentence",
    [
        "There is no documentation that the UR physician was reached by the treating provider.",
        "There is no documentation that the QME physician reviewed the scan.",
        "There is no documentation that a physician other than the requesting provider saw the worker.",
        "There is no documentation that the pain management physician examined the worker.",
    ],
)
def test_another_doctor_is_never_your_doctor(sentence: str) -> None:
    said = _why(
        f"The guidelines allow a CT scan after a head injury with warning signs. {sentence} The request is "
        "not medically necessary."
    )
    for wrong in ("UR your doctor", "QME your doctor", "a your doctor", "management your doctor", "your your"):
        assert wrong not in said, said


def test_the_worker_s_own_doctor_is_still_your_doctor_and_utilization_review_keeps_its_name() -> None:
    said = _why(
        "The guidelines allow a CT scan after a head injury with warning signs. There is no documentation that the "
        "treating physician found any warning signs. The request is not medically necessary."
    )
    # ("such signs" would point back to the sentence before: quoted with it, never said plainly alone)
    assert "your doctor found any warning signs" in said, said
    said = _why(
        "The guidelines allow a CT scan after a head injury with warning signs. There is no documentation that the "
        "claimant's physician found any warning signs. The request is not medically necessary."
    )
    assert "your doctor found any warning signs" in said and "your your" not in said, said
    said = _why(
        "The guidelines allow a CT scan after a head injury with warning signs. There is no documentation of the "
        "outcome of the earlier utilization review. The request is not medically necessary."
    )
    assert "utilization review" in said and "use review" not in said, said


# -- pages of two letters: one letter's case summary above another's items -----------------------------------

_OTHER_STORY = (
    "The worker, 61, sustained an industrial injury on 9-14-16 to the wrist, lifting a crate. He was\n"
    "seen by his doctor, who found swelling over the wrist and reduced grip. X-rays of the wrist were normal. He\n"
    "was given a brace and a home exercise program and returned to modified work. A follow-up note describes\n"
    "less swelling and pain at 3 out of 10. The treating doctor then asked for a splint for night use and\n"
    "therapy for the wrist. The UR denied the splint and the therapy. The worker asked for an IMR of both.\n"
)
_MRI_ITEM = Item(
    "MRI of the left knee",
    "Overturned",
    "The guidelines support an MRI of the knee with locking after failed therapy. The records document both. "
    "Therefore, the request is medically necessary.",
)


def test_a_case_summary_that_names_none_of_the_requests_is_said() -> None:
    """A probe: page 1 of one letter (its case summary about other care) and page 2 of another (its items) made one
    record with no warning: one letter's case number, another's approval."""
    record = parse_text(make_letter(_MRI_ITEM, summary=_OTHER_STORY))
    assert any("names none of the requests" in w for w in record.warnings), record.warnings
    page = build_summary(record)
    assert any("two letters" in w for w in page.warnings), page.warnings
    # the right outputs kept: the story names the request by a word of it, or a drug by another of its names
    named = _OTHER_STORY.replace("a splint for night use", "an MRI of the knee")
    assert not any("names none" in w for w in parse_text(make_letter(_MRI_ITEM, summary=named)).warnings)
    brand = Item("Naproxen 500mg #60", "Upheld", "The records show no trial of acetaminophen. Not medically necessary.")
    by_brand = _OTHER_STORY.replace("a splint for night use", "Naprosyn")
    assert not any("names none" in w for w in parse_text(make_letter(brand, summary=by_brand)).warnings)
    # a short case summary may not name it: nothing is said
    assert not any("names none" in w for w in parse_text(make_letter(_MRI_ITEM)).warnings)


def test_a_date_of_injury_the_case_summary_gives_otherwise_is_said() -> None:
    """A probe: one letter's header above another's case summary and items. The case summary's date of injury is
    not the header's: said (the header's value is kept)."""
    record = parse_text(make_letter(_MRI_ITEM, summary=_OTHER_STORY.replace("9-14-16", "3-02-16")))
    assert str(record.date_of_injury) == "2016-09-14"
    assert any(w.startswith("date_of_injury: the header gives 2016-09-14") for w in record.warnings), record.warnings
    # the right output kept: the same date in both, nothing said
    assert not any(
        w.startswith("date_of_injury")
        for w in parse_text(
            make_letter(_MRI_ITEM, summary=_OTHER_STORY.replace("a splint for night use", "an MRI of the knee"))
        ).warnings
    )


# -- one letter's own pages are not another letter ----------------------------------------------------------

_PT = Item(
    "Physical therapy 6 sessions for the low back",
    "Upheld",
    "The guidelines allow 10 visits with objective gains. There is no documentation of gains after the first 12 "
    "visits. The request is not medically necessary.",
)


def test_a_first_page_fed_twice_is_the_same_letter_not_an_empty_one() -> None:
    """A probe: a PDF whose first page was scanned twice was refused ("no disputed item could be read"): the second
    copy of the header was taken for a second letter. (35 of 40 dev letters.)"""
    letter = make_letter(_MRI_ITEM, _PT)
    page_one = letter[: letter.index("CLINICAL CASE SUMMARY")]
    record = parse_text(page_one + letter)
    assert [i.decision for i in record.disputed_items] == ["overturned", "upheld"]
    assert not any("holds 2 letters" in w for w in record.warnings), record.warnings


def test_a_running_case_number_line_is_not_a_new_letter() -> None:
    """A probe: "Case Number: CM..." atop a page inside the letter cut the letter there: its later items were lost
    behind "the file holds 2 letters"."""
    letter = make_letter(_MRI_ITEM, _PT)
    at = letter.index(_PT.request)
    record = parse_text(letter[:at] + "Case Number: CM16-0900199\n" + letter[at:])
    assert [i.request for i in record.disputed_items] == [_MRI_ITEM.request, _PT.request]
    assert not any("letters" in w for w in record.warnings), record.warnings
    # the right outputs kept: another letter after it, or the same letter again whole, is cut off and said
    other = make_letter(_PT).replace("CM16-0900199", "CM16-0900777")
    for second in (other, letter):
        record = parse_text(letter + second)
        assert len(record.disputed_items) == 2
        assert any("holds 2 letters" in w for w in record.warnings), record.warnings


# -- header dates: never another label's ---------------------------------------------------------------------

_COLUMNS = (
    "Case Number:\n{assigned}\nDecision Date:\nPriority:\n\nCM16-0900199\n11/28/2016\n12/30/2016\nStandard\n\n"
    "Date of Injury:\nUR Denial Date:\nApplication\nReceived:\n\n09/14/2016\n11/17/2016\n11/21/2016\n"
)


def _with_header(header: str) -> LetterRecord:
    letter = make_letter(_PT)
    return parse_text(header + letter[letter.index("HOW THE IMR FINAL") :])


def test_a_damaged_label_in_a_column_printed_header_takes_no_date() -> None:
    """A probe: "Date Assigned;" (a semicolon read for the colon) in a header printed label column then value
    column moved every later date onto the next label: "decided on" the date assigned, a month early."""
    damaged = _with_header(_COLUMNS.format(assigned="Date Assigned;"))
    assert damaged.decision_date is None and damaged.date_assigned is None and damaged.needs_review
    assert any("which date is whose cannot be told" in w for w in damaged.warnings), damaged.warnings
    # the right output kept: the whole header, column by column, reads every date
    whole = _with_header(_COLUMNS.format(assigned="Date Assigned:"))
    assert whole.decision_date == dt.date(2016, 12, 30) and whole.date_assigned == dt.date(2016, 11, 28)


def test_a_header_that_prints_each_value_before_its_label_takes_no_date() -> None:
    rows = (
        "CM16-0900199 Case Number:\n11/28/2016 Date Assigned: 09/14/2016 Date of Injury:\n"
        "12/30/2016 Decision Date: 11/17/2016 UR Denial Date:\nStandard Priority: 11/21/2016 Application Received:\n"
    )
    record = _with_header(rows)
    assert record.decision_date is None and record.ur_determination_date in (None, dt.date(2016, 11, 17))
    assert any("before its first date label" in w for w in record.warnings), record.warnings


def test_a_header_without_its_case_number_label_is_still_read_and_said() -> None:
    """A probe: with the "Case Number:" line lost (a cropped photo, a redacted number) the letter was read as the
    2014 layout: every header date dropped, nothing said, not flagged."""
    letter = make_letter(_PT)
    record = parse_text(letter[letter.index("\n") + 1 :])
    assert record.decision_date == dt.date(2016, 12, 30) and record.date_assigned == dt.date(2016, 11, 28)
    assert record.case_number is None and record.needs_review
    assert any(w.startswith("case_number: not found") for w in record.warnings), record.warnings


# -- the summary's smaller lines ------------------------------------------------------------------------------


def test_a_trial_then_more_with_improvement_is_not_the_number_the_guidelines_allow() -> None:
    """A probe: a first trial of 6 visits, then up to 18 in all once the trial shows gains, gave "The letter says
    the guidelines allow 6 visits"."""
    record = parse_text(
        make_letter(
            Item(
                "Chiropractic care 12 sessions for the low back",
                "Upheld",
                "The guidelines recommend a first trial of 6 visits, and once that trial brings measured gains, up "
                "to 18 visits in all. The 12 sessions asked for go past the first trial. The request is not "
                "medically necessary.",
            )
        )
    )
    assert "guidelines allow 6" not in build_summary(record).items[0].next_step
    # the right output kept: a plain limit is still said
    limit = parse_text(
        make_letter(
            Item(
                "Physical therapy 12 sessions for the low back",
                "Upheld",
                "The MTUS recommends up to 10 visits of therapy for this condition. The requested 12 sessions exceeds "
                "that. The request is not medically necessary.",
            )
        )
    )
    assert "guidelines allow 10 visits" in build_summary(limit).items[0].next_step


def test_other_care_approved_before_is_never_part_of_this_request() -> None:
    """A probe: "Tizanidine 4mg #27 was authorized" above a request for the rest of "Baclofen 100mg #30" gave
    "Of these, #27 had been approved before this review"."""
    heading = (
        "Methocarbamol 750mg #40 was the original request. Tizanidine 4mg #36 was authorized by the Claims "
        "Administrator. The remaining IMR eligible portion of the original request, Methocarbamol 750mg #4:"
    )
    rationale = "There is no documentation of spasm. The request is not medically necessary."
    record = parse_text(make_letter(Item("Methocarbamol 750mg #4", "Upheld", rationale, heading=heading)))
    item = build_summary(record).items[0]
    assert item.partial is not None and "other care" in item.partial and "#36 had been" not in item.partial
    assert "the rest" not in item.decision_line.lower(), item.decision_line
    # the right output kept: a part of the same drug approved before is counted as part of it
    same = heading.replace("Tizanidine 4mg #36", "Methocarbamol 750mg #36")
    item = build_summary(
        parse_text(make_letter(Item("Methocarbamol 750mg #4", "Upheld", rationale, heading=same)))
    ).items[0]
    assert item.partial is not None and "#36" in item.partial and "other care" not in item.partial, item.partial


def test_a_rule_told_in_general_is_never_quoted_as_an_approval_s_reason() -> None:
    """A probe: an approval's only reason sentence was a finding in its favour the page could not restate, and the
    quote-only Why gave the guideline's general words (that the dose may later need a change) instead."""
    record = parse_text(
        make_letter(
            Item(
                "Naproxen 500mg #60",
                "Overturned",
                "The guidelines recommend anti-inflammatory pills with care for stomach risks. Kidney function "
                "should be checked now and then since the dose may later need a change. The notes give no sign the "
                "worker had side effects from naproxen. Naproxen is medically necessary.",
            )
        )
    )
    why = build_summary(record).items[0].reason
    assert not any("may later need a change" in s for s in why.sentences), why
    # the right output kept: a sentence about this worker's own records is still quoted or said
    kept = parse_text(
        make_letter(
            Item(
                "Naproxen 500mg #60",
                "Overturned",
                "The guidelines recommend anti-inflammatory pills for flares. The records show a flare of back pain "
                "with spasm on exam last month. Naproxen is medically necessary.",
            )
        )
    )
    assert "flare of back pain" in build_summary(kept).items[0].reason.text + " ".join(
        build_summary(kept).items[0].reason.sentences
    )


@pytest.mark.parametrize(
    ("original", "authorized", "other"),
    [
        ("Baclofen 10mg #30", "Tizanidine 4mg #27", True),
        ("MRI of the left knee", "X-ray of the left knee", False),  # "knee" shared: the same region's care
        ("Physical therapy 12 sessions", "PT 6 visits", False),  # an abbreviation and a count name no other care
        ("Norco 10/325mg #60", "Hydrocodone/APAP 10/325 #45", False),  # a brand and its ingredients: one drug
        ("Physical therapy 12 sessions", "6 sessions", False),
    ],
)
def test_other_care_is_told_apart_from_a_part_of_the_same_care(original: str, authorized: str, other: bool) -> None:
    from imr_llm.summary.facts import other_care

    assert other_care(original, authorized) is other
