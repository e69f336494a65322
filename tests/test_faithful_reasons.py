"""A plain "Why" is the reviewer's own sentence made plain: restated by its form, never worded from a topic.

Each failure class an independent reader found on unseen letters is a test here: the wrong summary the
checks must catch, and the right one (what the tool now writes) that they must pass. The letters are
synthetic (tests/letters.py); every reviewer sentence below was written for these tests.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from imr_llm.parser import parse_text
from imr_llm.schema import LetterRecord
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import check_summary, plain_problems
from imr_llm.summary.facts import CareAlreadyGiven
from imr_llm.summary.formats import Format
from imr_llm.summary.languages import LANGUAGES, get_language
from imr_llm.summary.model import ItemSummary, PlainSentence
from imr_llm.summary.render import render_text
from imr_llm.summary.restate import Form, plain_english, quotable, restate
from imr_llm.summary.summarize import summarize
from tests.letters import Item, make_letter, whole_request_heading


def own_words(text: str) -> str:
    """A Spanish line without the machine translation beside its English quote (`tests/test_translate.py`)."""
    return re.sub(r'; traducción automática: "[^"]*"|; la traducción automática está más abajo', "", text)


def one(request: str, decision: str, rationale: str) -> LetterRecord:
    return parse_text(make_letter(Item(request, decision, rationale)))


def plain(source: str, text: str, request: str = "MRI of the lumbar spine", lang: str = "en") -> list[str]:
    return plain_problems(PlainSentence(text=text, source=source, form="finding"), request, get_language(lang))


# -- the forms: each keeps the reviewer's content ---------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "decision", "form", "plain_text"),
    [
        (
            "However, there is no documentation of specific nerve compromise on the examination.",
            "upheld",
            Form.NO_RECORD,
            "The reviewer found no record of specific nerve compromise on the examination.",
        ),
        (
            "The request did not specify the frequency or duration of the sessions.",
            "upheld",
            Form.REQUEST_SILENT,
            "The request did not say the frequency or duration of the sessions.",
        ),
        (
            "It is unclear whether the claimant has tried a home exercise program.",
            "upheld",
            Form.UNCLEAR,
            "The reviewer could not tell whether you have tried a home exercise plan.",
        ),
        (
            "Given that guidelines do not recommend massage for long-standing neck pain, the request is not supported.",
            "upheld",
            Form.NOT_RECOMMENDED,
            "The guidelines the reviewer used do not recommend massage for long-standing neck pain.",
        ),
        (
            "During the peer-to-peer call, the treating provider agreed that therapy to the wrist was not needed.",
            "upheld",
            Form.DOCTOR_AGREED,
            "The letter says that during the doctor-to-doctor call, your doctor agreed that therapy to the wrist "
            "was not needed.",
        ),
        (
            "There were no red flags such as fever or progressive weakness.",
            "upheld",
            Form.NONE_FOUND,
            "The reviewer found no warning signs of a serious problem such as fever or progressive weakness.",
        ),
        (
            "In this case, the injured worker reports numbness in both hands that has not improved with splinting.",
            "overturned",
            Form.FINDING,
            "The reviewer found that you report numbness in both hands that has not improved with splinting.",
        ),
    ],
)
def test_a_recognised_form_keeps_the_reviewers_content(
    sentence: str, decision: str, form: Form, plain_text: str
) -> None:
    r = restate(sentence, decision)
    assert r is not None and r.form is form
    text = get_language("en").restated(r)
    assert text == plain_text
    assert plain_problems(PlainSentence(text=text, source=sentence, form=form.value), "x", get_language("en")) == []


def test_a_sentence_that_does_not_say_the_decisions_way_is_not_restated() -> None:
    # a denial's reason says something is missing: a sentence of benefit is a concession, not the reason
    assert restate("The patient reported benefit from the first sessions.", "upheld") is None
    # an approval is never explained by a "there is no documentation" sentence
    assert restate("There is no documentation of a home exercise program.", "overturned") is None
    # guideline passages and case history are not the reviewer applying the rules to this worker
    assert restate("The MTUS recommends up to 10 visits of therapy for myalgia.", "upheld") is None
    assert restate("The patient presented with low back pain after lifting boxes.", "overturned") is None


def test_the_worker_becomes_you_and_verbs_agree() -> None:
    assert plain_english("the patient has failed conservative care") == "you have failed simpler care"
    assert plain_english("the claimant was not at maximal medical improvement") == (
        "you were not at the point where you are not expected to get better"
    )
    assert plain_english("the patient's pain is exacerbated by sitting") == "your pain is made worse by sitting"
    assert plain_english("patient specific goals") is None  # "patient" as a modifier cannot become "you"
    assert plain_english("he told the provider that his pain was worse") is None  # whose "he"?


# -- class 1: a stock finding the letter contradicts --------------------------------------------------


def test_a_stock_finding_broader_than_the_reviewer_is_caught() -> None:
    source = "There is no documentation of progression of neurological deficits."
    wrong = "Your records did not show signs of nerve problems, like numbness or weakness."
    found = plain(source, wrong)
    assert any("adds words" in p and "numbness" in p for p in found)
    assert any("leaves out the reviewer's words" in p and "progression" in p for p in found)
    right = "The reviewer found no record of progression of signs of nerve damage."
    assert plain(source, right) == []


def test_helped_for_a_first_course_of_care_is_caught() -> None:
    source = "In this case, the claimant has not yet had any physical therapy for the shoulder."
    assert any("adds words" in p for p in plain(source, "The records showed that this care has helped you."))
    r = restate(source, "upheld")
    assert r is not None
    assert plain(source, get_language("en").restated(r), "Physical therapy 6 sessions") == []


def test_worry_about_risks_the_reviewer_never_named_is_caught() -> None:
    source = "There is no documentation that the CURES database was checked."
    wrong = "The reviewer was worried about the risks of this for you."
    found = plain(source, wrong, "Norco 10/325 #60")
    assert any("adds words" in p for p in found) and any("drops the reviewer's negation" in p for p in found)


def test_a_dropped_negation_or_an_added_one_is_caught() -> None:
    source = "The patient has not yet been diagnosed with fibromyalgia."
    assert any(
        "drops the reviewer's negation" in p for p in plain(source, "You have been diagnosed with fibromyalgia.")
    )
    assert plain(source, "The reviewer found that you have not been diagnosed with fibromyalgia.") == []
    shown = "In this case, the records document weakness in the left leg."
    assert any("adds a negation" in p for p in plain(shown, "The reviewer found no weakness in the left leg."))


def test_records_are_named_only_where_the_reviewer_named_them() -> None:
    source = "The claimant remains symptomatic despite six weeks of therapy."
    found = plain(source, "Your records show you remain symptomatic despite six weeks of therapy.")
    assert "the plain reason speaks of records where the reviewer did not" in found


# -- class 2: a "reason" that is not one -----------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "decision"),
    [
        ("The MTUS supports epidural injections for patients with radiculopathy documented by imaging.", "upheld"),
        ("The claimant presented with neck pain radiating to the right arm.", "upheld"),
        ("Diagnoses include lumbar strain, cervical strain and insomnia.", "upheld"),
        ("(ACOEM, Chapter 12, page 303; ODG Low Back 2016).", "upheld"),
        ("There is no documentation of a home exercise program.", "overturned"),  # argues against an approval
        ("Therefore, the request is not medically necessary.", "upheld"),  # a bare verdict
    ],
)
def test_a_sentence_that_is_not_a_reason_is_never_quoted_as_one(sentence: str, decision: str) -> None:
    assert not quotable(sentence, decision)


def test_when_no_sentence_gives_the_reason_the_summary_says_so() -> None:
    record = one(
        "Heating pad",
        "Upheld",
        "The MTUS recommends heat for acute low back pain. The patient presented with back pain after a fall. "
        "Therefore, the request is not medically necessary.",
    )
    item = build_summary(record).items[0]
    assert item.reason.quoted and item.reason.sentences == []
    assert item.reason.text == get_language("en").quoted_reason(False)
    assert summarize(record, "en").checks.passed and summarize(record, "es").checks.passed


def test_a_guideline_sentence_quoted_as_the_reason_is_caught() -> None:
    record = one(
        "Lumbar epidural steroid injection",
        "Upheld",
        "The MTUS supports epidural injections when radiculopathy is documented by imaging. There is no "
        "documentation of radiculopathy on examination. Therefore, the request is not medically necessary.",
    )
    summary = build_summary(record)
    assert summary.items[0].reason.sentences == ["There is no documentation of radiculopathy on examination."]
    summary.items[0].reason.plain[0].text = "The guidelines support this injection for you."
    problems = check_summary(render_text(summary), summary, record).problems
    assert any("drops the reviewer's negation" in p for p in problems)


# -- class 3: the doctor agreed ---------------------------------------------------------------------


def test_the_worker_is_told_their_doctor_agreed() -> None:
    record = one(
        "Physical therapy 12 sessions for the neck and low back",
        "Upheld",
        "The guidelines allow up to 10 visits. In a peer-to-peer discussion, the requesting physician agreed that "
        "therapy to the neck was not needed at this time. Therefore, the request is not medically necessary.",
    )
    for lang, said in (("en", "your doctor agreed"), ("es", "su médico estuvo de acuerdo")):
        item = build_summary(record, lang).items[0]
        assert said in item.reason.text.lower()
        assert said in item.next_step.lower() and "exam" not in item.next_step.lower()
        assert summarize(record, lang).checks.passed


# -- class 4: next steps that point the right way ----------------------------------------------------


def test_next_step_for_care_the_guidelines_do_not_recommend() -> None:
    record = one(
        "Acupuncture 6 sessions for the knee",
        "Upheld",
        "Given that guidelines do not recommend acupuncture for a knee, the request is not supported.",
    )
    item = build_summary(record).items[0]
    assert "not likely to change" in item.next_step and "other care" in item.next_step
    assert "exam findings" not in item.next_step


def test_next_step_names_what_the_request_left_out() -> None:
    record = one(
        "TENS unit",
        "Upheld",
        "The request did not specify whether the unit is a rental or a purchase. Therefore, it is not supported.",
    )
    item = build_summary(record).items[0]
    assert (
        item.next_step
        == "If your doctor asks again, the new request could say whether the unit is a rental or a purchase."
    )


def test_a_restatement_its_own_check_refuses_is_never_written_the_words_are_quoted() -> None:
    """Fail safe by construction: on unseen letters, 9 of 218 summaries carried a plain sentence their own check
    refused ("a spine your doctor evaluation" for "a spine surgeon evaluation"; "no record" for "no discussion"),
    and so opened with "failed its safety checks". Such a sentence is now not written: the reviewer's words are
    quoted, and the page passes. A sentence the check accepts is still restated."""
    refused = "There are no motor or sensory deficits that would justify a spine surgeon evaluation for now."
    record = one("Spine surgeon evaluation", "Upheld", refused)
    raw = restate(refused, "upheld", "Spine surgeon evaluation")
    # now made right ("a spine surgeon evaluation" is a kind of visit: test_reader23.py); were it made wrong, the
    # check refuses it
    if raw is not None:
        written = PlainSentence(text=get_language("en").restated(raw), source=refused, form=raw.form.value)
        assert "your doctor evaluation" not in written.text or plain_problems(
            written, "Spine surgeon evaluation", get_language("en")
        )
    wrong = PlainSentence(
        text="The reviewer found no signs of nerve damage that would justify a spine your doctor evaluation for now.",
        source=refused,
        form="none_found",
    )
    assert plain_problems(wrong, "Spine surgeon evaluation", get_language("en"))  # the check still catches it
    for lang in ("en", "es"):
        outcome = summarize(record, lang)
        reason = outcome.summary.items[0].reason
        assert outcome.checks.passed, outcome.checks.problems
        assert refused in reason.sentences and not any("your doctor evaluation" in p.text for p in reason.plain)
    kept = one("MRI of the lumbar spine", "Upheld", "No documentation of a trial of home therapy is present.")
    assert build_summary(kept, "en").items[0].reason.plain  # the right output: still restated


def test_a_verdict_that_gives_its_own_reason_is_restated_or_quoted_never_passed_over() -> None:
    """Found on unseen letters: the reviewer's deciding sentence was a verdict carrying its reason ("Given the
    lack of X, the request is not medically necessary"), which had no form, so a lesser sentence (one saying the
    worker needs careful follow-up) was restated as the Why. A lack of one thing is now restated; a lack
    joined to another reason, or of "such evidence", is quoted with the lesser sentence, never replaced by it."""
    one_lack = one(
        "Left knee MRI",
        "Upheld",
        "The claimant has knee pain. Given the lack of information about failed conservative treatments, "
        "the request for an MRI of the left knee is not medically necessary.",
    )
    item = build_summary(one_lack, "en").items[0]
    assert item.reason.text == "The reviewer found no record about failed simpler treatments."  # plural glossed too
    assert item.next_step.startswith("If your doctor asks again, a new request could include records about failed")
    mixed = one(
        "Tramadol 50mg #60",
        "Upheld",
        "Given the lack of clear proof that first-line, non-opioid medicines have failed, and the long-term "
        "hazard of ongoing use, this Tramadol request is not considered medically necessary. In this "
        "case, the patient plainly warrants careful follow-up and care, with regular checks on any "
        "change in pain and function.",
    )
    for lang in ("en", "es"):
        reason = build_summary(mixed, lang).items[0].reason
        assert reason.quoted and not reason.plain  # never "found no ... long-term hazard", nor the follow-up line alone
        assert reason.sentences[0].startswith("Given the lack of clear proof")
        assert summarize(mixed, lang).checks.passed
    such = restate(
        "In the absence of such evidence, this request for a lumbar MRI is not medically necessary.",
        "upheld",
        "MRI of the lumbar spine",
    )
    assert such is None  # "The reviewer found no such evidence": of what?


def test_a_sentence_naming_two_missing_things_never_asks_for_a_lack_of_records() -> None:
    """ "There is no A, and no documentation of B" (found on an unseen letter): the next step said "records of A,
    and no record of B", and the Spanish reason quoted "A, and no documentation of B" after "did not find":
    both ask for, or say, the opposite of the letter. Each missing thing is named on its own."""
    record = one(
        "Lumbar epidural steroid injection at L5-S1",
        "Upheld",
        "Per the records provided for review, there are no current electrodiagnostic studies confirming a diagnosis "
        "of radiculopathy at L5-S1, and no documentation of failed anti-inflammatory treatment.",
    )
    en = build_summary(record, "en").items[0]
    assert en.next_step == (
        "If your doctor asks again, a new request could include records of current electrodiagnostic studies "
        "confirming a diagnosis of a pinched nerve (radiculopathy) at L5-S1, and of failed anti-inflammatory "
        "treatment, if there are any."
    )
    es = own_words(build_summary(record, "es").items[0].reason.text)
    assert '"failed anti-inflammatory treatment" (en inglés)' in es and "no documentation" not in es
    assert summarize(record, "en").checks.passed and summarize(record, "es").checks.passed
    # the right output it must keep: one missing thing stays whole ("pain and function" is one thing)
    single = one(
        "Physical therapy 12 sessions",
        "Upheld",
        "There is no documentation of objective gains in pain and function with the earlier sessions.",
    )
    step = build_summary(single, "en").items[0].next_step
    assert "records of objective gains in pain and function with the earlier sessions, if there are any" in step


def test_next_step_gives_the_guidelines_number_when_the_request_exceeded_it() -> None:
    record = one(
        "Chiropractic care 18 visits for the low back",
        "Upheld",
        "The MTUS recommends up to 18 visits over 6 to 8 weeks with evidence of functional improvement. The patient "
        "has already completed 12 visits, and the request for 18 more visits exceeds the recommended number. "
        "Therefore, the request is not medically necessary.",
    )
    item = build_summary(record).items[0]
    assert item.next_step.startswith("The letter says the guidelines allow 18 visits.")
    assert summarize(record, "en").checks.passed and summarize(record, "es").checks.passed
    # a word the letter hyphenated at a line end ("guide-" / "lines") is still the word
    wrapped = one(
        "Chiropractic treatment 12 sessions",
        "Upheld",
        "There was a lack of documentation regarding measured gains in function from the earlier chiropractic "
        "visits. Moreover, the guide-\nlines only recommend up to 10 visits of this "
        "care. Thus this request for 12 sessions exceeds that guideline recommendation.",
    )
    assert build_summary(wrapped).items[0].next_step.startswith("The letter says the guidelines allow 10 visits.")


# -- class 5: care already given ------------------------------------------------------------------


def test_care_the_letter_says_was_performed_gets_the_payment_line() -> None:
    record = one(
        "Right knee injection",
        "Overturned",
        "The requested injection was performed on 11/02/2016. In this case, the claimant has ongoing knee "
        "swelling despite six weeks of anti-inflammatory medication. The request is medically necessary.",
    )
    for lang, date, pay in (("en", "November 2, 2016", "within 20 days"), ("es", "2 de noviembre de 2016", "20 días")):
        item = build_summary(record, lang).items[0]
        assert item.already_given is not None and date in item.already_given
        assert pay in item.next_step
        assert summarize(record, lang).checks.passed


# -- class 6: the taper line only for a drug the worker takes ------------------------------------------


def test_the_firm_taper_line_only_for_a_drug_the_letter_says_is_taken() -> None:
    taking = one(
        "Norco 10/325mg #90",
        "Upheld",
        "The patient has been taking Norco since 2014 and there is no documentation of functional gains.",
    )
    new = one(
        "Percocet 5/325mg #20",
        "Upheld",
        "This is an initial prescription after the surgery and no documentation of a pain contract is present.",
    )
    firm = build_summary(taking).items[0].taper_warning
    assert firm == "Do not stop this medicine suddenly. Ask your doctor about lowering the dose slowly."
    conditional = build_summary(new).items[0].taper_warning
    assert conditional == "If you already take this medicine, do not stop it suddenly. Ask your doctor."
    assert build_summary(new, "es").items[0].taper_warning == (
        "Si usted ya toma esta medicina, no la deje de golpe. Pregunte a su médico."
    )
    # a guideline's or a risk's "continued" is not the worker taking it; a request to continue it is
    general = one(
        "Tramadol 50mg #60",
        "Upheld",
        "The MTUS requires documented functional improvement for continued use of opioids. Given the long-term "
        "hazards of continued treatment, there is no documentation of failed first-line treatment.",
    )
    assert build_summary(general).items[0].taper_warning == conditional
    refill = one("Refill of Tramadol 50mg #60", "Upheld", "There is no documentation of functional gains.")
    assert build_summary(refill).items[0].taper_warning == firm


def test_the_letters_own_weaning_words_only_from_the_reviewer_about_this_worker() -> None:
    """ "The letter also says this decision does not mean you should stop it all at once" only when the
    reviewer says so; a quoted guideline passage about tapering is not the letter saying it (it had put the
    line, and the firm "do not stop", on a drug the guideline quote was about). The letters' stock sentence
    "not a recommendation to stop ... abruptly", written for first trials too, gives the letter's line but
    not the firm one; the firm one needs the letter to say the worker takes the drug."""
    firm = "Do not stop this medicine suddenly. Ask your doctor about lowering the dose slowly."
    conditional = "If you already take this medicine, do not stop it suddenly. Ask your doctor."
    letter_line = "The letter also says this decision does not mean you should stop it all at once."
    quoted = one(
        "Amitriptyline 10mg #30",
        "Upheld",
        'The ODG states "Outcomes should be assessed at one week. Once pain has resolved for several months, a '
        'slow tapering of antidepressants may be tried." The records do not document a diagnosis this drug treats.',
    )
    assert build_summary(quoted).items[0].taper_warning is None
    quoted_opioid = one(
        "Hydrocodone 5/325mg #30",
        "Upheld",
        'The MTUS says "if there is no improvement, the medicine should be tapered." There is no documentation of '
        "a signed pain agreement.",
    )
    assert build_summary(quoted_opioid).items[0].taper_warning == conditional
    stock = (
        " This decision weighs the medical necessity of the opioids as written for this worker."
        " This decision should not be read as a recommendation to stop the long-term opioids abruptly."
    )
    trial = one(
        "Tramadol 50mg #60",
        "Upheld",
        "Opioids should begin as a time-limited trial. There is no documentation of a drug screen." + stock,
    )
    assert build_summary(trial).items[0].taper_warning == f"{conditional} {letter_line}"
    # the right outputs: the letter says the worker takes it, or the reviewer advises weaning it
    since = one(
        "Norco 5/325mg #60",
        "Upheld",
        "Treatment has been Norco since 10-02-2016 at least. There is no "
        "documentation of functional improvement." + stock,
    )
    assert build_summary(since).items[0].taper_warning == f"{firm} {letter_line}"
    # a sixteenth reader: the reviewer's stock advice that a weaning be considered was taken as the worker
    # taking a drug the letter's own medication list does not hold; the advice is said, the firm line is not
    advised = one(
        "Tramadol 50mg #60",
        "Upheld",
        "There is no documentation of functional gains. The denial "
        "was reasonable; a gradual weaning should be considered.",
    )
    assert build_summary(advised).items[0].taper_warning == f"{conditional} {letter_line}"
    assert build_summary(advised, "es").items[0].taper_warning.startswith("Si usted ya toma")  # type: ignore[union-attr]
    # ... and a doubt or a supposition is not the letter saying so; a refill is
    for rationale, said in (
        (
            "It is unclear how long the claimant has been taking tramadol, since an office note lists only "
            "hydrocodone. If the claimant does not meet the monitoring criteria, tapering is to be considered.",
            conditional,
        ),
        ("It is unclear how long the claimant has been taking tramadol. The tramadol was submitted as a refill.", firm),
    ):
        assert build_summary(one("Tramadol ER 150mg #30", "Upheld", rationale)).items[0].taper_warning == said


# -- class 7: our own counts are never "not in the letter" -------------------------------------------


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_letter_with_21_items_passes_its_checks(lang: str) -> None:
    items = [
        Item(
            f"Physical therapy {n} sessions for the low back",
            "Upheld",
            "There is still no documentation of measurable gains in function from the prior sessions.",
        )
        for n in range(1, 22)
    ]
    record = parse_text(make_letter(*items))
    outcome = summarize(record, lang)
    assert len(record.disputed_items) == 21
    assert outcome.checks.passed, outcome.checks.problems
    assert "21" in outcome.summary.opening


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize("pages", [4, 13])
def test_the_pages_read_are_our_own_count(lang: str, pages: int) -> None:
    """A hostile tester: a 2-page letter scanned with two blank backs was "failed its safety checks ('4' is not in
    the letter). Do not rely on it", because of the page's own "read from the 4 pages we were given"."""
    from imr_llm.schema import Source

    record = one("MRI of the lumbar spine", "Upheld", "There is no documentation of a neurological deficit.")
    record = record.model_copy(update={"source": Source(path="scan.pdf", kind="pdf", pages=pages)})
    outcome = summarize(record, lang)
    text = render_text(outcome.summary, Format.MD)
    assert f"{pages} pages" in text or f"{pages} páginas" in text
    assert check_summary(text, outcome.summary, record).problems == []
    # the wrong output still caught: the same number anywhere else on the page is not ours
    wrong = text.replace("There is no documentation", f"There are {pages}87 sessions and no documentation")
    assert f"{pages}87" in " ".join(check_summary(wrong, outcome.summary, record).problems)


def test_a_right_summary_that_reads_hard_is_not_called_unsafe() -> None:
    """A reader found "this summary failed its safety checks ... Do not rely on it" on a summary whose every
    reason was right: only its reading grade (8.28) was over the limit. The reading level and length are
    targets (reported as notes, measured by make summary-report), not safety checks; a wrong summary of the
    same letter still fails."""
    hard = (
        "There is no documentation of electrodiagnostic evidence of radiculopathy corroborating the "
        "neuroanatomical distribution of the claimant's subjective paresthesias and intermittent dysesthesias."
    )
    record = one("Lumbar epidural steroid injection at L4-L5 under fluoroscopic guidance", "Upheld", hard)
    outcome = summarize(record, "en")
    text = render_text(outcome.summary, Format.MD)
    checks = check_summary(text, outcome.summary, record)
    assert checks.passed and checks.problems == []
    long_prose = text.replace(
        "## What you can do now", "## What you can do now\n" + "Incomprehensibility notwithstanding. " * 60
    )
    harder = check_summary(long_prose, outcome.summary, record)
    assert harder.passed and any("reading grade" in n or "words" in n for n in harder.notes)
    from imr_llm.summary.render import render

    assert "WARNING" not in render(outcome.summary, Format.MD, harder.model_dump(mode="json"))
    wrong = text.replace("Decision: Upheld. This is not approved.", "Decision: Overturned. This is approved.")
    assert wrong != text and not check_summary(wrong, outcome.summary, record).passed


# -- class 8: Spanish gives a reason for every restated item ------------------------------------------


def test_spanish_gives_the_reason_in_spanish_with_the_reviewers_words_marked() -> None:
    record = one(
        "MRI of the lumbar spine",
        "Upheld",
        "However, there is no documentation of specific nerve compromise on the examination.",
    )
    text = own_words(build_summary(record, "es").items[0].reason.text)
    assert text.startswith("El revisor no encontró")
    assert '"specific nerve compromise on the examination" (en inglés)' in text or "(en inglés)" in text
    assert summarize(record, "es").checks.passed


def test_spanish_mood_is_subjunctive_after_nada_que() -> None:
    text = get_language("es").c.reason.no_record
    assert "nada que muestre" in text and "mostró" not in text


# -- the LLM rewrite is held to the same checks (unit test of the accept/reject logic) ---------------


@pytest.mark.parametrize(
    ("lang", "rewrite", "why"),
    [
        ("en", "The reviewer agreed with your doctor, so you will get this treatment.", "promises"),
        ("en", "This care will be covered.", "promises"),
        ("en", "You will receive this treatment soon.", "promises"),
        ("en", "The insurance company has to pay for this.", "promises"),
        ("en", "Your doctor can go ahead with this care now.", "promises"),
        ("en", "Stop taking this medicine right away.", "promises"),
        ("en", "You cannot appeal this decision.", "promises"),
        ("en", " ".join(["word"] * 80), "repeats"),
        ("en", "The reviewer found a record of improvement in what you can do with the prior sessions.", "negation"),
        ("en", "The reviewer found no record of improvement with the prior sessions.", "leaves out"),
        ("en", "The reviewer found no record of objective improvement, and your MRI showed a tear.", "MRI"),
        ("es", "Usted recibirá este tratamiento pronto.", "promises"),
        ("es", "El revisor encontró que su terapia le ayudó.", "negation"),
        # a hostile tester's Spanish rewrites that had passed (the future, payment, coverage, a cure)
        ("es", "El revisor no encontró mejoría. La aseguradora pagará las 12 sesiones de terapia.", "payment"),
        ("es", "El revisor no encontró mejoría, pero el seguro cubrirá la terapia.", "payment"),
        ("es", "El revisor no encontró mejoría. Le harán la terapia la próxima semana.", "payment"),
        ("es", "El revisor no encontró mejoría. Su dolor se curará con el tiempo.", "payment"),
        ("en", "The reviewer found no record of objective improvement; the therapy will be paid.", "promises"),
        # a second hostile probe's Spanish: cost, entitlement, advice, a lawyer, and English instead of Spanish
        ("es", "El revisor no encontró mejoría. Las sesiones son gratis para usted.", "promises"),
        ("es", "El revisor no encontró mejoría. Usted puede obtener seis sesiones.", "promises"),
        ("es", "El revisor no encontró mejoría. Le conviene pedir seis sesiones.", "promises"),
        ("es", "El revisor no encontró mejoría. No necesita un abogado.", "promises"),
        ("es", "The reviewer found no improvement and your insurer will pay for the therapy.", "language asked for"),
        # the reviewer's own words with the "no" moved to another of them (word sets alike, meaning reversed)
        (
            "en",
            "There is a record of objective functional improvement with the prior sessions, and no request.",
            "no longer denies",
        ),
        # a third probe: a double negative that turns the denial round, advice and comfort the reviewer never gave
        (
            "en",
            "The reviewer found no record you did not have objective improvement with the prior sessions.",
            "double",
        ),
        ("en", "The reviewer found not no record of objective improvement with the prior sessions.", "double"),
        (
            "en",
            "The reviewer found no record of objective improvement. Your doctor can continue with this therapy.",
            "promises",
        ),
        ("en", "The reviewer found no record of objective improvement. Do not worry, your case is closed.", "promises"),
        ("es", "El revisor no encontró mejoría objetiva. Su médico puede seguir con este tratamiento.", "promises"),
        ("es", "El revisor no encontró mejoría objetiva. Su caso está cerrado para siempre.", "promises"),
        ("es", "El revisor escribió que las sesiones sí se recomiendan, no para otros casos.", "promises"),
        ("es", "El revisor no encontró mejoría objetiva, pero no se preocupe por eso.", "promises"),
        # a translation that denies the denial, or moves it under an exception the reviewer never made
        ("es", "No es cierto que el revisor no encontró mejoría objetiva con las sesiones anteriores.", "round"),
        ("es", "El revisor no encontró mejoría objetiva, salvo con las sesiones anteriores.", "round"),
        ("es", "El revisor no encontró ninguna razón para no aprobar las sesiones anteriores.", "round"),
        # a third re-probe: a future approval, the reviewer "never wrote" it, the reviewer "was wrong"
        ("es", "El revisor no encontró mejoría objetiva. Las sesiones se aprobarán más adelante.", "promises"),
        ("es", "El revisor jamás escribió que no hubo mejoría objetiva con las sesiones anteriores.", "promises"),
        ("es", "El revisor no encontró mejoría objetiva, pero el revisor se equivocó.", "promises"),
        # a fifth probe: an answer word before a comma read as the reviewer's negation; markup as a reason
        (
            "en",
            "No, the reviewer found the record of objective functional improvement with the prior sessions.",
            "negation",
        ),
        ("es", "El revisor no encontró [esto](javascript:alert(1)) en las notas.", "markup"),
        ("en", "The reviewer found no record of <img src=x onerror=alert(1)> improvement.", "markup"),
    ],
)
def test_a_rewrite_that_contradicts_adds_or_promises_is_rejected(lang: str, rewrite: str, why: str) -> None:
    from imr_llm.summary.rewrite import reason_problems

    record = one(
        "Physical therapy 6 sessions",
        "Upheld",
        "There is still no record of objective functional improvement with the prior sessions. Thus, "
        "the request is not medically necessary.",
    )
    item = build_summary(record, lang).items[0]
    problems = reason_problems(rewrite, item, get_language(lang))
    assert problems and any(why in p for p in problems), problems


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        ("en", "The reviewer found no record of objective improvement in what you can do with the prior sessions."),
        ("es", "El revisor no encontró constancia de una mejoría objetiva con las sesiones anteriores."),
        ("es", "El revisor no encontró documentos que muestren una mejoría objetiva con las sesiones previas."),
    ],
)
def test_a_faithful_rewrite_passes(lang: str, rewrite: str) -> None:
    from imr_llm.summary.rewrite import reason_problems

    record = one(
        "Physical therapy 6 sessions",
        "Upheld",
        "There is still no record of objective functional improvement with the prior sessions. Thus, "
        "the request is not medically necessary.",
    )
    item = build_summary(record, lang).items[0]
    assert reason_problems(rewrite, item, get_language(lang)) == []


def test_a_double_negative_the_reviewer_wrote_may_stay_in_a_rewrite() -> None:
    """The double-negative check refuses only one the reviewer did not write: "no indication the claimant is not
    able to swallow tablets" says it twice, and a rewrite may too."""
    from imr_llm.summary.rewrite import reason_problems

    record = one(
        "Lidocaine 5% cream",
        "Upheld",
        "There is no indication the claimant is not able to swallow tablets. Therefore, the request is "
        "not medically necessary.",
    )
    item = build_summary(record, "en").items[0]
    kept = "The reviewer found no record that you are not able to swallow tablets."
    assert not [p for p in reason_problems(kept, item, get_language("en")) if "double" in p]


# -- the most decisive reason first: the guidelines rule this request out ------------------------------


def test_a_guideline_ban_on_this_request_comes_before_a_missing_record() -> None:
    record = one(
        "Ketoprofen 10% cream 120 grams",
        "Upheld",
        "There is no documentation that this patient is intolerant to oral medication. The guidelines state that "
        "ketoprofen is not recommended for use on the skin. Therefore, the request is not medically necessary.",
    )
    item = build_summary(record).items[0]
    plain = "The guidelines the reviewer used do not recommend ketoprofen for use on the skin."
    assert item.reason.plain[0].text == plain
    assert "not likely to change" in item.next_step


def test_a_conditional_guideline_sentence_is_not_a_ban() -> None:
    from imr_llm.parser.reasons import is_categorical

    conditional = (
        "A TENS device is not recommended as a stand-alone therapy, but a 30-day home trial may be considered "
        "alongside a program of functional restoration."
    )
    assert not is_categorical(conditional, "TENS unit", "upheld")
    assert is_categorical("Moreover, the guidelines do not support this request.", "TENS unit", "upheld")
    assert not is_categorical("Therefore, the TENS unit is not supported by the guidelines.", "TENS unit", "upheld")
    # a limit of time or of combination is decided by this worker's records (found on unseen letters, where the
    # next step said asking again "is not likely to change that")
    for limit in (
        "This medication is not recommended beyond 3 weeks of use.",
        'The guidelines also note that "the addition of a relaxant to other drugs is not recommended.',
    ):
        assert not is_categorical(limit, "Cyclobenzaprine 5mg #30", "upheld")
    assert is_categorical("Cyclobenzaprine is not recommended for topical use.", "Cyclobenzaprine cream", "upheld")
    # a ban on another form of the care, which shares the request's word: not this request's ban (an unseen
    # letter's summary led with it and told the worker asking again "is not likely to change that")
    other_form = "Manipulation under general anesthesia is not recommended at all."
    assert not is_categorical(other_form, "Spinal manipulation 3 times a week for 3 wks", "upheld")
    assert is_categorical(other_form, "Manipulation under general anesthesia of the lumbar spine", "upheld")
    assert not is_categorical("Manipulation of the knee is not recommended.", "Manipulation of the low back", "upheld")
    assert is_categorical(
        "Manipulation of the knee is not recommended.", "Chiropractic manipulation of the knee", "upheld"
    )
    # an order of use: a second choice once the first has failed, which a record can show (an unseen letter's
    # next step said asking again "is not likely to change that" where the reviewer named the missing record)
    for order in (
        'The ODG says etodolac is "Not recommended as first line given its side-effect profile.',
        "Naproxen is recommended as a second-line option after acetaminophen.",
    ):
        assert not is_categorical(order, "Etodolac 400mg #60", "upheld")
    record = one(
        "Etodolac 400mg #60",
        "Upheld",
        "The doctor does not document failure of acetaminophen. The ODG says etodolac is not recommended as "
        "first line given its side-effect profile. Therefore, the request is not medically necessary.",
    )
    item = build_summary(record).items[0]
    assert "not likely to change" not in item.next_step and "acetaminophen" in item.next_step


def test_an_approvals_reason_is_not_a_concern_the_reviewer_set_aside() -> None:
    record = one(
        "Oxycodone 10mg #60",
        "Overturned",
        "The guidelines support short-term use of opioids after a major fracture, which this claimant has had. There "
        "is a brief review of risks, but the claimant smokes, which increases the risk of chronic pain. The "
        "request is medically necessary.",
    )
    item = build_summary(record).items[0]
    assert "smokes" not in item.reason.text and "risk" not in item.reason.text
    assert item.reason.sentences[0].startswith("The guidelines support short-term use of opioids")


def test_a_letter_with_every_request_approved_has_no_steps_to_appeal_a_denial() -> None:
    record = one("MRI of the right knee", "Overturned", "In this case, the records document a locked knee.")
    for lang, appeal in (("en", "verified appeal"), ("es", "apelación verificada")):
        text = summarize(record, lang).summary.render("md")
        assert appeal not in text
    denied = one("MRI of the right knee", "Upheld", "There is no documentation of a locked knee.")
    assert "verified appeal" in summarize(denied, "en").summary.render("md")


def test_a_whole_request_left_eligible_is_not_called_the_rest() -> None:
    heading = whole_request_heading("Physical therapy 12 sessions", "occupational therapy for 2 visits")
    record = parse_text(
        make_letter(
            Item("physical therapy 12 sessions", "Upheld", "There is no documentation of a home program.", heading)
        )
    )
    item = build_summary(record).items[0]
    assert item.decision_line == "Decision: Upheld. This is not approved."
    assert item.partial is not None and "original request as a whole" in item.partial
    assert "stays approved" not in item.partial


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_hard_words_a_reader_found_unexplained_are_explained_in_each_language(lang: str) -> None:
    """Terms an independent reader found left unexplained in summaries of unseen letters; every glossary pattern
    is in every language (a language with fewer explains less), and a plain word is not "explained"."""
    language = get_language(lang)
    for words, term in (
        ("She reports paresthesias in both hands.", "paresthesias"),
        ("There is no evidence of myelopathy.", "myelopathy"),
        ("Prior radiographs were normal.", "radiographs"),
        ("The diagnosis includes peripheral neuropathy.", "peripheral neuropathy"),
        ("There is no brachial plexopathy.", "plexopathy"),
        ("Pain in the bilateral legs.", "bilateral"),
        ("He should now move on to self-directed exercise at home.", "self-directed"),
    ):
        assert any(line.startswith(f"{term}:") for line in language.terms(words)), (lang, term)
    assert language.terms("The claimant walked to the clinic with a cane.") == []
    assert [p.pattern for p, _ in language.glossary] == [p.pattern for p, _ in get_language("en").glossary]


def test_a_partial_approval_written_as_visits_times_weeks_gets_its_numbers() -> None:
    """A request written "2 times 6" with a part of it, "1 times 6", approved: a reader found both parts shown
    with the same words and no counts. 2 times 6 is 12 sessions."""
    from imr_llm.summary.facts import Quantity, quantity

    assert quantity("Physical therapy 2 times 6 for left wrist") == Quantity(12, "sessions")
    assert quantity("PT 2x6 lumbar spine") == Quantity(12, "sessions")
    assert quantity("Chiropractic 1 x 6") == Quantity(6, "sessions")
    for not_visits in ("Ibuprofen 800mg 2 x 30", "Home care 3 x 4 hours", "Norco 10/325mg 1 x 60"):
        assert quantity(not_visits) is None, not_visits
    assert quantity("Physical therapy 2 times 6 months") != Quantity(12, "sessions")  # months are not weeks


def test_a_translation_may_keep_the_future_the_reviewer_wrote() -> None:
    """The right output: the reviewer's own "will" may be translated with a future tense."""
    from imr_llm.summary.rewrite import reason_problems

    record = one(
        "EMG of both legs and lower extremities",
        "Upheld",
        "It is unclear how this test will change the treatment plan. Therefore, the request is not medically "
        "necessary.",
    )
    item = build_summary(record, "es").items[0]
    text = "El revisor no pudo saber cómo esta prueba cambiará el plan de tratamiento."
    assert not [p for p in reason_problems(text, item, get_language("es")) if "payment" in p]


def test_plain_words_fit_the_sentence_they_replace_a_term_in() -> None:
    """Slips an independent reader found on unseen letters: an article doubled by a plain phrase ("any possible a
    pinched nerve", "cervical a pinched nerve"), a singular made plural ("a focal signs"), "medicine medicine",
    "objective, improvement", and an EEG called "nerve and muscle tests"."""
    from imr_llm.summary.facts import Kind, treatment_kind

    assert plain_english("no findings that indicate any possible radiculopathy") == (
        "no findings that indicate any possible pinched nerve (radiculopathy)"
    )
    assert plain_english("concern for cervical radiculopathy") == "concern for cervical pinched nerve (radiculopathy)"
    assert plain_english("a diagnosis of radiculopathy") == "a diagnosis of a pinched nerve (radiculopathy)"  # kept
    assert plain_english("pointing to a focal neurologic deficit") == "pointing to a focal sign of nerve damage"
    assert plain_english("why over the counter NSAID medication would not do") == (
        "why over the counter anti-inflammatory pain medicine would not do"
    )
    assert plain_english("no objective, functional improvement") == "no objective improvement in what you can do"
    assert treatment_kind("EEG") is Kind.MEDICAL_TEST
    assert treatment_kind("EMG of both legs and lower extremities") is Kind.NERVE_TEST


# -- the reviewer's words quoted in the letter's order --------------------------------------------------


def test_the_quote_keeps_the_letters_order_and_marks_what_it_leaves_out() -> None:
    """Two sentences chosen most decisive first were printed in that order inside one pair of quotation
    marks: a reviewer's own finding then read as part of the guideline quotation the earlier sentence opened.
    The page quotes them in the letter's order, adjacent ones together, " … " where words are left out."""
    from imr_llm.summary.build import letter_order_quote

    rationale = (
        "The records do not show a failed trial of acetaminophen. The ODG says the drug is "
        '"Not recommended as a first choice. Use the lowest dose." The worker has used it for months.'
    )
    guideline = 'The ODG says the drug is "Not recommended as a first choice.'
    finding = "The records do not show a failed trial of acetaminophen."
    later = "The worker has used it for months."
    # wrong: the order chosen (the guideline sentence first) is not the letter's
    assert letter_order_quote(rationale, [guideline, finding]) == f'"{finding} {guideline}"'
    assert letter_order_quote(rationale, [later, finding]) == f'"{finding}" … "{later}"'
    assert letter_order_quote(rationale, [finding]) == f'"{finding}"'
    # a sentence not found as printed keeps its place after the ones found
    assert letter_order_quote(rationale, ["Not in the letter.", finding]) == f'"{finding}" … "Not in the letter."'
    letter = make_letter(Item("Diclofenac 75mg #60", "Upheld", rationale + " Therefore it is not medically necessary."))
    for lang in LANGUAGES:
        summary = summarize(parse_text(letter), lang)
        item = summary.summary.items[0]
        text = item.reason.quote
        starts = [rationale.find(run.strip('"')) for run in text.split(" … ")]
        assert -1 not in starts and starts == sorted(starts), text
        assert text in render_text(summary.summary, Format.MD).replace("\\", "")


def test_the_same_point_said_twice_is_one_reason() -> None:
    """A rationale that says the same finding twice ("no reported seizure-like episodes", then "no
    documentation of reported seizure-like episodes") gave a Why of that one point twice, as if two reasons;
    two different points stay two."""
    twice = one(
        "Brain wave test (EEG)",
        "Upheld",
        "The worker hit his head at work. There were no reported seizure-like episodes. Speech was normal. "
        "There was no documentation of reported seizure-like episodes. Therefore, the EEG is not medically necessary.",
    )
    reason = build_summary(twice).items[0].reason
    assert len(reason.sentences) == 1 and "reported seizure-like episodes" in reason.sentences[0]
    assert reason.text.count("seizure") == 1
    two = one(
        "Brain wave test (EEG)",
        "Upheld",
        "There were no reported seizure-like episodes. There was no documentation of a worsening after the first "
        "assessment. Therefore, the EEG is not medically necessary.",
    )
    assert len(build_summary(two).items[0].reason.sentences) == 2


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_a_glossary_line_names_the_term_as_the_letter_wrote_it(lang: str) -> None:
    """ "Words in the reviewer's sentence" listed "exceptional factors" for a reviewer who wrote "extenuating
    circumstances", and "NSAID" for "nonsteroidal anti-inflammatory": a word the reviewer never used. The
    line names the letter's own words (the whole word, not the pattern's stem); an entry whose term the
    letter uses is unchanged."""
    language = get_language(lang)
    assert language.terms("There are no extenuating circumstances here.")[0].startswith("extenuating circumstances: ")
    assert language.terms("There are no exceptional factors here.")[0].startswith("exceptional factors: ")
    said = language.terms("Nonsteroidal anti-inflammatory drugs were not tried. The patient is intolerant of them.")
    assert [t.split(": ")[0] for t in said] == ["nonsteroidal anti-inflammatory", "intolerant"]
    assert language.terms("An NSAID was not tried.")[0].startswith("NSAID: ")


def test_the_sentence_that_applies_the_guidelines_own_criterion_is_a_reason() -> None:
    """The guideline names when the care helps ("If there is a failure to improve or further decline following
    the initial evaluation and stabilization, an EEG may aid"), and the reviewer says this worker does not meet it: that
    sentence decides, and was outranked by a side finding with stronger cue words, so the page gave only the
    side point. A sentence sharing a word or two with a guideline passage gains nothing."""
    from imr_llm.parser.reasons import find_reason

    rationale = (
        "If there is a failure to improve or further decline following the initial evaluation and stabilization, an "
        "EEG may aid the diagnosis. The worker struck his head at work and had a short loss of consciousness. "
        "There was no documentation of reported seizure-like episodes. There has been no failure to improve, nor any "
        "further decline following the initial evaluation and stabilization. Therefore, the EEG is not medically "
        "necessary."
    )
    found = find_reason(rationale, "upheld", "Electroencephalogram (EEG)")
    chosen = [s.text(rationale) for s in found.sentences]
    assert any(c.startswith("There has been no failure to improve") for c in chosen[:2]), chosen
    reason = build_summary(one("Electroencephalogram (EEG)", "Upheld", rationale)).items[0].reason
    assert "failure to improve" in reason.text
    # the right output left alone: no sentence of the letter states a criterion in those words
    plain = (
        "The worker struck his head at work. There was no documentation of reported seizure-like episodes. "
        "There was no worsening after the first visit. Therefore, the EEG is not medically necessary."
    )
    chosen = [s.text(plain) for s in find_reason(plain, "upheld", "Electroencephalogram (EEG)").sentences]
    assert chosen[0] == "There was no documentation of reported seizure-like episodes."


def test_a_lack_of_a_thing_is_found_no_thing() -> None:
    """ "There was a lack of a clear rationale" read "The reviewer found no a clear rationale"."""
    record = one(
        "Physical therapy 6 visits",
        "Upheld",
        "There was a lack of a clear rationale for more supervised therapy over a home exercise program.",
    )
    text = build_summary(record).items[0].reason.text
    assert "found no clear rationale" in text and "no a " not in text


def test_no_documentation_then_a_clause_with_no_that() -> None:
    """ "There is no documentation shoulder therapy was tried" (the reviewer's grammar, no "that") read
    "found no record shoulder therapy ..." and a next step of "records of record shoulder therapy ..."."""
    record = one(
        "MRI of the right shoulder", "Upheld", "There is no documentation shoulder therapy was tried or completed."
    )
    item = build_summary(record).items[0]
    assert item.reason.text == "The reviewer found no record that shoulder therapy was tried or completed."
    assert "records that shoulder therapy was tried or completed" in item.next_step
    assert "record of record" not in item.next_step
    # "no documentation of X" keeps its own link
    kept = build_summary(one("MRI of the right shoulder", "Upheld", "There is no documentation of a shoulder x-ray."))
    assert kept.items[0].reason.text == "The reviewer found no record of a shoulder x-ray."


def test_the_next_step_follows_a_later_reason_when_the_first_gives_none() -> None:
    """A first reason that is a general finding gave only "Your doctor can read the reviewer's words ...",
    though the second named the missing record. The step now follows the first reason that names one; a
    later "There was no improvement in the stiffness" is a finding, never turned into "records of improvement"
    (which would point the wrong way for an MRI)."""
    named = one(
        "MRI of the right shoulder",
        "Upheld",
        "The patient has had ongoing shoulder pain despite medications, but not arthritis. There was a lack of "
        "documentation of a trial of physical therapy. Therefore, the request is not medically necessary.",
    )
    item = build_summary(named).items[0]
    assert "records of a trial of physical therapy" in item.next_step, item.next_step
    from imr_llm.summary.build import _next_from

    general = restate("The patient has had ongoing shoulder pain despite medications, but not arthritis.", "upheld")
    no_gain = restate("There was no improvement in the stiffness of the right shoulder.", "upheld")
    missing = restate("There was a lack of documentation of a trial of physical therapy.", "upheld")
    assert general is not None and no_gain is not None and missing is not None
    assert general.form is Form.FINDING and no_gain.form is Form.NONE_FOUND
    assert _next_from([general, missing], "upheld", []) is missing
    assert _next_from([general, no_gain], "upheld", []) is general  # the generic step, not "records of improvement"


# -- a fifth reader: a request that repeats an approval, and the point the reviewer marks as added --------


REPEAT = (
    "A referral is supported when a course of care may gain from added expertise. The records indicated "
    "the claimant had been approved for a neurosurgeon consultation for the low back. This request would be "
    "duplicative. Accordingly, the request is not medically necessary."
)


def test_a_request_that_repeats_an_approval_says_so_and_what_to_do() -> None:
    """ "We could not find one sentence that gives the reason" and "ask again with more information" for a
    consultation the letter says was already approved: the worker was never told they have it."""
    record = one("Neurosurgeon consultation for the low back", "Upheld", REPEAT)
    en = build_summary(record).items[0]
    assert en.reason.text == (
        "The reviewer found that the records indicated you had been approved for a neurosurgeon consultation for "
        "the low back. The reviewer found that this request would be duplicative."
    )
    assert en.next_step.startswith("The letter says this care was approved before.")
    assert any(t.startswith("duplicative:") for t in en.reason.terms)
    es = build_summary(record, "es").items[0]
    assert es.reason.text.startswith("El revisor encontró que esto ya se había aprobado antes.")
    assert "ya se aprobó antes" in es.next_step
    for lang in LANGUAGES:
        assert summarize(record, lang).checks.passed


@pytest.mark.parametrize(
    "rationale",
    [
        # earlier sessions approved and more asked for: the reason is the missing improvement
        "The claimant was approved earlier for 8 visits of physical therapy. There is no documentation of "
        "functional gains from those visits. Therefore, the request is not medically necessary.",
        # redundant with something else, not a repeat of an approval
        "The claimant was previously authorized ibuprofen. No documentation of a trial of acetaminophen is given. "
        "A second anti-inflammatory would be redundant with the ibuprofen. Therefore, the request is not "
        "medically necessary.",
        # an approval that was not given
        "The consultation was not approved by the prior review. This request would be duplicative of the home "
        "program. There is no documentation of a home program. Therefore, the request is not medically necessary.",
    ],
)
def test_an_earlier_approval_without_a_repeat_of_it_is_not_called_one(rationale: str) -> None:
    item = build_summary(one("Physical therapy 8 more sessions", "Upheld", rationale)).items[0]
    assert "approved before" not in item.next_step
    assert "had been approved" not in item.reason.text and "approved for 8" not in item.reason.text


def test_the_reviewers_first_point_comes_before_the_ones_marked_as_added() -> None:
    """The reviewer's "There was also ..." and "The request also failed to ..." add to a first point; the
    summary led with an added one (the body part) and left out the first (no count of sessions, no gain)."""
    record = one(
        "Physical therapy 8 sessions",
        "Upheld",
        "The guidelines allow 9-10 visits across 8 weeks. The claimant has had physical therapy before. "
        "However, there was a lack of records showing how many visits were finished so far or any "
        "objective functional improvement from them. There was also a lack of a clear reason for further "
        "supervised therapy rather than home exercises. The request as written also failed to specify which body "
        "part is to be treated. Therefore, the request is not medically necessary.",
    )
    item = build_summary(record).items[0]
    assert item.reason.text.startswith(
        "The reviewer found no record showing how many visits were finished so far or any measured "
        "improvement in what you can do from them."
    ), item.reason.text
    assert "records showing how many visits were finished" in item.next_step


def test_a_limit_on_long_term_use_with_missing_records_is_not_told_records_cannot_help() -> None:
    """A drug "not indicated for long term use", then no evidence of a 30% drop in pain or of gains in
    function: the page said "Asking again with more records is not likely to change that" to a worker on a
    long-term opioid, while the reviewer named the records that were missing."""
    limit = one(
        "Tramadol 50mg #60",
        "Upheld",
        "The claimant has taken opioids for more than 9 months. This opioid is not indicated for chronic "
        "use. Moreover, there is no evidence of a 30% or greater drop in pain while on the drug. There is no "
        "evidence of measurable gains in function. Therefore, the request is not medically necessary.",
    )
    item = build_summary(limit).items[0]
    assert "not likely to change" not in item.next_step
    assert "a new request could include records of" in item.next_step, item.next_step
    # a ban on this care for this condition keeps its step, whatever else the reviewer found missing
    ban = one(
        "Acupuncture 6 sessions for the knee",
        "Upheld",
        "Given that guidelines do not recommend acupuncture for a knee, the request is not supported. "
        "There is also no documentation of a home exercise program.",
    )
    assert "not likely to change" in build_summary(ban).items[0].next_step


@pytest.mark.parametrize(
    ("rationale", "first"),
    [
        # the reviewer's sentence after a citation that closes the guideline's sentence
        (
            "The guidelines recommend muscle relaxants only for short courses. Prolonged use may lead to dependence. "
            "(Browning, 2001) In this claimant's case, there still is no firm documentation of muscle spasm "
            "that the relaxant could relieve. This request is not medically necessary.",
            "In this claimant's case, there still is no firm documentation of muscle spasm",
        ),
        # the closing line naming no criterion is not the reason; "fails to document" is
        (
            "The guidelines support nerve conduction testing when the exam shows signs of nerve compromise. "
            "The office notes fail to document radicular-type pain in either arm. The documents provided fail to "
            "meet the evidence based guideline criteria for this study. The request "
            "is not medically necessary.",
            "The office notes fail to document radicular-type pain in either arm",
        ),
    ],
)
def test_the_reviewers_own_finding_is_found_not_a_citation_or_a_restated_verdict(rationale: str, first: str) -> None:
    record = one("EMG of the arms", "Upheld", rationale)
    reason = record.disputed_items[0].reason
    assert reason is not None
    assert reason.sentences[0].startswith(first), reason.sentences
    assert "fail to meet the evidence based" not in " ".join(reason.sentences)
    assert summarize(record).checks.passed


def test_too_soon_and_no_warning_signs_are_reasons() -> None:
    record = one(
        "MRI of the lumbar spine",
        "Upheld",
        "Imaging is best kept for cases where surgery is planned or red flags are present. This MRI is "
        "requested only 1 week since the injury. No red flag signs were identified. An MRI is not medically "
        "necessary.",
    )
    reason = record.disputed_items[0].reason
    assert reason is not None
    assert any("only 1 week since" in s for s in reason.sentences)
    assert any("No red flag signs were identified" in s for s in reason.sentences)


# -- a sixth reader -------------------------------------------------------------------------------------------


def test_the_premise_right_before_the_verdict_is_a_reason_too() -> None:
    """A missing record, then a risk, then "Long term use is not recommended", then the verdict on refills of
    naproxen: the summary gave only the first, leaving out the point of denying refills. The sentence the verdict
    is drawn from is shown after the reasons that rank above it."""
    refills = one(
        "Two refills of Naproxen 500mg #60",
        "Upheld",
        "NSAIDs should be used at the smallest effective dose for the briefest time. The patient reported less pain "
        "with medications, but no documentation of functional gains was given. Such drugs carry several "
        "risks. Long term use is not recommended. As such, the naproxen request is not medically necessary.",
    )
    item = build_summary(refills).items[0]
    assert item.reason.text.endswith("The guidelines the reviewer used do not recommend long term use."), item.reason
    assert item.reason.text.startswith("The reviewer found that you reported less pain")
    # a guideline passage, case history or a condition right before the verdict is not made a reason
    for premise in (
        "The MTUS states that muscle relaxants are recommended for short courses.",
        "The patient complained of lower back pain going down the leg for months.",
        "If the patient had failed other relaxants, a trial could be considered.",
    ):
        record = one(
            "Lorzone 750mg #45",
            "Upheld",
            "The patient is not documented to have tried and failed another muscle relaxant. "
            f"{premise} Therefore, the request is not medically necessary.",
        )
        reason = record.disputed_items[0].reason
        assert reason is not None and premise not in reason.sentences, premise


def test_words_the_summary_adds_agree_with_the_reviewers() -> None:
    """ "you have tried tizanidine but is not recorded", "records that indicates", "records of record explaining"."""
    assert (
        plain_english("The patient has tried tizanidine but is not documented to have tried a second antispasmodic")
        == "you have tried tizanidine but are not recorded to have tried a second antispasmodic"
    )
    agree = build_summary(
        one(
            "MRI of the lumbar spine",
            "Upheld",
            "There is lack of objective evidence that indicates the claimant has "
            "irritation of a nerve root. Therefore, the request is not medically necessary.",
        )
    ).items[0]
    assert "records that indicate you have irritation of a nerve root" in agree.next_step, agree.next_step
    record_of_record = build_summary(
        one(
            "Physical therapy 12 sessions",
            "Upheld",
            "There was no documentation explaining why therapy "
            "beyond the guideline limit is needed now. Therefore, the request is not medically necessary.",
        )
    ).items[0]
    assert "records of record" not in record_of_record.next_step
    assert "records explaining why therapy beyond" in record_of_record.next_step, record_of_record.next_step


def test_a_why_that_gives_one_point_of_several_says_so_and_quotes_the_others() -> None:
    """A reader found "Why" lines narrowed to one of the reviewer's points: the first was restated, the
    other ("In addition, 18 more visits are too many without a re-check ...") was neither said nor quoted.
    The other reason sentences are quoted, and the Why says there are more; with one point, it does not."""
    several = one(
        "Physical therapy 18 sessions",
        "Upheld",
        "The guidelines allow up to 10 visits. There was a lack of documentation regarding measured range of "
        "motion in degrees. In addition, 18 more visits are too many without a re-check of progress "
        "to date. Given the above, the request is not warranted.",
    )
    for lang, more in (("en", "The reviewer made other points too. Their words are below."), ("es", "abajo")):
        item = build_summary(several, lang).items[0]
        assert more in item.reason.text, item.reason.text
        assert "too many without a re-check" in item.reason.quote, item.reason.quote
        assert "measured range of motion in degrees" in item.reason.quote
        assert summarize(several, lang).checks.passed
    assert not several.warnings, several.warnings  # "Given the above, the request is not warranted." closes it
    single = one(
        "Physical therapy 18 sessions",
        "Upheld",
        "The guidelines allow up to 10 visits. There was a lack of documentation regarding measured range of "
        "motion in degrees. Given the above, the request is not warranted.",
    )
    item = build_summary(single).items[0]
    assert "other points" not in item.reason.text and "range of motion" in item.reason.quote


def test_a_guideline_table_entry_is_never_the_reason() -> None:
    """ "Arthritis of the spine: There is no evidence to support ..." is a line of the guideline's
    table, not the reviewer's finding about this worker (whose case was an elbow); the finding is chosen."""
    record = one(
        "Voltaren gel 1% #100",
        "Upheld",
        "The MTUS states: topical NSAIDs are recommended for the following. Arthritis of the spine: There is "
        "no evidence to support a topical form over a pill for spine pain. The patient reports "
        "elbow pain without arthritis or tendonitis. Therefore, the request is not medically "
        "necessary.",
    )
    reason = record.disputed_items[0].reason
    assert reason is not None
    assert not any(s.startswith("Arthritis of the spine") for s in reason.sentences), reason.sentences
    assert reason.sentences[0].startswith("The patient reports elbow pain")
    assert not quotable("Arthritis of the spine: There is no evidence to support this form.", "upheld")
    # a reviewer's own sentence with a colon later in it is still a reason
    assert quotable("In this case, the records do not show failure of: ibuprofen and naproxen.", "upheld")


def test_documentation_that_does_not_establish_a_thing_is_a_reason() -> None:
    """ "The submitted notes do not establish that this claimant has exhausted conservative care." and "this worker
    has not yet had physical therapy" were passed over for a lesser point."""
    record = one(
        "MRI of the lumbar spine",
        "Upheld",
        "The MTUS supports imaging when there are red flags. The claimant has a diagnosis of lumbar strain. The "
        "submitted notes do not establish that this claimant has exhausted conservative care. Per the notes, this "
        "worker has not yet had physical therapy for the back. This request does not appear medically necessary.",
    )
    reason = record.disputed_items[0].reason
    assert reason is not None and reason.confident
    assert any("do not establish" in s for s in reason.sentences), reason.sentences
    assert any("not yet had physical therapy" in s for s in reason.sentences), reason.sentences


@pytest.mark.parametrize(
    ("reviewer", "plain_text"),
    [
        # a reader found "simpler care treatment" and "a formal urine drug tests"
        ("the patient had conservative care treatment", "you had simpler treatment"),
        ("the patient has now failed conservative treatment steps", "you have now failed simpler treatment steps"),
        ("a formal urine drug screen", "a formal urine drug test"),
        ("two urine drug screens", "two urine drug tests"),
    ],
)
def test_a_plain_term_keeps_the_reviewers_grammar(reviewer: str, plain_text: str) -> None:
    assert plain_english(reviewer) == plain_text


def test_a_finding_that_the_worker_did_not_have_a_sign_is_a_reason() -> None:
    """ "This patient did not have any focal motor loss on exam." was passed over for a side remark."""
    record = one(
        "MRI of the lumbar spine",
        "Upheld",
        "An MRI helps to confirm nerve root compromise seen on examination. This patient did not have any focal "
        "motor loss on exam. She reports tingling in the toes, but the CT showed nothing significant. "
        "Therefore, the lumbar MRI is not medically necessary.",
    )
    reason = record.disputed_items[0].reason
    assert reason is not None
    assert "This patient did not have any focal motor loss on exam." in reason.sentences, reason.sentences


@pytest.mark.parametrize(
    ("sentence", "restated"),
    [
        # "the above diagnoses" points to a list the page never shows: quoted, not restated
        ("Further, it is not clear that the above diagnoses were weighed at the last visit.", False),
        ("There is no documentation of the aforementioned criteria.", False),
        # the guidelines are the guidelines wherever the letter named them: still restated
        ("There is no documentation of unusual factors that would justify departing from the above guidelines.", True),
        ("There is still no documentation of measurable gains in function.", True),
    ],
)
def test_a_sentence_pointing_back_to_what_the_page_does_not_show_is_quoted(sentence: str, restated: bool) -> None:
    assert (restate(sentence, "upheld", "MRI of the right elbow") is not None) is restated


def test_words_in_the_reviewers_sentence_are_a_list_one_term_a_line() -> None:
    """A reader found jargon unexplained ("plain film", "non-diagnostic", "tissue insult"); the explanations were
    one long semicolon chain, which read at a higher grade than any sentence around it."""
    record = one(
        "MRI of the right elbow",
        "Upheld",
        "In this case, it is not documented that the earlier plain film studies were non-diagnostic. Therefore, "
        "the request is not medically necessary.",
    )
    for lang in ("en", "es"):
        page = summarize(record, lang).summary.render("md")
        label = get_language(lang).terms_label
        block = page[page.index(label) :].split("\n\n")[0].splitlines()
        assert block[0] == label and len(block) >= 3, block
        assert any(line.startswith("- plain film: ") for line in block), block
        assert any(line.startswith("- non-diagnostic: ") for line in block), block
        assert summarize(record, lang).checks.passed


def test_the_spanish_next_step_names_what_was_missing_in_the_reviewers_words() -> None:
    """A reader found every Spanish next step vague ("lo que el revisor no encontró") where the English named
    the missing thing. It names it now, in the reviewer's English words, marked as such."""
    record = one(
        "Physical therapy 8 sessions",
        "Upheld",
        "There was a lack of documentation regarding measured range of motion in degrees. Therefore, the request is "
        "not medically necessary.",
    )
    es = own_words(build_summary(record, "es").items[0].next_step)
    assert "measured range of motion in degrees" in es and "en inglés)" in es, es
    assert "measured range of motion in degrees" in build_summary(record, "en").items[0].next_step
    assert summarize(record, "es").checks.passed


@pytest.mark.parametrize("lang", ["en", "es"])
def test_jargon_a_reader_found_unexplained_has_a_glossary_line(lang: str) -> None:
    language = get_language(lang)
    for sentence, term in (
        ("There is no rationale given the unfavorable ACOEM position on TENS.", "unfavorable ACOEM position: "),
        ("It is an adjuvant therapy.", "adjuvant: "),
        ("The notes name no tissue insult.", "tissue insult: "),
        ("There is no mention of surgical intervention.", "surgical intervention: "),
        ("There were no subjective complaints of stomach upset.", "subjective complaints: "),
    ):
        assert any(t.startswith(term) for t in language.terms(sentence)), (sentence, language.terms(sentence))
    assert language.terms("There is no documentation of improvement.") == []  # and none where none is needed


# the reviewer's sentence of a sixth probe: the same words in another order are another finding
_FRACTURES = (
    "No documentation of pain relief is given after three rib fractures and a vertebral compression. "
    "Therefore, the request is not medically necessary."
)


@pytest.mark.parametrize(
    ("lang", "rewrite", "faithful"),
    [
        # body parts swapped inside the reviewer's own words: every word is the reviewer's, the finding is not
        (
            "en",
            "The reviewer found no record of pain relief after three vertebral fractures and a rib compression.",
            False,
        ),
        (
            "en",
            "The reviewer found no record of pain relief after three rib fractures and a vertebral compression.",
            True,
        ),
        # a condition the reviewer never named, added to a faithful Spanish sentence
        (
            "es",
            "El revisor no encontró documentos de alivio del dolor después de tres fracturas de costillas y una "
            "compresión vertebral con estenosis espinal.",
            False,
        ),
        (
            "es",
            "El revisor no encontró documentos de alivio del dolor después de tres fracturas de costillas y una "
            "compresión vertebral.",
            True,
        ),
    ],
)
def test_a_rewrite_may_not_rearrange_the_reviewers_words_or_add_a_condition(
    lang: str, rewrite: str, faithful: bool
) -> None:
    from imr_llm.summary.rewrite import reason_problems

    record = one("Oxycodone 10mg #60", "Upheld", _FRACTURES)
    item = build_summary(record, lang).items[0]
    problems = reason_problems(rewrite, item, get_language(lang))
    assert (problems == []) is faithful, problems


def test_a_translation_may_name_a_condition_the_reviewer_named() -> None:
    """ "artritis" for "arthritis", "radiculopatía" for "radiculopathy": the same word, spelled the Spanish way."""
    from imr_llm.summary.languages import get_language as language
    from imr_llm.summary.rewrite import _unsourced_conditions

    es = language("es")
    assert _unsourced_conditions("usted no tiene artritis ni radiculopatía", "no arthritis or radiculopathy", es) == []
    assert _unsourced_conditions("usted tiene tendinitis", "the patient has arthritis", es) == ["tendinitis"]
    assert _unsourced_conditions("la dosis de opioides", "the opioid dose", es) == []  # a dose names no condition


@pytest.mark.parametrize(
    ("rationale", "asked", "note"),
    [
        # the reviewer's own slip: another body part, or the other side, for the care asked for
        ("In this case, the criteria for a shoulder MRI are not met.", "MRI of the right elbow", "the shoulder"),
        (
            "There is no diagnosis of nerve root irritation to justify a cervical MRI.",
            "X-ray of the thoracic spine",
            "the cervical spine",
        ),
        (
            "The medical record did not show concerns for stress fracture of the left hip.",
            "MRI of the right hip",
            "the left hip",
        ),
        # the right output: the same part and side, or no part named at all, get no note
        ("In this case, the criteria for an elbow MRI are not met.", "MRI of the right elbow", None),
        ("There is no documentation of a stress fracture of the right hip.", "MRI of the right hip", None),
        ("There is still no documentation of measurable functional improvement.", "Physical therapy 6 sessions", None),
    ],
)
def test_a_reviewer_sentence_naming_another_body_part_is_pointed_out(
    rationale: str, asked: str, note: str | None
) -> None:
    """Readers found the reviewer's slips repeated without a word ("criteria for a shoulder MRI" for an elbow,
    "cervical MRI" for a thoracic x-ray, "left hips" for the right hip). The page now says the words differ."""
    record = one(asked, "Upheld", f"{rationale} Therefore, the request is not medically necessary.")
    for lang in ("en", "es"):
        text = build_summary(record, lang).items[0].reason.text
        if note is None:
            assert "slip" not in text and "error de la carta" not in text, text
        else:
            assert note.removeprefix("the ") in text and ("slip" in text or "error de la carta" in text), text
        assert summarize(record, lang).checks.passed


def test_the_workers_exam_with_the_reviewers_apostrophe_left_out_is_your_exam() -> None:
    assert plain_english("the claimant physical exam does not show any weakness") == (
        "your physical exam does not show any weakness"
    )


def test_two_causes_are_quoted_not_run_together_and_a_verdict_in_other_words_is_no_reason() -> None:
    """ "As there is no X, and as the worker has yet to Y, Z is not medically necessary" gave "so and as you
    have yet to"; "Medical necessity of the shoulder MRI has not been established." was given as a reason."""
    assert (
        restate(
            "As there is no sign of red flags, and as the claimant has not yet tried any conservative care, "
            "an MRI is not medically necessary.",
            "upheld",
            "MRI of the right shoulder",
        )
        is None
    )
    record = one(
        "MRI of the left shoulder",
        "Upheld",
        "Medical necessity of the shoulder MRI has not been established. Here, there is no documentation "
        "regarding how the shoulder responded to conservative therapy.",
    )
    reason = record.disputed_items[0].reason
    assert reason is not None and not any(s.startswith("Medical necessity") for s in reason.sentences), reason
    assert "Medical necessity" not in build_summary(record).items[0].reason.text


def test_a_referral_to_a_therapist_for_a_course_of_visits_is_that_care() -> None:
    from imr_llm.care.kinds import classify_kind

    course = classify_kind("Referral to chiropractor for treatment of neck pain, twice a week for 4 weeks")
    assert course is not None and course.code == "therapy"
    for visit in ("Referral to orthopedic surgeon", "Re-evaluation with chiropractor", "Follow-up visits x 6"):
        kind = classify_kind(visit)
        assert kind is not None and kind.code == "visit", visit


def test_points_marked_as_added_follow_the_first_but_never_fall_below_a_lesser_sentence() -> None:
    """A reviewer listed one gap, then three marked "also"; the "also" ones all fell below a line of history (the
    diagnosis), which took a place among the three reasons kept. The first point still comes first."""
    record = one(
        "MRI of the cervical spine",
        "Upheld",
        "The claimant has a diagnosis of a neck strain. There is no documentation of arm weakness or numbness. There "
        "is also an absence of documentation of normal cervical x-rays. There is also no documentation that surgery "
        "is being planned. There is also lack of documentation of red flags. Therefore, the request is not "
        "medically necessary.",
    )
    reason = record.disputed_items[0].reason
    assert reason is not None
    assert reason.sentences[0] == "There is no documentation of arm weakness or numbness.", reason.sentences
    assert not any("diagnosis of a neck strain" in s for s in reason.sentences), reason.sentences


@pytest.mark.parametrize(
    ("rationale", "asked"),
    [
        # true mentions of other care, another side or both sides: no "slip" note (a seventh probe's false alarms)
        ("However, a prior left knee MRI was normal and there are no significant findings.", "MRI of the right knee"),
        ("There are no significant findings, and the right knee exam matched the left knee.", "MRI of the right knee"),
        (
            "There are no motor deficits that support an MRI of the low back, and a cervical MRI was already done.",
            "MRI lumbar",
        ),
        ("There are no significant findings in the right knee.", "MRI of the bilateral knees"),
    ],
)
def test_a_true_mention_of_another_side_or_part_gets_no_slip_note(rationale: str, asked: str) -> None:
    record = one(asked, "Upheld", f"{rationale} Therefore, the request is not medically necessary.")
    for lang in ("en", "es"):
        text = build_summary(record, lang).items[0].reason.text
        assert "slip" not in text and "error de la carta" not in text, text


@pytest.mark.parametrize(
    "added",
    [
        ", solo si usted duerme mal",
        ", mientras usted esté en casa",
        " después de la cirugía",
        ", en caso de que sea grave",
    ],
)
def test_a_translation_may_not_add_a_condition_the_reviewer_did_not_write(added: str) -> None:
    from imr_llm.summary.rewrite import reason_problems

    record = one(
        "Physical therapy 6 sessions",
        "Upheld",
        "There is still no record of objective functional improvement with the prior sessions. Thus, "
        "the request is not medically necessary.",
    )
    item = build_summary(record, "es").items[0]
    faithful = "El revisor no encontró constancia de una mejoría objetiva con las sesiones anteriores"
    assert reason_problems(faithful + ".", item, get_language("es")) == []
    assert reason_problems(faithful + added + ".", item, get_language("es")) != []


def test_a_translation_speaks_of_the_worker_only_where_the_reviewer_did() -> None:
    """The "worker" kind of a translation's shape: "usted tiene ..." is a finding about the worker, allowed only
    where the reviewer's English speaks of the patient."""
    from imr_llm.summary.rewrite import reason_problems

    guideline = one(
        "Lumbar facet injection",
        "Upheld",
        "Facet injections are not recommended when there is radicular pain. Therefore, the request is not "
        "medically necessary.",
    )
    item = build_summary(guideline, "es").items[0]
    said = "El revisor escribió que las inyecciones en las facetas no se recomiendan cuando hay dolor radicular"
    assert not [p for p in reason_problems(said + ".", item, get_language("es")) if "worker" in p]
    added = reason_problems(said + ", y usted tiene ese dolor.", item, get_language("es"))
    assert any("worker" in p for p in added), added


# -- next steps that name what was missing, from findings and quoted reasons ------------------------------------


@pytest.mark.parametrize(
    ("rationale", "step"),
    [
        # the subject of "is not specified / was not noted / was not included for review" is what was missing
        ("The model of hearing aid requested is not specified.", "could show the model of hearing aid requested"),
        ("The therapy outcome notes were not included for review.", "could show the therapy outcome notes"),
        ("The claimant's return-to-work plan is not provided.", "could show your return-to-work plan"),
        (
            "The date the device was first used could not be established from the supplied records.",
            "the date the device was first used",
        ),
        # "without documentation of X" inside a finding, and "made no mention of X"
        (
            "The claimant has had earlier chiropractic visits, though without objective documentation of "
            "improvement in function from them.",
            "records of improvement in what you can do",
        ),
        (
            "The clinic visit made no mention of the patient's willingness to consider surgery.",
            "records of your willingness to consider surgery",
        ),
        # "it was not stated why X": the new request could make that clear
        ("It was not clearly stated why two hearing aids are needed rather than one.", "make clear why"),
    ],
)
def test_the_next_step_names_what_a_finding_says_was_missing(rationale: str, step: str) -> None:
    """Readers found the generic "Your doctor can read the reviewer's words ..." where the reviewer had named
    the missing thing in a shape no form read ("X is not specified", "without documentation of X"). The Why
    keeps the reviewer's sentence; the step names the missing thing in the reviewer's words, in both languages."""
    record = one("Hearing aids", "Upheld", rationale + " Therefore, the request is not medically necessary.")
    en, es = (build_summary(record, lang).items[0] for lang in ("en", "es"))
    assert step in en.next_step, en.next_step
    assert "read the reviewer's words" not in en.next_step
    assert "Si su médico lo pide otra vez" in es.next_step and "en inglés)" in own_words(es.next_step), es.next_step
    for lang in ("en", "es"):
        summary = build_summary(record, lang)
        checks = check_summary(render_text(summary), summary, record)
        assert checks.passed, checks.problems


@pytest.mark.parametrize(
    "rationale",
    [
        # care the reviewer calls not indicated, or a verdict, is not a missing detail
        "Physical therapy is not indicated for this condition.",
        "Medical necessity could not be established.",
        "The requested surgery was not provided.",
        # a risk is never something to ask for; a sentence that points back or names nothing
        "Red flags were not documented.",
        "This was not documented.",
        "The need for the device was not established as noted above.",
        # "has not documented A nor has there been B": two clauses that would run together
        "The requesting physician has not documented a recent exam nor has there been a trial of home exercise.",
    ],
)
def test_a_finding_that_names_no_missing_detail_keeps_the_generic_step(rationale: str) -> None:
    """The other way: no step asks for care, for a verdict, for a red flag, or for words the reader cannot see."""
    from imr_llm.summary.restate import missing_detail

    assert missing_detail(rationale) is None
    record = one("Physical therapy", "Upheld", rationale + " Therefore, the request is not medically necessary.")
    step = build_summary(record).items[0].next_step
    assert "could show physical therapy" not in step and "red flag" not in step.lower() and " nor " not in step


def test_a_doctor_who_has_not_documented_is_the_doctor_silent_form() -> None:
    """ "The treating physician has not documented X" (past participle) reads as "did not document X" did."""
    said = restate("The requesting physician has not documented sensory loss in a dermatomal pattern.", "upheld")
    assert said is not None and said.form is Form.DOCTOR_SILENT
    assert said.slots["x"] == "sensory loss in a dermatomal pattern"


def test_a_plain_term_used_as_a_modifier_keeps_the_reviewers_words() -> None:
    """ "functional improvement results" is not "improvement in what you can do results"."""
    assert plain_english("the functional improvement results were not noted") == (
        "the functional improvement results were not noted"
    )
    assert plain_english("there was no functional improvement") == "there was no improvement in what you can do"


def test_an_aside_in_parentheses_is_never_quoted_as_a_reason() -> None:
    """A reader found "(Conductive loss arises in the ear canal or middle ear ..." quoted as the reviewer's
    "other point": a definition in an aside, of another kind of hearing loss than the worker's. The reviewer's
    own sentence is still quoted."""
    assert not quotable(
        "(Conductive loss arises in the ear canal or middle ear and is not treated with this device.", "upheld"
    )
    assert quotable("The model of hearing aid requested is not specified.", "upheld")


def test_a_normal_exam_named_as_a_reason_is_one_of_the_reviewers_points() -> None:
    """ "There were no red flag findings. There was no surgical plan. Neurological exam is unremarkable." gave
    the first two as the whole reason: the third, a normal exam with no "not", was not counted as a point, so the
    page had no note of it. It is a point of a denial, and the page says there are more; a visit is not."""
    assert quotable("Neurological exam is unremarkable.", "upheld")
    assert quotable("The straight leg raise test was negative bilaterally.", "upheld")
    assert not quotable("The patient was seen in the clinic on 11/29/16 for follow-up.", "upheld")
    record = one(
        "MRI of the cervical spine",
        "Upheld",
        "There were no red flag findings. There was no surgical plan. Neurological exam is unremarkable. Hence, "
        "a cervical spine MRI is not medically necessary.",
    )
    reason = build_summary(record).items[0].reason
    assert "made other points too" in reason.text, reason.text


def test_a_closing_verdict_that_names_every_point_is_quoted_when_the_page_gave_only_some() -> None:
    """A reader found "no record that shoulder therapy was tried" given as the whole reason where the reviewer
    closed with "Absent records of conservative treatment and plain radiographs, MRI imaging of the shoulder
    is not clinically indicated": the x-rays were half of it. That verdict is quoted, and the page
    says there are more points; one that points back ("In the absence of such documentation") names none."""
    from imr_llm.summary.build import summing_verdict

    rationale = (
        "There is no documentation shoulder therapy was tried or completed. There is no documentation of any "
        "care given to the shoulder so far. Absent records of conservative treatment and plain "
        "radiographs, MRI imaging of the right shoulder is not clinically indicated."
    )
    record = one("MRI of the left shoulder", "Upheld", rationale)
    reason = build_summary(record).items[0].reason
    assert "made other points too" in reason.text, reason.text
    assert "plain radiographs" in reason.quote, reason.quote
    # the other way: a verdict that points back, an approval, and a verdict the page already gave
    assert summing_verdict(rationale.replace("conservative treatment and plain radiographs", "such"), "upheld") is None
    assert summing_verdict(rationale, "overturned") is None
    single = one(
        "Physical therapy 6 sessions",
        "Upheld",
        "There is still no documentation of measurable functional improvement with prior therapy. Absent "
        "documentation of measurable functional improvement with prior therapy, the request is not medically "
        "necessary.",
    )
    assert "made other points" not in build_summary(single).items[0].reason.text


def test_a_relative_clause_that_says_the_doctor_did_not_document_it_is_a_reason() -> None:
    """A ninth reader: a home aide denied because "Being homebound means the person cannot leave the house
    without assistance, which the provider does not discuss or document." was given the case summary's "The
    claimant's work status was not given." as its reason. "does not discuss or document" now counts as a
    finding, and a sentence about work status (the recital) is never the reason; a work-status sentence the
    reviewer did not write as the subject ("... no improvement in work status") is judged as before."""
    from imr_llm.parser.reasons import find_reason

    rationale = (
        "The patient is recovering from hip surgery. The claimant's work status was not given. The MTUS backs "
        "home health services only for those who are homebound. Being homebound means the person cannot leave "
        "the house without assistance, which the provider does not discuss or document. This does not follow the "
        "MTUS guidelines. Therefore, the request is not medically necessary."
    )
    found = find_reason(rationale, "upheld", "Home aide 5 hours a day")
    said = [s.text(rationale) for s in found.sentences]
    assert any("does not discuss or document" in s for s in said), said
    assert not any("work status" in s for s in said), said
    other = (
        "There has been no documented improvement in pain, function or work status with the opioid. Therefore, "
        "the request is not medically necessary."
    )
    kept = find_reason(other, "upheld", "Norco 10/325 #60")
    assert any("work status" in s.text(other) for s in kept.sentences)


def test_none_found_drops_a_trailing_noted() -> None:
    """ "There are no red flag signs noted." read "The reviewer found no red flag signs noted." (a
    reader counted it a slip the tool made, three times); the words after it stay."""
    said = build_summary(one("MRI of the lumbar spine", "Upheld", "There are no red flag signs noted."))
    assert said.items[0].reason.text == "The reviewer found no warning signs of a serious problem."  # red flag signs
    kept = build_summary(one("MRI of the lumbar spine", "Upheld", "There were no red flags noted at the exam."))
    assert "noted at the exam" in kept.items[0].reason.text, kept.items[0].reason.text


# -- a tenth reader ------------------------------------------------------------------------------------------------


def test_a_dose_is_not_a_date_of_service() -> None:
    """ "Diazepam ... one more dose allowed after 1 hour" was read as care already given ("DOS" inside
    "dose"), and the page said "This request was about care you already got": an invented line."""
    from imr_llm.summary.facts import care_already_given

    assert (
        care_already_given("Diazepam 5mg 1 tab 30 minutes before the scan, one more dose allowed after 1 hour") is None
    )
    given = care_already_given("Lumbar MRI DOS: 11/11/2016")
    assert given is not None and given.date is not None and given.date.isoformat() == "2016-11-11"
    # a date of service alone does not say the care was given (a sixteenth reader: a gel still awaited was
    # "care you already got on November 11, 2016"); "Retrospective" or "was performed" does
    assert not given.sure
    assert care_already_given("Retrospective lumbar MRI DOS: 11/11/2016") == CareAlreadyGiven(dt.date(2016, 11, 11))
    performed = care_already_given("Lumbar MRI DOS: 11/11/2016", "The requested MRI was performed on 11/11/2016.")
    assert performed is not None and performed.sure


def test_a_date_of_service_alone_says_neither_given_nor_still_to_come() -> None:
    gel = "Diclofenac cream apply 3 times a day, #100 grams, DOS: 03/14/2017"
    rationale = "The claimant is awaiting approval of the cream. There is no documentation of failed oral medicines."
    upheld = build_summary(one(gel, "Upheld", rationale)).items[0]
    # wrong: "This request was about care you already got on March 14, 2017"
    assert upheld.already_given is None
    approved = build_summary(one(gel, "Overturned", "The records document failed oral medicines.")).items[0]
    assert approved.already_given is None
    assert (
        "approve this within 5 working days" in approved.next_step
        and "if you already got this care, pay for it within 20 days" in approved.next_step
    )
    for lang in ("en", "es"):
        record = one(gel, "Overturned", "The records document failed oral medicines.")
        summary = build_summary(record, lang)
        assert check_summary(render_text(summary), summary, record).problems == []  # our own wording: no alarm
    es = build_summary(one(gel, "Overturned", "The records document failed oral medicines."), "es").items[0]
    assert "5 días hábiles" in es.next_step and "si usted ya recibió esta atención" in es.next_step
    # the right outputs: a retrospective request is care already given, and only the payment line is said
    retro = build_summary(one(f"Retrospective {gel}", "Overturned", "The records document failed oral medicines."))
    item = retro.items[0]
    assert item.already_given is not None and item.already_given.startswith(
        "This request was about care you already got on March 14, 2017."
    )
    assert "pay for this care within 20 days" in item.next_step and "5 working days" not in item.next_step


def test_the_next_step_follows_the_first_clause_of_a_reason_before_a_side_point() -> None:
    """A reason "the doctor has failed to document if the worker finished X, and there are no exam findings ..."
    gave no step of its own, so the step asked for "records
    that you have had any prior surgeries or imaging", the reviewer's background line after it. Its first clause
    now names the missing thing; the whole sentence is not run together as one slot."""
    record = one(
        "MRI of the cervical spine",
        "Upheld",
        "Here, the requesting doctor has failed to document if the worker finished a course of conservative "
        "treatment for 6 weeks and there are no exam findings that point to a pinched nerve root. "
        "There is no documentation that the claimant has had any prior surgeries or imaging. Therefore, the "
        "request is not medically necessary.",
    )
    item = build_summary(record).items[0]
    assert "finished a course of simpler treatment for 6 weeks" in item.next_step, item.next_step
    assert "surgeries" not in item.next_step
    whole = restate(
        "The treating doctor has failed to document X-rays and there are no examination findings.", "upheld"
    )
    assert whole is None or whole.form is not Form.DOCTOR_SILENT


def test_a_guideline_ban_on_the_requests_drug_class_is_the_reason() -> None:
    """ "benzodiazepines are not recommended for ongoing pain" for a diazepam request:
    the page said "We could not find one sentence that gives the reason". A benzodiazepine or barbiturate is
    named by its class; an opioid's class sentence ("does not recommend opioids, as a rule, for chronic pain") is
    not taken as the reason over what the records lacked."""
    from imr_llm.parser.reasons import is_categorical

    ban = "Per the ODG, benzodiazepines are not recommended for ongoing pain."
    assert is_categorical(ban, "Diazepam 2mg #20", "upheld")
    assert not is_categorical(ban, "Cyclobenzaprine 5mg #30", "upheld")
    general = "The MTUS does not recommend opioid pain medicines, as a rule, for chronic pain."
    assert not is_categorical(general, "Tramadol 50mg #60", "upheld")


def test_the_guidelines_number_is_in_the_summarys_language() -> None:
    """A reader: "La carta dice que las guías permiten 10 visits". The unit is in Spanish ("10 visitas", "ten" as
    10); English keeps the letter's words."""
    rationale = (
        "The MTUS recommends up to ten physical therapy visits. The request for 12 visits exceeds the guidelines. "
        "Therefore, the request is not medically necessary."
    )
    record = one("Physical therapy 12 visits", "Upheld", rationale)
    assert "allow ten physical therapy visits" in build_summary(record, "en").items[0].next_step
    es = build_summary(record, "es").items[0].next_step
    assert "permiten 10 visitas" in es and "visits" not in es, es


def test_the_reviewers_advice_is_not_quoted_as_the_reason() -> None:
    """A tenth reader: "In this case, the claimant warrants careful follow-up; referral to a specialist should be
    weighed if progress stalls" was quoted first as the reason; it is the reviewer's advice. The
    reviewer's reason beside it is still quoted."""
    advice = (
        "In this case, the claimant warrants careful follow-up; referral to a specialist should be weighed "
        "if there is no sign of any progress."
    )
    assert not quotable(advice, "upheld")
    assert not quotable("The treating physician is advised to consult the guidelines, if there is no change.", "upheld")
    reason = (
        "Given the lack of clear proof that first-line medicines have failed, this Tramadol request is "
        "not considered medically necessary."
    )
    assert quotable(reason, "upheld")


# -- an eleventh reader --------------------------------------------------------------------------------------------


def test_a_ban_on_part_of_a_request_the_reviewer_says_records_could_lift_is_not_called_final() -> None:
    """ "NCS is not recommended ... Given adequate documentation, an EMG may be indicated, though the NCS would
    still not be." for "EMG and NCS of both legs" gave "Asking again with more records is not likely to change
    that": the reviewer said records could let the EMG through. A ban with no such opening keeps its step."""
    rationale = (
        'Per the ODG, "NCS is not recommended." Given adequate documentation, an EMG may be indicated, though the '
        "NCS would still not be. Therefore, the request is not medically necessary."
    )
    step = build_summary(one("EMG and NCS of both legs", "Upheld", rationale)).items[0].next_step
    assert "not likely to change" not in step, step
    closed = "Nerve conduction studies are not recommended for low back pain. The request is not medically necessary."
    kept = build_summary(one("Nerve conduction studies of the legs", "Upheld", closed)).items[0].next_step
    assert "not likely to change" in kept, kept
    opened = closed.replace(" The request", " Given adequate records, an EMG may be indicated. The request")
    lifted = build_summary(one("Nerve conduction studies of the legs", "Upheld", opened)).items[0].next_step
    assert "not likely to change" not in lifted, lifted


def test_functional_after_or_stays_the_reviewers_word() -> None:
    """ "objective or functional improvement" read "objective or improvement in what you can do"."""
    assert plain_english("there was no objective or functional improvement") == (
        "there was no objective or functional improvement"
    )
    assert plain_english("there was no functional improvement") == "there was no improvement in what you can do"


def test_given_x_but_y_is_not_restated_as_so() -> None:
    """A tenth probe's note: "Given the prior history ..., the case is unusual, but there is no cause to
    doubt ..." read "The reviewer noted that ..., so but there is no cause ...". A clause that opens
    with "but" is not what the cause leads to; "Given that X, Y" still reads "so"."""
    joined = restate("Given the prior history of care, but there is no reason at all to doubt the history.", "upheld")
    assert joined is None or joined.form is not Form.GIVEN
    plain_given = restate(
        "Given that there is no documentation of improvement, further therapy is not supported.", "upheld"
    )
    assert plain_given is not None


# -- an eleventh reader, read again ----------------------------------------------------------------------------


def test_a_record_that_does_not_provide_documentation_is_a_reason() -> None:
    """ "The submitted medical record does not provide any documentation that conservative care failed before
    this request." was the reviewer's reason for an EMG; the finder knew "did not provide" but not "does not
    provide", nor "the available medical record", and the page gave only the guideline's remark on the NCS part.
    The same verbs in every tense count; a guideline's "does not provide" is still the guideline's."""
    from imr_llm.parser.reasons import find_reason

    rationale = (
        'Per the ODG, "NCS is not recommended, though EMG may be used after 4 weeks of conservative care." The '
        "available file record does not provide any documentation that conservative care failed before this "
        'electrodiagnostic request. Also, the guidelines allow EMG for the low back but "NCS is not '
        'recommended." Hence, EMG and NCS of both legs are not medically necessary.'
    )
    found = find_reason(rationale, "upheld", "EMG and NCS of both legs")
    said = [s.text(rationale) for s in found.sentences]
    assert found.confident and any(s.startswith("The available file record") for s in said), said
    notes = "The treating notes do not include a neurological examination. So the request is not medically necessary."
    assert find_reason(notes, "upheld", "EMG").confident
    guideline = (
        "The ODG does not provide specific recommendations for this device. The patient has had no trial of a "
        "home exercise program. The request is not medically necessary."
    )
    picked = [s.text(guideline) for s in find_reason(guideline, "upheld", "TENS unit").sentences]
    assert picked[0].startswith("The patient has had no trial"), picked


def test_a_quote_the_reviewer_opened_is_closed_in_the_plain_sentence() -> None:
    """'the guidelines recommend EMG ... but "NCS is not recommended."' read 'but "NCS is not recommended.' on
    the page: the period was cut with the closing quote mark. A quote that closes inside the sentence, or none,
    is left as it is."""
    from imr_llm.summary.restate import core_of

    assert core_of('Further, the guidelines support EMG for back studies but "NCS is not recommended."').endswith(
        'but "NCS is not recommended"'
    )
    assert core_of('There were no "red flag" findings on exam.').endswith('no "red flag" findings on exam')
    assert core_of("There was no documentation of improvement.").endswith("improvement")
    assert core_of("The reviewer noted \u201cno benefit.\u201d").endswith("\u201cno benefit\u201d")


def test_reason_sentences_the_page_does_not_show_are_said_to_exist() -> None:
    """A knee arthroscopy page gave "no record of a recent trial and failure of knee injections" as the whole
    reason; the reviewer's first point (the therapy visits and whether they helped) and a third (the meniscus poorly
    seen on MRI) have no form the page can quote, so nothing said they existed. A point the finder picked and the page
    does not show is now noted; a diagnosis list or a verdict that names nothing is not a point."""
    rationale = (
        "In this case, more detail is needed about the conservative care so far, including how many therapy "
        "visits were recently attended. There was no documentation of a recent trial and failure of knee "
        "injections. The meniscus was poorly seen on that MRI. Therefore, the request is not medically necessary."
    )
    reason = build_summary(one("Right knee arthroscopy", "Upheld", rationale)).items[0].reason
    assert "made other points too" in reason.text, reason.text
    single = (
        "In this case, the worker's current diagnoses are lumbar strain and sciatica. There was no "
        "documentation that home exercise was tried and failed. Thus, medical necessity of the request has "
        "not been established."
    )
    alone = build_summary(one("MRI of the lumbar spine", "Upheld", single)).items[0].reason
    assert "made other points" not in alone.text, alone.text


@pytest.mark.parametrize(
    ("sentence", "bare"),
    [
        (
            "Without further indication for imaging, this MRI cannot be considered medically "
            "necessary under the guidelines.",
            True,
        ),
        (
            "In the absence of such evidence, this request for an open lumbar MRI is not medically necessary.",
            True,
        ),
        ("Accordingly, medical necessity for this request is not established.", True),
        (
            "Without documented gains and a stated rationale for more therapy, there is no need for further visits.",
            False,
        ),
        (
            "Absent red flags or a planned spine surgery, an MRI is not supported by the records submitted for review.",
            False,
        ),
        ("Without a trial of first-line medications, the request for Lyrica is not medically necessary.", False),
    ],
)
def test_a_verdict_whose_lack_names_nothing_is_no_reason(sentence: str, bare: bool) -> None:
    """A reader found "The reviewer found that without more indication for imaging, the request ... cannot be
    considered medically necessary" given as the Why: circular. A lack that names nothing, then the verdict, is a
    bare verdict; a lack that names what was missing is a reason."""
    from imr_llm.parser.reasons import is_bare_conclusion

    assert is_bare_conclusion(sentence, "MRI of the lumbar spine", "upheld") is bare


def test_absent_x_is_what_the_reviewer_found_missing() -> None:
    """ "Absent red flags or a planned spine surgery, an MRI is not supported by the records submitted for
    review" had no form, so the page led with the circular verdict after it. It reads "The reviewer found no X":
    the faithful English and Spanish pass the checks, a version that drops a point or the negation is caught, a lack
    that points back names nothing, and an approval's "absent any contraindication" is not a denial's reason."""
    sentence = (
        "Absent red flags or a planned spine surgery, an MRI is not supported by the records submitted for review."
    )
    r = restate(sentence, "upheld", "MRI of the lumbar spine")
    assert r is not None and r.form is Form.NONE_FOUND and r.slots["x"] == "red flags or a planned spine surgery"
    for lang in LANGUAGES:
        language = get_language(lang)
        text = language.restated(r)
        assert not plain_problems(PlainSentence(text=text, source=sentence, form="none_found"), "MRI", language), text
    assert plain(sentence, "The reviewer found no warning signs of a serious problem.")  # the surgery point dropped
    assert plain(sentence, "The reviewer found warning signs of a serious problem or a planned spine surgery.")
    for back in ("such documentation", "such findings", "further indication for imaging"):
        pointing_back = restate(f"In the absence of {back}, the request is not medically necessary.", "upheld")
        assert pointing_back is None or pointing_back.form is not Form.NONE_FOUND, back
    approval = restate("Absent any contraindication, the request is medically necessary.", "overturned")
    assert approval is None or approval.form is not Form.NONE_FOUND
    page = build_summary(
        one(
            "MRI of the lumbar spine",
            "Upheld",
            sentence + " Without further indication for imaging, this MRI cannot be considered medically necessary.",
        )
    )
    assert page.items[0].reason.text == (
        "The reviewer found no warning signs of a serious problem or a planned spine surgery."
    ), page.items[0].reason.text


def test_how_many_sessions_not_noted_is_a_detail_to_send() -> None:
    """ "However, how many earlier visits he attended is not noted." gave the generic step; it names what to send.
    A bare "how" names nothing."""
    from imr_llm.summary.restate import missing_detail

    detail = missing_detail("However, how many earlier visits he attended is not noted.")
    assert detail is not None and detail.slots["x"] == "how many earlier visits he attended"
    assert missing_detail("However, how this was decided is not noted.") is None


def test_a_next_step_never_names_a_thing_by_a_pronoun_from_another_sentence() -> None:
    """ "... taken NSAIDs for over a year without mention of pain relief or functional improvement from its use"
    under a request for a stomach medicine gave "a new request could include records of pain relief or functional
    improvement from its use": "its" read as the stomach medicine. The closing phrase with the pronoun is left
    out of the step (in the plain words and in the quoted ones); a pronoun inside the missing thing gives the
    generic step; the same missing thing named by its noun is asked for whole."""
    dangling = one(
        "Pantoprazole 40mg #60",
        "Upheld",
        "Here, the claimant has taken NSAIDs for over a year without mention of pain relief or functional "
        "improvement from its use.",
    )
    step = build_summary(dangling).items[0].next_step
    assert step == (
        "If your doctor asks again, a new request could include records of pain relief or functional improvement, if "
        "there are any."
    ), step
    assert "its use" not in build_summary(dangling, "es").items[0].next_step
    inside = one(
        "Pantoprazole 40mg #60",
        "Upheld",
        "In this case, there was no documentation that it reduced the claimant's stomach complaints.",
    )
    assert "read the reviewer's words" in build_summary(inside).items[0].next_step
    named = one(
        "Pantoprazole 40mg #60",
        "Upheld",
        "Here, the claimant has taken NSAIDs for over a year without mention of functional "
        "improvement with the NSAIDs.",
    )
    assert build_summary(named).items[0].next_step == (
        "If your doctor asks again, a new request could include records of improvement in what you can do with the "
        "anti-inflammatory pain medicines, if there are any."
    )


def test_a_count_of_sessions_written_with_a_hash_is_said_in_sessions() -> None:
    """ "Your doctor asked for #8. Of these, #6 had been approved ... the other #2." for "Chiropractic
    sessions for the thoracic spine, #8": a reader counted it a slip. A "#" count of sessions or tablets is said
    with its noun, in each language; a drug's "#60" with no noun keeps the letter's "#60"."""
    from imr_llm.summary.facts import Quantity, partial_numbers, quantity

    assert quantity("Chiropractic sessions for the thoracic spine, #8") == Quantity(8, "sessions")
    assert quantity("Norco 10/325mg #60") == Quantity(60, "#")
    numbers = partial_numbers(
        "Chiropractic sessions for the thoracic spine, #8",
        "Chiropractic sessions for the thoracic spine, #6",
        "Chiropractic sessions for the thoracic spine, #2",
    )
    assert numbers is not None
    english = get_language("en").partial("Chiropractic sessions for the thoracic spine, #6", numbers, False)
    assert "asked for 8 sessions" in english and "other 2 sessions" in english and "#" not in english.split('"')[-1]
    spanish = get_language("es").partial("Chiropractic sessions for the thoracic spine, #6", numbers, False)
    assert "pidió 8 sesiones" in spanish, spanish
    pills = partial_numbers("Norco 10/325mg #60", "Norco 10/325mg #30", "Norco 10/325mg #30")
    assert pills is not None and "asked for #60" in get_language("en").partial("Norco 10/325mg #30", pills, False)


def test_a_step_asks_for_the_reason_for_a_need_never_explain_for() -> None:
    """ "There was no clear rationale given for the need of further physical therapy" gave "the new request could
    explain for the need of ...". It reads "explain the reason for"; a "why" keeps "explain why"."""
    step = (
        build_summary(
            one(
                "Physical therapy 2 times 8",
                "Upheld",
                "There was no clear rationale given for the need of further physical therapy at this stage.",
            )
        )
        .items[0]
        .next_step
    )
    assert "could explain the reason for the need of further physical therapy" in step, step
    why = (
        build_summary(
            one(
                "Physical therapy 2 times 8",
                "Upheld",
                "There was no rationale as to why the patient would need additional physical therapy.",
            )
        )
        .items[0]
        .next_step
    )
    assert "could explain why you would need additional physical therapy" in why, why


# -- a twelfth reader ----------------------------------------------------------------------------------------------


def test_a_later_limit_on_long_term_use_does_not_close_the_door_a_missing_record_opens() -> None:
    """Naproxen refills denied for a gain the reviewer granted, "however," with no record of functional
    improvement, and then "Long term use is not recommended", got "Asking again with more
    records is not likely to change that": the duration limit, a later point, set the step, and the clause after
    "however," was never read. The step asks for the missing record; a ban that leads stays final."""
    record = one(
        "Naproxen 500mg #60",
        "Upheld",
        "NSAIDs are a first-line option, best given at the smallest dose for the briefest period. The "
        "claimant slept better on the drug, however, there was still no documentation of functional "
        "improvement. Long term use is not recommended. As a result, the request is not medically necessary.",
    )
    for lang in ("en", "es"):
        step = build_summary(record, lang).items[0].next_step
        assert "not likely" not in step and "poco probable" not in step, step
    assert (
        build_summary(record)
        .items[0]
        .next_step.startswith(
            "If your doctor asks again, a new request could include records of improvement in what you can do"
        )
    )
    ban = one(
        "Ketoprofen cream 20% #1",
        "Upheld",
        "Topical ketoprofen is not recommended by the guidelines. Long term use is not recommended.",
    )
    assert "not likely to change" in build_summary(ban).items[0].next_step


def test_the_glossary_never_says_an_injection_is_not_conservative_care() -> None:
    """ "conservative care: simpler treatment than surgery or an injection" sat under a reviewer's sentence that
    counted "physical therapy and injections" as conservative treatment: the page contradicted the letter."""
    for lang in ("en", "es"):
        terms = get_language(lang).terms("the patient has exhausted conservative treatments to include injections")
        text = " ".join(terms)
        assert "conservative" in text and "injection" not in text and "inyección" not in text, text


def test_no_x_was_documented_is_a_finding_however_long_x_is() -> None:
    """ "No functional improvement after the recent therapy visits was documented." was passed over (the finder
    allowed three words between "no" and "was documented"); the page gave a verdict ("the need ... is not
    apparent") instead. A guideline's "no more than 10 visits are recommended" is still no finding."""
    from imr_llm.parser.reasons import find_reason

    rationale = (
        "This worker has a wrist sprain that is slowly getting better. No functional improvement after the recent "
        "therapy visits was documented. The MTUS recommends 8-10 visits. No more than 10 visits are recommended for "
        "this condition. Therefore the request is not medically necessary."
    )
    said = [s.text(rationale) for s in find_reason(rationale, "upheld", "Physical therapy 8 sessions").sentences]
    assert said and said[0].startswith("No functional improvement"), said
    assert not any(s.startswith("No more than") for s in said), said


# -- a thirteenth reader -------------------------------------------------------------------------------------------


def test_an_initial_treatment_request_over_the_guideline_is_the_reviewers_finding() -> None:
    """A reviewer's "The initial treatment request ... exceeds the recommended initial trial ..." (a shape seen in
    several letters) was quoted only: "the initial ... request" was not a subject the reviewer applies rules to.
    It is now said in plain words; the guideline's own "ODG recommends a first trial of 3 to 4 visits" is still
    a guideline passage, never a finding about the worker."""
    sentence = "The initial treatment request for 12 visits exceeds the recommended initial trial of 4 visits."
    found = restate(sentence, "upheld", "Acupuncture 12 sessions")
    assert found is not None and found.form is Form.FINDING, found
    record = one(
        "Acupuncture 12 sessions",
        "Upheld",
        "ODG recommends a first trial of 3 to 4 visits. " + sentence + " Given the quantity of this request, the "
        "request is not medically necessary.",
    )
    why = build_summary(record).items[0].reason.text
    assert why.startswith("The reviewer found that the initial treatment request for 12 visits exceeds the"), why
    assert restate("ODG recommends a first trial of 3 to 4 visits over 2 weeks, not more.", "upheld") is None


def test_no_explanation_why_asks_for_the_explanation_not_records_of_it() -> None:
    """A reason "there is no objective explanation why the worker would need X" gave the step "a new request
    could include records of objective explanation why you would need X". The step asks for the explanation; a
    missing record of a finding still asks for records."""
    record = one(
        "Physical therapy 8 sessions",
        "Upheld",
        "There is no objective explanation why the worker would need further physical therapy and not be "
        "moved on to a home exercise program. Therefore, the request is not medically necessary.",
    )
    step = build_summary(record).items[0].next_step
    assert step == (
        "If your doctor asks again, the new request could explain why you would need further physical therapy and "
        "not be moved on to a home exercise plan."  # the glossary's words for "program"
    ), step
    es = build_summary(record, "es").items[0].next_step
    assert "podría explicar la razón" in es and "documentos" not in es, es
    finding = one(
        "Physical therapy 8 sessions",
        "Upheld",
        "There is still no documentation of measurable functional improvement with prior physical therapy.",
    )
    assert "could include records of" in build_summary(finding).items[0].next_step


def test_a_step_asks_for_records_once_and_a_red_flag_with_no_article_is_the_kind() -> None:
    """ "records of abnormal reflex findings or record of radicular pain": one "records of" is enough.
    "no emergence of red flag" read "no emergence of warning sign of a serious problem": with no article the
    kind, in the plural; "a red flag" stays one. "you had insomnia issues, has failed sleep aids": the verb
    after the comma agrees with "you"; "surgery, which has helped" is another subject and is left."""
    record = one(
        "MRI of the lumbar spine",
        "Upheld",
        "There are no abnormal reflex findings or records of radicular pain. Hence, the request is not "
        "medically necessary.",
    )
    step = build_summary(record).items[0].next_step
    assert "or radicular pain" in step and "or record of" not in step, step
    assert (
        plain_english("there has been no emergence of red flag")
        == "there has been no emergence of warning signs of a serious problem"
    )
    assert plain_english("there was a red flag") == "there was a warning sign of a serious problem"
    assert plain_english("the patient had insomnia issues, has failed sleep aids") == (
        "you had insomnia issues, have failed sleep aids"
    )
    assert plain_english("the patient had surgery, which has helped") == "you had surgery, which has helped"


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_terms_a_thirteenth_reader_found_unexplained_are_explained_once(lang: str) -> None:
    """ "cardiovascular and hepatic risk factors", "oral suspension", "dermatomal", "labral tear", "avascular
    necrosis", "straight leg raise", "impingement" were left unexplained. A term inside a longer one ("oral" in
    "oral suspension") is explained once, by the longer; alone, it keeps its own line."""
    language = get_language(lang)
    for words, term in (
        ("Her cardiovascular and hepatic risks are raised.", "cardiovascular"),
        ("Her cardiovascular and hepatic risks are raised.", "hepatic"),
        ("There was no dyspepsia secondary to NSAID use.", "dyspepsia"),
        ("No weakness in a myotomal or dermatomal pattern.", "dermatomal"),
        ("No weakness in a myotomal or dermatomal pattern.", "myotomal"),
        ("No findings of a possible labral tear.", "labral tear"),
        ("No concern for avascular necrosis.", "avascular necrosis"),
        ("The straight leg raise was positive.", "straight leg raise"),
        ("There is nerve root impingement.", "impingement"),
    ):
        assert any(line.startswith(f"{term}:") for line in language.terms(words)), (lang, term)
    both = language.terms("The patient could not use an oral suspension.")
    assert [line.split(":")[0] for line in both] == ["oral suspension"], both
    assert [line.split(":")[0] for line in language.terms("The patient takes oral medicines.")] == ["oral"]


# -- a fourteenth reader -------------------------------------------------------------------------------------------


def test_no_discussion_of_surgery_is_never_no_record_of_surgery() -> None:
    """A reason "no discussion of surgery or of new red flag findings" read "The reviewer found no record of
    surgery ...", which tells a worker they have had no surgery. The reviewer's noun stays, and the step asks for
    that discussion; "no documentation of X" still reads "no record of X"."""
    record = one(
        "MRI of the left shoulder",
        "Upheld",
        "There is no discussion of surgery, nor of new red flag findings on exam that would call for a shoulder "
        "MRI. As a result, the request is not medically necessary.",
    )
    item = build_summary(record).items[0]
    assert "found no discussion of surgery" in item.reason.text and "record of surgery" not in item.reason.text
    mention = one(
        "MRI of the thoracic spine",
        "Upheld",
        "There was no mention of the worker's willingness to have surgery if the scan shows a surgical lesion. "
        "As a result, the request is not medically necessary.",
    )
    step = build_summary(mention).items[0].next_step
    assert step.startswith("If your doctor asks again, the new request could include mention of your willingness"), step
    assert "records of mention" not in step
    documented = one(
        "Physical therapy 6 sessions",
        "Upheld",
        "There is no documentation of functional gains with prior physical therapy.",
    )
    assert "found no record of improvement in what you can do" in build_summary(documented).items[0].reason.text


def test_a_limit_on_long_term_use_first_and_missing_records_later_is_no_closed_door() -> None:
    """Ultram: a drug "not indicated for long term use", then no sign of checks for misuse and no evidence of
    functional improvement, got "Asking again with more records is not likely to change that": the missing records
    were past the two sentences the page restates. The step follows them; the same limit with no missing record
    keeps the closed door."""
    rationale = (
        "The claimant has used opioids for years. Tramadol is not indicated for chronic use. Also, there is "
        "no indication the claimant is being checked for misuse of the drug. There is still no record of "
        "objective functional improvement in daily activities. For all of these reasons, the request is not "
        "medically necessary."
    )
    for lang in ("en", "es"):
        step = build_summary(one("Tramadol ER 100mg #30", "Upheld", rationale), lang).items[0].next_step
        assert "not likely" not in step and "poco probable" not in step, step
    step = build_summary(one("Tramadol ER 100mg #30", "Upheld", rationale)).items[0].next_step
    assert "records of measured improvement in what you can do" in step, step
    alone = one("Tramadol ER 100mg #30", "Upheld", "Tramadol is not indicated for chronic use.")
    assert "not likely to change" in build_summary(alone).items[0].next_step


@pytest.mark.parametrize(
    ("point", "other"),
    [
        ("The claimant has been on long term use of this relaxant.", True),
        ("Among the relaxants, this one has the least data showing it helps.", True),
        ("The patient has knee pain and takes ibuprofen.", False),
    ],
)
def test_a_long_term_use_or_the_least_evidence_is_a_point_of_its_own(point: str, other: bool) -> None:
    """Flexeril and Lorzone pages gave one point ("no evidence based rationale", "not documented to have tried a
    second antispasmodic") with no hint of the main one (long-term use past 2 to 3 weeks; the least data of its
    kind). Such a sentence is a point, so the page says there are others; a recital is not one."""
    record = one(
        "Cyclobenzaprine 5mg #60",
        "Upheld",
        "The patient has tried tizanidine but is not documented to have tried a second antispasmodic. "
        + point
        + " Therefore, the request is not medically necessary.",
    )
    text = build_summary(record).items[0].reason.text
    assert ("The reviewer made other points too" in text) is other, text


def test_no_evidence_based_rationale_as_to_the_need_asks_to_explain_the_need() -> None:
    """ "a lack of evidence based rationale ... as to the medical necessity of X" gave "records of evidence based
    rationale given by your doctor as to ...". The step asks to explain the need; "no reason provided for" (no
    "as to", no "why") is not read as one."""
    record = one(
        "Cyclobenzaprine 5mg #60",
        "Upheld",
        "In addition, there is a lack of evidence based rationale offered by the prescriber as to the medical "
        "necessity of this medicine past the usual limits. Therefore, the request is not medically necessary.",
    )
    step = build_summary(record).items[0].next_step
    assert step == (
        "If your doctor asks again, the new request could explain why you need this medicine past the usual limits."
    ), step
    from imr_llm.summary.languages.base import _EXPLANATION

    assert _EXPLANATION.match("reason provided for the request of this drug") is None


def test_a_sentence_pointing_to_criteria_outlined_above_is_not_restated() -> None:
    """ "... any documentation of reasons for imaging of the mid back as outlined above per the ACOEM" names
    criteria the page never showed; it is quoted, never a plain line or a step."""
    sentence = (
        "The records do not show any documentation of reasons for imaging of the mid back "
        "as outlined above per the ACOEM."
    )
    assert restate(sentence, "upheld") is None
    assert restate(sentence.replace(" as outlined above per the ACOEM", ""), "upheld") is not None


def test_an_aside_marker_such_as_in_short_is_left_out_of_the_plain_sentence() -> None:
    """ "there was, in short, neither a stated plan ..." kept ", in short," in the page's own sentence. The
    marker carries no content and is left out; the rest of the sentence (its "neither") stays."""
    said = restate(
        "Here, there was, in short, neither a stated plan nor any sign that the claimant "
        "would use the test results to guide care.",
        "upheld",
    )
    assert said is not None
    assert said.plain["x"].startswith("there was neither a stated plan"), said.plain
    kept = restate("There was, however, no documentation of a short trial of physical therapy.", "upheld")
    assert kept is not None and "short trial" in kept.plain["x"]


def test_no_other_findings_points_back_to_what_the_letter_listed() -> None:
    """ "There are no other abnormal exam findings recorded." became "The reviewer found no other abnormal exam
    findings": other than what? It points back and is not restated; "There were no red flags" is."""
    assert restate("There are no other abnormal exam findings recorded.", "upheld") is None
    assert restate("There were no abnormal exam findings recorded.", "upheld") is not None


# -- a fifteenth reader --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exception",
    [
        "There was a lack of documentation or of exceptional factors to justify going outside the guidelines.",
        "There are insufficient records to raise a reasonable suspicion of an uncommon nerve disorder.",
    ],
)
def test_a_ban_whose_exception_the_reviewer_says_records_lack_is_no_closed_door(exception: str) -> None:
    """Infrared therapy (a heat-picture test "not recommended", with no records or special factors said to
    justify going past the guidelines) and SSEP ("not medically necessary
    unless a rare nerve disease is suspected ... too little is documented to support a reasonable
    suspicion ...") got "Asking again with more records is not likely to change that": the reviewer
    names records that would make the exception. A ban alone keeps the closed door."""
    ban = "Thermography is not recommended by the guidelines."
    verdict = "Therefore, the request is not medically necessary."
    step = (
        build_summary(one("Thermography of the low back", "Upheld", f"{ban} {exception} {verdict}")).items[0].next_step
    )
    assert "not likely" not in step, step
    alone = one("Thermography of the low back", "Upheld", f"{ban} {verdict}")
    assert "not likely to change" in build_summary(alone).items[0].next_step


def test_a_step_never_says_records_of_record() -> None:
    """ "records of clinical record or special factors" and "records that include record of failure of ...": the
    step already says records; the reviewer's other words stay."""
    record = one(
        "Infrared therapy 4 sessions",
        "Upheld",
        "Thermography is not recommended. There was a lack of clinical documentation or of exceptional factors to "
        "justify going outside the guidelines.",
    )
    step = build_summary(record).items[0].next_step
    assert "records of special factors to justify going outside the guidelines" in step, step
    silent = one(
        "EMG of the right leg",
        "Upheld",
        "The submitted medical record does not provide any documentation of failure of conservative therapy "
        "before this request. Given adequate records, an EMG may be indicated.",
    )
    step = build_summary(silent).items[0].next_step
    assert "record of failure" not in step and "failure of simpler therapy" in step, step


def test_an_ssep_or_an_eeg_is_a_medical_test_not_nerve_and_muscle_tests() -> None:
    """An SSEP was called "nerve and muscle tests" (it tests the nerves' answer to a touch); with an EMG in the
    same request, the muscles are tested too."""
    from imr_llm.summary.facts import Kind, treatment_kind

    assert treatment_kind("SSEP of both lower limbs") is Kind.MEDICAL_TEST
    assert treatment_kind("EEG") is Kind.MEDICAL_TEST
    assert treatment_kind("EMG and SSEP of the legs") is Kind.NERVE_TEST
    assert treatment_kind("EMG/NCS of both arms") is Kind.NERVE_TEST


def test_in_this_claimants_case_is_a_lead_the_plain_sentence_leaves_out() -> None:
    """ "In this claimant's case, there has been no firm documentation of spasm ..." (the reviewer's main
    point) was not restated, so a later history line led the page. "In this claimant's case," is a lead like "In
    this case,"; a sentence about another person's case is not shortened."""
    said = restate(
        "In this claimant's case, there has been no firm documentation of muscle spasm that the relaxant could ease.",
        "upheld",
    )
    assert said is not None and said.form is Form.NO_RECORD and said.plain["x"].startswith("muscle spasm"), said
    assert restate("In the surgeon's case notes, the MRI was normal.", "upheld") is None


# -- an eleventh probe's rewrites ----------------------------------------------------------------------------------


def _cervical_mri_item(lang: str) -> ItemSummary:
    """The summary item of an approved cervical MRI without contrast (the eleventh probe's letter, in brief)."""
    record = one(
        "MRI of the cervical spine, no contrast",
        "Overturned",
        "There is evidence of neurologic dysfunction in the arm that has not improved, which supports obtaining MRI. "
        "Therefore, this request is medically necessary.",
    )
    return build_summary(record, lang).items[0]


@pytest.mark.parametrize(
    ("lang", "rewrite", "why"),
    [
        ("en", "The reviewer found nerve problems that support obtaining MRI of the spine with contrast.", "contrast"),
        ("en", "The reviewer found nerve problems that support obtaining a contrast MRI.", "contrast"),
        ("es", "El revisor encontró problemas de los nervios que apoyan una resonancia con contraste.", "contrast"),
        ("es", "El revisor encontró problemas de los nervios que apoyan una resonancia lumbar.", "body part"),
        ("es", "El revisor encontró problemas graves de los nervios que apoyan una resonancia.", "qualifies"),
        (
            "es",
            "El revisor encontró problemas de los nervios, al menos subjetivos, que apoyan una resonancia.",
            "qualifies",
        ),
    ],
)
def test_a_rewrite_that_changes_the_studys_kind_region_or_a_qualifier_is_rejected(
    lang: str, rewrite: str, why: str
) -> None:
    """An eleventh probe: "MRI ... without contrast" rewritten "with contrast" / "contrast MRI", a cervical MRI
    translated "lumbar", "no documented weakness" as "no ... debilidad grave", "objective improvement" as "mejoría
    subjetiva", "only 2" as "al menos 2": each was accepted. Each is refused; the faithful ones below pass."""
    from imr_llm.summary.rewrite import reason_problems

    item = _cervical_mri_item(lang)
    problems = reason_problems(rewrite, item, get_language(lang))
    assert any(why in p for p in problems), problems


@pytest.mark.parametrize(
    ("lang", "rewrite"),
    [
        (
            "en",
            "The reviewer found that there is evidence of nerve problems in the arm that has not improved, which "
            "supports obtaining MRI.",
        ),
        (
            "es",
            "El revisor encontró lo siguiente: hay indicación de problemas de los nervios del brazo que no han "
            "mejorado, lo que apoya obtener la resonancia.",
        ),
        (
            "es",
            "El revisor encontró lo siguiente: hay indicación de problemas de los nervios del cuello que no han "
            "mejorado, lo que apoya obtener la resonancia.",
        ),
    ],
)
def test_a_faithful_rewrite_of_a_cervical_mri_without_contrast_passes(lang: str, rewrite: str) -> None:
    from imr_llm.summary.rewrite import reason_problems

    item = _cervical_mri_item(lang)
    assert reason_problems(rewrite, item, get_language(lang)) == []


def test_a_translation_keeps_the_reviewers_only_before_a_number() -> None:
    """ "this request would exceed the guideline number by only 2 sessions": "por más de 2" or "por al menos 2" turn a
    small excess into a large one; "por solo 2" keeps it."""
    from imr_llm.summary.rewrite import reason_problems

    record = one(
        "Physical therapy 8 sessions",
        "Overturned",
        "The worker reported gains from the earlier sessions, and this request would exceed the guideline number by "
        "only 2 sessions. Therefore, this request is medically necessary.",
    )
    item = build_summary(record, "es").items[0]
    language = get_language("es")
    opening = "El revisor encontró que usted tuvo beneficio con las sesiones anteriores y la solicitud excede las guías"
    bad, good = f"{opening} por más de 2 sesiones.", f"{opening} por solo 2 sesiones."
    assert any("'only'" in p for p in reason_problems(bad, item, language))
    assert not any("'only'" in p for p in reason_problems(good, item, language))


# -- a sixteenth reader ----------------------------------------------------------------------------------------------

TRIAL_RATIONALE = (
    "The guidelines support a first trial of chiropractic care of 4 visits. The number of chiropractic visits "
    "requested was not stated. It was also noted that the claimant was already certified 4 chiropractic visits. "
    "Further chiropractic visits would exceed what the guidelines recommend for an initial trial. Therefore, the "
    "request is not medically necessary."
)
TRIAL_STEP = (
    "The letter says a first trial of this care was approved before. After that trial, your doctor can ask again "
    "for more, with records of how it helped you."
)


def test_more_than_a_first_trial_already_approved_leads_with_that_trial() -> None:
    """A sixteenth reader: "the new request could say the quantity" was the step where the reviewer denied more
    visits because a first trial had just been approved: stating a number would not help. (Synthetic wording.)"""
    summary = build_summary(one("Chiropractic care (number of visits not given)", "Upheld", TRIAL_RATIONALE))
    item = summary.items[0]
    assert item.reason.text.startswith("The reviewer found that you were already certified 4 chiropractic visits")
    assert item.next_step == TRIAL_STEP
    es = build_summary(one("Chiropractic care (number of visits not given)", "Upheld", TRIAL_RATIONALE), "es")
    assert "iba más allá de esa prueba" in es.items[0].reason.text and "repetía" not in es.items[0].reason.text
    # ... the same when the claims administrator approved the trial's part and the reviewer says the rest exceeds it
    partial = parse_text(
        make_letter(
            Item(
                "Hand therapy 4 sessions",
                "Upheld",
                "No special circumstances were documented to justify 8 sessions at the start. A first trial of "
                "hand therapy is reasonable, but the 8 sessions requested exceed the guideline number for an "
                "initial trial. Therefore, the request is not medically necessary.",
                "Hand therapy 8 sessions was the original request. Hand therapy 4 sessions was authorized by the "
                "Claims Administrator. The remaining IMR eligible portion of the original request, Hand therapy 4 "
                "sessions is:",
            )
        )
    )
    assert partial.disputed_items[0].authorized_portion is not None
    assert build_summary(partial).items[0].next_step == TRIAL_STEP
    # the right outputs left alone: no trial approved, or one the reviewer says was not approved
    alone = TRIAL_RATIONALE.replace(
        "It was also noted that the claimant was already certified 4 chiropractic visits. ", ""
    )
    assert alone != TRIAL_RATIONALE
    assert build_summary(one("Chiropractic care x 12", "Upheld", alone)).items[0].next_step != TRIAL_STEP
    never = TRIAL_RATIONALE.replace("was already certified", "was not already certified")
    assert build_summary(one("Chiropractic care x 12", "Upheld", never)).items[0].next_step != TRIAL_STEP
    approved = build_summary(one("Chiropractic care x 12", "Overturned", "The records show a first trial helped. "
                                 "The request is medically necessary.")).items[0]  # fmt: skip
    assert approved.next_step != TRIAL_STEP


def test_which_guidelines_apply_is_not_a_reason() -> None:
    record = one(
        "Ketoprofen gel #30 with 2 refills",
        "Upheld",
        "The claimant is being treated for a recent injury, therefore, the chronic pain guidelines do not apply. "
        "There is no documentation of a failed trial of oral anti-inflammatory pills. Additionally, as this is a "
        "first trial, 2 refills are excessive.",
    )
    said = build_summary(record).items[0].reason.text
    # wrong: "The reviewer found that you are being treated for a recent injury, therefore, the ... do not apply"
    assert "do not apply" not in said and "failed trial of oral anti-inflammatory pills" in said, said


def test_other_care_that_did_not_help_is_history_not_the_reason() -> None:
    """A sixteenth reader: "The reviewer found that you were previously treated with [other care] but without
    improvement" was the first reason a scan was denied: told as a strike against the worker, where the guideline
    wants other care tried first. (Synthetic wording.)"""
    mri = one(
        "MRI lumbar spine",
        "Upheld",
        "Guidelines describe injections as having limited value. An earlier CT scan of the low back showed no disc "
        "herniation. The claimant was treated before with chiropractic care but with no improvement. The "
        "request for MRI lumbar spine is not medically necessary.",
    )
    assert "chiropractic" not in build_summary(mri).items[0].reason.text
    # the right output kept: the same words about the care asked for are the reason for more of it
    more = one(
        "Chiropractic care x 6",
        "Upheld",
        "The guidelines allow more visits with functional improvement. The claimant had chiropractic care "
        "earlier, but without improvement. So the request is not medically necessary.",
    )
    assert "without improvement" in build_summary(more).items[0].reason.text


def test_a_lost_verb_and_the_letters_typing_slips_are_mended_in_plain_words_only() -> None:
    record = one(
        "TENS unit purchase",
        "Upheld",
        "There is no documentation of any trail and failure of a home exercise program. Additionally, there no written "
        "plan for a home exercise program alongside the unit. Medical necessity was not established. This "
        "TENS unit purchase is determined to not be medically necessary.",
    )
    summary = build_summary(record)
    said = summary.items[0].reason.text
    assert "trial and failure" in said and "trail" not in said
    assert "The reviewer found no written plan for a home exercise" in said, said
    # the verdicts are no reasons: "is determined to not be medically necessary", "had not been established"
    assert "determined" not in said and "established" not in said
    assert check_summary(render_text(summary), summary, record).problems == []
    # the quote keeps the letter's own words
    assert "any trail and failure" in render_text(summary)
    # the check knows the mended word and no other: a word the reviewer did not write is still caught
    source = "There is no documentation of any trail and failure of a home exercise program."
    assert plain(source, "The reviewer found no record of any trial and failure of a home exercise program.") == []
    wrong = "The reviewer found no record of any trial and failure of an aquatic home exercise program."
    assert any("adds words" in p and "aquatic" in p for p in plain(source, wrong))


def test_the_gap_right_after_the_guidelines_condition_leads_over_later_gaps() -> None:
    """A sixteenth reader: the guideline's main test was dropped for two later gaps of equal weight; the gap right
    after the guideline's condition, in some of its words, is the condition applied. (Synthetic wording.)"""
    condition = (
        "The guidelines support compounded creams for nerve pain only when oral antiseizure drugs and "
        "antidepressants have not worked. "
    )
    gaps = (
        "There is no indication the claimant cannot take similar medicine by mouth. There is no documentation of "
        "less pain, better function, or less use of pain medicine. Given the above, the request is not medically "
        "necessary."
    )
    applied = "There is no clear documentation the claimant has tried and failed oral antiseizure drugs before now. "
    item = build_summary(one("Compounded cream 120 grams", "Upheld", condition + applied + gaps)).items[0]
    assert item.reason.text.startswith("The reviewer found no clear record that you have tried and failed oral"), (
        item.reason.text
    )
    # the right output kept: a first gap that shares no word of the condition gets no lift over the later ones
    other = "There is no documentation of the body part this cream is for. "
    item = build_summary(one("Compounded cream 120 grams", "Upheld", condition + other + gaps)).items[0]
    assert not item.reason.text.startswith("The reviewer found no record of the body part")


def test_a_gap_the_reviewer_denies_is_never_made_a_missing_record() -> None:
    """ "There is no lack of records of improvement" became "a new request could include records
    of lack of record of improvement": the double negative is quoted, never put in a form."""
    record = one(
        "Physical therapy x 6",
        "Upheld",
        "There is no lack of records showing functional improvement. There are no red flags. The request exceeds "
        "the guideline number. Therefore, the request is not medically necessary.",
    )
    item = build_summary(record).items[0]
    assert "lack" not in item.reason.text and "lack" not in item.next_step
    kept = build_summary(one("Physical therapy x 6", "Upheld", "There is a lack of documentation of improvement "
                             "in function. Therefore, the request is not medically necessary.")).items[0]  # fmt: skip
    assert "no record of improvement" in kept.reason.text, kept.reason.text


def test_the_opening_counts_only_requests_with_a_part_approved_and_months_agree() -> None:
    """A real letter's opening said "For three of them, part had already been approved" where for two the claims
    administrator had approved something else and the review looked at the whole request; "asked for 3 month".
    (Synthetic wording.)"""
    part = Item(
        "Adjustable bed for a 3 month rental at home",
        "Upheld",
        "The progress note does not explain why this equipment is needed at home.",
        "Adjustable bed for a 4 month rental at home was the original request. Adjustable bed for a 1 month rental "
        "at home was authorized by the Claims Administrator. The remaining IMR eligible portion of the original "
        "request, Adjustable bed for a 3 month rental at home is:",
    )
    whole = Item(
        "purchase of a bath bench",
        "Upheld",
        "The progress note does not explain why this equipment is needed at home.",
        whole_request_heading("Purchase of a bath bench", "a one-month bath bench rental"),
    )
    summary = build_summary(parse_text(make_letter(part, whole)))
    assert "For one of them, part had already been approved" in summary.opening, summary.opening
    # an eighteenth reader: the other request's earlier approval (something else in its place) is counted too,
    # and its line says the decision does not take that approval away
    assert "For one of them, the company that handles your claim had approved something else" in summary.opening
    assert summary.items[1].partial is not None and "does not take it away" in summary.items[1].partial
    assert summary.items[0].partial is not None and "asked for 4 months" in summary.items[0].partial
    assert "1 month had been approved" in summary.items[0].partial and "other 3 months" in summary.items[0].partial
    es = build_summary(parse_text(make_letter(part, whole)), "es")
    assert es.items[0].partial is not None and "pidió 4 meses" in es.items[0].partial and "1 mes" in es.items[0].partial


def test_a_finding_about_another_region_of_the_spine_is_not_this_requests_reason() -> None:
    """A seventeenth reader: one rationale written for two regions ("There are no neck complaints.") was shown
    as a reason under the request for therapy to the low back. (Synthetic wording.)"""
    rationale = (
        "The guidelines allow up to 10 visits of therapy with objective gains. The notes do not show objective "
        "functional improvement after the earlier six visits. There are no neck complaints. The request is not "
        "medically necessary."
    )
    low_back = build_summary(one("Physical therapy for the lumbar spine x 6", "Upheld", rationale))
    said = low_back.items[0].reason.text
    assert "neck" not in said and "improvement" in said, said
    # the right output kept: under the request for the neck, the same sentence is a finding about its region
    neck = build_summary(one("Physical therapy for the cervical spine x 6", "Upheld", rationale))
    assert "no neck complaints" in neck.items[0].reason.text, neck.items[0].reason.text


def test_this_medication_pointing_back_to_another_drug_is_that_drugs_history() -> None:
    """A seventeenth reader: a lack of relief "with this medication" was told of the drug asked for, where "this
    medication" was the earlier drug named in the sentence before. (Synthetic wording.)"""
    rationale = (
        "The guidelines recommend anti-inflammatory medicines at the lowest dose for moderate pain. The worker's "
        "earlier medicine was acetaminophen 325 mg. The worker had no lasting relief with this medication, and "
        "the doctor then wrote a first prescription for ibuprofen. There is no documentation of a pain score. "
        "The request is not medically necessary."
    )
    said = build_summary(one("Ibuprofen 800mg #60", "Upheld", rationale)).items[0].reason.text
    assert "this medication" not in said and "pain score" in said, said
    # the right output kept: when the sentence before names the drug asked for, "this medication" is that drug
    same = rationale.replace("earlier medicine was acetaminophen 325 mg", "medicine has been ibuprofen for a year")
    same = same.replace("and the doctor then wrote a first prescription for ibuprofen", "and no pain scores are given")
    said = build_summary(one("Ibuprofen 800mg #60", "Upheld", same)).items[0].reason.text
    assert "no lasting relief with this medication" in said, said


def test_a_ban_on_a_condition_the_reviewer_read_from_findings_does_not_close_the_door() -> None:
    """A seventeenth reader: a ban on the drug for nerve pain, where the reviewer read the worker's pain as nerve
    pain from the findings, gave "Asking again with more records is not likely to change that". (Synthetic.)"""
    read = one(
        "Ibuprofen 800mg #60",
        "Upheld",
        "The guidelines recommend anti-inflammatory medicines for moderate pain. However, the worker's pain "
        "spreads down the left leg with tingling, consistent with a nerve origin, and ibuprofen is not recommended "
        "for that kind of pain. The request is not medically necessary.",
    )
    step = build_summary(read).items[0].next_step
    assert "not likely to change" not in step, step
    # the right output kept: a ban on the care for the worker's stated condition still says so
    banned = one(
        "Diazepam 5mg #30",
        "Upheld",
        "Benzodiazepines are not recommended for long-term use because of the risk of dependence. The worker has "
        "taken this medicine for a year. The request is not medically necessary.",
    )
    assert "not likely to change" in build_summary(banned).items[0].next_step


def test_care_the_guideline_wants_first_not_performed_is_a_gap() -> None:
    """A seventeenth reader: x-rays the guideline wants first, not taken again, were not among the reasons shown
    for a foot MRI. (Synthetic wording.)"""
    record = one(
        "MRI of the left ankle",
        "Upheld",
        "Guidelines recommend an MRI of the ankle when x-rays show more than 10 mm of swelling. In this case, the "
        "worker has a pain at the outer ankle. The first x-rays were read as normal. There is only slight swelling "
        "on exam. The date of the x-ray was not provided. Changes can show on films taken later. A second set of films "
        "has not been obtained. So an MRI of the ankle is not medically necessary.",
    )
    item = render_text(build_summary(record), Format.MD).split("## What you can do")[0]
    assert "A second set of films has not been obtained" in item, item
    # the right output kept: the gap the reviewer named first still leads, and a recital is not a reason
    why = item.split("**Why:**")[1].split("\n")[0]
    assert "date of the x-ray was not provided" in why and "outer ankle" not in item, item


def test_the_next_step_names_a_second_missing_record_too() -> None:
    """A seventeenth reader counted 14 next steps as partial: the reviewer named two things missing, the step one.
    (Synthetic wording.)"""
    record = one(
        "Heating pad for the low back",
        "Upheld",
        "The guidelines allow heat at home as part of an active program. There is no documentation that the worker "
        "would use the pad alongside a home exercise program. The rationale for this particular pad was not "
        "provided. The request is not medically necessary.",
    )
    for lang, words in (("en", ("home exercise", "this particular pad")), ("es", ("home exercise", "particular pad"))):
        step = build_summary(record, lang=lang).items[0].next_step
        assert all(w in step for w in words), step
        assert step.count(get_language(lang).c.next.again) == 1, step  # the second drops "If your doctor asks again"
    # the right output kept: one gap, one step; a record of a risk is never asked for; a ban stays a ban
    single = one(
        "Heating pad for the low back",
        "Upheld",
        "The guidelines allow heat at home as part of an active program. There is no documentation that the worker "
        "would use the pad alongside a home exercise program. The request is not medically necessary.",
    )
    assert build_summary(single).items[0].next_step.count("could") == 1
    risky = one(
        "MRI of the left knee",
        "Upheld",
        "There was no documentation that the worker had tried physical therapy for the knee. There was no "
        "documentation of red flags such as a fracture. The request is not medically necessary.",
    )
    step = build_summary(risky).items[0].next_step
    assert "physical therapy" in step and "red flag" not in step, step


def test_a_record_word_before_with_reads_as_records_with() -> None:
    """ "A lack of documentation with measured evidence of ..." gave "records of with measured evidence"."""
    record = one(
        "Physical therapy x 6",
        "Upheld",
        "There was a lack of documentation with measured evidence of pain relief and better function after "
        "earlier care. The request is not medically necessary.",
    )
    step = build_summary(record).items[0].next_step
    assert "records with measured evidence" in step and "of with" not in step, step


# -- an eighteenth reader ----------------------------------------------------------------------------------------


def test_a_cause_and_its_verdict_without_their_comma_are_still_restated() -> None:
    """ "As X the requested Y would not be supported" (no comma between cause and verdict, as many reviewers
    write and OCR drops) was quoted only. The comma goes where the verdict's own words begin, and only there."""
    r = restate(
        "Since the worker has not tried a home exercise plan the requested scans are not supported now.", "upheld"
    )
    assert r is not None and r.form is Form.GIVEN
    assert r.slots == {
        "x": "the worker has not tried a home exercise plan",
        "y": "the requested scans are not supported now",
    }
    # the last verdict start is the split: the cause may itself speak of "the request"
    two = restate("Because the request repeats last month's order the request is not medically necessary.", "upheld")
    assert two is None or two.slots.get("y") == "the request is not medically necessary"
    # no verdict after the cause: nothing to split, never a comma invented inside the cause
    assert restate("As the claimant has not returned to the clinic since the spring visit.", "upheld") is None
    assert restate("Since the request was sent the worker reports no change in pain levels.", "upheld") is None


def test_a_request_past_the_guidelines_gets_that_step_not_a_lesser_gap() -> None:
    """An eighteenth reader: a sentence opening "It does appear that" (some sessions had, and the ones asked for
    going past what the guidelines recommend) was not restated (that opening was no lead), so the Why and the step
    followed a lesser point (the count of earlier sessions not noted): no session count cures a request past
    the guidelines. (Synthetic wording.)"""
    over = one(
        "Ten aquatic therapy visits for the left knee",
        "Upheld",
        "The guidelines allow a limited course for this condition. It does appear that the worker has completed at "
        "least 9 visits, and ten more visits would exceed guideline recommendations. However, how many visits the "
        "worker has completed in total is not noted.",
    )
    item = build_summary(over).items[0]
    assert item.reason.text.startswith("The reviewer found that you have completed at least 9 visits, and ten more")
    assert item.next_step.startswith("The reviewer found that this request goes past what the guidelines recommend.")
    es = build_summary(over, "es").items[0]
    assert es.next_step.startswith("El revisor encontró que esta solicitud pide más de lo que recomiendan las guías.")
    # the first point is a missing record: its step, as before, even when a later sentence speaks of the limit
    gap = one(
        "Ten aquatic therapy visits for the left knee",
        "Upheld",
        "There is no documentation of the worker's response to the earlier visits. Ten more visits would also exceed "
        "guideline recommendations.",
    )
    assert "response to the earlier visits" in build_summary(gap).items[0].next_step
    # a drug used past the guidelines' time is not counted in visits: no "how many you have had"
    drug = one(
        "Naproxen 550mg #90",
        "Upheld",
        "It appears that the worker has used this drug for longer than the guidelines recommend, and there is no "
        "record of how it helped.",
    )
    assert "how many you have had" not in build_summary(drug).items[0].next_step


def test_nothing_specific_regarding_x_is_what_a_new_request_could_show() -> None:
    """The step named an end date for a rental (the sentence's second, lesser clause) where the reviewer's first
    clause was that nothing specific was said about the equipment's medical need. (Synthetic wording.)"""
    bed = one(
        "Electric lift chair for a rental of unstated length",
        "Upheld",
        "There is nothing specific about the medical need for a lift chair and there is no end date given for "
        "the rental.",
    )
    step = build_summary(bed).items[0].next_step
    assert step.startswith("If your doctor asks again, the new request could show the medical need for a lift chair.")
    # the sentence's second clause may follow as a second record, never lead (a later reader: a step that named the
    # first clause alone left out exam findings the same sentence found missing)
    assert step.find("end date") == -1 or step.find("end date") > step.find("lift chair"), step
    # "nothing" with no "regarding X" names nothing to show: the step is not built from it
    vague = one(
        "Electric lift chair for a rental of unstated length",
        "Upheld",
        "There is nothing specific in the file, and the chair is not supported.",
    )
    assert "could show" not in build_summary(vague).items[0].next_step


def test_no_record_of_earlier_use_of_the_drug_asked_for_is_not_a_gap() -> None:
    """A sentence saying the notes show no earlier use of the very drug asked for was restated as a second reason
    and a second step (records showing that earlier use): an observation that the drug would be new, not
    something a new request could add. A record of how earlier use helped is a gap, and stays. (Synthetic
    wording.)"""
    new = one(
        "Gabapentin 300mg #90",
        "Upheld",
        "There is no documentation that first-line treatments were tried before this prescription. The notes do not "
        "document previous use of Gabapentin.",
    )
    item = build_summary(new).items[0]
    assert "previous use" not in item.reason.text and "previous use" not in item.next_step
    assert "first-line treatments were tried" in item.next_step
    helped = one(
        "Gabapentin 300mg #90",
        "Upheld",
        "There is no documentation that first-line treatments were tried before this prescription. The notes do not "
        "document previous use of Gabapentin with any relief of pain.",
    )
    assert "previous use of Gabapentin with any relief of pain" in build_summary(helped).items[0].reason.text


def test_a_course_twice_a_week_is_not_a_visit_with_a_doctor() -> None:
    """ "Physical exam 2 times 6" (the letter's name for a course of therapy) read "This is a request for a visit
    with a doctor", and the page then spoke of therapy. A weekly course is only "a treatment"; a visit stays one."""
    from imr_llm.summary.facts import Kind, treatment_kind

    assert treatment_kind("Physical exam 2 times 6") is Kind.TREATMENT
    assert treatment_kind("Physical examination 3x per week") is Kind.TREATMENT
    assert treatment_kind("Follow-up visit with an orthopedist") is Kind.VISIT
    assert treatment_kind("Consultation with a pain specialist") is Kind.VISIT


def test_a_dose_for_one_occasion_gets_no_taper_line() -> None:
    """ "Diazepam 5mg, 1 tab 1 hour before exam" (a dose for an MRI, for anxiety) got "If you already take this
    medicine, do not stop it suddenly": a warning about nothing the worker does. A daily drug keeps the
    conditional line, and a drug the letter says the worker takes keeps the firm one, one occasion or not."""
    once = one("Lorazepam 1mg, 1 tab 30 minutes before the MRI", "Upheld", "Benzodiazepines are not recommended.")
    assert build_summary(once).items[0].taper_warning is None
    daily = one("Lorazepam 1mg #60", "Upheld", "Benzodiazepines are not recommended.")
    assert (
        build_summary(daily).items[0].taper_warning
        == "If you already take this medicine, do not stop it suddenly. Ask your doctor."
    )
    taking = one(
        "Lorazepam 1mg, 1 tab 30 minutes before the MRI",
        "Upheld",
        "The patient has been taking lorazepam daily for several months. Benzodiazepines are not recommended.",
    )
    assert (build_summary(taking).items[0].taper_warning or "").startswith("Do not stop this medicine suddenly.")


def test_a_concession_then_what_the_records_lack_is_restated_as_the_lack() -> None:
    """A lead naming the worker, a concession ("although X (Y and Z)"), then "the record failed to show W": quoted
    only, and its step was the stock line. The concession (one clause, no comma in it) is left out; the lack is the
    point, and the step. A concession with commas inside is not split (the split could fall inside it)."""
    lack = one(
        "CT scan of the neck",
        "Upheld",
        "In the case of this claimant, although the notes describe new neck pain with signs of a pinched nerve (weak "
        "grip and reduced reflexes), the record failed to show a completed course of conservative treatments such "
        "as home exercises.",
    )
    item = build_summary(lack).items[0]
    assert item.reason.text.startswith("The record did not show a completed course of simpler treatments"), item.reason
    assert "a completed course of simpler treatments" in item.next_step
    unsure = restate(
        "Although the worker has pain, weakness, and numbness, the record failed to show a completed course of "
        "home exercises.",
        "upheld",
    )
    assert unsure is None


def test_the_spanish_step_names_the_second_gap_the_english_one_names() -> None:
    """An eighteenth reader: the Spanish step dropped the second missing thing the English one named, because the
    reviewer's English words quoted in it counted toward the step's length limit. The limit counts the page's own
    words; a step that is long in its own words still keeps one gap."""
    record = one(
        "MRI of the neck",
        "Upheld",
        "There is no indication that the worker was a candidate for surgery on the neck. There is no documentation "
        "regarding clear neurological deficits in both arms that would support the use of a neck MRI. The request "
        "is not medically necessary.",
    )
    en = build_summary(record).items[0].next_step
    es = build_summary(record, "es").items[0].next_step
    assert "candidate for surgery" in en and "neurological deficits" not in en and "signs of nerve damage" in en
    assert "candidate for surgery" in es and "neurological deficits in both arms" in es, es
