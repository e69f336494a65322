"""What the thirty-first reader found on unseen letters, each a general rule tested both ways: the wrong page the
rule must no longer give, and the right page it must leave alone (a false line would send a worker after reasons
the letter does not give). All letters here are synthetic.

- a missing record of the monitoring a drug needs ("monitoring for aberrant behavior, such as a drug
  screen") is something a new request can add, not a risk or a red flag the worker has: the step names it;
- a point the reviewer adds ("There was also a lack of X") comes after the point it adds to;
- a point the reviewer marks as the weightiest ("Importantly, ...") is said first; when it gives the guideline's
  words, the reviewer's sentence applying them is;
- a drug taken for longer than "the shortest time" the guideline wants gets the step for care past the guideline's time;
- where the worker already had a full course, "ask for no more than the guidelines allow" is not offered;
- a closing verdict whose cause is a judgement on other care ("Continued use of X is not appropriate and
  therefore, ...") is said.
"""

from __future__ import annotations

import pytest

from imr_llm.summary.build import _important_first, _points_before_additions, _with_caused_verdict, build_summary
from imr_llm.summary.languages import LANGUAGES, get_language
from imr_llm.summary.restate import alarming
from imr_llm.summary.summarize import summarize
from tests.test_faithful_reasons import one

CLOSE = " Therefore, the request is not medically necessary."


def _item(request: str, rationale: str, lang: str = "en", close: str = CLOSE):  # type: ignore[no-untyped-def]
    return build_summary(one(request, "Upheld", rationale + close), lang).items[0]


def _checked(request: str, rationale: str, close: str = CLOSE) -> None:
    for lang in sorted(LANGUAGES):
        outcome = summarize(one(request, "Upheld", rationale + close), lang)
        assert outcome.checks.passed, (lang, outcome.checks.problems)


# -- monitoring is a record to add ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The notes hold no documentation of monitoring for aberrant behavior, such as a urine drug screen.",
        "There is no documentation of a risk assessment for opioid abuse.",
        "There is no record of screening for aberrant drug-taking behaviors.",
    ],
)
def test_monitoring_a_drug_needs_is_no_alarm(sentence: str) -> None:
    assert not alarming(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "There is a risk of addiction with this drug.",
        "The worker has a history of substance abuse.",
        "There were no red flags on exam.",
        "There was no monitoring for aberrant behavior, and the last urine drug screen was inconsistent.",
    ],
)
def test_a_risk_or_a_red_flag_stays_an_alarm(sentence: str) -> None:
    assert alarming(sentence)


def test_a_missing_monitoring_record_is_named_in_the_step() -> None:
    rationale = (
        "There was no documentation that the worker had monitoring for aberrant behavior, such as a urine drug "
        "screen. Also, the notes hold no documentation of measured pain relief from the tablets."
    )
    step = _item("Pain tablets 50mg #30", rationale).next_step
    assert "monitoring" in step and "urine drug" in step, step
    _checked("Pain tablets 50mg #30", rationale)


def test_a_red_flag_the_worker_lacks_is_still_not_asked_for() -> None:
    step = _item("MRI of the low back", "There are no red flags. There is no history of a fall.").next_step
    assert "red flag" not in step.lower(), step


# -- an added point after the point it adds to ---------------------------------------------------------------

FIRST = "However, there was a lack of clinical documentation that the worker could not swallow tablets."
ALSO = "There was also a lack of clinical documentation of stomach complaints on exam."


@pytest.mark.parametrize(
    ("rationale", "finders", "expected"),
    [
        # wrong before (a reader): the finder ranked the "also" point first; the point it adds to comes first now
        (f"{FIRST} {ALSO}", [ALSO, FIRST], [FIRST, ALSO]),
        # right as it was: the other record comes after the added point in the letter
        (f"{ALSO} {FIRST}", [ALSO, FIRST], [ALSO, FIRST]),
        # right as it was: an added ban is no record to put in a row with one
        (
            f"{FIRST} In addition, the guidelines state that topical muscle relaxants are not recommended.",
            ["In addition, the guidelines state that topical muscle relaxants are not recommended.", FIRST],
            ["In addition, the guidelines state that topical muscle relaxants are not recommended.", FIRST],
        ),
    ],
)
def test_an_added_point_follows_the_point_it_adds_to(rationale: str, finders: list[str], expected: list[str]) -> None:
    item = one("Stomach liquid 15mg/ml, 250ml", "Upheld", rationale + CLOSE).disputed_items[0]
    assert _points_before_additions(finders, item) == expected


def test_an_added_ban_is_not_put_behind_a_record() -> None:
    # "In addition, the guidelines state X is not recommended": a ban, not a record; it keeps its place
    rationale = (
        "There was no indication that the worker could not take tablets. In addition, the guidelines state that "
        "topical muscle relaxants are not recommended."
    )
    step = _item("Compound cream with a muscle relaxant 240 grams", rationale).next_step
    assert step == get_language("en").c.next.not_recommended, step


# -- the point marked as the weightiest ----------------------------------------------------------------------

IMPORTANT = (
    "The records do not show that the worker is treated for arthritis. The treating doctor does not document "
    'failure of acetaminophen. Importantly, ODG states that this drug is "A second choice. Keep its use '
    'short." The records indicate that the worker has taken this drug for half a year, which is not the shortest '
    "time for it."
)


def test_a_point_marked_importantly_is_said_first() -> None:
    item = _item("Anti-inflammatory tablets 75mg #60", IMPORTANT)
    assert item.reason.text.startswith("The reviewer found that the records indicate that you have taken"), item
    assert item.next_step.startswith(get_language("en").c.next.too_long), item.next_step
    _checked("Anti-inflammatory tablets 75mg #60", IMPORTANT)


@pytest.mark.parametrize("marked", [True, False])
def test_only_the_marked_point_is_moved_first(marked: bool) -> None:
    text = IMPORTANT if marked else IMPORTANT.replace("Importantly, ODG", "ODG")
    item = one("Anti-inflammatory tablets 75mg #60", "Upheld", text + CLOSE).disputed_items[0]
    applied = (
        "The records indicate that the worker has taken this drug for half a year, which is not the shortest time "
        "for it."
    )
    finders = ["The records do not show that the worker is treated for arthritis.", applied]
    assert _important_first(finders, item) == ([applied, finders[0]] if marked else finders)


# -- a full course already had -------------------------------------------------------------------------------

EXCESS = (
    "The number of visits asked for is in excess of the guidelines.{done} There is no objective explanation why "
    "the worker would need excess therapy rather than a home program."
)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_no_ask_for_fewer_after_a_full_course(lang: str) -> None:
    fewer = get_language(lang).c.next.fewer
    done = _item("Physical therapy 2 times a week for 5 weeks", EXCESS.format(done=" The worker has already "
                 "completed a full course of therapy."), lang).next_step  # fmt: skip
    assert fewer not in done, done
    fresh = _item("Physical therapy 2 times a week for 5 weeks", EXCESS.format(done=""), lang).next_step
    assert fewer in fresh, fresh


# -- a closing verdict drawn from a judgement on other care --------------------------------------------------


def test_a_verdict_caused_by_other_care_is_said() -> None:
    rationale = "The worker had been on the pain pills for several months without mention of improvement."
    close = (
        " Continued use of the pain pills is not appropriate and therefore, the stomach pill is not medically "
        "necessary."
    )
    why = _item("Stomach pill 40mg #60", rationale, close=close).reason.text
    assert "continued use of the pain pills is not appropriate" in why, why
    _checked("Stomach pill 40mg #60", rationale, close=close)


@pytest.mark.parametrize(
    "close",
    [
        " The request is not supported and therefore, it is not medically necessary.",
        " The requested treatment is not indicated and therefore, it is not medically necessary.",
    ],
)
def test_a_verdict_about_the_request_itself_is_not_a_cause(close: str) -> None:
    rationale = "The worker had been on the pain pills for several months without mention of improvement."
    item = one("Stomach pill 40mg #60", "Upheld", rationale + close).disputed_items[0]
    assert _with_caused_verdict([rationale], item) == [rationale]
