"""Hardening, round four (issue 26): a fourth hostile probe, after the fixes of round three. Each failure class
it found is reproduced: the wrong output the tool must not produce, and the right output it must keep (a check
that only refuses is a false alarm waiting to happen)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from imr_llm.parser import parse_text
from imr_llm.parser.verdict import plain_reading
from imr_llm.pipeline.answer import LLMLetter
from imr_llm.summary.render import Format, render_text
from imr_llm.summary.summarize import summarize
from tests.conftest import SAMPLES, approving_title
from tests.letters import APPROVED_MRI, DENIED_PT, Item, make_letter
from tests.llm_answers import perfect_answer

REVIEW = (SAMPLES / "synth-professional-review.txt").read_text()
REVIEW_VERDICT = (
    "Therefore, the request for\nchiropractic manipulation, 12 sessions for the cervical spine is not "
    "medically necessary."
)

# -- a verdict is read only where it is stated plainly ----------------------------------------------------

# denials (or doubts) worded without a plain "not": each was read as an approval ("This is approved") in a
# professional review, decided by its rationale alone
DENIALS = [
    "As such, the request isn\u2019t medically necessary.",
    "The request wasn't medically necessary.",
    "The request doesn't appear to be medically necessary.",
    "I don't believe the request is medically necessary.",
    "I can't say the request is medically necessary.",
    "The request can\u2019t be considered medically necessary.",
    "The request is in no way medically necessary.",
    "The request is by no means medically necessary.",
    "The request is far from medically necessary.",
    "The request is anything but medically necessary.",
    "The request is scarcely medically necessary.",
    "The request has ceased to be medically necessary.",
    "I disagree that the request is medically necessary.",
    "I reject the claim that the request is medically necessary.",
    "It is incorrect that the request is medically necessary.",
    "The provider's conclusion that the request is medically necessary is unfounded.",
    "It is yet to be shown that the request is medically necessary.",
    "It remains to be established that the request is medically necessary.",
    "It is too early to conclude that the request is medically necessary.",
    "The request is excessive; only a trial of six sessions is medically necessary.",
    "Conservative care, rather than the request, is medically necessary.",
    "Instead of the request, home exercise is medically necessary.",
    "After weight loss, the request is medically necessary.",
    "Had there been improvement, the request would be medically necessary.",
    "The request is n\u00adot medically necessary.",
    "The request is n\u200bot medically necessary.",
    "The request is n\u043et medically necessary.",
    "Nothing in the records shows the request is medically necessary.",
    "The progress report indicates the request is medically necessary.",
    "The applicant's attorney alleges the request is medically necessary.",
    "In 2015 the request was medically necessary.",
    "The opinion of the requesting physician is that the request is medically necessary.",
    "The request is medically necessary only in the acute phase.",
    "Provided the patient improves, the request is medically necessary.",
]
# approvals with a negation somewhere else: each was read as a denial ("This is not approved")
APPROVALS = [
    "The request is not only medically necessary but essential to recovery.",
    "The request cannot be denied, as it is medically necessary.",
    "I do not agree with the utilization review; the request is medically necessary.",
    "Although the patient has not improved fully, the request is medically necessary.",
    "There is no longer any doubt that the request is medically necessary.",
]


@pytest.mark.parametrize("closing", DENIALS)
def test_a_denial_however_worded_is_never_read_as_an_approval(closing: str) -> None:
    review = parse_text(REVIEW.replace(REVIEW_VERDICT, closing))
    lost = parse_text(make_letter(Item("Lumbar brace", "", "There is no documentation of benefit. " + closing)))
    for record in (review, lost):
        assert record.disputed_items[0].decision in (None, "upheld"), closing
        page = render_text(summarize(record, "en").summary, Format.MD)
        assert "This is approved" not in page
        if record.disputed_items[0].decision is None:
            assert record.needs_review and "could not read" in page


@pytest.mark.parametrize("closing", APPROVALS)
def test_an_approval_with_a_negation_elsewhere_is_never_read_as_a_denial(closing: str) -> None:
    record = parse_text(REVIEW.replace(REVIEW_VERDICT, closing))
    assert record.disputed_items[0].decision in (None, "overturned"), closing
    assert "This is not approved" not in render_text(summarize(record, "en").summary, Format.MD)


@pytest.mark.parametrize(
    ("sentence", "reading"),
    [  # verdicts as real letters state them (paraphrased): read, each its own way
        ("Therefore, the request is not medically necessary.", False),
        ("CT of the right wrist without contrast is medically necessary.", True),
        ("As such, the currently requested tramadol ER 150mg #30 is medically necessary.", True),
        ("Therefore, an ultrasound of the right shoulder is medically necessary in the care of the claimant.", True),
        (
            "Given the documented gains from earlier sessions, the request is medically necessary.",
            True,
        ),
        (
            "I am reversing the prior utilization review decision and deem the cold unit to be medically necessary.",
            True,
        ),
        ("Yes, the request for Naprosyn was medically appropriate, medically necessary, and indicated here.", True),
        ("The request for an EMG of both legs is determined to not be medically necessary.", False),
        ("Likewise, the medical necessity of the brace is not established.", False),
        ("A MRI of the Wrist is not a medical necessity for the claimant at present.", False),
        ("This request does not satisfy ODG criteria, and does not appear medically necessary.", False),
        ("Therefore, the request was notmedically necessary.", False),
        ("The hospital bed is not supported by the ODG and is not medically necessary.", False),
        ("As such, the request isn\u2019t medically necessary.", False),
        ("The request is in no way medically necessary.", False),
        # not stated plainly: no verdict
        ("The request is not only medically necessary but essential to recovery.", None),
        ("I disagree that the request is medically necessary.", None),
        ("Conservative care, rather than the request, is medically necessary.", None),
    ],
)
def test_plain_verdicts_are_read_both_ways_and_nothing_else_is(sentence: str, reading: bool | None) -> None:
    assert plain_reading(sentence) is reading


def test_an_intact_heading_is_not_doubted_for_a_wording_that_is_not_plain() -> None:
    """The heading decides; the rationale cross-checks it only where it states a verdict plainly. A plainly
    worded denial under an Upheld heading was flagged "heading says Upheld but the rationale concludes
    medically necessary" (a false alarm), and an Overturned one with "not only" or "cannot be denied" too."""
    rationale = DENIED_PT.rationale.rsplit(". ", 1)[0] + ". "
    for closing in [
        "The request doesn't appear to be medically necessary.",
        "The request is in no way medically necessary.",
    ]:
        record = parse_text(make_letter(Item("Physical therapy 8 sessions", "Upheld", rationale + closing)))
        assert record.disputed_items[0].decision == "upheld" and not record.needs_review, record.warnings
    for closing in APPROVALS[:2]:
        record = parse_text(make_letter(Item("MRI of the knee", "Overturned", "The knee locks. " + closing)))
        assert record.disputed_items[0].decision == "overturned" and not record.needs_review, record.warnings
    # a plain verdict the other way is still said (right both ways)
    odd = parse_text(
        make_letter(Item("Physical therapy 8 sessions", "Upheld", "Therefore, the request is medically necessary."))
    )
    assert any("heading says Upheld but the rationale concludes medically necessary" in w for w in odd.warnings)


# -- a letter cut after a verdict-first opening ------------------------------------------------------------

VERDICT_FIRST = (
    "The request for a nerve conduction study is medically necessary, medically appropriate, and indicated for this "
    "applicant. The applicant reported numbness in the hand for five weeks. The guidelines support testing when "
    "symptoms last more than a month. Therefore, the request was medically necessary."
)


def test_a_letter_cut_after_a_verdict_first_opening_says_so() -> None:
    """A reviewer who states the verdict first and again at the end: a letter cut between the two ended on
    reasoning, the opening read as its conclusion, and nothing was said (a whole approved item had vanished)."""
    letter = make_letter(DENIED_PT, Item("Nerve conduction study", "Overturned", VERDICT_FIRST))
    whole = parse_text(letter)
    assert not whole.needs_review and len(whole.disputed_items) == 2
    cut = parse_text(letter[: letter.index("Therefore, the request was medically necessary.")])
    assert any("goes on after its opening verdict" in w for w in cut.warnings), cut.warnings
    page = render_text(summarize(cut, "en").summary, Format.MD)
    assert "cut off" in page


# -- page numbers however written ---------------------------------------------------------------------------

# the page-number formats this probe found are in test_hardening_round3's
# test_page_numbers_however_written_are_read_and_never_read_as_text, beside the earlier ones


def test_a_short_line_that_is_not_a_page_number_is_left_alone() -> None:
    """Right the other way: the same short line on two pages with a number that does not rise (a form's
    "Section 2" at each page top) is no page numbering, and a whole letter says nothing of missing pages."""
    letter = make_letter(DENIED_PT, Item("MRI of the knee", "Overturned", APPROVED_MRI.rationale))
    second = letter.index("MRI of the knee:")
    text = "Section 2\n" + letter[:second] + "\fSection 2\n" + letter[second:]
    record = parse_text(text)
    assert not any("page" in w for w in record.warnings), record.warnings


# -- a header label with no value --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "field"),
    [("Decision Date: 12/30/2016", "decision_date"), ("UR Denial Date: 11/17/2016", "ur_determination_date")],
)
def test_a_header_label_with_no_value_never_takes_the_next_ones(label: str, field: str) -> None:
    """ "Decision Date:" left blank took the UR denial date (the page said "decided on" a date two months early,
    under a generic warning); a blank "UR Denial Date:" took the application's date, silently."""
    blank = make_letter(DENIED_PT).replace(label, label.split(":")[0] + ":")
    record = parse_text(blank)
    assert getattr(record, field) is None and record.needs_review
    assert any(w.startswith(f"{field}: no value after its label") for w in record.warnings), record.warnings
    assert record.application_received_date == dt.date(2016, 11, 21)
    assert record.date_assigned == dt.date(2016, 11, 28)
    whole = parse_text(make_letter(DENIED_PT))  # right both ways
    assert whole.decision_date == dt.date(2016, 12, 30) and whole.ur_determination_date == dt.date(2016, 11, 17)
    assert not whole.needs_review


# -- a model's age of someone or something else ------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "quote", "stated"),
    [
        (30, "an industrial injury, now a 30-year-old injury", False),
        (8, "the claimant, whose 8-year-old son lives with her", False),
        (52, "his wife, age 52, reported", False),
        (52, "The injured worker is a 52 year old female", True),
        (47, "a 47-year-old male who sustained an injury", True),
        (61, "age 61", True),
    ],
)
def test_a_models_age_is_the_workers_only_when_the_quote_says_so(age: int, quote: str, stated: bool) -> None:
    answer: dict[str, Any] = perfect_answer(parse_text(make_letter(DENIED_PT)))
    answer["patient_age"], answer["patient_quote"] = age, quote
    refused = "patient_age" in LLMLetter.model_validate(answer).unsupported()
    assert refused is not stated


# -- a model's Spanish translation is held to a shape, not only to word lists --------------------------------

FACETS = (
    "While the guidelines note that facet joint injections are not recommended when pain goes down the leg, here, "
    "however, the applicant was described as having pain going down the leg. The provider also sought "
    "authorization for an epidural injection. Therefore, the request is not medically necessary."
)
SAID = (
    "El revisor escribió que las inyecciones en las articulaciones de la columna no se recomiendan cuando hay dolor "
    "que baja por la pierna"
)


@pytest.mark.parametrize(
    "rewrite",
    [
        "No hay duda: las inyecciones en las articulaciones de la columna se recomiendan cuando hay dolor que baja "
        "por la pierna.",
        "El revisor no tuvo dudas: las inyecciones se recomiendan cuando hay dolor que baja por la pierna.",
        f"{SAID}. Las inyecciones van a ser autorizadas.",
        f"{SAID}. Le van a pagar las inyecciones.",
        f"{SAID}, pero la aseguradora debe autorizarlas.",
        f"{SAID}, así que usted ganó.",
        f"{SAID}; ahora bien, en su situación conviene ponerlas.",
        f"{SAID}, aunque su médico puede ponérselas igual.",
        f"{SAID}. Su médico se las puede poner sin permiso.",
        SAID.replace("escribió que", "escribió erróneamente que") + ".",
        SAID.replace("escribió que", "escribió, sin razón, que") + ".",
        SAID.replace("El revisor escribió", "El revisor supuestamente escribió") + ".",
        # a fifth probe: reversals inside the shape, the opposite decision, comments on the reviewer's words
        "El revisor no encontró ningún motivo para negar las inyecciones en las articulaciones de la columna.",
        "El revisor no encontró nada en contra de las inyecciones en las articulaciones de la columna.",
        "El revisor no encontró ninguna objeción a las inyecciones en las articulaciones de la columna.",
        "El revisor encontró que las inyecciones se recomiendan sin importar el dolor que baja por la pierna.",
        "El revisor encontró que nada impide las inyecciones cuando hay dolor que baja por la pierna.",
        f"{SAID}. Por eso, el revisor le recomienda ponerse las inyecciones ahora.",
        f"{SAID}. La solicitud fue aceptada.",
        "La solicitud fue concedida sin condiciones.",
        f"{SAID}, y usted nunca tuvo ese dolor.",
        f"{SAID}, lo cual es falso.",
        f"{SAID}, algo que nadie cree.",
        "Las guías que usó el revisor recomiendan las inyecciones cuando no hay otra opción.",
        SAID.replace("no se recomiendan", "ya no se descartan") + ".",
        # a short re-probe: the "no" moved onto the condition, and a comment on the reviewer in brackets
        SAID.replace("no se recomiendan cuando hay", "se recomiendan cuando no hay") + ".",
        SAID.replace("no se recomiendan cuando hay", "se recomiendan aunque no hay") + ".",
        f"{SAID} (error del revisor).",
    ],
)
def test_a_translation_that_adds_a_claim_or_discredits_the_reviewer_is_rejected(rewrite: str) -> None:
    """A fourth probe: these Spanish rewrites passed every check and were printed under "Esta solicitud no fue
    aprobada". A translation cannot be compared word by word with the English, so it is held to a shape: each
    sentence opens as the reviewer's words are reported, no joining word adds a claim, and no kind of outcome
    (payment, approval, the future, what must or may be done, the insurer) the reviewer's words do not speak of."""
    from imr_llm.summary.build import build_summary
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems

    record = parse_text(make_letter(Item("Lumbar facet injections", "Upheld", FACETS)))
    item = build_summary(record, "es").items[0]
    assert reason_problems(rewrite, item, get_language("es")), rewrite


def test_a_faithful_translation_still_passes() -> None:
    from imr_llm.summary.build import build_summary
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.rewrite import reason_problems

    record = parse_text(make_letter(Item("Lumbar facet injections", "Upheld", FACETS)))
    item = build_summary(record, "es").items[0]
    assert reason_problems(f"{SAID}.", item, get_language("es")) == []
    both = f"{SAID}, y que usted tiene ese dolor."
    assert reason_problems(both, item, get_language("es")) == []


# -- a fifth probe ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "closing",
    [
        "A home exercise program is medically necessary.",  # other care
        "Six sessions of chiropractic manipulation are medically necessary.",  # a part of the 12 asked for
        "Zero sessions are medically necessary.",
        "The request for six of the twelve sessions is medically necessary.",
        "Fewer sessions are medically necessary.",
        "The request for a home exercise program is medically necessary.",
        "The treatment of choice, a home exercise program, is medically necessary.",
        # a short re-probe: other care sharing one word with the request
        "Cervical spine surgery is medically necessary.",
        "A cervical collar is medically necessary.",
        "Manipulation under anesthesia is medically necessary.",
        "Chiropractic manipulation for the lumbar spine is medically necessary.",
    ],
)
def test_an_approval_of_other_care_or_of_a_part_is_never_the_requests(closing: str) -> None:
    record = parse_text(REVIEW.replace(REVIEW_VERDICT, closing))
    assert record.disputed_items[0].decision is None and record.needs_review, closing
    # the request's own approval still reads (right both ways)
    whole = parse_text(
        approving_title(REVIEW).replace(
            REVIEW_VERDICT,
            "Therefore, the request for chiropractic manipulation, 12 sessions for the cervical spine is medically "
            "necessary.",
        )
    )
    assert whole.disputed_items[0].decision == "overturned"


@pytest.mark.parametrize(
    "closing",
    [  # approvals whose comma was left out: the negation is the reason's, the verdict the request's
        "Since the patient has not improved with home exercise the request is medically necessary.",
        "Because there is no other option the request is medically necessary.",
        "As there is no contraindication the request is medically necessary.",
        "As the patient cannot work the request is medically necessary.",
        "As home exercise is no longer helping the request is medically necessary.",
        "The sessions that were not authorized are medically necessary.",
        "No less than the requested 12 sessions are medically necessary.",
    ],
)
def test_an_approval_whose_reason_holds_a_negation_is_never_a_denial(closing: str) -> None:
    record = parse_text(REVIEW.replace(REVIEW_VERDICT, closing))
    assert record.disputed_items[0].decision in (None, "overturned"), closing


def test_a_negation_in_another_clause_never_makes_a_denial() -> None:
    """ "The request does not exceed the guideline limit and is medically necessary." read "The denial stands"."""
    assert plain_reading("The request does not exceed the guideline limit and is medically necessary.") is None
    assert plain_reading("The bed is not supported by the MTUS and is not medically necessary.") is False
    record = parse_text(
        REVIEW.replace(REVIEW_VERDICT, "The request does not exceed the guideline limit and is medically necessary.")
    )
    assert record.disputed_items[0].decision is None


def test_a_page_read_twice_is_said() -> None:
    letter = make_letter(DENIED_PT, Item("MRI of the knee", "Overturned", APPROVED_MRI.rationale))
    second = letter.index("MRI of the knee:")
    pages = [letter[:second], letter[second:]]
    twice = parse_text("\f".join([pages[0], pages[1], pages[1]]))
    assert any("page 3 repeats page 2" in w for w in twice.warnings), twice.warnings
    assert any("repeats item 2 word for word" in w for w in twice.warnings)
    once = parse_text("\f".join(pages))  # right both ways
    assert not once.needs_review, once.warnings


def test_a_rationale_that_is_only_its_opening_verdict_says_the_letter_may_be_cut() -> None:
    letter = make_letter(DENIED_PT, Item("Nerve conduction study", "Overturned", VERDICT_FIRST))
    opening = VERDICT_FIRST.split(". ")[0] + "."
    cut = parse_text(letter[: letter.index(opening) + len(opening)])
    assert any("is only its opening verdict" in w for w in cut.warnings), cut.warnings
    # a whole one-sentence rationale of another shape (a linked service's) is not called cut
    linked = parse_text(
        make_letter(
            DENIED_PT,
            Item(
                "Post-operative brace",
                "Upheld",
                "As the requested surgical intervention is not medically necessary, the requested ancillary service "
                "is not medically necessary.",
            ),
        )
    )
    assert not any("cut off" in w for w in linked.warnings), linked.warnings


def test_an_impossible_or_missing_header_date_is_said() -> None:
    """ "Decision Date: 02/30/2017", or a header row left out: the field was left empty without a word, and the
    page quietly lost its "decided on"."""
    bad = parse_text(make_letter(DENIED_PT).replace("Decision Date: 12/30/2016", "Decision Date: 02/30/2017"))
    assert bad.decision_date is None and bad.needs_review
    assert any("'02/30/2017' is not a valid date" in w for w in bad.warnings), bad.warnings
    gone = parse_text(make_letter(DENIED_PT).replace("Decision Date: 12/30/2016 ", ""))
    assert gone.decision_date is None and any("decision_date: not found" in w for w in gone.warnings)


def test_a_header_printed_column_by_column_with_a_value_missing_takes_no_date() -> None:
    """Plain pdftotext prints a column's labels, then their values: one blank value slid every later date onto
    the wrong label, silently."""
    columns = (
        "Case Number:\nDate Assigned:\nDecision Date:\nPriority:\n\nCM16-0900199\n11/28/2016\n12/30/2016\nStandard\n\n"
        "Date of Injury:\nUR Denial Date:\nApplication\nReceived:\n\n{injury}11/17/2016\n11/21/2016\n"
    )
    letter = make_letter(DENIED_PT)
    start, end = 0, letter.index("HOW THE IMR FINAL")
    whole = parse_text(columns.format(injury="09/14/2016\n") + letter[end:])
    assert whole.date_of_injury == dt.date(2016, 9, 14) and whole.decision_date == dt.date(2016, 12, 30)
    missing = parse_text(columns.format(injury="") + letter[end:])
    assert missing.ur_determination_date is None and missing.application_received_date is None
    assert any("which date is whose cannot be told" in w for w in missing.warnings), missing.warnings
    assert start == 0


def test_a_key_echoed_in_a_normal_answer_is_removed_before_anything_reads_it_FAKE_SERVER(tmp_path: Path) -> None:
    from imr_llm.llm.cache import ResponseCache
    from imr_llm.llm.client import LLMClient
    from imr_llm.llm.config import LLMConfig
    from imr_llm.llm.prompts import load_prompt
    from imr_llm.loaders import load_file
    from imr_llm.pipeline.llm_extractor import LLMExtractor
    from tests.fake_openai_server import MODEL, Behaviour, fake_server

    key = "sk-testKEY1234567890abcdef"
    letter = SAMPLES / "synth-2016-basic.txt"
    answer = perfect_answer(parse_text(letter.read_text()))
    answer["disputed_items"][0]["request"] = f"{key} is the request"
    with fake_server(Behaviour("ok", answer)) as server:
        config = LLMConfig(base_url=server.base_url, model=MODEL, api_key=key)
        record = LLMExtractor(LLMClient(config), load_prompt("extract"), ResponseCache(tmp_path / "c")).run(
            load_file(letter)
        )
    dumped = record.model_dump_json()
    assert key not in dumped and "1234567890abcdef" not in dumped.lower()
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert key.encode() not in stored


def test_unlikely_header_values_and_a_prose_date_of_injury_are_said() -> None:
    """ "Date of Injury: 11/02/1916", a cumulative-trauma range, a six-digit case number, and (the header's row
    left out) a date of injury read from another injury in the case summary: taken as written, silently."""
    old = make_letter(DENIED_PT).replace("Date of Injury: 09/14/2016", "Date of Injury: 11/02/1916")
    assert any("is before 1950" in w for w in parse_text(old).warnings)
    ranged = make_letter(DENIED_PT).replace("Date of Injury: 09/14/2016", "Date of Injury: 01/01/2015 - 09/14/2016")
    assert any("gives a range" in w for w in parse_text(ranged).warnings)
    short = make_letter(DENIED_PT).replace("CM16-0900199", "CM16-090019")
    assert any("case_number: 'CM16-090019' is not the usual" in w for w in parse_text(short).warnings)
    prose = make_letter(DENIED_PT).replace("Date of Injury: 09/14/2016", "")
    record = parse_text(prose)
    assert any("date_of_injury: not read from the letter's header" in w for w in record.warnings), record.warnings
    whole = parse_text(make_letter(DENIED_PT))  # right both ways
    assert not whole.needs_review and whole.date_of_injury == dt.date(2016, 9, 14)


def test_a_models_faithful_received_line_is_its_application_date() -> None:
    """The header prints "Application" and "Received:" on two lines: a model quoting "Received: 12/22/2016" quotes
    the letter faithfully, and was refused (a false alarm on three real letters)."""
    from imr_llm.pipeline.answer import _dates_after_own_label

    assert _dates_after_own_label("application_received_date", "Received: 12/22/2016") == {"2016-12-22"}
    assert _dates_after_own_label("application_received_date", "The patient was seen on 12/22/2016") == set()
