"""What the thirty-seventh reader found on unseen letters: a plain line that keeps the reviewer's jargon is
quote-only for a worker ("tissue insult", "nerve root compromise", "a dermatomal pattern", "objective functional
deficits", "subjective complaints", "not indicated", "to warrant" left as they were). Each hard term is now said in
plain words inline, a noun phrase for a noun phrase, and only where the plain words keep the sense: "the record
indicated that" (showed), "was not indicated" (as often: a finding not shown) and a "Subjective Complaints" section
keep the reviewer's words. All letters here are synthetic.
"""

from __future__ import annotations

import pytest

from imr_llm.summary.build import build_summary
from imr_llm.summary.languages import LANGUAGES
from imr_llm.summary.restate import plain_english
from imr_llm.summary.summarize import summarize
from tests.test_faithful_reasons import one

CLOSE = " Therefore, the request is not medically necessary."


@pytest.mark.parametrize(
    ("words", "plain"),
    [
        ("there was no tissue insult or nerve impairment", "there was no tissue damage or nerve damage"),
        ("no findings of nerve root compromise", "no findings of a pinched nerve"),
        ("weakness in a dermatomal distribution", "weakness in a pattern that follows a nerve"),
        ("objective functional deficits on exam", "measured limits in what you can do on exam"),
        ("no subjective complaints of reflux", "no complaints you reported of reflux"),
        ("no red flag findings on exam", "no warning signs of a serious problem on exam"),
        ("a repeat study is not indicated at this time", "a repeat study is not called for at this time"),
        ("this drug is not indicated for long term use", "this drug is not meant for long term use"),
        ("nothing that would warrant surgery", "nothing that would call for surgery"),
        ("an injection is not warranted", "an injection is not called for"),
        ("an x-ray of the lumbar spine", "an x-ray of the lower back (lumbar spine)"),
        ("a cervical spine x-ray", "a neck (cervical spine) x-ray"),
        # the thirty-sixth reader's quote-only lines
        ("a change in activities of daily living", "a change in daily activities"),
        ("hand paresthesias", "hand numbness or tingling (paresthesias)"),
        (
            "paresthesias/dysesthesias of the foot",
            "numbness, tingling or painful feelings (paresthesias/dysesthesias) of the foot",
        ),
        ("moved to a self-directed home exercise program", "moved to exercise you do on your own"),
        ("no current plain films of the wrist", "no current x-rays of the wrist"),
        ("earlier plain film studies", "earlier x-ray studies"),
        ("the radiographs were normal", "the x-rays were normal"),
        ("this passive modality", "this passive treatment"),
        ("monitoring for adverse side effects", "monitoring for harmful side effects"),
        ("more visits are contingent upon the response", "more visits depend on the response"),
        # the thirty-eighth reader's
        ("what the clinical indication is for a repeat scan", "what the medical reason is for a repeat scan"),
        ("the need for more visits is not established", "the need for more visits is not shown"),
        ("a raised cardiovascular and hepatic risk", "a raised heart and liver risk"),
        ("depends on claimant response to the therapy", "depends on your response to the therapy"),
    ],
)
def test_a_hard_term_is_said_in_plain_words_inline(words: str, plain: str) -> None:
    assert plain_english(words) == plain
    assert plain_english(plain) == plain  # said once: the plain words are never replaced again


@pytest.mark.parametrize(
    "words",
    [
        "the progress report indicated that the pain was worse",  # indicated = showed
        "improvement with the earlier visits was not indicated",  # a finding not shown, not "not called for"
        "nothing was listed in the subjective complaints section",  # the report's section keeps its name
        "the request is indicated by the guideline",
    ],
)
def test_a_term_whose_plain_words_would_change_the_sense_is_kept(words: str) -> None:
    out = plain_english(words)
    assert out is not None and "called for" not in out and "complaints you reported" not in out


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_summary_says_the_finding_in_plain_words_and_passes_its_checks(lang: str) -> None:
    rationale = (
        "The guidelines support imaging of the low back when red flags are present. In the notes reviewed, there "
        "is no record of tissue insult or nerve impairment to warrant imaging of the lumbar spine." + CLOSE
    )
    letter = one("MRI of the lumbar spine", "Upheld", rationale)
    item = build_summary(letter, lang).items[0]
    why = item.reason.text
    if lang == "en":
        assert "tissue damage or nerve damage" in why and "insult" not in why, why
        assert "warrant" not in why
    else:  # the reviewer's words quoted, after the Spanish name for what was missing
        assert "daño en los tejidos" in why, why
    assert summarize(letter, lang).checks.passed


def test_care_granted_in_kind_then_too_many_asked_for_gives_the_amount_as_the_reason() -> None:
    """ "Although more visits may be reasonable, the originally requested 8 sessions are in excess of the
    guidelines" was quote-only (the concession first, and "originally requested" not known as the request)."""
    from imr_llm.summary.restate import restate

    said = restate(
        "Although more visits may be reasonable, the originally requested 8 sessions are in excess of guidelines.",
        "upheld",
        "Physical therapy",
    )
    assert said is not None and said.plain.get("x", "").startswith("the originally requested 8 sessions"), said
    # right both ways: a concession followed by anything but the amount is not cut this way
    other = restate("Although therapy may be appropriate, the worker has a sprain of the wrist.", "upheld", "Therapy")
    assert other is None or "may be appropriate" in " ".join(other.plain.values()), other
    # the concession joined by "but": "Up to 8 visits may be appropriate but this request for 10 exceeds ..."
    joined = restate(
        "Up to 8 visits may be appropriate but this request for 10 visits exceeds the guidelines.", "upheld", "Therapy"
    )
    assert joined is not None and joined.plain.get("x", "").startswith("this request for 10 visits exceeds"), joined


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_doctors_gap_and_a_nor_clause_are_both_steps(lang: str) -> None:
    """ "The physician has not documented A nor has there been a documented B" gave the stock "Your doctor
    can read the reviewer's words" (a reader: vague, where both gaps can be answered with records)."""
    rationale = (
        "The guidelines recommend this injection only after a trial of other care. The attending physician has not "
        "documented a foot exam backing the diagnosis nor has there been any documented trial of simpler care such as "
        "a walking boot." + CLOSE
    )
    step = build_summary(one("1 injection to the left foot", "Upheld", rationale), lang).items[0].next_step
    assert "foot exam" in step and "walking boot" in step, step
    # right both ways: without the nor clause, the one gap alone
    single = rationale.replace(" nor has there been any documented trial of simpler care such as a walking boot", "")
    alone = build_summary(one("1 injection to the left foot", "Upheld", single), lang).items[0].next_step
    assert "foot exam" in alone and "walking boot" not in alone, alone
    assert summarize(one("1 injection to the left foot", "Upheld", rationale), lang).checks.passed
