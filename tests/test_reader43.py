"""The forty-third reader (10 new letters, 32 items, in reviewers' varied ways): what it found, tested both ways.

- False alarms: a whole letter whose last rationale closes "Not medically necessary." and then weaning advice was told
  three times it may be cut off; a partly approved heading in other words ("The Claims Administrator authorized X.",
  "The remaining IMR eligible portion, Y:") was read as a request holding a heading's words ("a line may be lost"),
  and the part approved before the review was never named.
- Safety: no line about not stopping a hypnotic taken for two years under "Discontinuation should be gradual".
- Reasons: "None of this is in the notes." and "more than twice that limit" quoted or said alone; a terse guideline
  limit ("Recommended for a short course only, 2-3 weeks. Taken since 3-2016.") passed over for a lesser point;
  "the request cannot be modified" (the review's own rule) given as the reason; "No acute exacerbation documented."
  said as "found that no acute exacerbation recorded".
- Next steps: the easy fix the reviewer wrote ("A one-month rental trial would be appropriate", "A smaller quantity,
  such as #120, ... would be reasonable", "An MRI could be reconsidered once shoulder x-rays have been done") left
  off the page; "The request, however, does not include a quantity" given the stock step.
"""

from __future__ import annotations

import pytest

from imr_llm import summarize
from imr_llm.parser.reasons import find_reason
from imr_llm.schema import LetterRecord
from imr_llm.summary.facts import says_what_is_needed, would_fit
from imr_llm.summary.restate import NEEDS_ANTECEDENT, Form, restate
from tests.test_reader41 import BLOCKS, HEAD, OPENING, _letter, _page
from tests.test_reader42 import _cut_lines


def test_a_terse_verdict_then_weaning_advice_is_no_cut() -> None:
    rationale = (
        "Carisoprodol is not supported for long-term use. He has taken it for over a year. Not medically necessary. "
        "Because of the risk of withdrawal after long use, weaning is advised rather than abrupt stopping."
    )
    record = _letter(
        ("Naproxen 550mg #60", "Overturned", "The pain fell by half. Medically necessary."),
        ("Carisoprodol 350mg #60", "Upheld", rationale),
    )
    assert not _cut_lines(record), record.warnings  # wrong before: three "may be cut off" lines


def test_a_cut_inside_the_weaning_advice_is_still_said() -> None:
    rationale = "He has taken it for over a year. Not medically necessary. Because of the risk, weaning is advised"
    record = _letter(("Carisoprodol 350mg #60", "Upheld", rationale))
    assert _cut_lines(record), record.warnings


def _partial(authorized: str, remaining: str) -> LetterRecord:
    from imr_llm.parser import parse_text

    heading = (
        f"Acupuncture 12 sessions, lumbar spine was the original request. {authorized} The remaining IMR eligible "
        f"portion{remaining}, acupuncture 6 sessions, lumbar spine: Upheld\n"
    )
    rationale = (
        "Six sessions were authorized. More need documented functional improvement first. Not medically necessary."
    )
    return parse_text(HEAD + OPENING + heading + BLOCKS + f"Decision rationale: {rationale}\n")


@pytest.mark.parametrize(
    ("authorized", "remaining"),
    [
        ("The Claims Administrator authorized acupuncture 6 sessions.", ""),
        ("Acupuncture 6 sessions was authorized by the Claims Administrator.", ""),
        ("The Claims Administrator authorized acupuncture 6 sessions.", " of the original request"),
    ],
)
def test_a_partly_approved_heading_in_other_words_names_the_part_approved(authorized: str, remaining: str) -> None:
    record = _partial(authorized, remaining)
    item = record.disputed_items[0]
    # wrong before: "its request holds the words of a partly approved heading ...: a line of the letter may be lost"
    assert item.request == "acupuncture 6 sessions, lumbar spine", item.request
    assert item.authorized_portion is not None and "6 sessions" in item.authorized_portion
    assert not any("partly approved heading" in w for w in record.warnings), record.warnings
    assert "stays approved" in (summarize(record, "en").items[0].partial or "")


def test_gradual_discontinuation_gives_the_safety_line() -> None:
    rationale = (
        "Zolpidem is for short-term use. He has used it nightly for more than two years. Not medically necessary. "
        "Discontinuation should be gradual, under the physician's care."
    )
    item = summarize(_letter(("Zolpidem 10mg #30", "Upheld", rationale)), "en").items[0]
    assert item.taper_warning is not None and "suddenly" in item.taper_warning  # wrong before: no line


@pytest.mark.parametrize(
    "sentence",
    ["None of this is in the notes.", "Her dose is 270mg per day, more than twice that limit."],
)
def test_sentences_that_point_back_are_not_said_alone(sentence: str) -> None:
    assert NEEDS_ANTECEDENT.search(sentence)


def test_a_dose_over_that_limit_is_quoted_with_the_limit() -> None:
    rationale = (
        "The MTUS advises that the daily dose should not exceed 120 mg morphine equivalents. Her dose is 270mg per "
        "day, more than twice that limit, and the records do not show better function. Not medically necessary."
    )
    _, quote, _ = _page(_letter(("Oxycodone 30mg #180", "Upheld", rationale)))
    assert "120 mg" in quote, quote  # wrong before: "twice that limit" said plainly, the limit on no line


def test_a_terse_duration_limit_leads_with_its_step() -> None:
    rationale = (
        "Recommended for a short course only, 2-3 weeks. Taken since 3-2016. No acute exacerbation documented. "
        "Not medically necessary."
    )
    _, quote, step = _page(_letter(("Cyclobenzaprine 7.5mg #60", "Upheld", rationale)))
    # wrong before: "The reviewer found that no acute exacerbation recorded." and the stock step
    assert quote.startswith('"Recommended for a short course only'), quote
    assert "longer than the guidelines recommend" in step, step


def test_no_x_documented_is_said_as_no_record() -> None:
    r = restate("No acute exacerbation documented.", "upheld")
    assert r is not None and r.form is Form.NO_RECORD and r.slots["x"] == "acute exacerbation"
    # right both ways: a sentence pointing back stays the reviewer's words
    assert (
        restate("None of this documented.", "upheld") is None
        or restate("None of this documented.", "upheld").form is not Form.NO_RECORD
    )


def test_the_reviews_own_rule_is_not_the_reason() -> None:
    rationale = (
        "The symptoms are only on the right side. Testing of the right arm would be supported, but this request is "
        "for both sides, and testing of the asymptomatic left arm is not indicated. Since the request cannot be "
        "modified, EMG/NCV of the bilateral upper extremities is not medically necessary."
    )
    found = find_reason(rationale, "upheld", "EMG/NCV bilateral upper extremities")
    first = found.sentences[0].text(rationale)
    assert "cannot be modified" not in first and "left arm" in first, first


def test_the_request_however_is_a_request_that_left_something_out() -> None:
    rationale = (
        "NSAIDs are a first-line option. The request, however, does not include a quantity or the number of refills. "
        "Not medically necessary."
    )
    _, _, step = _page(_letter(("Ibuprofen 800mg", "Upheld", rationale)))
    assert "could say a quantity or the number of refills" in step, step  # wrong before: the stock step


@pytest.mark.parametrize(
    ("rationale", "fix"),
    [
        (
            "A one-month home trial comes before purchase. There is no documented one-month trial here. A one-month "
            "rental trial would be appropriate, but purchase was not medically necessary.",
            "A one-month rental trial would be appropriate",
        ),
        (
            "No plain films have been taken. An MRI could be reconsidered once shoulder x-rays have been done and "
            "reviewed. At this time the MRI is not medically necessary.",
            "An MRI could be reconsidered once shoulder x-rays have been done",
        ),
    ],
)
def test_the_easy_fix_the_reviewer_wrote_is_on_the_page(rationale: str, fix: str) -> None:
    for lang in ("en", "es"):
        _, _, step = _page(_letter(("TENS unit purchase", "Upheld", rationale)), lang=lang)
        assert fix in step, (lang, step)


def test_what_would_fit_is_read_both_ways() -> None:
    assert would_fit("A smaller quantity, such as #120, to begin a supervised taper would be reasonable.")
    assert says_what_is_needed("Continued opioids require documented improvement in pain and function.")
    assert not would_fit("A repeat MRI would not be appropriate.")
    assert not would_fit("Surgery may be considered after 6 months of care.")  # a guideline's general rule
    assert not says_what_is_needed("Tapering should be documented before each refill.")  # the safety line's business
