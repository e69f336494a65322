"""What the thirty-fifth reader found on unseen letters, each a general rule tested both ways. All letters here are
synthetic.

- a step that names a record for one point, where the page's other point is a limit the guidelines set ("Long term
  use is not recommended"), says that limit may need an answer too: records of improvement alone had been the step
  for refills the guideline limits;
- a calming drug's class, a heat-picture test, and two nerve and brain tests named in a reviewer's sentence are
  explained under it (they had been left as the reviewer's jargon);
- a guideline's ban for one purpose ("not recommended for the treatment of pain") is no ban on a request that names
  another ("for anxiety"): the page no longer says asking again is not likely to change it;
- a second missing record is named on the Spanish page exactly when the English page names it (the length bound
  had counted each language's own words: the Spanish page dropped a record the English one named).
"""

from __future__ import annotations

import pytest

from imr_llm.summary.build import build_summary
from imr_llm.summary.languages import LANGUAGES, get_language
from imr_llm.summary.summarize import summarize
from tests.test_faithful_reasons import one

DRUG = "Naproxen 500mg #60 with two refills"
CLOSE = " Therefore, the request is not medically necessary."
RECORD = "The notes describe less pain with the pills, but there was no record of functional gains."
LIMIT = " Long term use is not recommended."


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_records_step_beside_a_guideline_limit_says_the_limit_needs_an_answer(lang: str) -> None:
    c = get_language(lang).c.next
    letter = one(DRUG, "Upheld", RECORD + LIMIT + CLOSE)
    step = build_summary(letter, lang).items[0].next_step
    # wrong before (a reader): only "records of improvement in what you can do", as if they were enough
    assert step.startswith(c.again) and step.endswith(c.guideline_limit), step
    assert summarize(letter, lang).checks.passed


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_records_step_alone_gets_no_limit_line(lang: str) -> None:
    c = get_language(lang).c.next
    step = build_summary(one(DRUG, "Upheld", RECORD + CLOSE), lang).items[0].next_step
    # right as it was: the one point is the record; no limit was named
    assert step.startswith(c.again) and c.guideline_limit not in step, step


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_limit_alone_gets_no_limit_line(lang: str) -> None:
    c = get_language(lang).c.next
    step = build_summary(one(DRUG, "Upheld", LIMIT.strip() + CLOSE), lang).items[0].next_step
    # right as it was: no record step for the line to follow
    assert c.guideline_limit not in step, step


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    ("request_", "sentence", "term"),
    [
        ("Lorazepam 1mg #30", "The guidelines do not recommend benzodiazepines for long-term use.", "benzodiazepine"),
        ("Thermography of the hands", "Thermography is not recommended to diagnose nerve pain.", "thermography"),
        ("SSEP of the legs", "SSEPs are not recommended for a suspected pinched nerve.", "SSEP"),
        ("EEG", "There was no documentation of a seizure to support an EEG.", "EEG"),
    ],
)
def test_these_terms_are_explained_under_the_reviewers_sentence(
    lang: str, request_: str, sentence: str, term: str
) -> None:
    glossary = build_summary(one(request_, "Upheld", sentence + CLOSE), lang).items[0].reason.terms
    # wrong before (a reader): the term left unexplained
    assert any(line.startswith(term + ":") for line in glossary), glossary


def test_a_term_not_in_the_sentence_is_not_explained() -> None:
    glossary = build_summary(one(DRUG, "Upheld", RECORD + CLOSE), "en").items[0].reason.terms
    # right: only the reviewer's own terms
    assert not any(line.split(":")[0] in ("benzodiazepine", "thermography", "SSEP", "EEG") for line in glossary)


FIRST = "There was no documentation of the number of visits completed."
SECOND = "No exceptional factors were given to justify going past the guidelines."


@pytest.mark.parametrize("limit", range(10, 36))
def test_a_second_missing_record_is_named_on_both_pages_or_on_neither(
    monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    import imr_llm.summary.build as build

    # whatever the length bound for a second step, the two pages decide alike: the Spanish page had dropped a second
    # record the English page named (its words are more), and named one the English page left out (fewer)
    monkeypatch.setattr(build, "_ALSO_WORDS", limit)
    letter = one("Infrared therapy 2 times a week for 2 weeks", "Upheld", f"{FIRST} {SECOND}{CLOSE}")
    english = build_summary(letter, "en").items[0].next_step
    spanish = build_summary(letter, "es").items[0].next_step
    assert ("special factors" in english) == ("factores especiales" in spanish), (english, spanish)


@pytest.mark.parametrize(
    ("request_", "sentence", "ban"),
    [
        # wrong before (a reader): "Asking again ... is not likely to change that" for a drug asked for anxiety
        ("Lorazepam 1mg before the scan for anxiety", "Benzodiazepines are not supported for the management of "
         "chronic pain.", False),
        ("Hydroxyzine 25mg for sleep", "Antihistamines are not recommended for the treatment of chronic pain.", False),
        # right as it was: the same purpose, a purpose the request does not name, a list naming the request's part
        ("Lorazepam 1mg for back pain", "Benzodiazepines are not supported for the management of chronic pain.", True),
        ("Lorazepam 1mg #30", "Benzodiazepines are not supported for the management of chronic pain.", True),
        ("Lorazepam 1mg #30", "Benzodiazepines are not recommended.", True),
        ("Chiropractic care 2 times a week for three weeks for the left knee", "Chiropractic care is not recommended "
         "for the ankle, foot, wrist, hand, or knee.", True),
    ],
)  # fmt: skip
def test_a_ban_for_another_purpose_than_the_request_names_is_no_ban_on_it(
    request_: str, sentence: str, ban: bool
) -> None:
    from imr_llm.parser.reasons import is_categorical

    assert is_categorical(sentence, request_, "upheld") is ban
    step = build_summary(one(request_, "Upheld", sentence + CLOSE), "en").items[0].next_step
    assert ("not likely to change" in step) is ban, step
