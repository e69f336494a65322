"""The twenty-eighth probe's leftovers and the twenty-ninth probe's cases, each tested both ways (the wrong output it
must not produce, and the right one). All letters here are synthetic."""

from __future__ import annotations

import pytest

_HEADING = "MRI of the right shoulder without contrast: Overturned"


def _basic(heading: str) -> str:
    from tests.conftest import SAMPLES

    letter = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    assert _HEADING in letter
    return letter.replace(_HEADING, heading)


@pytest.mark.parametrize("word", ["Uph eld", "Uphe1d", "Upheid", "Uphled", "Up-heId", "U p h e l d"])
def test_a_damaged_upheld_over_an_approving_rationale_is_no_decision(word: str) -> None:
    from imr_llm.parser import parse_text
    from imr_llm.summary.render import Format, render_text
    from imr_llm.summary.summarize import summarize

    record = parse_text(_basic(f"MRI of the right shoulder without contrast: {word}"))
    item = record.disputed_items[1]
    # wrong before (the probe): the rationale alone made it "overturned", and the page said "This is approved"
    assert item.decision is None
    assert any("decision word is damaged" in w for w in record.warnings)
    assert "This is approved" not in render_text(summarize(record, "en").summary, Format.MD)
    assert item.request == "MRI of the right shoulder without contrast"  # the damaged word is not the request


@pytest.mark.parametrize("word", ["0verturned", "Overtu rned", "Ovenurned", "O v e r t u r n e d"])
def test_a_damaged_overturned_that_the_rationale_agrees_with_is_read(word: str) -> None:
    from imr_llm.parser import parse_text

    record = parse_text(_basic(f"MRI of the right shoulder without contrast: {word}"))
    item = record.disputed_items[1]
    # right: two readings that agree (a damaged "Overturned" and "medically necessary") give the decision
    assert item.decision == "overturned"
    assert item.request == "MRI of the right shoulder without contrast"
    assert not any("decision word is damaged" in w for w in record.warnings)


@pytest.mark.parametrize("tail", ["Norco", "2 sessions", "DOS 11/11/2016", "left knee", "Over", "Not Upheld"])
def test_a_heading_tail_that_is_no_decision_word_is_kept_as_the_request(tail: str) -> None:
    from imr_llm.parser.items import damaged_decision

    # right: a request's own last words are never taken for a damaged decision word
    assert damaged_decision(f"Medication: {tail}") is None
    assert damaged_decision("MRI: Uph eld") == ("Uph eld", False)  # wrong: a damaged "Upheld" read as nothing


_REVIEW_CLOSING = "12 sessions for the cervical spine is not medically necessary."


@pytest.mark.parametrize(
    ("title", "closing", "decision"),
    [
        ("IS/WAS NOT", "is medically necessary.", None),  # wrong before (the probe): shown "This is approved"
        ("IS/WAS", "is not medically necessary.", None),  # the same disagreement the other way round
        ("IS/WAS", "is medically necessary.", "overturned"),  # right: title and conclusion agree
        ("IS/WAS NOT", "is not medically necessary.", "upheld"),
        ("IS/IS NOT", "is medically necessary.", "overturned"),  # right: a title that offers both reads no outcome
        ("IS OR IS NOT", "is not medically necessary.", "upheld"),
    ],
)
def test_a_professional_review_whose_title_and_conclusion_disagree_is_not_decided(
    title: str, closing: str, decision: str | None
) -> None:
    from imr_llm.parser import parse_text
    from tests.conftest import SAMPLES

    review = (SAMPLES / "synth-professional-review.txt").read_text(encoding="utf-8")
    assert _REVIEW_CLOSING in review and "IS/WAS NOT\nMEDICALLY NECESSARY:" in review
    review = review.replace("IS/WAS NOT\nMEDICALLY NECESSARY:", f"{title}\nMEDICALLY NECESSARY:")
    record = parse_text(review.replace(_REVIEW_CLOSING, f"12 sessions for the cervical spine {closing}"))
    assert record.disputed_items[0].decision == decision
    assert any("rationale's title says" in w for w in record.warnings) is (decision is None)
    # an empty decision cites no words of the letter as its own; a read one does
    assert ("disputed_items.0.decision" in record.evidence) is (decision is not None)
    assert ("disputed_items.0.decision_text" in record.evidence) is (decision is not None)


def test_a_professional_review_followed_by_another_letter_is_read_as_itself_and_says_so() -> None:
    from imr_llm.parser import parse_text
    from tests.conftest import SAMPLES

    review = (SAMPLES / "synth-professional-review.txt").read_text(encoding="utf-8")
    letter = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    record = parse_text(review + letter)
    # wrong before (the probe): the second letter was dropped without a word, and the review's reviewer was the
    # second letter's
    assert any("the file holds 2 letters" in w for w in record.warnings) and record.needs_review
    assert record.template == "professional_review" and record.case_number == "CM15-0900606"
    assert [i.decision for i in record.disputed_items] == ["upheld"]
    assert "Physical Medicine" in (record.reviewer.certification_text or "")
    # right: the review alone is one letter, read as before
    alone = parse_text(review)
    assert not any("letters" in w for w in alone.warnings) and alone.reviewer == record.reviewer


_TAKING = (
    "Decision rationale: The claimant has been taking a muscle relaxant since 2019 without documented functional "
    "improvement. Therefore, the request is not medically necessary.\n"
)
_ES_TAKING = (
    "El revisor encontró que usted ha estado tomando un relajante muscular desde 2019 sin mejoría funcional "
    "documentada."
)


@pytest.mark.parametrize(
    "change",
    [
        ("sin mejoría funcional documentada", "con mejoría funcional no documentada"),  # improvement said to be there
        ("sin mejoría funcional documentada", "con una mejoría no registrada"),
        ("ha estado tomando", "ha dejado de tomar"),  # the worker said to have stopped
        ("ha estado tomando", "suspendió"),
    ],
)
def test_a_spanish_rewrite_that_turns_a_finding_about_the_worker_is_refused(change: tuple[str, str]) -> None:
    from imr_llm.summary.rewrite import reason_problems
    from tests.test_probe27 import _es_item

    item, language = _es_item(0, _TAKING)
    assert change[0] in _ES_TAKING
    # wrong before (the probe): accepted, the page told the worker a fact the reviewer never wrote
    assert reason_problems(_ES_TAKING.replace(change[0], change[1]), item, language)  # type: ignore[arg-type]
    assert reason_problems(_ES_TAKING, item, language) == []  # type: ignore[arg-type]  # right: the faithful one


@pytest.mark.parametrize("stopped", ["dejó de tomar", "ha dejado de tomar", "suspendió"])
def test_a_spanish_rewrite_that_says_care_stopped_where_the_reviewer_did_is_accepted(stopped: str) -> None:
    from imr_llm.summary.rewrite import reason_problems
    from tests.test_probe27 import _es_item

    item, language = _es_item(0, _TAKING.replace("has been taking", "stopped taking").replace("since", "in"))
    faithful = (
        f"El revisor encontró que usted {stopped} un relajante muscular en 2019 sin mejoría funcional documentada."
    )
    # right: the reviewer wrote that it stopped ("dejó de" had been refused as a negation turned round)
    assert reason_problems(faithful, item, language) == []  # type: ignore[arg-type]


_EN_TAKING = (
    "Decision rationale: The claimant has been taking a muscle relaxant 10 mg tid since 2019 without documented "
    "functional improvement. There is no documentation of objective neurologic deficits on examination. Therefore, "
    "the request is not medically necessary.\n"
)
# a faithful rewrite in other words than the page's own: "have taken" for "has been taking", "three times daily"
# for "tid", "recorded functional improvement" (one plain term of two), "objective signs of nerve damage"
_EN_FAITHFUL = (
    "The reviewer found that you have taken a muscle relaxant 10 mg three times daily since 2019 without recorded "
    "functional improvement. The reviewer found that there is no record of objective signs of nerve damage on "
    "examination."
)


def _first_rationale(rationale: str) -> str:
    """The synthetic 2016 letter with its first (upheld) item's rationale replaced by `rationale`."""
    from tests.test_probe27 import BASIC

    start = BASIC.index("Decision rationale: The MTUS guidelines support a short course")
    return BASIC[:start] + rationale + BASIC[BASIC.index("MRI of the right shoulder without contrast: Overturned") :]


def _en_item(rationale: str) -> tuple[object, object]:
    from imr_llm.parser import parse_text
    from imr_llm.summary.build import build_summary
    from imr_llm.summary.languages import get_language

    return build_summary(parse_text(_first_rationale(rationale)), "en").items[0], get_language("en")


def test_a_faithful_english_rewrite_in_other_forms_of_the_reviewers_words_is_accepted() -> None:
    from imr_llm.summary.rewrite import reason_problems

    item, language = _en_item(_EN_TAKING)
    # wrong before (the probe): refused for "taken", "daily" and "objective examination", the offline sentence shown
    assert reason_problems(_EN_FAITHFUL, item, language) == []  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        ("three times daily", "four times daily"),
        ("without recorded functional", "with recorded functional"),
        ("have taken", "have stopped taking"),
        ("have taken", "have been given"),
        ("objective signs of nerve damage", "signs of objective nerve damage"),
        ("no record of objective", "a record of objective"),
        ("three times daily", "three times weekly"),
    ],
)
def test_an_english_rewrite_that_changes_the_reviewers_finding_is_still_refused(change: tuple[str, str]) -> None:
    from imr_llm.summary.rewrite import reason_problems

    item, language = _en_item(_EN_TAKING)
    assert change[0] in _EN_FAITHFUL
    # right both ways: the forms now accepted are no pass for another finding
    assert reason_problems(_EN_FAITHFUL.replace(change[0], change[1]), item, language)  # type: ignore[arg-type]


_GUIDE = (
    "Decision rationale: The guidelines support imaging of the shoulder when symptoms persist after conservative "
    "care. Nerve conduction studies may help find subtle nerve problems in patients with arm symptoms lasting more "
    "than four weeks. "
)
_MRI = "the request for MRI of the right shoulder without contrast is medically necessary."


def _approval_reason(rationale: str) -> tuple[str | None, list[str]]:
    from imr_llm.parser import parse_text
    from imr_llm.summary.build import build_summary
    from tests.test_probe27 import BASIC

    start = BASIC.index("Decision rationale: Yes, the requested MRI")
    record = parse_text(BASIC[:start] + rationale + "\n")
    item = record.disputed_items[1]
    assert item.decision == "overturned"
    return build_summary(record, "en").items[1].reason.text, (item.reason.sentences if item.reason else [])


@pytest.mark.parametrize(
    "granted",
    [
        "The claimant has not completed physical therapy. The reviewer does not find this decisive.",
        "The claimant has not completed physical therapy. This is not a bar to the request.",
        "The claimant has not completed physical therapy. This alone does not preclude imaging.",
    ],
)
def test_an_approval_is_never_explained_by_a_point_the_reviewer_set_aside(granted: str) -> None:
    why, sentences = _approval_reason(f"{_GUIDE}{granted} The {_MRI}")
    # wrong before (the probe): "The reviewer found that you have not completed physical therapy." under Approved
    assert not any("physical therapy" in s for s in sentences)
    assert "physical therapy" not in (why or "")


def test_the_side_the_reviewer_takes_after_a_granted_point_is_the_reason() -> None:
    _, sentences = _approval_reason(
        f"{_GUIDE}There is no documentation of weakness on exam. Even so, given persistent symptoms, {_MRI}"
    )
    # wrong before (the probe): the quoted "reason" was the guideline's passage about nerve studies "in patients
    # with ...", another test, for a worker with no such finding
    assert not any("Nerve conduction" in s for s in sentences)
    assert sentences and sentences[0].startswith("Even so, given persistent symptoms")
    # right: a reason the reviewer gives about this case is still the reason
    _, sentences = _approval_reason(
        f"{_GUIDE}The records document weakness and a positive impingement sign. The {_MRI}"
    )
    assert sentences and "weakness" in sentences[0]


_IMPROVING = (
    "Decision rationale: The claimant is taking a muscle relaxant 10 mg bid with improvement in pain, which supports "
    "continued use. Therefore, the request is medically necessary.\n"
)
_ES_IMPROVING = (
    "El revisor encontró que usted está tomando un relajante muscular 10 mg dos veces al día con mejoría en el dolor, "
    "lo que apoya su uso continuo."
)
_NO_WEAKNESS = (
    "Decision rationale: There is no recorded loss of strength or any sign of nerve damage. Therefore, the request is "
    "not medically necessary.\n"
)
_ES_NO_WEAKNESS = "El revisor encontró que no hay pérdida de fuerza registrada ni señal de daño en los nervios."


@pytest.mark.parametrize(
    ("k", "rewrite"),
    [
        (1, _ES_IMPROVING[:-1] + " y que volvió al trabajo."),  # a finding added: returned to work
        (1, _ES_IMPROVING[:-1] + ", que ya terminó."),  # a finding added: the care has ended
        (0, "El revisor encontró que hay pérdida de fuerza registrada y señal de daño en los nervios no."),  # "no" last
        (
            0,
            "El revisor encontró que no solo hay pérdida de fuerza registrada sino también señal de daño en los "
            "nervios.",
        ),
    ],
)
def test_a_spanish_rewrite_that_adds_a_clause_or_moves_its_no_to_the_end_is_refused(k: int, rewrite: str) -> None:
    from imr_llm.summary.rewrite import reason_problems
    from tests.test_probe27 import _es_item

    item, language = _es_item(k, _IMPROVING if k == 1 else _NO_WEAKNESS)
    # wrong before (the probe): each accepted, and shown to the worker as the reviewer's reason
    assert reason_problems(rewrite, item, language)  # type: ignore[arg-type]
    # right: the faithful translation (", lo que" for the reviewer's ", which") passes
    faithful = _ES_IMPROVING if k == 1 else _ES_NO_WEAKNESS
    assert reason_problems(faithful, item, language) == []  # type: ignore[arg-type]


def test_a_point_only_set_aside_is_never_the_reason_shown() -> None:
    from imr_llm.parser import parse_text

    granted = (
        "Decision rationale: The provider documented new numbness in the left leg, which would ordinarily support "
        "the request. The reviewer does not find this decisive. Therefore, the request is not medically necessary.\n"
    )
    item = parse_text(_first_rationale(granted)).disputed_items[0]
    # wrong before (the probe): the Why was "The reviewer does not find this decisive."
    assert item.decision == "upheld"
    assert not any("decisive" in s or "numbness" in s for s in (item.reason.sentences if item.reason else []))
    # right: a denial's own reason before its verdict is still shown
    plain = granted.replace(
        "The provider documented new numbness in the left leg, which would ordinarily support the request. The "
        "reviewer does not find this decisive.",
        "There is no documentation of numbness or weakness in the left leg.",
    )
    item = parse_text(_first_rationale(plain)).disputed_items[0]
    assert item.reason is not None and any("numbness" in s for s in item.reason.sentences)


def test_a_2013_notice_followed_by_another_letter_is_read_as_itself_and_says_so() -> None:
    from imr_llm.parser import parse_text
    from tests.conftest import SAMPLES

    notice = (SAMPLES / "synth-2013-notice.txt").read_text(encoding="utf-8")
    letter = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    alone = parse_text(notice)
    record = parse_text(notice + letter)
    # wrong before (the probe): no "2 letters" warning, and an item's reason taken from the second letter
    assert any("the file holds 2 letters" in w for w in record.warnings) and record.needs_review
    assert [i.decision for i in record.disputed_items] == [i.decision for i in alone.disputed_items]
    assert [i.reason for i in record.disputed_items] == [i.reason for i in alone.disputed_items]
    # right: the notice alone is one letter; the other order is still two
    assert not any("letters" in w for w in alone.warnings)
    assert any("the file holds 2 letters" in w for w in parse_text(letter + notice).warnings)


_NO_SIGNS = (
    "Decision rationale: The claimant shows no confusion, no loss of feeling and no fainting. "
    "Therefore, the request is not medically necessary.\n"
)
_ES_NO_SIGNS = "El revisor encontró que usted no muestra confusión, ni pérdida de sensibilidad, ni desmayos."
_TAKING_TID = (
    "Decision rationale: The claimant has been taking a muscle relaxant 10 mg tid with improvement in pain. Therefore, "
    "the request is medically necessary.\n"
)
_ES_TAKING_TID = (
    "El revisor encontró que usted ha estado tomando un relajante muscular 10 mg tres veces al día con mejoría en el "
    "dolor."
)


@pytest.mark.parametrize(
    ("k", "faithful", "wrong"),
    [
        (0, _ES_NO_SIGNS, _ES_NO_SIGNS[:-1] + ", ni volvió al trabajo."),  # "ni ... ni": the natural Spanish
        (0, _ES_NO_SIGNS, _ES_NO_SIGNS.replace(", ni desmayos", ", pero tiene desmayos")),
        (1, _ES_TAKING_TID, _ES_TAKING_TID[:-1] + ", y ya no lo toma."),  # "ha estado tomando" for "has been taking"
        (
            1,
            _ES_TAKING_TID.replace("ha estado tomando", "ha tomado"),
            _ES_TAKING_TID.replace("tres veces", "dos veces"),
        ),
    ],
)
def test_a_faithful_spanish_rewrite_is_accepted_and_a_changed_one_refused(k: int, faithful: str, wrong: str) -> None:
    from imr_llm.summary.rewrite import reason_problems
    from tests.test_probe27 import _es_item

    item, language = _es_item(k, _NO_SIGNS if k == 0 else _TAKING_TID)
    # wrong before (the probe): the faithful one refused ("joins more clauses", "puts in the past")
    assert reason_problems(faithful, item, language) == []  # type: ignore[arg-type]
    assert reason_problems(wrong, item, language)  # type: ignore[arg-type]  # right: a change still refused


def test_a_dose_abbreviation_written_as_digits_is_accepted() -> None:
    from imr_llm.summary.rewrite import reason_problems

    item, language = _en_item(_EN_TAKING)
    three = _EN_FAITHFUL.replace("three times daily", "3 times a day")
    # wrong before (the probe): "'3' is not in the reviewer's sentences"
    assert reason_problems(three, item, language) == []  # type: ignore[arg-type]
    assert reason_problems(three.replace("3 times", "4 times"), item, language)  # type: ignore[arg-type]


def test_what_studies_show_is_never_a_record_the_worker_could_add() -> None:
    from imr_llm.parser import parse_text
    from imr_llm.summary.render import Format, render_text
    from imr_llm.summary.summarize import summarize

    studies = (
        'Decision rationale: The guidelines state: "Therapy helps some workers. There is no documentation in the '
        'literature that more than six visits change the outcome." In this case the request is for twelve visits. '
        "Therefore, the request is not medically necessary.\n"
    )
    record = parse_text(_first_rationale(studies))
    page = render_text(summarize(record, "en").summary, Format.MD)
    # wrong before (the probe): "The reviewer found no record in the literature ..." and a step asking for
    # "records in the literature"; the reviewer's sentence may be quoted as written (a reason the reviewer gave)
    assert "records in the literature" not in page and "no record in the literature" not in page
    assert "found no record in the literature" not in page.replace("\n", " ")
    # right: a gap in this worker's records is still the reason
    own = studies.replace("in the literature", "in the records")
    item = parse_text(_first_rationale(own)).disputed_items[0]
    assert item.reason is not None and any("in the records" in s for s in item.reason.sentences)


@pytest.mark.parametrize(
    "added",
    [
        " hasta la semana pasada",  # until last week
        " durante un mes",  # for a month
        " solamente al principio",  # only at first
        " en la primera visita",  # at the first visit
        " desde que volvió al trabajo",  # since going back to work
    ],
)
def test_a_spanish_rewrite_that_adds_a_time_or_work_the_reviewer_never_wrote_is_refused(added: str) -> None:
    from imr_llm.summary.rewrite import reason_problems
    from tests.test_probe27 import _es_item

    item, language = _es_item(1, _IMPROVING)
    end = ", lo que apoya su uso continuo."
    # wrong before (the probe): accepted, a time limit or a work status the reviewer never wrote shown as theirs
    assert reason_problems(_ES_IMPROVING.replace(end, added + end), item, language)  # type: ignore[arg-type]
    took_away = _ES_IMPROVING.replace("usted está tomando", "a usted le quitaron")
    assert reason_problems(took_away, item, language)  # type: ignore[arg-type]


def test_a_spanish_rewrite_saying_the_time_and_work_the_reviewer_wrote_is_accepted() -> None:
    from imr_llm.summary.rewrite import reason_problems
    from tests.test_probe27 import _es_item

    said = _IMPROVING.replace("with improvement in pain", "for the first month after returning to work")
    item, language = _es_item(1, said)
    faithful = (
        "El revisor encontró que usted está tomando un relajante muscular 10 mg dos veces al día durante el primer "
        "mes después de volver al trabajo, lo que apoya su uso continuo."
    )
    # right: each sense is the reviewer's own ("for the first month", "returning to work")
    assert reason_problems(faithful, item, language) == []  # type: ignore[arg-type]
    # right: "han pasado" is the verb (time has passed), never the adjective of "la semana pasada"
    hours = _IMPROVING.replace("with improvement in pain", "and it has now been more than 72 hours since the injury")
    item, language = _es_item(1, hours)
    passed = (
        "El revisor encontró que usted está tomando un relajante muscular 10 mg dos veces al día y que ahora han "
        "pasado más de 72 horas desde la lesión, lo que apoya su uso continuo."
    )
    assert reason_problems(passed, item, language) == []  # type: ignore[arg-type]


def test_a_rationale_closing_read_as_a_request_gets_no_decision() -> None:
    from imr_llm.parser import parse_text
    from tests.conftest import SAMPLES

    letter = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    approval = "Therefore, the MRI of the right shoulder\nwithout contrast is medically necessary."
    heading = "MRI of the right shoulder without contrast: Overturned\n"
    assert approval in letter and heading in letter
    # pages out of order: a rationale's closing line where the second item's heading was looked for, over a
    # rationale (another item's) that closes on a denial
    moved = letter.replace(heading, "Thus the request is not medically necessary.\n").replace(
        approval, "There is no documentation of a rotator cuff tear. Therefore, the request is not medically necessary."
    )
    record = parse_text(moved)
    # wrong before (the probe): such a closing sentence was a request, decided Upheld
    assert record.disputed_items[1].request.startswith("Thus") and record.disputed_items[1].decision is None
    assert any("reads as a rationale's closing sentence" in w for w in record.warnings)
    # right: the letter as written keeps both decisions, with no such warning
    whole = parse_text(letter)
    assert [i.decision for i in whole.disputed_items] == ["upheld", "overturned"]
    assert not any("closing sentence" in w for w in whole.warnings)


@pytest.mark.parametrize(
    "dismissed",
    [
        "The worker went back to light duty. However, this was not decisive.",
        "The worker went back to light duty. That, however, is not decisive.",
        "While the worker went back to light duty, this is not decisive.",
        "The fact that the worker had surgery before is not a bar to more therapy.",
        "The worker felt somewhat better with earlier therapy. The reviewer nevertheless does not find this "
        "persuasive.",
    ],
)
def test_a_point_dismissed_in_other_words_is_never_the_reason_shown(dismissed: str) -> None:
    from imr_llm.parser import parse_text

    rationale = f"Decision rationale: {dismissed} Therefore, the request is not medically necessary.\n"
    item = parse_text(_first_rationale(rationale)).disputed_items[0]
    # wrong before (probe 30): the dismissal ("However, this was not decisive.") quoted as the reason
    assert item.decision == "upheld"
    shown = item.reason.sentences if item.reason else []
    assert not any(s in dismissed or dismissed.endswith(s) for s in shown), shown
    # right: the same letter with a reason of its own shows it
    reason = "There is no documentation of how the first six visits went."
    item = parse_text(_first_rationale(rationale.replace(dismissed, f"{dismissed} {reason}")))
    sentences = item.disputed_items[0].reason.sentences if item.disputed_items[0].reason else []
    assert reason in sentences


_NO_SIGNS_OF_LOSS = (
    "Decision rationale: Here there was no evidence of warning signs or of growing nerve loss. Therefore, the request "
    "is not medically necessary.\n"
)
_ES_NO_SIGNS_OF_LOSS = (
    "El revisor encontró que no había evidencia de signos de alarma ni de pérdida creciente de los nervios."
)


@pytest.mark.parametrize(
    "moved",
    [
        "El revisor encontró que había evidencia de signos de alarma pero no de pérdida creciente de los nervios.",
        "El revisor encontró que la evidencia de signos de alarma no mostraba pérdida creciente de los nervios.",
    ],
)
def test_a_spanish_rewrite_that_moves_the_no_off_the_evidence_is_refused(moved: str) -> None:
    from imr_llm.summary.rewrite import reason_problems
    from tests.test_probe27 import _es_item

    item, language = _es_item(0, _NO_SIGNS_OF_LOSS)
    # wrong before (probe 30): accepted, the worker told warning signs were found
    assert any("where the reviewer found none" in p for p in reason_problems(moved, item, language))  # type: ignore[arg-type]
    assert reason_problems(_ES_NO_SIGNS_OF_LOSS, item, language) == []  # type: ignore[arg-type]  # right: faithful
