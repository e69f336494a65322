"""The twenty-fifth independent reader's findings, each a general rule tested both ways, in synthetic letters.

- "Although more therapy may be appropriate, the requested 6 more sessions is in excess of the guidelines" is
  the reviewer's reason (the request measured against the guideline): found and quoted, with the step to ask for
  no more than the guidelines allow (it was "We could not find one sentence"); "she has improved with 6 sessions"
  is no reason for a denial; a guideline's own sentence about going past it is still no reason;
- a word and its preposition typed twice ("failure of failure of") is said once in plain words; a clause said
  twice ("... not recommended is not recommended") stays;
- the page never says a new request can follow on "new medical records" alone: it needs a change that matters
  to the decision (the rule for a request repeated within 12 months).
"""

from __future__ import annotations

from imr_llm.parser import parse_text
from imr_llm.parser.reasons import find_reason
from imr_llm.summary.build import build_summary
from imr_llm.summary.render import render_text
from imr_llm.summary.restate import restate
from tests.letters import Item, make_letter

DENIED = "Therefore, the request is not medically necessary."
GUIDE = (
    "The guidelines allow 8 to 10 visits for back pain, and when visits go past the guideline, special factors "
    "should be noted."
)
OVER = "Although more therapy may be appropriate, the requested 6 more sessions is in excess of the guidelines."
IMPROVED = "She has improved with 6 earlier sessions of therapy."


def _summary(rationale: str, request: str = "Physical therapy 6 sessions") -> tuple[str, str, str]:
    record = parse_text(make_letter(Item(request, "Upheld", f"{rationale} {DENIED}")))
    item = build_summary(record).items[0]
    return item.reason.text, item.reason.quote, item.next_step


def test_the_request_measured_against_the_guideline_is_the_reason() -> None:
    why, quote, step = _summary(f"{GUIDE} {IMPROVED} {OVER}")
    # wrong (the reader): "We could not find one sentence that gives the reason", and the stock step
    assert "could not find" not in why and "in excess of the guidelines" in quote, (why, quote)
    assert "no more than the guidelines allow" in step, step


def _found(rationale: str) -> list[str]:
    found = find_reason(rationale, "upheld", "Physical therapy 6 sessions")
    return [rationale[s.start : s.end] for s in found.sentences]


def test_a_guideline_sentence_about_going_past_it_is_still_no_reason() -> None:
    gap = "There is no documentation of the results of the earlier sessions."
    found = _found(f"{GUIDE} {gap} {DENIED}")
    # right: the guideline's own rule is no finding about this worker's request; the gap the reviewer found leads
    assert found and found[0] == gap and not any("special factors should be noted" in s for s in found), found


def test_improvement_with_earlier_sessions_is_no_reason_for_a_denial() -> None:
    found = _found(f"{GUIDE} {IMPROVED} {OVER} {DENIED}")
    # wrong (the reader's letter): "She has improved ..." the only reason found
    assert found and found[0] == OVER and IMPROVED not in found[:1], found


def test_a_word_and_its_preposition_typed_twice_is_said_once() -> None:
    said = restate("The notes hold no documentation of failure of failure of home exercise.", "upheld", "EMG")
    assert (
        said is not None
        and "failure of home exercise" in str(said.plain)
        and "failure of failure" not in str(said.plain)
    )
    from imr_llm.summary.restate import _core

    # right: a clause said twice is the reviewer's (a guideline's rule on mixtures), and stays
    kept, _ = _core("The guidelines say a cream that holds a drug that is not advised is not advised.")
    assert "is not advised is not advised" in kept, kept


def test_the_page_never_promises_a_new_request_on_new_records_alone() -> None:
    for lang, needs in (
        ("en", "a change that matters to the decision"),
        ("es", "un cambio importante para la decisión"),
    ):
        record = parse_text(
            make_letter(Item("MRI of the knee", "Upheld", f"There is no documentation of an exam. {DENIED}"))
        )
        page = render_text(build_summary(record, lang=lang))
        assert needs in page and "new medical records" not in page, page


def test_a_drug_taken_past_the_guidelines_time_says_so_in_its_step() -> None:
    taken = (
        "The worker has used this relaxant every day since 01/05/2016, which exceeds the guidelines for short-term use."
    )
    _, _, step = _summary(taken, "Cyclobenzaprine 7.5mg #60")
    # wrong (the reader): the stock "Your doctor can read the reviewer's words ..."
    assert "longer than the guidelines recommend" in step, step
    # right: a request's own length past the guideline is not the worker's time on the care
    _, _, asked = _summary(
        "The requested duration of 12 weeks exceeds the guidelines for short-term use.", "Cyclobenzaprine 7.5mg #60"
    )
    assert "longer than the guidelines recommend" not in asked, asked


def _warnings(decision: str, rationale: str) -> list[str]:
    verdict = DENIED if decision == "Upheld" else "Therefore, the request is medically necessary."
    record = parse_text(make_letter(Item("Knee walker", decision, f"{rationale} {verdict}")))
    return [w for w in record.warnings if "may be missing from the letter" in w]


def test_a_denial_whose_words_say_the_request_was_supported_is_pointed_out() -> None:
    warned = _warnings("Upheld", "Guidelines ask for a reason for special equipment. There is clear rationale "
                       "given to support this request.")  # fmt: skip
    # wrong (the reader): "We could not find one sentence" and nothing said of the letter's own contradiction
    assert len(warned) == 1 and "clear rationale given to support this request" in warned[0], warned


def test_support_denied_or_contrasted_or_in_an_approval_is_no_slip() -> None:
    for decision, rationale in (
        ("Upheld", "There is no reason given to support this request for a knee walker."),
        ("Upheld", "There was a lack of notes to support this request beyond the guidelines."),
        ("Upheld", "There is documentation to support the request, but the guidelines do not recommend it."),
        ("Overturned", "There is documentation provided to support the request for the knee walker."),
    ):
        assert _warnings(decision, rationale) == [], (decision, rationale)
