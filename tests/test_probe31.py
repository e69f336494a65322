"""This round's independent reading and hostile probe (the thirty-first): each case the wrong output it must not
give, and the right one it must.

The reading: a Spanish page's machine translation of the reviewer's words read nouns as verbs ("mention of
improvement" as "Menciona de ...", "concerns that meet" as "concierne aquello cumple") or kept the English order
("Fallado relajante muscular tratamiento"), so a Spanish reader was told to send records that mention pain, or
could not tell what was missing."""

from __future__ import annotations

from imr_llm.summary import translate
from imr_llm.summary.languages import get_language
from tests.conftest import needs_apertium


def _engine(texts: list[str], with_terms: bool = True) -> list[str | None]:
    spec = get_language("es").c.translation
    assert spec is not None
    if not with_terms:
        return translate.translate(texts, spec.pair)
    return translate.translate_for(texts, spec)


@needs_apertium
def test_nouns_the_engine_took_for_verbs_are_given_as_nouns() -> None:
    texts = [
        "The last office visit made no mention of improvement in pain.",
        "There are no findings or concerns that meet the criteria.",
        "Records of failed muscle relaxant treatment were not provided.",
        "The study showed a pinched nerve on the right L4.",
    ]
    mention, concerns, relaxant, side = _engine(texts)
    assert mention is not None and "mención de" in mention and "menciona" not in mention.lower()
    (dose,) = _engine(["There was no mention of the dose."])
    assert dose is not None and "ninguna mención" in dose and "ningún" not in dose  # agrees with the noun
    assert concerns is not None and "inquietudes que cumplan" in concerns and "concierne" not in concerns
    assert relaxant is not None and "tratamiento fallido con relajantes musculares" in relaxant
    assert "fallado relajante" not in relaxant.lower()
    assert side is not None and "del lado derecho en L4" in side and "el derecho L4" not in side
    # right way: without the catalogue's terms the engine gives the verb readings (the terms are what changed them)
    raw = _engine(texts, with_terms=False)
    assert "menciona" in (raw[0] or "").lower() or "mencionar" in (raw[0] or "").lower()
    assert "concierne" in (raw[1] or "")


@needs_apertium
def test_failed_as_a_verb_is_left_to_the_engine() -> None:
    """ "the patient has failed conservative treatment" is a verb ("ha fallado"), never "ha tratamiento ... fallido"."""
    (verb,) = _engine(["The patient has failed conservative treatment with therapy."])
    assert verb is not None and "ha fallado" in verb and "ha tratamiento" not in verb
    (noun,) = _engine(["There is no record of failed conservative treatment."])
    assert noun is not None and "tratamiento conservador fallido" in noun
