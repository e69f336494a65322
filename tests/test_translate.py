"""A Spanish page gives the reviewer's words in Spanish too: machine-translated by the real Apertium engine,
marked as such, after the English, and only when the translation keeps every number and the negation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from imr_llm.parser import parse_text
from imr_llm.summary import translate
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import check_summary
from imr_llm.summary.languages import get_language
from imr_llm.summary.render import render_text
from imr_llm.summary.summarize import summarize
from tests.conftest import needs_apertium
from tests.letters import DENIED_PT, Item, make_letter

LABEL = "Traducción automática de esas palabras"
# a synthetic denial with a number, a date and a negation in its reason
REFILL = Item(
    "Gabapentin 300mg #90",
    "Upheld",
    "The guidelines allow this drug for nerve pain. The patient has taken it since 03/14/2016, and there is no "
    "record of any gain in function with it. Therefore, the request is not medically necessary.",
)


@needs_apertium
def test_a_spanish_page_translates_the_reviewers_words_and_keeps_the_english() -> None:
    record = parse_text(make_letter(REFILL, DENIED_PT))
    summary = build_summary(record, "es")
    for item in summary.items:
        assert item.reason.translation, item.request
        assert translate.faithful(item.reason.shown_quote(), item.reason.translation, "eng", "spa")
    first = summary.items[0].reason.translation
    assert "03/14/2016" in first and " no " in f" {first.lower()} "  # the date and the negation kept
    page = render_text(summary)
    english = page.index("El revisor escribió (en inglés):")
    assert english < page.index(LABEL)  # the letter's English first, the machine's Spanish after it, marked
    html = summary.render("html")
    assert LABEL in html and 'lang="es"' in html
    assert summarize(record, "es").checks.passed
    # an English page has no translation
    assert not any(item.reason.translation for item in build_summary(record, "en").items)
    assert LABEL not in render_text(build_summary(record, "en"))


@needs_apertium
def test_letter_text_with_the_engines_own_marks_is_translated_as_text() -> None:
    """Apertium's stream format gives ^ $ [ ] \\ @ * # a meaning: a letter's text holding them is still one
    paragraph each, with its numbers ("#60") kept."""
    texts = ["The request for Norco 10/325mg #60 [2 refills] ^ $ \\ is not supported.", "No @ marks * here."]
    out = translate.translate(texts, "eng-spa")
    assert out[0] is not None and "#60" in out[0] and "10/325" in out[0] and "2" in out[0]
    assert out[1] is not None


@pytest.mark.parametrize(
    ("translation", "kept"),
    [
        ("La petición de 12 visitas no es médicamente necesaria.", True),
        ("La petición de 12 visitas es médicamente necesaria.", False),  # the "not" lost
        ("La petición de 21 visitas no es médicamente necesaria.", False),  # a number changed
        ("La petición de 12 visitas no es necesaria en 2 semanas.", False),  # a number added
        ("The request for 12 visits is not medically necessary.", False),  # not translated at all
        ("", False),
    ],
)
def test_a_translation_is_shown_only_when_it_keeps_the_numbers_and_the_negation(translation: str, kept: bool) -> None:
    source = "The request for 12 visits is not medically necessary."
    assert translate.faithful(source, translation, "eng", "spa") is kept
    # a source with no negation: a translation that adds one is refused, one without is kept
    assert translate.faithful("The request is medically necessary.", "La petición es necesaria.", "eng", "spa")
    assert not translate.faithful("The request is medically necessary.", "La petición no es necesaria.", "eng", "spa")


@needs_apertium
def test_the_checks_refuse_a_translation_that_lost_its_negation_and_pass_the_engines_own() -> None:
    record = parse_text(make_letter(REFILL))
    summary = build_summary(record, "es")
    assert check_summary(render_text(summary), summary, record).passed  # right: the engine's own translation
    item = summary.items[0]
    flipped = item.reason.translation.replace(" no ", " ")
    assert flipped != item.reason.translation
    tampered = summary.model_copy(
        update={"items": [item.model_copy(update={"reason": item.reason.model_copy(update={"translation": flipped})})]}
    )
    problems = check_summary(render_text(tampered), tampered, record).problems
    assert any("translation of the reviewer's words changes" in p for p in problems)


def test_without_the_engine_the_page_quotes_the_english_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apertium not installed (here: not on PATH): no translation, and the Spanish page still passes its checks."""
    translate._installed.cache_clear()
    translate._translated.cache_clear()
    monkeypatch.setenv("PATH", "/nonexistent")
    try:
        record = parse_text(make_letter(REFILL))
        summary = build_summary(record, "es")
        assert not summary.items[0].reason.translation
        assert LABEL not in render_text(summary)
        assert summarize(record, "es").checks.passed
    finally:
        translate._installed.cache_clear()


@needs_apertium
def test_these_letters_terms_are_given_in_their_own_words_not_the_engines() -> None:
    """The engine read "plain films" as a cinema's "película", "drug screen" as a "pantalla" and "tear" as a
    teardrop; "claimant" it did not know. Those are given in the catalogue's words; the rest is the engine's."""
    from imr_llm.summary.languages import get_language

    spec = get_language("es").c.translation
    assert spec is not None
    terms = tuple((t.pattern, t.text) for t in spec.terms)
    synonyms = tuple((t.pattern, t.text) for t in spec.synonyms)
    texts = [
        "No plain films of the knee are noted.",
        "A urine drug screen was not provided.",
        "The MRI showed a meniscus tear.",
        "The claimant's physician did not document red flags.",
    ]
    films, screen, tear, doctor = translate.translate(texts, spec.pair, terms, synonyms)
    assert films is not None and "radiografías simples" in films and "película" not in films
    assert screen is not None and "examen de orina para drogas" in screen and "pantalla" not in screen
    assert tear is not None and "desgarro" in tear and "lágrima" not in tear
    assert doctor is not None and "doctor del trabajador" in doctor  # the engine built the sentence around it
    # right way: without the terms, the engine's own words (so the terms are what changed them)
    assert "película" in (translate.translate(texts[:1], spec.pair)[0] or "")
    # text holding a stand-in's letters is left untranslated, never mixed up with a term
    assert translate.translate(["The qxzab report was not provided."], spec.pair, terms, synonyms) == [None]


@pytest.mark.parametrize("words", ["sin cirugía", "12 visitas", "not the same"])
def test_a_catalogue_term_with_a_digit_or_a_negation_does_not_load(words: str) -> None:
    from imr_llm.summary.languages.catalogue import TranslationSpec

    with pytest.raises(ValueError, match="digit or a negation"):
        TranslationSpec.model_validate({"pair": "eng-spa", "terms": [{"pattern": "x", "text": words}]})
    assert TranslationSpec.model_validate({"pair": "eng-spa", "terms": [{"pattern": "x", "text": "radiografías"}]})


@needs_apertium
def test_the_reviewers_words_a_spanish_step_quotes_get_their_translation_beside_them() -> None:
    """A Spanish next step names what a new request could add in the reviewer's English ("..." (en inglés)): a
    Spanish-only reader got nothing from it. The machine translation follows, marked; the checks test it too."""
    record = parse_text(make_letter(REFILL))
    summary = build_summary(record, "es")
    item = summary.items[0]
    assert item.translations, item.next_step
    shown = next(t for t in item.translations if t.source in item.next_step)
    assert f'"{shown.source}" (en inglés; traducción automática: "{shown.text}")' in item.next_step
    assert check_summary(render_text(summary), summary, record).passed
    # wrong way: a translation beside the step that lost its negation or changed a number is refused
    bad = shown.model_copy(update={"text": shown.text + " 12"})
    tampered = summary.model_copy(update={"items": [item.model_copy(update={"translations": [bad]})]})
    problems = check_summary(render_text(tampered), tampered, record).problems
    assert any("translation of the reviewer's words changes" in p for p in problems)
    # an English page quotes no slot to translate
    assert not build_summary(record, "en").items[0].translations


def test_an_engine_that_never_answers_is_given_up_on_and_leaves_nothing_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stuck engine (here a fake `apertium` whose translation never ends, a pipeline as the real one is): the
    page is made without a translation, and the engine's whole process group is gone, not only its shell."""
    import os
    import time

    fake = tmp_path / "bin" / "apertium"
    fake.parent.mkdir()
    left = tmp_path / "pid"
    fake.write_text(
        f'#!/bin/sh\nif [ "$1" = "-l" ]; then echo "  eng-spa"; exit 0; fi\nsleep 1000 & echo $! > "{left}"\nwait\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(translate, "TIMEOUT_S", 0.5)
    translate._installed.cache_clear()
    translate._translated.cache_clear()
    try:
        assert translate.translate(["The request is not medically necessary."], "eng-spa") == [None]
        pid = int(left.read_text())
        for _ in range(400):  # the kill is sent before translate returns; its target then ends (or is a zombie)
            if not _running(pid):
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            raise AssertionError("the engine's pipeline was left running")
    finally:
        translate._installed.cache_clear()
        translate._translated.cache_clear()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("The guideline allows eight weeks.", "La guía deja cero semanas."),  # a number word changed
        ("Sessions twice weekly are advised.", "Las sesiones quincenales están aconsejadas."),  # "twice" lost
        ("Take a quarter tablet.", "Toma una pastilla de barrio."),  # "quarter" lost
        ("Pain went from 8/10 to 4/10.", "El dolor fue de 4/10 a 8/10."),  # the numbers turned round
        ("The patient is unable to show improvement.", "El paciente muestra mejora."),  # "unable" lost
        ("The patient lacks objective findings.", "El paciente tiene hallazgos objetivos."),  # "lacks" lost
        ("The patient mustn't drive.", "El paciente mustn't paseo."),  # an English negation left untranslated
    ],
)
def test_a_translation_that_changes_a_number_word_the_order_or_a_negation_without_not_is_refused(
    source: str, translation: str
) -> None:
    """A twentieth hostile probe: numbers written as words and negations carried by "unable" or "lacks" were never
    compared, numbers were compared in any order, and an English "n't" left in the Spanish passed as a negation."""
    assert not translate.faithful(source, translation, "eng", "spa")


@pytest.mark.parametrize(
    ("source", "translation"),
    [
        ("The guideline allows eight weeks.", "La guía deja ocho semanas."),
        ("Sessions twice weekly are advised.", "Se aconsejan sesiones dos veces por semana."),
        ("Pain went from 8/10 to 4/10.", "El dolor fue de 8/10 a 4/10."),
        ("The patient is unable to show improvement.", "El paciente es incapaz de mostrar mejora."),
        ("The patient lacks objective findings.", "El paciente carece de hallazgos objetivos."),
    ],
)
def test_a_translation_that_keeps_them_is_shown(source: str, translation: str) -> None:
    assert translate.faithful(source, translation, "eng", "spa")


@needs_apertium
def test_the_engines_marks_never_reach_the_page_and_a_months_name_stays_a_month() -> None:
    from imr_llm.summary.languages import get_language

    spec = get_language("es").c.translation
    assert spec is not None
    dose, month = translate.translate_for(
        ["The request for Norco 10/325mg #60 is not supported.", "The exam on March 3, 2016 was normal."], spec
    )
    assert dose is not None and "*" not in dose and "@" not in dose and "#60" in dose
    assert month is not None and "marzo" in month and "Marcha" not in month


@needs_apertium
def test_a_why_line_that_quotes_most_of_the_reviewers_sentence_leaves_its_translation_to_the_block_below() -> None:
    """The synthetic 2013 notice's Why quoted nearly the whole sentence, and the page gave the same machine
    translation twice, inline and in the block after the English. The block keeps it; a shorter slot keeps its own."""
    from tests.conftest import SAMPLES

    record = parse_text((SAMPLES / "synth-2013-notice.txt").read_text())
    item = build_summary(record, "es").items[0]
    assert item.reason.translation and item.reason.translation not in item.reason.text
    assert "(en inglés; la traducción automática está más abajo)" in item.reason.text, item.reason.text
    assert render_text(build_summary(record, "es")).count(item.reason.translation) == 1


@needs_apertium
@pytest.mark.parametrize(
    ("source", "wanted", "never"),
    [
        # a reader's findings on unseen letters: the engine's word for another sense of the English word
        ("The date of first use was not given.", "La fecha de primer uso", "cita"),
        ("A TENS unit is not recommended for neck pain.", "La unidad TENS no es", "DECENAS"),
        ("There are no measures in the file presented.", "en el expediente", "lima"),
        ("The request for hygiene wipes is not supported.", "toallitas de higiene", "seca"),
        ("There were no range of motion values.", "rango de movimiento", "gama de moci"),
        ("There was no progress in terms of function.", "en cuanto a", "plazos"),
        ("This is not covered by Table 8-8 of the guidelines.", "Tabla 8-8 de las guías", "Mesa"),
        ("She has not tried over-the-counter sleep aids.", "de venta libre", "contador"),
        ("There were no spasms on exam.", "en el examen", "encima"),
        ("An MRI of the cervical spine was not done.", "de la columna cervical", "espina"),
        ("No EMG of the bilateral lower extremities was done.", "de ambas piernas", "bajas"),
        ("No EMG of the lower extremities was done.", "de las extremidades inferiores", "bajas"),
        # the forty-third reader's letters
        ("The request does not say which body part is to be treated.", "parte del cuerpo", "ente"),
        ("The request does not include the number of refills.", "resurtidos", "recambios"),
        ("The records show a drop in pain from 7/10 to 4/10.", "bajada", "gota"),
        ("Carisoprodol is metabolized to a scheduled drug.", "controlada", "planificada"),
        ("Testing of the right arm would be supported.", "justificad", "mantendr"),
        # the forty-fifth reader's letters
        ("Urine screens are appropriate.", "ruebas de orina", "pantalla"),
        ("Her mood is low.", "estado de ánimo", "modo"),
        ("Zolpidem is a short-acting hypnotic.", "de acción corta", "suplente"),
        ("The guidelines state that sedative pills are not recommended.", "que", "estatal"),
        ("Benzodiazepines are not recommended for pain.", "Benzodiacepinas", "Benzodiazepines"),
    ],
)
def test_a_medical_word_is_given_in_its_medical_sense(source: str, wanted: str, never: str) -> None:
    from imr_llm.summary.languages import get_language

    spec = get_language("es").c.translation
    assert spec is not None
    (out,) = translate.translate_for([source], spec)
    assert out is not None and wanted in out and never not in out, out
    # the engine's capital after a word it did not know is lowered; a capital it keeps is a sentence's first
    assert not re.search(r"(?:guías|examen|expediente|TENS|libre|movimiento) [A-Z][a-z]", out), out


@needs_apertium
def test_a_term_at_a_sentences_start_keeps_its_capital_and_the_next_word_stays_lower() -> None:
    from imr_llm.summary.languages import get_language

    spec = get_language("es").c.translation
    assert spec is not None
    first, middle = translate.translate_for(
        ["The date of the exam was not given.", "The exam on March 3, 2016 was not given."], spec
    )
    assert first is not None and first.startswith("La fecha del examen"), first
    assert middle is not None and "marzo" in middle and "Marzo" not in middle, middle


@needs_apertium
def test_a_why_slot_whose_translation_is_below_says_so_and_a_short_one_keeps_its_own() -> None:
    """A reader: a Spanish Why line that was the reviewer's English with only "(en inglés)" read as no reason in
    Spanish at all; its translation was further down, below the quote. The slot now says where it is."""
    record = parse_text(
        make_letter(
            Item(
                "EMG of the legs",
                "Upheld",
                "The submitted records did not provide a clear reason for nerve testing given that an MRI "
                "already showed the problem at the L5-S1 level.",
            )
        )
    )
    item = build_summary(record, "es").items[0]
    below = get_language("es").c.translation
    assert below is not None and item.reason.translation, item.reason
    assert "(en inglés; la traducción automática está más abajo)" in item.reason.text, item.reason.text
    summary = build_summary(record, "es")
    assert check_summary(render_text(summary), summary, record).passed
    # the other way: a slot that is a small part of a long quote keeps its translation beside it
    short = parse_text(
        make_letter(
            Item(
                "EMG of the legs",
                "Upheld",
                "There is no documentation of leg weakness on the last two exams. There is no documentation of "
                "numbness in the feet or of changed reflexes in the legs.",
            )
        )
    )
    text = build_summary(short, "es").items[0].reason.text
    assert "la traducción automática está más abajo" not in text and "traducción automática:" in text, text


@needs_apertium
def test_a_month_day_date_in_digits_is_said_so_in_spanish_and_the_page_still_passes() -> None:
    """A reader: "(1/5/17 nota)" is read by a Spanish reader as the 1st of May; the letter meant January 5."""
    record = parse_text(
        make_letter(
            Item(
                "Physical therapy 8 sessions",
                "Upheld",
                "The worker has had 8 sessions which were not of benefit (1/5/17 note). There is no documentation "
                "of measured gains in function.",
            )
        )
    )
    summary = build_summary(record, "es")
    translated = " ".join([summary.items[0].reason.translation or "", *(t.text for t in summary.items[0].translations)])
    assert "1/5/17 (mes/día/año)" in translated, translated
    assert check_summary(render_text(summary), summary, record).passed
    # the English page keeps the letter's date as it is written
    assert "(mes/día/año)" not in render_text(build_summary(record, "en"))


@needs_apertium
@pytest.mark.parametrize(
    ("source", "wanted"),
    [
        ("There is no documentation of a meniscus tear on the MRI.", "desgarro de menisco"),
        ("The treating physician did not explain the request.", "médico tratante"),
        ("The request is in excess of the guidelines.", "por encima de"),
    ],
)
def test_more_medical_words_keep_their_sense(source: str, wanted: str) -> None:
    spec = get_language("es").c.translation
    assert spec is not None
    (out,) = translate.translate_for([source], spec)
    assert out is not None and wanted in out, out


@needs_apertium
@pytest.mark.parametrize(
    ("source", "wanted", "never"),
    [
        # a reader's findings on unseen letters (round two): each English word's other sense, or left in English
        ("An MRI of the left shoulder is not indicated.", "del hombro izquierdo", "dejó"),
        ("There was pain in the left knee, not in the right wrist.", "la rodilla izquierda", "dejó"),
        ("The guideline allows 6 visits over 3 weeks.", "6 visitas en 3 semanas", "encima"),
        ("A toxicology screen was not done.", "examen de toxicología", "pantalla"),
        ("He would need excess physical therapy for that.", "terapia física en exceso", "self"),
        ("The worker was not moved on to self-directed physical medicine.", "medicina física por su cuenta", "self"),
        ("No x-ray was performed on 1/5/2016.", "el 1/5/2016", "encima"),
        ("The MRI showed no tear.", "mostró", "asomó"),
        ("There was no leg weakness and no change in the reflexes of the legs.", "de las piernas", "pata"),
        # a second reader: "MR" as "SEÑOR", "raise" as raising a child, the ODG as an official disability
        ("An MR arthrogram was not done.", "artrografía por resonancia magnética", "SEÑOR"),
        ("No exam finding raises suspicion of a tear.", "hace sospechar", "cría"),
        ("The Official Disability Guidelines do not back it.", "guías Official Disability Guidelines", "Incapacidad"),
    ],
)
def test_round_two_words_keep_their_sense(source: str, wanted: str, never: str) -> None:
    spec = get_language("es").c.translation
    assert spec is not None
    (out,) = translate.translate_for([source], spec)
    assert out is not None and wanted in out and never not in out, out
    # a term's article after a preposition is joined as Spanish always joins it
    assert " de el " not in out and " a el " not in out, out


@needs_apertium
@pytest.mark.parametrize(
    ("source", "wanted", "never"),
    [
        # readers 31 and 32 (unseen letters): the engine's order, another sense, or the English left in
        ("There is no firm record of a spasm.", "No hay", "hay no"),
        ("There was no record of a relaxant trial.", "relajante", "relaxant"),
        ("Its use is short-term.", "de corto plazo", "corto-plazo"),
        ("Such scans would not be supported now.", "justificad", "mantendr"),
        ("There is no evidence of nerve impairment.", "daño de nervio", "empeoramiento"),
        ("There is no need for emergent management.", "atención de urgencia", "gestión emergente"),
        ("There are no extenuating circumstances.", "circunstancias especiales", "atenuantes"),
        ("There are no findings indicative of a pinched nerve to warrant it.", "que indican", "indicative"),
        ("There was decreased sensation in the hand.", "sensibilidad disminuida", "decreased"),
        ("The CT scan showed a cyst.", "La tomografía (CT)", "El tomografía"),
        ("There was no clear neuropathic pain.", "dolor neuropático", "neuropathic"),
        # the fortieth reader's new letters: a sense the engine turns, each one a worker would misread
        ("Her walking has not changed.", "caminar", "excursionismo"),
        ("He is not working at present.", "trabajando", "obrando"),
        ("She returned to modified work in May.", "trabajo modificado", "obra"),
        ("No return to work has been tried.", "regreso al trabajo", "obrar"),
        ("A rental trial is not documented in this file.", "este expediente", "lima"),
        ("The current flare is documented.", "empeoramiento", "bengala"),
        ("There is a positive drop arm sign.", "brazo caído", "gota"),
        ("The worker does not describe locking, catching or giving way.", "bloqueo", "cogiendo"),
        ("It was stopped for weight gain.", "aumento de peso", "beneficio"),
        ("The benefit is not shown.", "demostrado", "asomado"),
        ("The request is felt to be medically necessary.", "es médicamente", "sentida"),
        # the forty-first reader's letters
        ("The post-operative sling is not needed.", "posoperatorio", "poste"),
        ("There are no treatment goals.", "metas del tratamiento", "goles"),
        ("She stopped naproxen because of GI upset.", "malestar de estómago", "trastornado"),
        ("His flexion-extension films show no motion.", "radiografías", "películas"),
        ("She tolerated land-based therapy.", "terapia en tierra", "aterriza"),
        ("He has mechanical back pain.", "dolor de espalda", "posterior"),
    ],
)
def test_round_three_words_keep_their_sense(source: str, wanted: str, never: str) -> None:
    spec = get_language("es").c.translation
    assert spec is not None
    (out,) = translate.translate_for([source], spec)
    assert out is not None and wanted in out and never not in out, out
    assert out[:1].isupper(), out  # a sentence the source opens with a capital keeps one


@needs_apertium
def test_a_lower_case_source_is_not_given_a_capital() -> None:
    spec = get_language("es").c.translation
    assert spec is not None
    (out,) = translate.translate_for(["there is no firm record of a spasm."], spec)
    assert out is not None and out.startswith("no hay"), out
