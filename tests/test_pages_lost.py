"""A page lost or moved inside a letter's items (the thirty-second probe's last silent wrong, and a page sweep).

- A page lost after an item's heading gave that heading the next page's rationale, of other care: "X-rays of the
  thoracic spine: Upheld" over a functional capacity evaluation's rationale, unflagged, and the worker was told the
  X-ray was denied for want of "return to work attempts". Now a rationale (with its guideline block) that speaks of
  another kind of care and never of its own request's kind is warned of, and its reasons are not restated.
- Pages out of order put the line that opens the items ("... the disputed items/services set forth below:")
  between two items, and it was read as the start of the next request.

Each is tested both ways: the wrong output it must catch, and the right letters it must leave alone.
"""

from __future__ import annotations

import io

import pytest

from imr_llm import parse, summarize
from imr_llm.care.kinds import speaks_only_of_other_care
from imr_llm.parser import parse_text
from imr_llm.parser.verdict import OTHER_KIND_WARNING
from tests.conftest import DEV, SAMPLES, needs_shared

BASIC = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
MRI_HEADING = "MRI of the right shoulder without contrast: Overturned"

# a heading, then (its own page lost) another request's blocks: a functional capacity evaluation's, in our words
XRAY_OVER_FCE = """X-rays of the thoracic spine: Upheld
Claims Administrator guideline: Decision based on Non-MTUS Citation Official Disability Guidelines (ODG).
MAXIMUS guideline: Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Fitness for
Duty, Functional capacity evaluation (FCE).
Decision rationale: A functional capacity evaluation is meant for a worker about to enter a work
hardening program, or one whose tries at going back to work have failed. The notes sent for review
describe neither. Therefore, the request is not medically necessary.
"""

# the same heading over its own rationale, which calls the X-rays "plain films" and names other care (therapy)
XRAY_OWN = """X-rays of the thoracic spine: Upheld
Claims Administrator guideline: Decision based on MTUS Low Back Complaints 2004.
MAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004.
Decision rationale: Plain films of the upper back are advised when there are red flags, or when pain
lasts past a month of conservative care such as physical therapy. The notes describe no red flag, and
the pain began two weeks before the request. Therefore, the request is not medically necessary.
"""


def _with_item(blocks: str) -> str:
    assert MRI_HEADING in BASIC
    return BASIC.replace(MRI_HEADING, blocks + MRI_HEADING)


def test_a_heading_over_another_kind_of_cares_rationale_is_warned_of_and_its_reasons_not_restated() -> None:
    record = parse_text(_with_item(XRAY_OVER_FCE))
    assert [i.request for i in record.disputed_items][1] == "X-rays of the thoracic spine"
    assert any(w.startswith(f"item 2: {OTHER_KIND_WARNING}") for w in record.warnings), record.warnings
    assert record.needs_review
    assert record.disputed_items[1].decision == "upheld"  # the heading's word, as printed
    for lang in ("en", "es"):
        page = summarize(record, lang)
        item = page.items[1]
        shown = " ".join([item.reason.text, item.reason.quote or "", item.next_step or ""])
        # wrong before: "Why: ... no record of ... going back to work ... work hardening program" for an X-ray
        assert "hardening" not in shown and "going back to work" not in shown, shown
        assert item.warnings, "the worker's page says to check the letter"


def test_a_heading_over_its_own_rationale_in_other_words_is_left_alone() -> None:
    record = parse_text(_with_item(XRAY_OWN))
    assert not any(OTHER_KIND_WARNING in w for w in record.warnings), record.warnings
    assert record.disputed_items[1].reason is not None and record.disputed_items[1].reason.sentences


@pytest.mark.parametrize(
    ("asked", "rationale", "guideline", "other"),
    [
        (
            "X-rays of the thoracic spine",
            "Functional capacity evaluations precede work hardening.",
            "ODG Fitness for Duty, Functional capacity evaluation (FCE).",
            "Functional capacity",
        ),
        ("EMG of the left arm", "An MRI needs red flags. No MRI finding is given. An MRI is not indicated.", "", "MRI"),
        (
            "Lumbar epidural steroid injection",
            "Six visits are advised.",
            "MTUS Chronic Pain, Chiropractic care, Manual therapy.",
            "Chiropractic",
        ),
    ],
)
def test_a_rationale_of_another_kind_is_told(asked: str, rationale: str, guideline: str, other: str) -> None:
    assert speaks_only_of_other_care(rationale, asked, guideline) == other


@pytest.mark.parametrize(
    ("asked", "text"),
    [
        ("X-rays of the thoracic spine", "Plain films are advised after a month of physical therapy."),
        ("X-rays of the thoracic spine", "Imaging is advised after a month of physical therapy."),
        ("EMG of the left arm", "The study is not needed when an MRI has shown the cause."),
        ("Lumbar epidural steroid injection", "A second block needs 50% relief; an MRI showed a disc."),
        ("Functional capacity evaluation", "Such testing is for a worker near return to work, not an MRI."),
        ("Norco 10/325mg #90", "An MRI is advised when red flags are present."),  # a drug's kind is not checked
        ("X-rays of the thoracic spine", "The guidelines do not support this request."),  # names no other care
        # a terse rationale under a scan that names the care the guideline wants tried first: the scan's own
        ("MRI of the lumbar spine", "There is no documentation of a trial of physical therapy."),
    ],
)
def test_a_rationale_that_speaks_of_its_own_kind_or_of_no_other_is_not_told(asked: str, text: str) -> None:
    assert speaks_only_of_other_care(text, asked) is None


def test_the_items_opening_line_between_two_items_is_not_read_into_a_request() -> None:
    opening = "The Final Determination was based on decisions for the disputed items/services set forth below:\n"
    assert opening in BASIC
    moved = BASIC.replace(opening, "").replace(MRI_HEADING, opening + MRI_HEADING)
    record = parse_text(moved)
    # wrong before: "The Final Determination was based on ... set forth below: MRI of the right shoulder ..."
    assert [i.request for i in record.disputed_items][-1] == "MRI of the right shoulder without contrast"
    assert [i.decision for i in record.disputed_items] == ["upheld", "overturned"]


@needs_shared
def test_a_real_letter_without_the_page_after_a_heading_is_flagged() -> None:
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument((DEV / "CM17-0009441.pdf").read_bytes())
    out = pdfium.PdfDocument.new()
    out.import_pages(src, [0, 1, 3])  # page 3 lost: page 2 ends on a heading, page 4 opens with another's blocks
    buf = io.BytesIO()
    out.save(buf)
    record = parse(buf.getvalue())
    assert record.needs_review
    assert any(OTHER_KIND_WARNING in w for w in record.warnings), record.warnings


@needs_shared
def test_no_item_of_the_real_letters_is_told_it_speaks_of_other_care() -> None:
    for path in sorted(DEV.glob("*.txt")):
        record = parse(path)
        assert not any(OTHER_KIND_WARNING in w for w in record.warnings), (path.name, record.warnings)
