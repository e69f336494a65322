"""Hardening, round seven: a fourteenth hostile probe's findings, each the wrong output it must not produce and the
right output it must keep. Letters are synthetic (tests/letters.py); sentences are written for these tests.

- a request with an abbreviation's period ("Dr. Lee", "1 tab. q.d.") was cut to the words after it;
- a rationale whose closing verdict lost its period ran into the next heading, which became the request;
- one stray Windows-1252 byte in a UTF-8 file turned every dash and accent into "â€“";
- a digit split off an age ("a 3 4-year-old") gave a worker aged 4;
- a date of service that is a range or a list was told as one day;
- a retyped letter's "Decision Rationale:" (capital R) lost every rationale;
- a fax cover sheet before the letter lost the case number and every header date, silently;
- a utilization review's own letter (it prints "Decision rationale:" too) was summarised as "Your IMR decision".
"""

from __future__ import annotations

import pytest

from imr_llm.errors import NotAnImrLetter
from imr_llm.loaders import load_file
from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from tests.letters import HEAD, Item, make_letter

DENIED = "There is no record of a trial of home exercise. The request is not medically necessary."


def test_a_period_inside_a_request_is_not_a_sentence_end() -> None:
    record = parse_text(
        make_letter(
            Item("Consultation with Dr. Lee, hand surgeon", "Upheld", DENIED),
            Item("Meloxicam 15mg 1 tab. q.d. #30 (approx. qty)", "Overturned", "The drug is medically necessary."),
        )
    )
    assert [(i.request, i.decision) for i in record.disputed_items] == [
        ("Consultation with Dr. Lee, hand surgeon", "upheld"),
        ("Meloxicam 15mg 1 tab. q.d. #30 (approx. qty)", "overturned"),
    ]
    # a sentence that ends before a heading still ends there: the heading is not glued to the rationale before it
    plain = parse_text(make_letter(Item("Knee brace", "Upheld", DENIED), Item("Ice pack", "Overturned", DENIED)))
    assert [i.request for i in plain.disputed_items] == ["Knee brace", "Ice pack"]


@pytest.mark.parametrize("closing", ["is not medically necessary", "is not medically necessary (see above)"])
def test_a_verdict_without_its_period_is_not_part_of_the_next_request(closing: str) -> None:
    text = make_letter(
        Item("CT scan of the head", "Upheld", f"There are no warning signs after the fall. The CT {closing}"),
        Item("Naproxen 550mg #60", "Overturned", "The drug is medically necessary."),
    )
    record = parse_text(text)
    assert [(i.request, i.decision) for i in record.disputed_items] == [
        ("CT scan of the head", "upheld"),
        ("Naproxen 550mg #60", "overturned"),
    ]
    assert (record.disputed_items[0].rationale or "").endswith(closing)
    # a request's own words after "necessary" in lower case are the request's, not a new heading
    kept = parse_text(make_letter(Item("Supplies that are medically necessary for wound care", "Upheld", DENIED)))
    assert kept.disputed_items[0].request == "Supplies that are medically necessary for wound care"


def test_a_stray_windows_byte_in_utf8_text_keeps_the_rest_utf8(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    text = make_letter(Item("Facet injections L4\u20135 \u00d7 2", "Upheld", DENIED))
    raw = text.encode("utf-8").replace(b"There is no record", b"There is \x93no\x94 record")
    path = tmp_path / "mixed.txt"
    path.write_bytes(raw)
    record = parse_text(load_file(path).text)
    assert record.disputed_items[0].request == "Facet injections L4\u20135 \u00d7 2"
    assert "\u201cno\u201d" in (record.disputed_items[0].rationale or "")
    # a whole Windows-1252 file is still read as one
    path.write_bytes(text.replace("\u2013", "-").replace("\u00d7", "x").encode("cp1252") + b"\x93")
    assert load_file(path).text.endswith("\u201c")


@pytest.mark.parametrize(("phrase", "age"), [("a 3 4 year old", None), ("a 9 year old", None), ("a 34 year old", 34)])
def test_an_age_split_or_a_childs_is_left_empty(phrase: str, age: int | None) -> None:
    summary = f"The injured worker is {phrase} female, who sustained an industrial injury on 9-14-16."
    record = parse_text(make_letter(Item("Knee brace", "Upheld", DENIED), summary=summary))
    assert record.patient_age == age
    assert any("age reads" in w for w in record.warnings) is (age is None)


@pytest.mark.parametrize(
    ("dos", "said"),
    [
        ("(DOS 11/18/16-12/01/16)", "care you already got. "),
        ("(DOS 11/18/16, 12/01/16)", "care you already got. "),
        ("(DOS 11/18/16)", "care you already got on November 18, 2016."),
    ],
)
def test_a_range_or_list_of_service_dates_is_not_one_day(dos: str, said: str) -> None:
    record = parse_text(make_letter(Item(f"Retrospective CT scan of the neck {dos}", "Overturned", "It was needed.")))
    assert said in (build_summary(record).items[0].already_given or "")


def test_a_capitalised_rationale_label_is_read() -> None:
    approved = "Ice has few risks. The ice pack is medically necessary."
    text = make_letter(Item("Knee brace", "Upheld", DENIED), Item("Ice pack", "Overturned", approved))
    record = parse_text(text.replace("Decision rationale:", "Decision Rationale:"))
    assert [(i.request, i.decision, i.rationale) for i in record.disputed_items] == [
        ("Knee brace", "upheld", DENIED),
        ("Ice pack", "overturned", approved),
    ]
    assert not any("cut off" in w for w in record.warnings)


COVER = """FAX COVER SHEET
To: Claims Adjuster                 From: Front desk
Date: 02/01/2017                    Pages (including cover): 3
Re: enclosed determination
Please find the enclosed determination for your file. Call us with any questions about it. This fax may hold
private health information meant only for the person named above. If it reached you by mistake, tell the
sender and destroy every copy. Do not share, copy or forward it. Thank you for your help with this matter.
Our office hours are Monday to Friday, eight to five. Leave a message after hours and we will call back.
"""


@pytest.mark.parametrize("cover", [COVER, COVER + COVER.replace("FAX COVER SHEET", "PAGE TWO OF THE COVER")])
def test_a_cover_sheet_before_the_letter_keeps_its_header(cover: str) -> None:
    record = parse_text(cover + make_letter(Item("Knee brace", "Upheld", DENIED)))
    assert record.case_number == "CM16-0900199"
    assert (str(record.decision_date), str(record.date_assigned), str(record.ur_determination_date)) == (
        "2016-12-30",
        "2016-11-28",
        "2016-11-17",
    )
    assert record.warnings == []


UR_LETTER = """UTILIZATION REVIEW DETERMINATION
Claim Number: 0012-3456   Date of Injury: 09/14/2016
Requested Treatment: Physical therapy 8 sessions for the low back
Determination: Non-certified
Decision rationale: There is no record of a trial of home exercise, so the therapy is not medically necessary.
You may ask for an Independent Medical Review of this decision within 30 days.
"""


def test_a_utilization_reviews_own_letter_is_not_read_as_an_imr_letter() -> None:
    with pytest.raises(NotAnImrLetter):
        parse_text(UR_LETTER)
    # the form's item labels without its headings (a page lost from the top) are still an IMR letter's
    items_only = make_letter(Item("Knee brace", "Upheld", DENIED))[len(HEAD) :]
    assert parse_text(items_only).disputed_items[0].decision == "upheld"


def _heading_warnings(decision: str, rationale: str, request: str = "Naproxen 500mg #60") -> list[str]:
    record = parse_text(make_letter(Item(request, decision, rationale)))
    return [w for w in record.warnings if "heading says" in w]


def test_a_rationale_at_odds_with_itself_and_its_heading_is_said() -> None:
    """An Overturned item whose rationale approves, then closes "The request is not medically necessary." (or an
    Upheld one whose closing sentence lost its "not") was told "approved" with no warning: the heading's word stays,
    and the page says the verdicts disagree."""
    approves = (
        "Yes, the drug was medically necessary here. It is a first request. Therefore, the request was medically "
    )
    assert _heading_warnings("Overturned", approves + "necessary. The request is not medically necessary.")
    assert _heading_warnings(
        "Upheld", approves.replace("Yes, ", "No, ").replace(" was ", " was not ", 1) + "necessary."
    )
    # right both ways: a rationale that agrees with its heading, and an approval of other care after a plain denial
    assert not _heading_warnings("Overturned", approves + "necessary.")
    assert not _heading_warnings(
        "Upheld",
        "There is no record of relief from it. Therefore, the request is not medically necessary. Continued home "
        "exercise is medically necessary.",
    )


@pytest.mark.parametrize("slip", [("below", "be1ow"), ("eligible", "e1igible"), ("eligible", "eIigibIe")])
def test_an_l_read_as_1_or_i_in_the_forms_fixed_words_changes_nothing(slip: tuple[str, str]) -> None:
    """ "set forth be1ow:" put the form's sentence into the first request; "IMR e1igible" dropped the part approved
    before, silently. The form's own words are read through that slip; the request and its approval stay."""
    heading = (
        "Tizanidine 4mg #30 was the original request. Tizanidine 4mg #27 was authorized by the Claims Administrator. "
        "The remaining IMR eligible portion of the original request, Tizanidine 4mg #3 is:"
    )
    text = make_letter(Item("Tizanidine 4mg #3", "Upheld", DENIED, heading=heading))
    simple = make_letter(Item("Knee brace", "Upheld", DENIED))
    for damaged in (simple, simple.replace(*slip)):
        assert parse_text(damaged).disputed_items[0].request == "Knee brace"
    for damaged in (text, text.replace(*slip)):
        item = parse_text(damaged).disputed_items[0]
        assert (item.request, item.decision, item.authorized_portion) == (
            "Tizanidine 4mg #3",
            "upheld",
            "Tizanidine 4mg #27",
        )
