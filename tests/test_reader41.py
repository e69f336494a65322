"""The forty-first reader (12 new synthetic letters, 39 items): reasons the finder missed or could not say plainly.

What it found, in the shapes fixed here (each tested with the wrong page it must not give and the right one it must):
- A denial's cause said before its verdict ("Because the required monitoring has not been documented, continuation is
  not supported") read as a bare verdict: no reason at all. Now the missing thing is said: "no record of ...".
- A service tied to a denied one ("As the surgery has not been found medically necessary, the sling is likewise not",
  "The primary procedure was not certified, so there is no indication for post-operative therapy") was not seen as
  tied: the page said "ask again with more information" instead of "if the other service is approved later".
- A sentence that names its point only by pointing back ("No such trial has taken place", "... exceeds that",
  "Without these details ...") was put plainly, or quoted alone: the worker never saw what it points to.
- A guideline that rules the care out for the worker's condition in other words ("lists X as not recommended for
  knee osteoarthritis", an abbreviation the rationale spells out) was not read as a ban; a ban on care "as a
  stand-alone treatment" was read as one (the guideline allows it after a trial).
- An approval's reason in the reviewer's words for "fits the guideline" ("That use was within the guideline", "He
  reports about 40% relief ...") was not found; the treating doctor's agreement in a peer-to-peer call was not read.
"""

from __future__ import annotations

import pytest

from imr_llm import summarize
from imr_llm.parser import parse_text
from imr_llm.parser.reasons import find_reason, is_categorical
from imr_llm.schema import LetterRecord
from imr_llm.summary.restate import Form, restate
from tests.conftest import SAMPLES

BASIC = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
HEAD = BASIC[: BASIC.index("The Final Determination was based on")]
OPENING = "The Final Determination was based on decisions for the disputed items/services set forth below:\n"
BLOCKS = (
    "Claims Administrator guideline: The Claims Administrator did not cite any medical evidence for its decision.\n"
    "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment Guidelines 2009.\n"
)


def _letter(*items: tuple[str, str, str]) -> LetterRecord:
    body = "".join(
        f"{request}: {word}\n{BLOCKS}Decision rationale: {rationale}\n" for request, word, rationale in items
    )
    return parse_text(HEAD + OPENING + body)


def _page(record: LetterRecord, k: int = 0, lang: str = "en") -> tuple[str, str, str]:
    item = summarize(record, lang).items[k]
    return item.reason.text, item.reason.quote or "", item.next_step or ""


MONITORING = (
    "The guideline asks for urine drug testing, a check of the state prescription database and a signed agreement "
    "for anyone on opioids for months. Because the required monitoring has not been documented, continuation is not "
    "supported. The request is not medically necessary."
)


def test_a_cause_said_before_its_verdict_is_the_reason_and_said_plainly() -> None:
    found = find_reason(MONITORING, "upheld", "Norco 10/325 mg #90")
    assert found.sentences and found.sentences[0].text(MONITORING).startswith("Because the required monitoring")
    why, _, step = _page(_letter(("Norco 10/325 mg #90", "Upheld", MONITORING)))
    # wrong before: "We could not find one sentence that gives the reason."
    assert why.startswith("The reviewer found no record of the required monitoring."), why
    assert "records of the required monitoring" in step, step


def test_a_thing_not_documented_is_said_as_no_record_of_it_in_its_own_case() -> None:
    said = restate("MRI findings of a nerve root compromise have not been documented.", "upheld")
    assert said is not None and said.form is Form.NO_RECORD
    assert said.plain["x"].startswith("MRI findings"), said.plain  # never "mRI"
    said = restate("Functional improvement has not been documented.", "upheld")
    assert said is not None and said.slots["x"].startswith("functional improvement")


def test_a_cause_that_names_nothing_stays_a_bare_verdict() -> None:
    # "Because of the above, ..." names nothing a new request could add: still no plain reason made of it
    assert restate("Because this has not been documented, continuation is not supported.", "upheld") is None
    assert restate("This has not been documented.", "upheld") is None


SLING = (
    "As the associated arthroscopic surgery has not been found medically necessary, the post-operative sling is "
    "likewise not medically necessary."
)
REHAB = "The primary surgical procedure was not certified, so there is no indication for post-operative rehabilitation."


@pytest.mark.parametrize(("asked", "rationale"), [("Post-operative shoulder sling", SLING), ("Post-op PT x12", REHAB)])
def test_a_service_tied_to_a_denied_one_is_said_to_be_tied(asked: str, rationale: str) -> None:
    record = _letter(
        ("Arthroscopic subacromial decompression", "Upheld", "The surgical criteria are not met."),
        (
            asked,
            "Upheld",
            rationale,
        ),
    )
    assert record.disputed_items[1].reason is not None
    assert record.disputed_items[1].reason.linked_service, record.disputed_items[1].reason
    why, _, step = _page(record, 1)
    # wrong before: the reviewer's words quoted, and "ask again with more information"
    assert why.startswith("This goes with a surgery that was not approved."), why
    assert step.startswith("If the other service is approved later"), step


def test_the_denied_service_itself_is_not_tied_to_itself() -> None:
    rationale = "As the fusion is not medically necessary at this time, the request is not medically necessary."
    found = find_reason(rationale, "upheld", "Lumbar fusion L4-5")
    assert found.linked_service is None


TRIAL = (
    "Before a unit is bought, the guidelines call for a one-month home trial with a record of how it was used. "
    "No such trial has taken place; the patient has never used a unit. The request is not medically necessary."
)


def test_a_sentence_that_points_back_is_quoted_with_the_sentence_it_points_to() -> None:
    why, quote, _ = _page(_letter(("TENS unit purchase", "Upheld", TRIAL)))
    # wrong before: "The reviewer found that no such trial has taken place; you have never used a unit."
    assert "such trial" not in why, why
    assert quote.startswith('"Before a unit is bought'), quote
    assert restate("No such trial has taken place.", "upheld") is None
    assert restate("Twelve sessions exceeds that.", "upheld") is None
    # a list introduced by "such as" points nowhere: it is still said plainly
    said = restate("There is no documentation of exam findings such as weakness or reflex loss.", "upheld")
    assert said is not None and said.form is Form.NO_RECORD


@pytest.mark.parametrize(
    ("asked", "sentence"),
    [
        (
            "ESWT left knee x3",
            "ODG lists shockwave therapy for the knee as not recommended for knee osteoarthritis, the condition being "
            "treated here.",
        ),
        (
            "Lidocaine patch 5% #30",
            "The patch is not recommended for non-neuropathic pain, which is what she has here.",
        ),
    ],
)
def test_a_ban_for_the_workers_condition_is_read_as_a_ban(asked: str, sentence: str) -> None:
    assert is_categorical(sentence, asked, "upheld")


def test_a_ban_on_care_used_alone_is_not_a_ban() -> None:
    sentence = "MTUS does not support TENS as a stand-alone treatment for this patient."
    assert not is_categorical(sentence, "TENS unit purchase", "upheld")
    # while a plain ban on it still is
    assert is_categorical("MTUS does not support TENS for this patient.", "TENS unit purchase", "upheld")


def test_an_approvals_fit_with_the_guideline_is_its_reason() -> None:
    rationale = (
        "Oral ketorolac is not indicated for chronic pain. On 10/12/2016 the patient had a sudden severe flare and got "
        "one injection only. That use was within the guideline. The retrospective request is medically necessary."
    )
    found = find_reason(rationale, "overturned", "Retrospective Toradol 60 mg IM injection")
    chosen = [s.text(rationale) for s in found.sentences]
    assert "That use was within the guideline." in chosen, chosen
    _, quote, _ = _page(_letter(("Retrospective Toradol 60 mg IM injection", "Overturned", rationale)))
    # wrong before: "We could not find one sentence that gives the reason."; the sentence "that use" points to, with it
    assert "one injection only. That use was within the guideline." in quote, quote


def test_a_reported_relief_is_an_approvals_reason_said_plainly() -> None:
    rationale = (
        "Side effects were not asked about at each visit, a gap in the notes. He reports about 40% relief of his leg "
        "pain and can do an hour of yard work. Continued use is appropriate. Medically necessary."
    )
    why, _, _ = _page(_letter(("Gabapentin 300 mg #90", "Overturned", rationale)))
    assert "40% relief" in why, why
    assert "side effects" not in why.lower()


def test_the_treating_doctors_agreement_in_a_call_is_said() -> None:
    sentence = (
        "The records show that on 09/11/2017 the treating provider, in a peer-to-peer call, agreed to six sessions."
    )
    said = restate(sentence, "upheld", "Physical therapy x12")
    assert said is not None and said.form is Form.DOCTOR_AGREED, said
    assert said.plain["x"] == "to six sessions"
    # an agreement of someone else's is not the doctor's
    assert restate("The patient agreed to six sessions.", "upheld", "Physical therapy x12") is None


NEW_DRUG = (
    "Opioids may be tried when first-line drugs have failed. This is a new prescription, and the notes show no trial "
    "of acetaminophen. The request is not medically necessary."
)
TAKEN_A_YEAR = (
    "Benzodiazepines are not recommended for long-term use. He has taken alprazolam for about a year, and use with an "
    "opioid adds to the risk. The request is not medically necessary."
)


def test_no_line_about_stopping_suddenly_for_a_drug_the_letter_says_was_never_started() -> None:
    item = summarize(_letter(("Tramadol ER 150 mg #30", "Upheld", NEW_DRUG)), "en").items[0]
    # wrong before: "If you already take this medicine, do not stop it suddenly." under a drug never started
    assert item.taper_warning is None


def test_care_not_tried_is_not_the_drug_not_taken() -> None:
    rationale = (
        "Opioids need monitoring. The patient has not tried NSAIDs first, and no urine drug screen was documented. "
        "The request is not medically necessary."
    )
    item = summarize(_letter(("Norco 10/325 mg #90", "Upheld", rationale)), "en").items[0]
    assert item.taper_warning is not None  # "has not tried NSAIDs" says nothing of Norco
    never = "The patient has never taken tramadol before. The notes show no trial of acetaminophen. Not necessary."
    assert summarize(_letter(("Tramadol 50 mg #60", "Upheld", never)), "en").items[0].taper_warning is None


def test_the_firm_line_for_a_drug_the_letter_says_the_worker_has_taken_for_a_year() -> None:
    item = summarize(_letter(("Alprazolam 1 mg #60", "Upheld", TAKEN_A_YEAR)), "en").items[0]
    # wrong before: only the conditional line ("If you already take ..."), the risk named after the use read as the
    # guidelines' general talk
    assert item.taper_warning is not None and item.taper_warning.startswith("Do not stop this medicine suddenly")
    # and a drug the letter says nothing about keeps the conditional line
    unsaid = "Opioids need monitoring. No urine drug screen was documented. The request is not medically necessary."
    item = summarize(_letter(("Norco 10/325 mg #90", "Upheld", unsaid)), "en").items[0]
    assert item.taper_warning is not None and item.taper_warning.startswith("If you already take")


def test_an_unread_decision_on_an_opioid_still_carries_the_line() -> None:
    record = _letter(("Oxycodone 10 mg #120", "Upheld", TAKEN_A_YEAR.replace("alprazolam", "oxycodone")))
    record.disputed_items[0].decision = None  # a scan that lost the decision word
    record.disputed_items[0].medically_necessary = None
    item = summarize(record, "en").items[0]
    assert item.taper_warning is not None  # wrong before: no line at all for a worker who may lose the drug


def test_a_rule_told_in_general_is_not_an_approvals_finding() -> None:
    rationale = (
        "Imaging of the shoulder is appropriate when there is evidence of tissue damage, or to plan surgery. This "
        "patient has a positive drop-arm test and weakness lifting the arm despite two months of therapy. "
        "Medically necessary."
    )
    why, _, _ = _page(_letter(("MRI of the right shoulder", "Overturned", rationale)))
    # wrong before: "The reviewer found that imaging of the shoulder is appropriate when ...", a rule as a finding
    assert "appropriate when" not in why, why
    assert "drop-arm test" in why, why
    # a rule applied to this worker is still a finding
    said = restate("This patient has a positive drop-arm test despite therapy.", "overturned")
    assert said is not None and said.form is Form.FINDING
