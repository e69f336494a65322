"""The forty-second reader (10 more new letters, 32 items, on the forty-first's fixes): what it found, tested both ways.

- False "the letter may be cut off" lines on whole letters whose last rationale closed in other words than
  medical necessity ("... and imaging is warranted.", an opening verdict and then "Continued use is supported.",
  "Not medically necessary; the provider should taper."), and a false "a page may be missing" for a closing
  sentence of two clauses ("The conservative options have not been exhausted, and the surgery is not medically
  necessary"). A page that says the letter may be cut off tells a worker not to trust a whole one. A real cut
  (after a sentence about a part of the request) is still said.
- A point the reviewer says the decision is not based on ("..., but I will not base the decision on that point")
  was the page's reason; a sentence the reviewer points to ("The deciding issue is ...") was passed over.
- "The provider should taper" was not read as the letter's advice to wean, so no line about not stopping a drug
  suddenly was given for a hypnotic the worker had taken for months.
"""

from __future__ import annotations

from imr_llm import summarize
from imr_llm.parser import parse_text
from imr_llm.parser.reasons import find_reason
from imr_llm.schema import LetterRecord
from tests.conftest import SAMPLES
from tests.test_reader41 import _letter

CUT = "may be cut off"


def _cut_lines(record: LetterRecord) -> list[str]:
    return [w for w in record.warnings if CUT in w or "page may be missing" in w]


def test_an_approval_closing_in_other_words_is_no_cut() -> None:
    rationale = (
        "Imaging is advised for a progressive deficit. Here the ankle weakened from 5/5 to 4/5 between visits. "
        "This is a progressive deficit and imaging is warranted."
    )
    assert not _cut_lines(_letter(("MRI of the lumbar spine", "Overturned", rationale)))


def test_an_opening_verdict_said_again_in_other_words_is_no_cut() -> None:
    rationale = (
        "The request is medically necessary. The note documents a drop in pain from 8/10 to 5/10 and gains in "
        "lifting and grooming. No side effects are reported. Continued use is supported."
    )
    assert not _cut_lines(_letter(("Naproxen 550mg #60", "Overturned", rationale)))


def test_a_terse_verdict_with_advice_to_taper_is_no_cut_and_gives_the_line() -> None:
    rationale = (
        "The guideline limits this hypnotic to two to six weeks. He has used it for five months. Not medically "
        "necessary; the provider should taper."
    )
    record = _letter(("Zolpidem 10mg #30", "Upheld", rationale))
    assert not _cut_lines(record)
    item = summarize(record, "en").items[0]
    # wrong before: no line at all about stopping the drug suddenly
    assert item.taper_warning is not None and "stop" in item.taper_warning


def test_a_closing_of_two_clauses_is_not_about_other_care() -> None:
    rationale = (
        "Decompression needs 3 to 6 months of conservative care with an injection. He had four therapy visits and "
        "no injection. The conservative options have therefore not been exhausted, and the surgery is not medically "
        "necessary at this time."
    )
    assert not _cut_lines(_letter(("Right shoulder arthroscopic subacromial decompression", "Upheld", rationale)))


def test_a_real_cut_after_a_sentence_about_a_part_is_still_said() -> None:
    text = (SAMPLES / "synth-2016-layout.txt").read_text(encoding="utf-8")
    cut = text[: text.index("Testing of the asymptomatic left arm is therefore not indicated.") + 66]
    record = parse_text(cut)
    assert any(CUT in w for w in record.warnings), record.warnings


def test_a_point_the_decision_is_not_based_on_is_never_the_reason() -> None:
    rationale = (
        "One might ask whether a pinched nerve was ever shown, since the MRI shows no root compression, but I will "
        "not base the decision on that point. The deciding issue is the response to the last injection. MTUS asks "
        "for at least 50% relief for six to eight weeks before a repeat block. Her relief lasted two weeks. A repeat "
        "injection is not supported."
    )
    found = find_reason(rationale, "upheld", "Repeat lumbar epidural steroid injection")
    chosen = [s.text(rationale) for s in found.sentences]
    assert not any("not base the decision" in s for s in chosen), chosen
    assert "Her relief lasted two weeks." in chosen, chosen
    page = summarize(_letter(("Repeat lumbar epidural steroid injection", "Upheld", rationale)), "en").items[0]
    assert "pinched nerve" not in page.reason.text + (page.reason.quote or "")


def test_a_request_listed_without_a_detail_says_what_to_state() -> None:
    rationale = (
        'The request for authorization lists "PT 2x4" without identifying which body part is to be treated. Eight '
        "visits would fit either condition. The request is not medically necessary."
    )
    item = summarize(_letter(("Physical therapy 2 times a week for 4 weeks", "Upheld", rationale)), "en").items[0]
    # wrong before: the quote only, and "ask again with more information"
    assert item.reason.text.startswith("The request did not say which body part is to be treated."), item.reason.text
    assert "which body part is to be treated" in (item.next_step or ""), item.next_step
    # the form is not read where a second clause follows the missing detail (its words would be lost)
    from imr_llm.summary.restate import restate

    assert restate("The order lists PT without naming the body part, and the notes show no exam.", "upheld") is None


def test_a_tie_said_the_other_way_round_reads_has_not_been_found_too() -> None:
    rationale = (
        "The lumbar fusion has not been found medically necessary, so the hospital stay is not needed either. "
        "The request is not medically necessary."
    )
    found = find_reason(rationale, "upheld", "Inpatient hospital stay, 3 days")
    assert found.linked_service == "lumbar fusion", found  # the page's restatement reads it so already


def test_the_words_a_request_restatement_may_leave_out_still_keep_its_negation() -> None:
    from imr_llm.summary.checks import plain_problems
    from imr_llm.summary.languages import get_language
    from imr_llm.summary.model import PlainSentence

    source = 'The request for authorization lists "PT 2x4" without identifying which body part is to be treated.'
    english = get_language("en")

    def problems(text: str) -> list[str]:
        return plain_problems(PlainSentence(text=text, source=source, form="request_silent"), "PT", english)

    # right: the form's words ("lists", "without identifying") left out, the missing detail and the negation kept
    assert problems("The request did not say which body part is to be treated.") == []
    # wrong: the negation dropped with "without", or the missing detail dropped
    assert problems("The request said which body part is to be treated.")
    assert problems("The request did not say what it was for.")
