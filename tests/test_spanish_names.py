"""A Spanish page names what the reviewer found missing in Spanish words, beside the reviewer's quoted English.

The name comes from the Spanish catalogue's phrase table (`Language.gist`) and only when a phrase names the whole
missing thing: a qualifier the table does not carry ("in the arms", "or an indication for surgery") or a modifier
it would drop ("significant") leaves the English quoted alone. The check that a plain sentence adds no words
accepts a name only for a phrase the reviewer's sentence has. Each rule is tested with the output it must give
and the output it must not.
"""

from __future__ import annotations

import re

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import check_summary, plain_problems
from imr_llm.summary.languages import get_language
from imr_llm.summary.model import PlainSentence
from tests.letters import Item, make_letter

DENIED = "Therefore, the request is not medically necessary."


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        # the whole missing thing, with only the reason it was wanted after it: named
        ("any neurological deficits to support a scan of the hip at this time", "señales de daño en los nervios"),
        ("red flags noted on exam", "señales de alarma de un problema grave"),
        ("exceptional factors to justify a longer course", "factores especiales"),
        ("documentation of objective functional improvement", "documentos que muestren una mejoría medida"),
        # a qualifier kept in the name, never dropped
        ("significant neurological deficits", "señales importantes de daño en los nervios"),
        # a qualifier the table has no name for: the quote alone
        ("neurological deficits in the left hand", None),
        ("severe neurological deficits", None),
        # two missing things: each named, or neither
        ("red flags or a clear indication for surgery", "señales de alarma de un problema grave o una razón clara"),
        ("red flags or a reason for the scan", None),
        ("neurological deficits in the left hand or red flags", None),
        ("a rationale for the change of brace", None),
    ],
)
def test_a_missing_thing_is_named_in_spanish_only_when_the_table_names_the_whole_of_it(
    missing: str, named: str | None
) -> None:
    from imr_llm.summary.restate import plain_english

    plain = plain_english(missing)
    assert plain is not None
    gist = get_language("es").gist(plain)
    assert (gist is None) if named is None else (gist is not None and gist.startswith(named))


@pytest.mark.parametrize(
    ("rationale", "named"),
    [
        ("There were no neurological deficits noted on examination to support an MRI.", "señales de daño en los"),
        ("There were clearly no neurological deficits in the left thumb to justify a scan.", None),
    ],
)
def test_a_spanish_summary_names_the_missing_thing_and_keeps_the_reviewers_words(
    rationale: str, named: str | None
) -> None:
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", f"{rationale} {DENIED}")))
    summary = build_summary(record, lang="es")
    # the page's own words, without the machine translation beside the quote (`tests/test_translate.py`)
    why = re.sub(
        r'; traducción automática: "[^"]*"|; la traducción automática está más abajo', "", summary.items[0].reason.text
    )
    english = rationale.split("no ", 1)[1].split(" to ")[0]
    assert english in why  # the reviewer's words stay, quoted, whatever the name
    assert (named in why) if named else ("señales" not in why and "(en inglés)" in why)
    text = summary.render("md")
    assert check_summary(text, summary, record).passed  # no false alarm on a named reason


def test_the_check_refuses_a_spanish_name_for_what_the_reviewer_did_not_write() -> None:
    es = get_language("es")
    source = "There were no neurological deficits noted on examination."
    right = PlainSentence(
        text='El revisor no encontró esto: señales de daño en los nervios ("neurological deficits noted on '
        'examination", en inglés).',
        source=source,
        form="none_found",
    )
    wrong = PlainSentence(
        text='El revisor no encontró esto: señales de alarma de un problema grave ("neurological deficits noted on '
        'examination", en inglés).',
        source=source,
        form="none_found",
    )
    assert plain_problems(right, "MRI of the lumbar spine", es) == []
    problems = plain_problems(wrong, "MRI of the lumbar spine", es)
    assert problems and "adds words" in problems[0] and "alarma" in problems[0]


@pytest.mark.parametrize(
    ("subject", "frame"),
    [
        ("The physical examination", "El examen que vio el revisor"),  # the exam found nothing: not the paperwork
        ("The submitted records", "Los documentos que vio el revisor"),  # the right output kept: the records
    ],
)
def test_a_spanish_page_says_an_exam_showed_nothing_not_the_documents(subject: str, frame: str) -> None:
    rationale = f"{subject} did not show neurological deficits to support the scan. {DENIED}"
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", rationale)))
    why = build_summary(record, lang="es").items[0].reason.text
    assert why.startswith(frame), why


@pytest.mark.parametrize(
    ("warning", "said"),
    [
        (
            "case_number: 'CGM16-09' is not a readable case number; left empty",
            "Revise esto en su carta: el número de caso. No se pudo leer bien",
        ),
        (
            "item 1: the decision read from the scan is not confirmed (the rationale's conclusion could not be read "
            "to confirm it); left empty",
            "Revise esto en su carta: la decisión de esta solicitud. No se pudo leer la decisión",
        ),
        # a warning no table names: the generic line, the record's words marked as English
        ("the letter has an unusual layout", "Compare este resumen con su carta (aviso en inglés)"),
    ],
)
def test_a_record_warning_on_a_spanish_page_says_in_spanish_what_it_is_about(warning: str, said: str) -> None:
    record = parse_text(make_letter(Item("MRI of the lumbar spine", "Upheld", f"There were no red flags. {DENIED}")))
    record.warnings.append(warning)
    es = build_summary(record, lang="es")
    shown = es.warnings + es.items[0].warnings
    assert any(line.startswith(said) and warning.split(":")[-1].strip()[:20] in line for line in shown), shown
    en = build_summary(record, lang="en")  # the English page keeps the record's words
    assert any(
        line.startswith("Please check this summary against your letter") for line in en.warnings + en.items[0].warnings
    )


def test_a_list_of_missing_things_is_named_only_when_every_member_is() -> None:
    """ "No nerve impairment, tissue insult, or other warning signs ...": a list of three, joined by commas and a
    closing "or"; the Spanish page names all three, or quotes the reviewer's words alone."""
    from imr_llm.summary.languages import get_language

    es = get_language("es")
    listed = "nerve impairment, tissue insult, or other warning signs of a serious problem that would warrant an MRI"
    assert es.gist(listed) == "daño en los nervios, daño en los tejidos o otras señales de alarma de un problema grave"
    # wrong: a name for the first two only, as if the third were not asked for (or a member it cannot name)
    assert es.gist("tissue insult, nerve impairment, or a positive straight leg raise test") is None
    assert es.gist("tissue insult, a positive straight leg raise test, or nerve impairment") is None
