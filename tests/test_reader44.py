"""Reader 44 (10 new letters, 30 items) and reader 43's approvals: what they found, tested both ways.

- "Surgery has not been discussed" gave the step "the new request could show surgery" (in Spanish, the missing thing
  was "Cirugía"): as if planning surgery would get an MRI approved. What was not talked about is no thing to show.
- Spanish: "do not indicate that the patient has ever taken alprazolam" came out as "... nunca ha tomado" (has
  never taken), the opposite of the letter; "found no X, and the urine drug screen of 10/14/2016 was inconsistent"
  put the inconsistent screen under "El revisor no encontró esto".
- The safety line was only conditional for a hypnotic "taken nightly for nine months" whose letter says it "should
  be tapered rather than stopped abruptly" (read as stopped at once), and for Norco "which the applicant has taken
  for over a year" in a sentence that also says the reports "do not describe" relief.
- An approval for a worker's risk ("This 67 year old worker takes meloxicam daily and had a GI bleed in 2009.")
  had "we could not find one sentence": the age made it read as case history.
"""

from __future__ import annotations

import pytest

from imr_llm import summarize
from imr_llm.schema import LetterRecord
from imr_llm.summary.facts import letter_says_stopped, says_taking
from imr_llm.summary.restate import missing_detail, own_clause, quotable, restate
from tests.conftest import needs_apertium
from tests.test_reader41 import _letter, _page

MRI = (
    "Here the neurologic examination is entirely normal, there are no red flag conditions, and surgery has not been "
    "discussed. Plain films are the appropriate first study and should be obtained first. The MRI is not medically "
    "necessary."
)


def test_surgery_not_discussed_is_no_step_to_show_surgery() -> None:
    for lang in ("en", "es"):
        _, _, step = _page(_letter(("MRI of the lumbar spine", "Upheld", MRI)), lang=lang)
        assert "could show surgery" not in step and "'surgery'" not in step and '"surgery"' not in step, step
    _, _, step = _page(_letter(("MRI of the lumbar spine", "Upheld", MRI)))
    assert "Plain films are the appropriate first study" in step, step  # the reviewer's own fix instead


def test_a_missing_plan_that_is_information_is_still_a_step() -> None:
    # right both ways: a piece of information not discussed is still what a new request could show
    plan = missing_detail("The treatment plan has not been discussed.")
    assert plan is not None and plan.slots["x"] == "The treatment plan"
    assert missing_detail("Surgery has not been discussed.") is None  # wrong before: "could show surgery"


def test_a_second_clause_with_a_dated_subject_is_its_own() -> None:
    x = "objective functional improvement, and the urine drug screen of 10/14/2016 was inconsistent"
    assert own_clause(x) == "objective functional improvement"
    r = restate(f"There is no {x}, being negative for oxycodone.", "upheld", "Oxycodone 10mg #60")
    assert r is None or "inconsistent" not in r.slots.get("x", ""), r


@needs_apertium
def test_ever_taken_keeps_its_sense_in_spanish() -> None:
    from imr_llm.summary import translate
    from imr_llm.summary.languages import get_language

    spec = get_language("es").c.translation
    assert spec is not None
    (text,) = translate.translate_for(["The records do not indicate that the patient has ever taken alprazolam."], spec)
    assert text is not None and "nunca" not in text and "no indica" in text, text


def test_tapered_rather_than_stopped_abruptly_is_no_stop() -> None:
    assert not letter_says_stopped("It should be tapered rather than stopped abruptly.")
    assert not letter_says_stopped("The drug should not be discontinued abruptly.")
    assert letter_says_stopped("Given the diversion, it should be discontinued immediately.")  # right both ways
    rationale = (
        "Zolpidem is for short-term use. This patient has used zolpidem nightly for approximately nine months. The "
        "request is not medically necessary. Because it has been taken nightly for a long period, it should be "
        "tapered rather than stopped abruptly."
    )
    item = summarize(_letter(("Zolpidem 10mg #30", "Upheld", rationale)), "en").items[0]
    assert item.taper_warning is not None and item.taper_warning.startswith("Do not stop"), item.taper_warning


def test_a_use_in_its_own_clause_is_read_past_another_clauses_negation() -> None:
    sentence = (
        "The reports do not describe any relief attributable to Norco, which the applicant has taken for over a year, "
        "and no urine drug testing is documented."
    )
    assert says_taking("Norco", sentence)  # wrong before: the conditional line only
    # right both ways: a negation of the use itself still counts
    assert not says_taking("Norco", "There is no evidence that the applicant has been taking Norco.")
    assert not says_taking("Norco", "The applicant has not taken Norco for over a year.")


def test_an_approval_for_the_workers_risk_quotes_it() -> None:
    sentence = "This 67 year old worker takes meloxicam daily and had a GI bleed in 2009."
    assert quotable(sentence, "overturned")
    assert not quotable("The claimant is a 52-year-old who presented with low back pain.", "overturned")
    rationale = (
        "A proton pump inhibitor is recommended for patients taking NSAIDs who are at high risk for gastrointestinal "
        f"events, which include age over 65 and a history of GI bleeding. {sentence} Omeprazole 20mg #30 is "
        "medically necessary."
    )
    _, quote, _ = _page(_letter(("Omeprazole 20mg #30", "Overturned", rationale)))
    assert "GI bleed in 2009" in quote, quote  # wrong before: "We could not find one sentence"


def test_an_approval_tied_to_an_approved_surgery_quotes_the_tie() -> None:
    rationale = (
        "The surgery is now found to be medically necessary. ODG recommends walking aids such as crutches after knee "
        "surgery. Because the procedure is certified, the associated crutches are also medically necessary."
    )
    _, quote, _ = _page(_letter(("Associated surgical service: Crutches, purchase", "Overturned", rationale)))
    assert "Because the procedure is certified" in quote, quote  # wrong before: "We could not find one sentence"


def test_a_limit_said_after_its_span_leads_with_the_past_the_time_step() -> None:
    rationale = (
        "Cyclobenzaprine is recommended only as an option for a short course of therapy; treatment beyond 2 to 3 weeks "
        "is not recommended. Patient has used it for about one year. Not medically necessary."
    )
    _, quote, step = _page(_letter(("Cyclobenzaprine 7.5mg #60", "Upheld", rationale)))
    assert "beyond 2 to 3 weeks is not recommended" in quote, quote  # wrong before: no sentence found
    assert "longer than the guidelines recommend" in step, step
    # right both ways: the same limit with no long use found keeps the page's other reading
    _, _, short = _page(_letter(("Cyclobenzaprine 7.5mg #60", "Upheld", rationale.replace("about one year", "a week"))))
    assert "longer than the guidelines recommend" not in short, short


def _own_line(word: str, rationale: str) -> LetterRecord:
    from imr_llm.parser import parse_text
    from tests.test_reader41 import BLOCKS, HEAD, OPENING

    return parse_text(HEAD + OPENING + f"Cyclobenzaprine 7.5mg #60\n{word}\n{BLOCKS}Decision rationale: {rationale}\n")


TERSE = (
    "Treatment beyond 2 to 3 weeks is not recommended. Patient has used it for about one year. Not medically necessary."
)


def test_a_decision_word_on_its_own_line_is_read_where_the_closing_agrees() -> None:
    record = _own_line("Upheld", TERSE)
    item = record.disputed_items[0]
    # wrong before: the request "Cyclobenzaprine 7.5mg #60 Upheld", the decision unread, "no conclusion"
    assert item.request == "Cyclobenzaprine 7.5mg #60" and item.decision == "upheld", record.warnings
    assert any("no colon before it" in w for w in record.warnings)


@pytest.mark.parametrize(
    "rationale", [TERSE, "The patient has used it for a year. Therefore, the request is not medically necessary."]
)
def test_a_decision_word_on_its_own_line_against_the_closing_is_not_taken(rationale: str) -> None:
    record = _own_line("Overturned", rationale)
    assert record.disputed_items[0].decision is None, record.warnings
    assert record.disputed_items[0].request == "Cyclobenzaprine 7.5mg #60"
