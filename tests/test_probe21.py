"""A twenty-first hostile probe (this round's new next-step lines, the Spanish translation's date mark and terms,
the batch summary's hash mark): each case it found wrong, and the right outputs beside it."""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import check_summary
from imr_llm.summary.languages import LANGUAGES, get_language
from imr_llm.summary.render import render_text
from imr_llm.summary.summarize import summarize
from imr_llm.summary.translate import translate_for
from tests.conftest import needs_apertium
from tests.test_faithful_reasons import one

CLOSE = " Therefore, the request is not medically necessary."
MRI = "MRI of the lumbar spine"
FIRST = "The guidelines call for a trial of conservative care first. "


def _step(asked: str, rationale: str, lang: str = "en") -> str:
    return build_summary(one(asked, "Upheld", rationale + CLOSE), lang).items[0].next_step


def _not_had(lang: str) -> str:
    words = get_language(lang).c.next
    return words.care_not_had.format(care=words.care_names["physical_therapy"])


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    "said",
    [
        # the letter says the care was had after all
        "She had not had physical therapy at the first visit, but has since completed 12 sessions.",
        "He has not had physical therapy since 2014, when a course of 18 visits was completed.",
        # a condition, a doubt, a denial of it, another's claim
        "If the worker has not had physical therapy, a trial would come first.",
        "It is unclear whether the worker has not had physical therapy or whether its notes were not sent.",
        "It is not true that the worker has not had physical therapy; she completed 8 visits.",
        "The attorney claims that the worker has not had physical therapy, but the notes show 6 completed visits.",
        # another document's words, in single quotes
        "The form states 'the patient has not had physical therapy as it was not authorized'.",
    ],
)
def test_no_care_not_had_line_where_the_letter_does_not_find_it(lang: str, said: str) -> None:
    # wrong (the probe): "The letter says you have not had physical therapy yet" for each of these
    assert _not_had(lang) not in _step(MRI, FIRST + said, lang)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_reviewers_own_finding_of_care_not_had_still_gives_the_line(lang: str) -> None:
    assert _not_had(lang) in _step(MRI, FIRST + "She has not had any physical therapy so far.", lang)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
@pytest.mark.parametrize(
    ("asked", "rationale"),
    [
        (
            "Aquatic therapy 2 times a week for 6 weeks",
            "There is no clear explanation why excess body weight rules out land-based therapy.",
        ),
        ("Physical therapy 12 sessions", "There is no clear explanation of the excessive swelling after surgery."),
        (
            "Gym membership 3 times a week",
            "There is no clear explanation why gym access in excess of a home program is needed.",
        ),
    ],
)
def test_no_fewer_line_for_an_excess_that_is_not_of_visits(lang: str, asked: str, rationale: str) -> None:
    # wrong (the probe): "ask for no more than that" for excess weight, swelling, a gym beyond a home program
    assert get_language(lang).c.next.fewer not in _step(asked, rationale, lang)


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_a_date_no_calendar_has_that_the_letter_holds_is_no_false_alarm(lang: str) -> None:
    """A probe: "13/1/2017" in the reviewer's words made a correct page fail its checks ("'13/1/2017' is not in
    the letter"); a date the page wrote that the letter does not hold still fails them."""
    rationale = "The MRI of 13/1/2017 does not show a nerve root problem."
    record = one(MRI, "Upheld", rationale + CLOSE)
    outcome = summarize(record, lang)
    assert outcome.checks.passed, outcome.checks.problems
    summary = build_summary(record, lang)
    text = render_text(summary).replace("13/1/2017", "14/1/2017")
    assert any("14/1/2017" in p for p in check_summary(text, summary, record).problems)


@needs_apertium
@pytest.mark.parametrize(
    ("source", "marked", "unmarked"),
    [
        ("The note of 2-3-2017 does not show a nerve deficit.", "2-3-2017 (mes/día/año)", None),
        ("The dose of 5/10/15 mg was not tapered.", None, "5/10/15 mg (mes"),
        ("There is no disc problem at T10/11/12 on the scan.", None, "T10/11/12 (mes"),
    ],
)
def test_the_date_mark_is_on_dates_only(source: str, marked: str | None, unmarked: str | None) -> None:
    from imr_llm.summary.build import _numeric_dates

    spec = get_language("es").c.translation
    assert spec is not None
    (out,) = translate_for([source], spec)
    out = _numeric_dates(spec.numeric_date)(out)
    assert out is not None
    assert marked is None or marked in out, out
    assert unmarked is None or unmarked not in out, out


@needs_apertium
@pytest.mark.parametrize(
    ("source", "wanted", "never"),
    [
        ("There is no MRI report on file.", "en el expediente", "lima"),
        ("There is no weakness in the arms on exam.", "brazos", "armas"),
        ("There is no pain in the low back documented.", "parte baja de la espalda", "bajo atrás"),
        ("There was no excess fluid in the knee.", "fluido", "no más fluido"),
        ("The worker did not try rest and ice first.", "reposo", "resto"),
    ],
)
def test_more_words_keep_their_sense(source: str, wanted: str, never: str) -> None:
    spec = get_language("es").c.translation
    assert spec is not None
    (out,) = translate_for([source], spec)
    assert out is not None and wanted in out and never not in out, out


@pytest.mark.parametrize(
    ("line", "upheld_item"),
    [
        # wrong (the probe): no warning for a dated stamp, or a struck "Not medically necessary"
        ("Decision: ~~Denied~~ Approved 12/30/2016.", False),
        ("Decision: ~~Approved~~ Denied 12/30/2016.", True),
        ("~~Not medically necessary~~ Medically necessary.", False),
        ("<del>Medically necessary</del> Not medically necessary.", True),
    ],
)
def test_a_stamp_said_both_ways_is_warned_dated_or_struck(line: str, upheld_item: bool) -> None:
    from tests.test_decision_said import _with

    record = parse_text(_with(line, upheld_item))
    index = 0 if upheld_item else 1
    assert any(w.startswith(f"item {index + 1}:") and "holds the word" in w for w in record.warnings), record.warnings


@pytest.mark.parametrize(
    ("line", "upheld_item"),
    [
        # a false alarm (the probe): another field's "No" read as the decision's
        ("Decision: Approved; Modified: No.", False),
        ("Decision: Denied; Expedited: No.", True),
        # history in words is still no contradiction
        ("The prior review of 11/17/2016 stated ~~Denied~~ Approved.", True),
    ],
)
def test_one_way_with_another_fields_no_or_history_raises_nothing(line: str, upheld_item: bool) -> None:
    from tests.test_decision_said import _with

    record = parse_text(_with(line, upheld_item))
    assert not any("holds the word" in w for w in record.warnings), record.warnings


@pytest.mark.parametrize(
    ("line", "upheld_item", "warned"),
    [
        # wrong (the probe): a ticked box against the heading raised nothing
        ("[X] Denied [ ] Approved.", False, True),
        ("[ ] Denied [X] Approved.", True, True),
        ("[X] Denied [X] Approved.", True, True),  # both ticked: said both ways
        # right: the ticked box agrees with the heading; the empty box says nothing
        ("[X] Denied [ ] Approved.", True, False),
        ("[ ] Denied [X] Approved", False, False),
    ],
)
def test_a_forms_ticked_box_is_its_decision(line: str, upheld_item: bool, warned: bool) -> None:
    from tests.test_decision_said import _quoted, _with

    record = parse_text(_with(line, upheld_item))
    index = 0 if upheld_item else 1
    said = any(w.startswith(f"item {index + 1}:") and "holds the word" in w for w in record.warnings)
    assert said is warned, record.warnings
    assert "[X]" not in _quoted(record)[index]  # a form's boxes are never the reviewer's reason


def test_a_stamp_closing_the_last_rationale_is_no_sign_of_a_cut_but_a_cut_before_it_still_is() -> None:
    """A probe: "... is not medically necessary. Final: ~~Approved~~ Denied" (no period after the stamp) raised
    "stops mid-sentence ... may be cut off" beside its both-ways warning."""
    from tests.letters import Item, make_letter

    whole = "There is no documentation of benefit. Therefore, the request is not medically necessary."
    record = parse_text(make_letter(Item("TENS unit", "Upheld", f"{whole} Final: ~~Approved~~ Denied")))
    assert any("holds the word" in w for w in record.warnings), record.warnings
    assert not any("cut off" in w for w in record.warnings), record.warnings
    cut = parse_text(make_letter(Item("TENS unit", "Upheld", "There is no documentation of benefit and the "
                                      "worker has. Final: ~~Approved~~ Denied")))  # fmt: skip
    assert any("cut off" in w for w in cut.warnings), cut.warnings
