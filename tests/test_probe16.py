"""The sixteenth hostile probe's findings on summaries, each a general rule tested both ways (the wrong output it
must not give, the right output it must keep), in synthetic letters.

- a heading closed by another word for a decision ("Overturn", "Uphold", "Modified") is not read as one and is never
  overruled by the rationale alone: the decision is left empty and said; "Upheld" / "Overturned" still decide;
- the absence of a harm ("no side effects", "no contraindications", "no evidence of abuse") is in the worker's
  favour, never why care was denied; a missing record of a check for harm ("no documentation of monitoring for
  aberrant behavior") stays a gap;
- a sentence the next one sets aside ("X. However, Y") is not the reason; a condition that weighs against care
  (obesity, diabetes) is never why it was approved;
- a Spanish page never says a decision was left blank when the page states one.
"""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from tests.letters import Item, make_letter

DENIED = "Therefore, the request is not medically necessary."
APPROVED = "Therefore, the request is medically necessary."


@pytest.mark.parametrize(
    ("word", "decision"),
    [
        ("Overturn", None),
        ("Uphold", None),
        ("Modified", None),
        ("Overturned", "overturned"),  # the right output kept: the letter's own words
        ("Upheld", None),  # the heading and the rationale disagree: no decision stated, and said
    ],
)
def test_a_heading_closed_by_another_decision_word_is_never_decided_by_the_rationale(
    word: str, decision: str | None
) -> None:
    text = make_letter(
        Item(
            "Lumbar MRI",
            "",
            f"The records show nerve root compression on exam. {APPROVED}",
            heading=f"Lumbar MRI: {word}",
        )
    )
    record = parse_text(text)
    item = record.disputed_items[0]
    assert item.decision == decision
    if word == "Upheld":
        assert any("heading says Upheld" in w and "disagree" in w for w in record.warnings), record.warnings
    elif decision is None:
        assert any("do not read as one decision" in w for w in record.warnings), record.warnings
        es = build_summary(record, lang="es")
        assert es.items[0].decision is None


@pytest.mark.parametrize(
    ("favourable", "a_reason"),
    [
        ("The patient reports no side effects from the medication.", False),
        ("There are no contraindications to this injection.", False),
        ("There is no evidence of abuse or diversion.", False),
        # the right output kept: a missing record of a check for harm is the reviewer's gap
        ("There is no documentation of monitoring for aberrant behavior.", True),
    ],
)
def test_the_absence_of_a_harm_is_never_why_care_was_denied(favourable: str, a_reason: bool) -> None:
    rationale = f"The guidelines require a documented response for ongoing use. {favourable} {DENIED}"
    record = parse_text(make_letter(Item("Tramadol 50mg #60", "Upheld", rationale)))
    item = build_summary(record, lang="en").items[0]
    assert (favourable in item.reason.sentences) is a_reason, item.reason.sentences
    if not a_reason:
        assert "records of" not in item.next_step or "side effects" not in item.next_step


@pytest.mark.parametrize(
    ("first", "then", "shown"),
    [
        ("The patient has a history of substance abuse.", "However, the", False),  # set aside by "However"
        ("The patient is obese and has diabetes.", "The", False),  # a condition against care, granted
        # the right output kept: a finding for the approval, with no "However" after it
        ("The patient has had 50% relief with the medication.", "The", True),
    ],
)
def test_a_concern_the_reviewer_set_aside_is_never_why_care_was_approved(first: str, then: str, shown: bool) -> None:
    rationale = (
        f"{first} {then} patient has been monitored with consistent urine drug screens and reports improved "
        f"walking tolerance. {APPROVED}"
    )
    record = parse_text(make_letter(Item("Tramadol 50mg #60", "Overturned", rationale)))
    reason = build_summary(record, lang="en").items[0].reason
    assert (first in reason.sentences) is shown, reason.sentences
    if not shown:
        assert any("monitored" in s for s in reason.sentences), reason.sentences


@pytest.mark.parametrize(
    ("warning", "blank"),
    [
        ("item 1: heading has no Upheld/Overturned", False),  # the decision read from the rationale: not blank
        ("item 1: the decision could not be read (no decision word, no conclusion); left empty", True),
    ],
)
def test_a_spanish_warning_says_a_decision_was_left_blank_only_when_it_was(warning: str, blank: bool) -> None:
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", f"There were no red flags. {DENIED}")))
    record.warnings.append(warning)
    lines = build_summary(record, lang="es").items[0].warnings
    assert lines and any("se dejó en blanco" in line for line in lines) is blank, lines


@pytest.mark.parametrize(
    ("ban", "closes_the_door"),
    [
        ("The guidelines do not recommend continued opioids if there is no overall improvement in function.", False),
        ("The guidelines do not recommend topical analgesics unless trials of antidepressants have failed.", False),
        (
            "The guidelines do not recommend a psychological evaluation absent evidence of psychological symptoms.",
            False,
        ),
        # the right output kept: a ban with no condition
        ("The guidelines do not recommend heat wraps for chronic neck pain.", True),
    ],
)
def test_a_ban_the_guideline_lifts_on_a_condition_keeps_the_door_open(ban: str, closes_the_door: bool) -> None:
    record = parse_text(make_letter(Item("Heat wraps for the neck", "Upheld", f"{ban} {DENIED}")))
    step = build_summary(record, lang="en").items[0].next_step
    assert ("not likely to change" in step) is closes_the_door, step
    if not closes_the_door:
        assert "your case meets that" in step, step


@pytest.mark.parametrize(
    ("sentence", "over"),
    [
        ("The request for 6 sessions does not exceed the guideline recommendation.", False),
        ("The request for 14 sessions exceeds the guideline recommendation.", True),  # the right output kept
    ],
)
def test_a_request_within_the_guideline_is_never_said_to_go_past_it(sentence: str, over: bool) -> None:
    rationale = f"The guidelines allow 9 to 10 visits. {sentence} There is no documentation of functional improvement."
    record = parse_text(make_letter(Item("Physical therapy 6 sessions", "Upheld", f"{rationale} {DENIED}")))
    en, es = (build_summary(record, lang=lang).items[0].next_step for lang in ("en", "es"))
    assert ("the guidelines allow 9 to 10 visits" in en) is over, en
    if over:
        assert "de 9 a 10 visitas" in es, es  # never the low end alone


def test_the_doctor_who_did_the_utilization_review_is_never_your_doctor() -> None:
    for who, yours in [("The physician who performed the utilization review", False), ("The treating physician", True)]:
        record = parse_text(
            make_letter(
                Item("MRI of the lumbar spine", "Upheld", f"{who} did not document a neurological exam. {DENIED}")
            )
        )
        why = build_summary(record, lang="en").items[0].reason.text
        assert ("your doctor" in why.lower()) is yours, why


@pytest.mark.parametrize(
    ("said", "firm"),
    [
        ("The patient has already stopped the medication.", False),
        ("Given diversion, the medication should be discontinued immediately rather than weaned.", False),
        ("The patient reports good sleep.", True),  # the right output kept: takes it now
    ],
)
def test_the_firm_taper_line_never_contradicts_a_letter_that_says_the_drug_was_stopped(said: str, firm: bool) -> None:
    rationale = (
        "The patient has been taking Norco since 2015. There is no documentation of functional improvement with its "
        f"use. {said} {DENIED}"
    )
    record = parse_text(make_letter(Item("Norco 10/325mg #60", "Upheld", rationale)))
    taper = build_summary(record, lang="en").items[0].taper_warning or ""
    assert taper.startswith("Do not stop this medicine suddenly") is firm, taper
    assert taper  # the conditional line at least: the worker may still take it


@pytest.mark.parametrize(
    ("asked", "kind"),
    [
        ("Evaluation for possible carpal tunnel release", "a visit with a doctor"),
        ("Knee arthroscopy follow-up", "a visit with a doctor"),
        ("Taxi transportation to and from physical therapy", "a ride to or from your care"),
        ("Right knee arthroscopy with evaluation of the ACL", "a surgery"),  # the right output kept
    ],
)
def test_a_visit_about_a_surgery_and_a_ride_are_named_for_what_they_are(asked: str, kind: str) -> None:
    record = parse_text(make_letter(Item(asked, "Upheld", f"There is no documentation of a recent exam. {DENIED}")))
    assert kind in build_summary(record, lang="en").items[0].kind


@pytest.mark.parametrize(("qualifier", "named"), [("clear ", False), ("recent ", False), ("", True)])
def test_a_spanish_name_is_never_given_without_the_reviewers_qualifier(qualifier: str, named: bool) -> None:
    rationale = f"There is no {qualifier}evidence of neuropathic pain on the examination. {DENIED}"
    record = parse_text(make_letter(Item("Gabapentin 600mg #90", "Upheld", rationale)))
    why = build_summary(record, lang="es").items[0].reason.text
    assert ("dolor de los nervios" in why) is named, why


@pytest.mark.parametrize(
    ("sentence", "found_later"),
    [
        ("There were no red flag findings on the exam.", True),
        ("There is no documentation of red flags being ruled out.", False),  # the reviewer wanted them excluded
        ("There is no documentation of the absence of red flags.", False),
    ],
)
def test_the_signs_step_is_said_only_where_the_reviewer_looked_for_signs(sentence: str, found_later: bool) -> None:
    record = parse_text(make_letter(Item("Chiropractic care 6 sessions", "Upheld", f"{sentence} {DENIED}")))
    step = build_summary(record, lang="en").items[0].next_step
    assert ("If your doctor finds such signs later" in step) is found_later, step


@pytest.mark.parametrize(
    ("asked", "rationale", "given"),
    [
        ("Toradol 60mg IM injection administered on 10/20/2016", "The injection helped an acute flare.", True),
        ("Urine drug screen", "The urine drug screen was performed on 10/20/2016.", True),
        # the right output kept: another care given on a date is not this request
        ("Physical therapy 6 sessions", "The MRI was performed on 10/20/2016.", False),
        ("Urine drug screen", "Periodic testing is recommended for chronic opioid therapy.", False),
    ],
)
def test_care_the_letter_says_was_given_on_a_date_gets_the_payment_line(
    asked: str, rationale: str, given: bool
) -> None:
    record = parse_text(make_letter(Item(asked, "Overturned", f"{rationale} {APPROVED}")))
    item = build_summary(record, lang="en").items[0]
    assert ("pay for this care within 20 days" in item.next_step) is given, item.next_step
    assert (item.already_given is not None) is given


@pytest.mark.parametrize(
    "favourable",
    [
        "There are no signs of nerve damage that would contraindicate manipulation.",
        "There are no aberrant drug behaviors.",
        "There is no history of substance abuse.",
    ],
)
def test_more_absences_of_a_harm_are_never_why_care_was_denied(favourable: str) -> None:
    rationale = f"The guidelines require a documented response for ongoing use. {favourable} {DENIED}"
    record = parse_text(make_letter(Item("Chiropractic manipulation 6 sessions", "Upheld", rationale)))
    assert favourable not in build_summary(record, lang="en").items[0].reason.sentences
