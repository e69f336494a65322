"""The twenty-third independent reader's findings, each a general rule tested both ways (the wrong output it must
not give, the right output it must keep), in synthetic letters.

- a sentence that names what it means only by "these conditions" ("has no diagnosis among these conditions") is
  never a plain line of its own (alone it reads as "you have no diagnosis"), and its quote comes with the
  sentence before it, which names them;
- "the earlier review approved a trial of 4 sessions" is a first trial approved before: the step is to ask again
  after it, with its results (it was the stock "read the reviewer's words");
- the glossary never says the first review turned the whole request down (it may have approved part of it);
- "a spine surgeon evaluation" names a kind of visit, not another doctor (it stopped the plain line);
- "no evidence based rationale ... as to the medical necessity for X" is said plainly, and its step asks the new
  request to explain why X is needed (it was "explain the medical necessity for this request").
"""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from imr_llm.summary.render import render_text
from tests.letters import Item, make_letter

DENIED = "Therefore, the request is not medically necessary."
GUIDELINE = "Tizanidine is advised for muscle stiffness from a stroke or from a spinal cord injury."


def _item(request: str, rationale: str, lang: str = "en") -> tuple[str, str, str]:
    record = parse_text(make_letter(Item(request, "Upheld", f"{rationale} {DENIED}")))
    item = build_summary(record, lang=lang).items[0]
    return item.reason.text, item.reason.quote, item.next_step


@pytest.mark.parametrize(
    "pointing",
    [
        "The worker carries no diagnosis among these listed conditions.",
        "There is no sign that the worker has either of these conditions.",
        "There is no documentation that the worker has any of those diagnoses.",
    ],
)
def test_a_sentence_naming_its_conditions_only_by_these_is_quoted_with_the_one_before(pointing: str) -> None:
    rationale = f"{GUIDELINE} {pointing} There is no documentation of functional gains with tizanidine."
    for lang in ("en", "es"):
        why, quote, _ = _item("Tizanidine 4mg #60", rationale, lang)
        # wrong: a plain line saying the worker lacks "these conditions", never saying which
        assert "these medical conditions" not in why and "those diagnoses" not in why and "these conditions" not in why
        assert f"{GUIDELINE} {pointing}" in quote, quote  # the conditions named beside the sentence
    # right: a sentence that names its own conditions is still the page's plain line
    why, quote, _ = _item(
        "Tizanidine 4mg #60",
        f"{GUIDELINE} There is no documentation of functional gains with tizanidine.",
    )
    assert "The reviewer found no record of improvement in what you can do" in why, why
    assert GUIDELINE not in quote


def test_a_first_trial_the_earlier_review_approved_gives_the_step_after_it() -> None:
    rationale = (
        "Therapy is advised to rebuild strength and motion. The earlier review approved a trial of 4 sessions of "
        "therapy. More visits would depend on how the worker responds."
    )
    _, _, step = _item("Physical therapy, 2 more visits, low back", rationale)
    # wrong: "Your doctor can read the reviewer's words and decide whether to ask again with more information."
    assert "After that trial, your doctor can ask again for more" in step, step
    # right: an earlier review that did not approve the trial, or a trial never named, keeps the stock step
    for other in (
        rationale.replace("The earlier review approved", "The earlier review did not address"),
        "Therapy is advised to rebuild strength. More visits would depend on how the worker responds.",
    ):
        _, _, step = _item("Physical therapy, 2 more visits, low back", other)
        assert "After that trial" not in step, step


def test_the_glossary_never_says_the_first_review_denied_all_of_it() -> None:
    record = parse_text(make_letter(Item("Naproxen 500mg #60", "Upheld", f"No pain relief is recorded. {DENIED}")))
    for lang, wrong in (("en", "the one that turned the request down."), ("es", "la que negó la solicitud.")):
        page = render_text(build_summary(record, lang=lang))
        assert wrong not in page
        assert ("in whole or in part" in page) if lang == "en" else ("en todo o en parte" in page)


def test_a_surgeon_evaluation_is_a_kind_of_visit_not_another_doctor() -> None:
    from imr_llm.summary.restate import restate

    sentence = "No neurological deficits were noted that would justify a spine surgeon evaluation now."
    r = restate(sentence, "upheld", "Referral to a spine surgeon for evaluation")
    # wrong: no plain line at all (the surgeon read as another doctor), or "a spine your doctor evaluation"
    assert r is not None and "your doctor evaluation" not in r.plain["x"] and "spine surgeon evaluation" in r.plain["x"]
    # right: a doctor who is a person of another role still stops the plain line
    assert restate("The UR physician noted no neurological deficits.", "upheld", "MRI of the neck") is None


def test_an_evidence_based_rationale_is_said_plainly_and_its_step_asks_why() -> None:
    rationale = (
        "There is no evidence based rationale given by the treating doctor as to the medical necessity of the "
        "requested study."
    )
    why, _, step = _item("MRI of the lumbar spine", rationale)
    # wrong: the reviewer's jargon kept ("evidence based rationale ... as to the medical necessity of ..."),
    # and the circular step "could explain the medical necessity for this request"
    assert "reason backed by medical studies" in why and "as to the medical necessity" not in why, why
    assert step.endswith("the new request could explain why you need this."), step
    why_es, _, _ = _item("MRI of the lumbar spine", rationale, "es")
    assert "una razón de su médico, basada en estudios médicos, de por qué usted necesita esto" in why_es, why_es
    # right: another reason the doctor gave no explanation of keeps its own words
    _, _, step = _item(
        "Flexeril 10mg #90",
        "There is no evidence based rationale given by the treating doctor as to the medical necessity of "
        "further use past the guideline limits.",
    )
    assert step.endswith("could explain why you need further use past the guideline limits."), step


def test_a_guideline_limit_given_for_the_workers_condition_is_the_reason_quoted() -> None:
    from imr_llm.parser.reasons import find_reason

    limit = "The guidelines allow up to 10 visits for this patient's diagnosis."
    rationale = (
        "Therapy should stress active exercise. The worker got better with the first visits. "
        f"{limit} Two more visits to move to exercises at home are indicated."
    )
    found = find_reason(rationale, "upheld", "Physical therapy 12 sessions for the right elbow")
    # wrong: the finder passed over the limit (a guideline's words) and the page said "We could not find one
    # sentence that gives the reason"
    first = found.sentences[0]
    assert found.topic == "guideline_amount" and rationale[first.start : first.end] == limit, found
    why, quote, _ = _item("Physical therapy 12 sessions for the right elbow", rationale)
    assert "could not find one sentence" not in why and limit in quote, (why, quote)
    # right: the guideline's general rule, given for no one's condition, is still no reason of its own
    general = "The guidelines allow up to 10 visits for myalgia."
    other = rationale.replace(limit, general)
    found = find_reason(other, "upheld", "Physical therapy 12 sessions for the right elbow")
    assert all(other[s.start : s.end] != general for s in found.sentences[:1]), found


def test_pain_or_functional_improvement_asks_for_improvement_never_for_records_of_pain() -> None:
    rationale = "The worker has been on NSAIDs for several month without any mention of pain or functional improvement."
    why, _, step = _item("Pantoprazole 40mg #60", rationale)
    # wrong: "a new request could include records of pain or functional improvement" (more pain is no help)
    assert "records of pain" not in step and "improvement in pain or in what you can do" in step, step
    assert "several months" in why, why  # the letter's slip mended in the plain words only
    # right: functional improvement alone keeps its plain words
    _, _, step = _item("Pantoprazole 40mg #60", "There is no documentation of functional improvement from the NSAID.")
    assert "improvement in what you can do" in step and "in pain" not in step, step
