"""Irregular renderings and never a guessed decision: running headers and page breaks inside an item,
OCR misreadings, and letters whose decision cannot be read (null, needs review, never a default)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from imr_llm.parser import parse_text
from imr_llm.schema import OcrInfo, Source, Span
from imr_llm.textclean import blank_running_lines, repair_ocr
from tests.cli import run_cli
from tests.letters import APPROVED_MRI, DENIED_PT, HEAD, Item, make_letter

RUNNING = "Independent Medical Review Final Determination Letter for IMR Case Number CM16-0900199"
OCR = Source(kind="ocr", ocr=OcrInfo())


def paged(text: str, cut_after: str, pages: int = 2) -> str:
    """The letter as a converter that keeps page furniture renders it: a running header on every page,
    "Page N of M" at the bottom, and a page break right after `cut_after`."""
    at = text.index(cut_after) + len(cut_after)
    return f"{RUNNING}\n{text[:at]}\nPage 1 of {pages}\n\f{RUNNING}\n{text[at:]}\nPage 2 of {pages}\n\f"


def test_a_page_break_between_the_decision_and_its_labels_is_read_right() -> None:
    letter = make_letter(DENIED_PT, APPROVED_MRI)
    text = paged(letter, "MRI of the lumbar spine: Overturned")
    record = parse_text(text)
    assert [i.decision for i in record.disputed_items] == ["upheld", "overturned"]
    assert [i.request for i in record.disputed_items] == [DENIED_PT.request, APPROVED_MRI.request]
    assert record.warnings == [] and record.needs_review is False
    assert all(RUNNING not in (i.rationale or "") for i in record.disputed_items)


def test_running_headers_are_blanked_only_when_they_repeat_at_page_edges() -> None:
    letter = make_letter(DENIED_PT, APPROVED_MRI)
    text = paged(letter, "Decision rationale: The MTUS recommends")
    cleaned = blank_running_lines(text)
    assert len(cleaned) == len(text) and RUNNING not in cleaned
    # content that happens to start two pages (a label, a sentence) is left alone
    body = "Claims Administrator guideline: Decision based on MTUS.\nsome text.\n"
    twice = f"{body}\f{body}"
    assert blank_running_lines(twice) == twice


def two_pages(first_top: str, second_top: str = "") -> str:
    """A two-item letter as two pages, each opening with its line (a fax machine's, say); "" for none."""
    letter = make_letter(DENIED_PT, APPROVED_MRI)
    at = letter.index("MRI of the lumbar spine: Overturned")
    return f"{first_top}{letter[:at]}\f{second_top}{letter[at:]}"


def test_a_fax_machines_line_atop_each_page_is_blanked_and_a_letter_line_like_it_once_is_not() -> None:
    # OCR reads the one line with other marks on each page
    fax = ["02/23/2017 12:26 FROM: (555) 881-6889 P. 1/2\n", "02/23/2017 12:27 FROM; (555) 881-6889 P,2/2\n"]
    text = two_pages(*fax)
    cleaned = blank_running_lines(text)
    assert len(cleaned) == len(text) and "FROM:" not in cleaned and "881-6889" not in cleaned
    record = parse_text(text)
    assert [i.request for i in record.disputed_items] == [DENIED_PT.request, APPROVED_MRI.request]
    # the same words once, at the top of one page only, are the letter's own
    once = two_pages(fax[0])
    assert blank_running_lines(once) == once


@pytest.mark.parametrize(
    ("misread", "decision"),
    [("UpheId", "upheld"), ("Uphe1d", "upheld"), ("0verturned", "overturned"), ("OVERTURNED", "overturned")],
)
def test_ocr_misread_decision_words_are_repaired(misread: str, decision: str) -> None:
    # on a scan a decision also needs the rationale's conclusion to agree (tests/test_scan_review.py)
    conclusion = "The request is not medically necessary." if decision == "upheld" else "It is medically necessary."
    item = Item("Home exercise kit", misread, f"The kit was reviewed. {conclusion}")
    record = parse_text(make_letter(item), OCR)
    assert record.disputed_items[0].decision == decision


def test_ocr_repair_fixes_digits_only_where_the_format_is_unique() -> None:
    assert repair_ocr("Date of Injury: lO/2l/2Ol6 Case Number: CM16-O235724") == (
        "Date of Injury: 10/21/2016 Case Number: CM16-0235724"
    )
    text = "Decision rationaIe: the Iight was off | [10/21/2016"
    assert repair_ocr(text) == "Decision rationale: the Iight was off    10/21/2016"
    assert len(repair_ocr(text)) == len(text)


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("MRI of the lumbar.spine", "MRI of the lumbar spine"),
        ("two times.a week", "two times a week"),
        ("Baclofen'100mg #3", "Baclofen 100mg #3"),
        ("Right 'L5-S1 epidural steroid injection", "Right L5-S1 epidural steroid injection"),
        ("Chronic Pain Medical Treatment' 2016", "Chronic Pain Medical Treatment 2016"),
        ("Decision based''on MTUS", "Decision based on MTUS"),
        ("2004, . Section(s):. Physical Methods.. Decision", "2004, Section(s): Physical Methods. Decision"),
        ("Medical Treatment.2016, Section(s)", "Medical Treatment 2016, Section(s)"),
    ],
)
def test_specks_read_as_marks_between_words_become_spaces(read: str, meant: str) -> None:
    repaired = repair_ocr(read)
    assert len(repaired) == len(read)  # offsets kept: evidence spans still point at the scan's words
    assert " ".join(repaired.split()) == meant


@pytest.mark.parametrize(
    "kept",
    [
        "see www.dir.ca.gov or dir.ca.gov/dwc",  # addresses
        "i.e. the first, e.g. a trial",  # abbreviations
        "the workers' compensation and the worker's knee",  # possessives
        "'Norco' was quoted",  # a quoted word
        "CCR 9792.24.2 and the x-rays.The report",  # numbers; a lost space before a capital is not a speck
        "he waited... then",  # an ellipsis
        "Date of Injury : 10/26/2016",  # a label's colon read apart from it
        # found by an independent tester: a dose with no leading zero, a year, quotations, a possessive, a decimal
        "Alprazolam.25mg #60, Xanax.25mg, Clonazepam.5mg, Lidocaine.5%, Capsaicin.025%",
        "in Jan '16 and again in Dec '16, dated Jan'16",
        "'Norco 10/325mg #60' was modified; 'physical therapy' to date",
        "Ms. Ruiz' back and the workers' compensation",
        "rotation 0 . 5 degrees",
    ],
)
def test_marks_the_letters_do_print_are_left_alone(kept: str) -> None:
    assert repair_ocr(kept) == kept


@pytest.mark.parametrize(
    "item",
    [
        Item("Home exercise kit", "", "The kit was reviewed."),  # no decision word, no conclusion
        Item("Home exercise kit", "Overtumed", "The kit was reviewed."),  # misread past repair
        Item("Home exercise kit", "Upheld?", "The reviewer considered it. The outcome is in the file."),
    ],
)
def test_a_decision_that_cannot_be_read_is_null_never_a_default(item: Item) -> None:
    for source in (None, OCR):
        record = parse_text(make_letter(item, DENIED_PT), source)
        unreadable = record.disputed_items[0]
        assert unreadable.decision is None and unreadable.medically_necessary is None
        assert record.needs_review is True
        # on a scan "Overtumed" is read as a decision word, and then left empty: its conclusion cannot confirm it
        said = ("decision could not be read", "decision read from the scan is not confirmed")
        assert any(s in w for w in record.warnings for s in said)
        assert record.disputed_items[1].decision == "upheld"


def test_the_rationale_gives_the_decision_when_the_word_is_lost() -> None:
    item = Item("Home exercise kit", "Overtumed", APPROVED_MRI.rationale)
    record = parse_text(make_letter(item))
    assert record.disputed_items[0].decision == "overturned"
    assert record.disputed_items[0].decision_source == "rationale"


def test_low_confidence_ocr_values_are_named_and_need_review() -> None:
    text = make_letter(DENIED_PT)
    at = text.index("CM16-0900199")
    source = Source(kind="ocr", ocr=OcrInfo(low_confidence=[Span(start=at + 2, end=at + 6)]))
    record = parse_text(text, source)
    assert "case_number: read by OCR with low confidence; check it against the letter" in record.warnings
    assert record.needs_review is True


def test_unreadable_decision_in_batch_table_and_report(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(make_letter(Item("Home exercise kit", "", "The kit was reviewed.")))
    out, table = tmp_path / "out.jsonl", tmp_path / "items.csv"
    result = run_cli("batch", str(tmp_path / "in"), "--out", str(out), "--table", str(table), "--no-progress")
    assert result.returncode == 0, result.stderr
    record = json.loads(out.read_text())
    assert record["disputed_items"][0]["decision"] is None and record["needs_review"] is True
    with table.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["decision"] == "" and rows[0]["needs_review"] == "True"


def test_header_fixture_is_synthetic() -> None:
    assert "CM16-0900199" in HEAD  # a case number no real letter here has


def test_an_unreadable_header_date_is_left_empty_not_shifted_onto_the_next_label() -> None:
    text = make_letter(DENIED_PT).replace("Decision Date: 12/30/2016", "Decision Date: 12/3%/2O1b")
    record = parse_text(text)
    assert record.decision_date is None
    assert str(record.ur_determination_date) == "2016-11-17"  # not the decision date's value, shifted
    assert any(w.startswith("decision_date:") for w in record.warnings) and record.needs_review


def test_an_age_no_person_has_is_left_empty_with_a_warning_and_a_real_one_is_kept() -> None:
    """A scan read '24 year old' as '240 year old' (seen on a held-out scan): the record stays valid, the age
    empty with a warning; the sex beside it is still read. A real age of 120 or less is kept as read."""
    misread = make_letter(DENIED_PT).replace("52 year old female", "240 year old female")
    record = parse_text(misread, source=OCR)
    assert record.patient_age is None and record.patient_sex == "female"
    assert any("age reads 240" in w for w in record.warnings)
    kept = parse_text(make_letter(DENIED_PT).replace("52 year old", "104 year old"), source=OCR)
    assert kept.patient_age == 104 and not any("age reads" in w for w in kept.warnings)


def test_a_scan_s_speck_colon_after_the_decision_and_a_label_read_onto_the_heading_line_are_undone() -> None:
    speck = make_letter(APPROVED_MRI).replace(
        "MRI of the lumbar spine: Overturned\n", "MRI of the lumbar spine: Overturned:\n"
    )
    merged = make_letter(DENIED_PT).replace(
        "low back: Upheld\nClaims Administrator", "low back: Upheld Claims Administrator"
    )
    assert len(repair_ocr(merged)) == len(merged) and "Upheld\nClaims Administrator guideline:" in repair_ocr(merged)
    for text, request, decision in (
        (speck, "MRI of the lumbar spine", "overturned"),
        (merged, "Physical therapy 8 sessions for the low back", "upheld"),
    ):
        item = parse_text(text, OCR).disputed_items[0]
        assert (item.request, item.decision) == (request, decision)
    # a label named inside prose, without its colon, is prose
    prose = "the Claims Administrator guideline was cited"
    assert repair_ocr(prose) == prose


def test_a_line_end_comma_is_a_period_only_after_a_conclusion_or_before_a_label() -> None:
    fax = "the request is not medically necessary,\nBack brace: Upheld\n"
    assert repair_ocr(fax) == "the request is not medically necessary.\nBack brace: Upheld\n"
    before_label = "Section(s): Special Studies,\nMAXIMUS guideline: Decision based on"
    assert repair_ocr(before_label).startswith("Section(s): Special Studies.\n")
    # the letter's own comma at a line's end stays
    own = "Section(s): Initial Care, Special Studies,\nSummary."
    assert repair_ocr(own) == own


@pytest.mark.parametrize(
    ("read", "repaired"),
    [
        ("Deciston rationale:", "Decision rationale:"),  # one letter off an anchor word, and no word itself
        ("Certitication(s)/Specialty:", "Certification(s)/Specialty:"),
        ("MAXIMUS gutdeline:", "MAXIMUS guideline:"),
        ("Certification(s)/Specially: Pain", "Certification(s)/Specialty: Pain"),  # a word, but standing as a label
        ("Certification(s)/Specially Pain", "Certification(s)/Specialty Pain"),
        # real words one letter off an anchor word stay as printed
        ("Dental evaluation for bruxism", "Dental evaluation for bruxism"),
        ("at maximum medical improvement", "at maximum medical improvement"),
        ("The reviewer would uphold it", "The reviewer would uphold it"),
        ("she receives therapy", "she receives therapy"),
        ("Oral/dental evaluation", "Oral/dental evaluation"),  # after a slash, or in quotes, still a word
        ("Minimum/maximum strength testing", "Minimum/maximum strength testing"),
        ("a 'dental' specialist", "a 'dental' specialist"),
    ],
)
def test_ocr_repair_mends_anchor_words_and_never_a_real_word(read: str, repaired: str) -> None:
    assert repair_ocr(read) == repaired


def test_a_fax_line_read_a_little_differently_on_each_page_is_still_a_running_line() -> None:
    fax = ["FEB-23-2017 12:26 FROM: MAXIMUS FEDERAL P. 9/10\n", "FEB-23-2017 12:27 FR0M: MAXIMUS FEOERAL P.10/10\n"]
    text = two_pages(*fax)
    cleaned = blank_running_lines(text, misread=True)
    assert len(cleaned) == len(text) and "FEB-23" not in cleaned
    record = parse_text(text, OCR)
    assert [i.request for i in record.disputed_items] == [DENIED_PT.request, APPROVED_MRI.request]
    # typed text is read as printed: two different lines are two lines
    assert "FR0M" in blank_running_lines(text)
    # a line like it on one page only is the letter's own
    once = two_pages(fax[0])
    assert blank_running_lines(once, misread=True) == once
    # a short one too ("FROM 5558816889 P001/002", one letter misread on the next page)
    short = ["02/23/2017 12:26 FROM 5558816889 P001/002\n", "02/23/2017 12:26 FR0M 5558816889 P002/002\n"]
    text = two_pages(*short)
    assert "FR0M" not in blank_running_lines(text, misread=True)


@pytest.mark.parametrize(
    "line",
    [
        "Case Number: CM16-0219557 Page 2 of 4",
        "02/23/2017 12:26 FROM: (555) 881-6889 P. 9/10",
        "a_b c",
        "",
        "###",
        "\u00dcn\u00efcode 12 \u2018x\u2019",
        "P.10/10",
    ],
)
def test_a_running_line_key_is_its_letters_and_digit_runs_whatever_the_marks(line: str) -> None:
    import re

    from imr_llm.textclean import _key

    case = re.search(r"CM\d{2}-\d{5,7}", line)  # a case number is kept whole: another letter's is not a running line
    assert _key(line) == re.sub(r"\d+", "#", re.sub(r"[\W_]+", "", line)).casefold() + (case.group(0) if case else "")


@pytest.mark.parametrize(
    "line",
    ["MRI of the lumbar spine: Overturned", "MRI of the lumbar spine:"],  # the whole heading line, or its first part
)
def test_a_heading_read_twice_in_a_row_is_one_request_and_says_so(line: str) -> None:
    """Overlapping phone photos (or a page that repeats the line the last one ended with) read a heading twice:
    the request is read once, and the record says why it asks for a look."""
    letter = make_letter(DENIED_PT, APPROVED_MRI)
    heading = "MRI of the lumbar spine: Overturned"
    twice = letter.replace(heading, f"{line}\n{heading}", 1)
    assert twice != letter
    record = parse_text(twice)
    assert [i.request for i in record.disputed_items] == [DENIED_PT.request, APPROVED_MRI.request]
    assert [i.decision for i in record.disputed_items] == ["upheld", "overturned"]
    assert record.needs_review and any("read twice in a row" in w for w in record.warnings)


def test_a_request_whose_halves_differ_is_left_as_written() -> None:
    """The right output it must pass: two body sides, or a request that names one thing twice on purpose."""
    for request in (
        "Physical therapy for the left knee, physical therapy for the right knee",
        "Ibuprofen 800mg #60 and ibuprofen 800mg #90",
    ):
        letter = make_letter(Item(request=request, decision="Upheld", rationale=DENIED_PT.rationale), APPROVED_MRI)
        record = parse_text(letter)
        assert record.disputed_items[0].request == request
        assert not any("twice" in w for w in record.warnings)


def test_a_scanned_heading_read_twice_with_a_misread_is_left_as_read_and_flagged() -> None:
    letter = make_letter(DENIED_PT, APPROVED_MRI)
    heading = "MRI of the lumbar spine: Overturned"
    record = parse_text(letter.replace(heading, f"MRl of the lumbar spine:\n{heading}", 1), OCR)
    assert record.disputed_items[1].request == "MRl of the lumbar spine: MRI of the lumbar spine"
    assert record.needs_review and any("may be read twice" in w for w in record.warnings)
    # the right output: a scanned request naming both sides is not a repeat
    both = "Physical therapy for the left knee, physical therapy for the right knee"
    letter = make_letter(Item(request=both, decision="Upheld", rationale=DENIED_PT.rationale), APPROVED_MRI)
    assert not any("twice" in w for w in parse_text(letter, OCR).warnings)


def test_a_letter_of_another_layout_after_the_first_is_cut_off_and_said() -> None:
    """A hostile tester's file held a 2016 letter and then a 2014 one: the two were merged, the second letter's
    items section became a phantom 'Upheld' item and its Tramadol item was added, unflagged. The first letter is
    read, with the warning the README promises. The 2016 letter's own 2014-style opening is not a second one."""
    from tests.conftest import SAMPLES

    first = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
    second = (SAMPLES / "synth-2014.txt").read_text(encoding="utf-8")
    alone = parse_text(first)
    record = parse_text(first + "\n" + second)
    assert [i.request for i in record.disputed_items] == [i.request for i in alone.disputed_items]
    assert record.needs_review and any("the file holds 2 letters" in w for w in record.warnings)
    assert not alone.needs_review and "HOW THE IMR FINAL DETERMINATION WAS MADE" in first  # the right output


def test_a_letter_missing_the_page_with_its_items_heading_says_a_page_may_be_missing() -> None:
    """A hostile tester dropped a middle page of dev PDFs: where the page held the heading over the items, the
    letter jumped from its case summary into an item's rationale and lost items silently. The heading's absence
    is said; a whole letter does not say it."""
    letter = make_letter(DENIED_PT, APPROVED_MRI)
    assert "IMR ISSUES, DECISIONS AND RATIONALES" in letter
    whole = parse_text(letter)
    assert not any("heading over its items" in w for w in whole.warnings) and not whole.needs_review
    start = letter.index("IMR ISSUES, DECISIONS AND RATIONALES")
    cut = letter.index("there is no record of objective functional improvement")  # into item 1's rationale
    record = parse_text(letter[:start] + letter[cut:])
    assert record.needs_review and any("heading over its items is missing" in w for w in record.warnings)
