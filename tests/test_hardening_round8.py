"""Hardening, round eight: what a fourteenth hostile probe left open, a fifteenth probe's findings and two
independent readers' (nineteenth, twentieth), each the wrong output it must not produce and the right output it
must keep. Letters are synthetic (tests/letters.py); sentences are written for these tests.

- a letter whose last page (with its last requests) was lost at an item's end read as whole: fewer items, no word,
  though the case summary retells the denial of the requests that are gone;
- in the professional-review layout (one rationale for every request), a conclusion about one request decided all;
- a 2014 letter followed by a 2016 one was "the file holds 3 letters" (the 2016 letter's own opening line counted);
- a fifteenth probe's: footers, stamps and Bates numbers read as the letter's words; hyphenated form phrases and
  guideline titles; a rationale closing on another request; records summarize() should refuse; stale summaries;
  field names and off-page doubts on the worker's page; 2014 prose dates; unnumbered issue lines; a Medicare
  address broken at a line end; a heading longer than the reach read for it;
- the readers': care approved in full before, headlined only "not approved"; "no clear rationale" said as "no
  reason"; causes, quoted reasons and the provider's unexplained points that name a next step.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_llm.errors import NotAnImrLetter
from imr_llm.parser import parse_text
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import check_summary
from imr_llm.summary.render import render_text
from tests.conftest import SAMPLES, approving_title
from tests.letters import Item, make_letter

DENIED = "There is no record of a trial of home exercise. The request is not medically necessary."
_STORY = "The worker is a 47 year old male, who hurt his back lifting boxes at work on 9-14-16. He has had rest. "


def _lost_page_warnings(summary: str, *requests: str) -> list[str]:
    record = parse_text(make_letter(*(Item(r, "Upheld", DENIED) for r in requests), summary=_STORY + summary))
    return [w for w in record.warnings if "a page with more requests may be missing" in w]


def test_a_denied_drug_the_case_summary_names_and_no_item_decides_is_said() -> None:
    summary = "On 11-17-16 utilization review non-certified the request for Diclofenac 100mg and Prilosec 20mg."
    warned = _lost_page_warnings(summary, "Diclofenac ER 100mg #60")
    assert len(warned) == 1 and "Prilosec" in warned[0] and "Diclofenac" not in warned[0]
    # the worker's page says so too, in both languages
    record = parse_text(make_letter(Item("Diclofenac ER 100mg #60", "Upheld", DENIED), summary=_STORY + summary))
    for lang in ("en", "es"):
        page = build_summary(record, lang=lang).render("md")
        assert "Prilosec" in page and "a page with more requests may be missing" in page


@pytest.mark.parametrize(
    ("summary", "requests"),
    [
        # the drug is decided, under its generic name
        (
            "The utilization review denied the request for Diclofenac 100mg and Prilosec 20mg.",
            ("Diclofenac ER 100mg #60", "Omeprazole 20mg #30"),
        ),
        # a drug approved in the same sentence is not a denied one
        (
            "In October UR non-certified the back MRI and certified tramadol 50mg #60 for two months.",
            ("MRI of the lumbar spine",),
        ),
        # a drug the worker takes, in a sentence about no request
        (
            "His medicines include gabapentin and naproxen, which were denied refills at the pharmacy once.",
            ("MRI of the lumbar spine",),
        ),
        # no drug named: care in words no table holds is not guessed at
        ("The request for surgery was denied by utilization review.", ("Arthroscopy of the left knee",)),
    ],
)
def test_a_case_summary_whose_denied_requests_are_all_here_gives_no_warning(
    summary: str, requests: tuple[str, ...]
) -> None:
    assert _lost_page_warnings(summary, *requests) == []


def _two_issue_review(conclusion: str) -> list[tuple[str | None, bool]]:
    text = (SAMPLES / "synth-professional-review.txt").read_text()
    text = text.replace(
        "ISSUE AT DISPUTE:\nChiropractic manipulation, 12 sessions for the cervical spine\n",
        "ISSUES AT DISPUTE:\n1. Chiropractic manipulation, 12 sessions for the cervical spine\n2. Cervical pillow\n",
    )
    text = text.replace(
        "Therefore, the request for\nchiropractic manipulation, 12 sessions for the cervical spine is "
        "not medically necessary.",
        conclusion,
    )
    record = parse_text(text)
    assert len(record.disputed_items) == 2
    return [
        (item.decision, any(w.startswith(f"item {n + 1}: the shared rationale") for w in record.warnings))
        for n, item in enumerate(record.disputed_items)
    ]


@pytest.mark.parametrize(
    ("conclusion", "expected"),
    [
        # it names one request: the other's decision is left empty, and said
        ("Therefore, the cervical pillow is not medically necessary.", [(None, True), ("upheld", False)]),
        (
            "Therefore, the request for chiropractic manipulation, 12 sessions for the cervical spine is not medically "
            "necessary.",
            [("upheld", False), (None, True)],
        ),
        # it names both, or the requests as a whole: both are decided
        (
            "Therefore, the chiropractic manipulation and the cervical pillow are not medically necessary.",
            [("upheld", False), ("upheld", False)],
        ),
        (
            "Given no change in function, the requested treatments are not medically necessary.",
            [("upheld", False), ("upheld", False)],
        ),
    ],
)
def test_one_rationale_for_two_requests_decides_only_what_it_names(
    conclusion: str, expected: list[tuple[str | None, bool]]
) -> None:
    assert _two_issue_review(conclusion) == expected


@pytest.mark.parametrize(("copies", "said"), [(1, "holds 2 letters"), (2, "holds 3 letters")])
def test_letters_of_two_layouts_in_one_file_are_counted_once_each(copies: int, said: str) -> None:
    first = (SAMPLES / "synth-2014.txt").read_text()
    record = parse_text(
        first + "\n" + "\n".join(make_letter(Item("Knee brace", "Upheld", DENIED)) for _ in range(copies))
    )
    assert [w for w in record.warnings if "letters; only the first was read" in w] == [
        f"the file {said}; only the first was read (split the file to read the others)"
    ]


# -- a nineteenth reader: care approved in full before the review, headlined only as "not approved" ---------------

_REPEAT = (
    "The file shows that the same elbow strap was authorized by the claims administrator on 10/02/2016. Approving "
    "this request as well would be duplicative. The request is not medically necessary."
)
_TRIAL = (
    "The file shows that a first trial of 6 acupuncture visits was previously authorized. The additional acupuncture "
    "visits asked for now exceed what the MTUS allows as a first trial. The request is not medically necessary."
)


def test_a_request_the_letter_calls_a_repeat_of_an_approval_says_so_with_its_decision() -> None:
    record = parse_text(
        make_letter(Item("Elbow strap", "Upheld", _REPEAT), Item("Knee brace", "Upheld", DENIED)),
    )
    for lang, already in (("en", "already been approved before this review"), ("es", "ya había sido aprobado")):
        summary = build_summary(record, lang=lang)
        assert check_summary(render_text(summary), summary, record).problems == []
        repeat, plain = summary.items
        assert already in repeat.meaning and already not in plain.meaning
        assert already in summary.opening  # "none of the two was approved" is not the whole story
    english = build_summary(record, lang="en")
    assert english.items[1].meaning == "The denial stands."
    assert "For one of them, the letter says the same care had already been approved" in english.opening


def test_a_first_trial_approved_before_is_not_called_the_same_care() -> None:
    record = parse_text(make_letter(Item("Acupuncture 12 visits", "Upheld", _TRIAL)))
    summary = build_summary(record, lang="en")
    assert summary.items[0].meaning == "The denial stands."
    assert "already been approved" not in summary.opening


def test_a_letter_past_the_characters_read_is_refused_with_where_the_reading_stopped() -> None:
    notes = "Progress note: the worker reports neck pain, and sleep is poor.\n" * 5_000  # about 325,000 characters
    with pytest.raises(NotAnImrLetter, match=r"in its first 250,000 characters .*a file of its own"):
        parse_text(notes + make_letter(Item("Knee brace", "Upheld", DENIED)))
    # the right output kept: a short file that is no letter is refused as before, without a word on length
    with pytest.raises(NotAnImrLetter, match=r"^not an IMR determination letter \(no known layout found\)$"):
        parse_text(notes[:2_000])


@pytest.mark.parametrize(
    ("cause", "step"),
    [
        # the cause is what the records lack: the step names it
        (
            "Since there was an absence of documented pain relief from the first 4 visits",
            "a new request could include records of pain relief from the first 4 visits",
        ),
        # the cause is a warning sign the worker does not have: never "records of warning signs" to ask for
        ("Given there were no red flag signs at the visit", "Your doctor can read the reviewer's words"),
    ],
)
def test_a_given_cause_that_names_a_gap_gives_the_next_step(cause: str, step: str) -> None:
    rationale = f"{cause}, more visits are not medically necessary."
    summary = build_summary(parse_text(make_letter(Item("Acupuncture 4 visits", "Upheld", rationale))), lang="en")
    assert step in summary.items[0].next_step


@pytest.mark.parametrize(
    ("read", "repaired"),
    [
        ("Hydrocodone solution (2.5mg/Iml) 120ml", "Hydrocodone solution (2.5mg/1ml) 120ml"),
        ("oral suspension 5 mg/lml, 250ml", "oral suspension 5 mg/1ml, 250ml"),
        # the right outputs kept: a 1 already, or a letter with no strength before it
        ("oral suspension 5mg/1ml", "oral suspension 5mg/1ml"),
        ("the Iml note and mg/Iml alone", "the Iml note and mg/Iml alone"),
    ],
)
def test_a_strength_per_one_ml_read_with_a_letter_for_the_one_is_mended(read: str, repaired: str) -> None:
    from imr_llm.textclean import repair_ocr

    assert repair_ocr(read) == repaired


@pytest.mark.parametrize(
    ("rationale", "over"),
    [
        # the reviewer's one reason, quoted whole, is that the count goes past the guidelines: the step says so
        (
            "Chiropractic care for the back is advised for a short course. Up to 8 visits may be reasonable but this "
            "request was for 14 visits which exceeds the guidelines and so cannot be considered medically necessary.",
            True,
        ),
        # the right output kept: a quoted reason about something else gets no such step
        (
            "Chiropractic care for the back is advised for a short course. Up to 8 visits may be reasonable but the "
            "notes from the first visits cannot be read and so the care cannot be considered medically necessary.",
            False,
        ),
    ],
)
def test_a_quoted_reason_that_the_count_exceeds_the_guidelines_gives_that_step(rationale: str, over: bool) -> None:
    record = parse_text(make_letter(Item("Chiropractic care 14 visits", "Upheld", rationale)))
    step = build_summary(record, lang="en").items[0].next_step
    assert ("goes past what the guidelines recommend" in step) is over, step


@pytest.mark.parametrize(
    ("line", "cited"),
    [
        # a part's title hyphenated at a line end is still read
        ("Decision based on MTUS Knee Com-plaints 2004, Section(s): Summary.", ["MTUS Knee Complaints"]),
        # what no rule reads is unknown, never "no medical evidence cited"
        ("Decision based on a handout from the clinic.", None),
        # the right outputs kept: "did not cite" is [], a title as printed is read
        ("The Claims Administrator did not cite any medical evidence for its decision.", []),
        ("Decision based on MTUS Knee Complaints 2004, Section(s): Summary.", ["MTUS Knee Complaints"]),
    ],
)
def test_a_guideline_title_hyphenated_at_a_line_end_is_read(line: str, cited: list[str] | None) -> None:
    from imr_llm.parser.guidelines import normalize_guidelines

    assert normalize_guidelines(line) == cited


@pytest.mark.parametrize(("cited", "group"), [(None, ["(not read)"]), ([], ["(none)"]), (["ODG"], ["ODG"])])
def test_the_report_never_files_an_unread_guideline_line_as_no_evidence_cited(
    cited: list[str] | None, group: list[str]
) -> None:
    from imr_llm.research.fields import _item_row
    from imr_llm.research.report import DIMENSIONS

    row = _item_row("letter", 1, {"request": "Knee brace", "decision": "upheld", "guidelines_cited": cited})
    dimension = next(d for d in DIMENSIONS if d.name == "guideline")
    assert dimension.groups(row, {}) == group


_PARTIAL = (
    "Elbow strap 5 was the original request. Elbow strap 4 was authorized by the Claims Administrator. The "
    "remaining IMR eligible portion of the original request, Elbow strap 1 is:"
)


@pytest.mark.parametrize(
    "split",
    [
        ("original request. Elbow strap 4", "origi-\nnal request. Elbow strap 4"),
        ("eligible portion", "eligible por-\ntion"),
        ("authorized by the Claims", "author-\nized by the Claims"),
        ("", ""),  # the right output kept: the heading as printed
    ],
)
def test_a_partial_approval_heading_with_a_word_hyphenated_at_a_line_end_keeps_the_approved_part(
    split: tuple[str, str],
) -> None:
    heading = _PARTIAL.replace(*split, 1) if split[0] else _PARTIAL
    assert heading != _PARTIAL or not split[0]
    record = parse_text(make_letter(Item("Elbow strap 1", "Upheld", DENIED, heading=heading)))
    item = record.disputed_items[0]
    assert (item.request, item.authorized_portion, item.decision) == ("Elbow strap 1", "Elbow strap 4", "upheld")
    assert "That part stays approved" in build_summary(record, lang="en").items[0].partial


def _paged(footer: str, *, every_page: bool = True) -> str:
    """A three-page synthetic letter (a page break before each item), `footer` at the foot of every page (or of
    the second only)."""
    text = make_letter(
        Item(
            "Oxycodone ER 20mg #60",
            "Overturned",
            "The dose is stable and the worker is back at work. The drug is medically necessary.",
        ),
        Item("Knee brace", "Upheld", DENIED),
    )
    pages = text.replace("\nOxycodone ER", "\n\fOxycodone ER").replace("\nKnee brace:", "\n\fKnee brace:").split("\f")
    return (
        "\f".join(
            page.rstrip("\n") + (f"\n{footer}\n" if every_page or k == 1 else "\n") for k, page in enumerate(pages)
        )
        + "\f"
    )


@pytest.mark.parametrize(
    ("footer", "every_page"),
    [
        ("CONFIDENTIAL", True),
        ("COPY", True),
        ("Lee & Park LLP, Attorneys at Law", True),
        ("00001", True),  # numbered below, as a Bates number rises with the page
        ("RECEIVED FEB 03 2017", False),  # an office's stamp on one page only
    ],
)
def test_a_footer_or_stamp_at_the_foot_of_pages_is_not_the_letters_words(footer: str, every_page: bool) -> None:
    text = _paged(footer, every_page=every_page)
    if footer == "00001":
        pages = text.split("\f")
        text = "\f".join(p.replace("00001", f"{k + 1:05d}") for k, p in enumerate(pages))
    record = parse_text(text)
    assert [(i.request, i.decision) for i in record.disputed_items] == [
        ("Oxycodone ER 20mg #60", "overturned"),
        ("Knee brace", "upheld"),
    ]
    assert record.warnings == [], record.warnings


def test_a_sentence_at_the_foot_of_every_page_is_kept() -> None:
    # the right output kept: a line that is a sentence is the letter's words, even where a footer would be
    text = _paged("The worker may ask for help.")
    record = parse_text(text)
    assert "The worker may ask for help." in (record.disputed_items[-1].rationale or "")


@pytest.mark.parametrize(
    ("asked", "closing", "other"),
    [
        # a page lost after this heading: the next request's rationale and verdict
        ("Omeprazole 20mg #30", "the request for Naproxen 375mg #90 is not medically necessary.", True),
        ("X-rays of the neck", "the request for a work conditioning program is not medically necessary.", True),
        # the right outputs kept: this request, named its own way
        ("Omeprazole 20mg #30", "the request for Prilosec 20mg #30 is not medically necessary.", False),
        (
            "NCS of the left upper extremity",
            "the request for an NCV of the left arm is not medically necessary.",
            False,
        ),
        ("Omeprazole 20mg #30", "the request is not medically necessary.", False),
    ],
)
def test_a_rationale_closing_on_another_request_is_said_and_not_restated(asked: str, closing: str, other: bool) -> None:
    rationale = f"There is no record of stomach upset on the visits in the file. Therefore, {closing}"
    record = parse_text(make_letter(Item(asked, "Upheld", rationale)))
    warned = [w for w in record.warnings if "conclusion is about other care" in w]
    assert bool(warned) is other, record.warnings
    assert record.disputed_items[0].decision == "upheld"  # the heading's own word still decides
    item = build_summary(record, lang="en").items[0]
    assert item.reason.quoted is other
    # no step is drawn from another request's rationale ("records of stomach upset" would be its gap)
    assert ("stomach" not in item.next_step) is other


def test_summarize_refuses_a_record_no_letter_gives_and_keeps_a_right_one() -> None:
    import imr_llm
    from imr_llm.errors import InputError

    record = parse_text(make_letter(Item("Knee brace", "Upheld", DENIED)))
    data = record.model_dump(mode="json")
    assert imr_llm.summarize(data).checks is not None  # the right output kept
    empty = {**data, "disputed_items": []}
    with pytest.raises(InputError, match="no disputed item"):
        imr_llm.summarize(empty)
    odd = {**data, "disputed_items": [{**data["disputed_items"][0], "medically_necessary": True}]}
    with pytest.raises(InputError, match="disagree"):
        imr_llm.summarize(odd)


@pytest.mark.parametrize(
    ("closing", "warned"), [("is medically necessary.", True), ("is not medically necessary.", False)]
)
def test_an_approval_under_the_reviews_not_necessary_title_is_said(closing: str, warned: bool) -> None:
    text = (SAMPLES / "synth-professional-review.txt").read_text()
    text = text.replace("cervical spine is not medically necessary.", f"cervical spine {closing}")
    record = parse_text(text)
    # (since the twenty-eighth probe: the title and the conclusion are two readings, and at odds they decide nothing)
    assert record.disputed_items[0].decision == (None if warned else "upheld")
    assert any("title says 'not medically necessary'" in w for w in record.warnings) is warned
    approving = parse_text(approving_title(text))  # right: the same approval under a title that reads it
    assert approving.disputed_items[0].decision == ("overturned" if warned else None)


def test_the_workers_page_says_in_words_only_what_concerns_what_it_states() -> None:
    record = parse_text(make_letter(Item("Knee brace", "Upheld", DENIED)))
    record = record.model_copy(
        update={
            "warnings": [
                "ur_determination_date: read by OCR with low confidence; check it against the letter",
                "reviewer.licensure_text: read by OCR with low confidence; check it against the letter",
                "disputed_items.0.maximus_guideline_text: read by OCR with low confidence; check it against the letter",
                "decision_date: read by OCR with low confidence; check it against the letter",
                "disputed_items.0.request: read by OCR with low confidence; check it against the letter",
                "date_of_injury: the header gives 2016-09-14, the case summary 2016-09-18 (one of them may be a "
                "slip); check it against the letter",
            ],
            "needs_review": True,
        }
    )
    summary = build_summary(record, lang="en")
    page = " ".join(summary.warnings)
    # what the page states: said, in words
    assert "decision date: read by OCR" in page and "decision_date" not in page
    assert "date of injury: the header gives" in page  # a date the letter gives two ways is never dropped
    assert summary.items[0].warnings == [
        "Please check this summary against your letter: the request's words: read by OCR with low confidence; check "
        "it against the letter"
    ]
    # what the page never states (the UR date, the reviewer's licence, the guideline's words): left to the record
    assert "ur_determination_date" not in page and "reviewer" not in page and "guideline" not in page
    assert len(record.warnings) == 6


def test_a_changed_inputs_old_summaries_are_removed_with_its_old_record(tmp_path: Path) -> None:
    from tests.test_batch import batch_cmd, in_process

    folder, out, sums = tmp_path / "in", tmp_path / "out.jsonl", tmp_path / "sum"
    folder.mkdir()
    letter, other = folder / "a.txt", folder / "b.txt"
    letter.write_text(make_letter(Item("Knee brace", "Upheld", DENIED)))
    other.write_text(make_letter(Item("Ice pack", "Upheld", DENIED)))
    for lang in ("en", "es"):
        assert (
            in_process(batch_cmd(str(folder), "--out", str(out), "--summaries", str(sums), "--lang", lang)).returncode
            == 0
        )
    before = sorted(p.name for p in sums.glob("*.md"))
    assert len(before) == 4
    letter.write_text(make_letter(Item("Knee brace", "Overturned", "The brace is medically necessary.")))
    again = in_process(batch_cmd(str(folder), "--out", str(out), "--summaries", str(sums)))
    assert again.returncode == 0 and "removed 2 summary file(s) of those replaced records" in again.stderr
    after = sorted(p.name for p in sums.glob("*.md"))
    # the unchanged letter's summaries are kept; the changed one's old pair is gone, its new English one written
    assert [n for n in after if n.startswith("b-")] == [n for n in before if n.startswith("b-")]
    assert [n for n in after if n.startswith("a-")] == [n for n in after if n.startswith("a-") and n not in before]
    assert len([n for n in after if n.startswith("a-")]) == 1


@pytest.mark.parametrize(
    ("old", "new", "ur_date", "warned"),
    [
        # the UR date in other words than "utilization review determination dated"
        ("A utilization review \n\ndetermination dated", "A utilization review dated", "2014-10-14", False),
        ("A utilization review \n\ndetermination dated", "The Utilization review on", "2014-10-14", False),
        # a wording no rule reads: left empty, and said (it was lost silently)
        ("A utilization review \n\ndetermination dated", "A reviewer for the insurer wrote on", None, True),
        ("", "", "2014-10-14", False),  # the right output kept: the sample as written
    ],
)
def test_a_2014_letters_prose_dates_are_read_or_said_missing(
    old: str, new: str, ur_date: str | None, warned: bool
) -> None:
    text = (SAMPLES / "synth-2014.txt").read_text()
    assert not old or old in text
    record = parse_text(text.replace(old, new) if old else text)
    assert (str(record.ur_determination_date) if record.ur_determination_date else None) == ur_date
    said = [w for w in record.warnings if w.startswith("ur_determination_date: not found in the letter's text")]
    assert bool(said) is warned


@pytest.mark.parametrize(
    ("sentence", "said"),
    [
        # the reviewer's qualifiers are kept: "no clear rationale" is not "no reason" (a reader called that a hardening)
        (
            "There is no specific medical rationale for a bone scan of the right heel.",
            "The reviewer found no specific medical reason given for a bone scan of the right heel.",
        ),
        (
            "There is no clear rationale for a bone scan of the right heel.",
            "The reviewer found no clear reason given for a bone scan of the right heel.",
        ),
        # the right output kept: none, none added
        (
            "There is no rationale for a bone scan of the right heel.",
            "The reviewer found no reason given for a bone scan of the right heel.",
        ),
    ],
)
def test_a_missing_rationales_qualifiers_are_kept(sentence: str, said: str) -> None:
    record = parse_text(make_letter(Item("Bone scan of the right heel", "Upheld", f"{sentence} {DENIED}")))
    assert build_summary(record, lang="en").items[0].reason.text.startswith(said)


@pytest.mark.parametrize(
    ("extra", "step"),
    [
        # the page's reasons name nothing to add; the reviewer's sentence on what the provider left unexplained does
        (
            " The treating doctor has failed to document how a scan would alter the care plan.",
            "the new request could show how a scan would alter the care plan",
        ),
        # the right output kept: nothing the provider left unexplained, the step for signs the reviewer looked for
        ("", "If your doctor finds such signs later, your doctor can ask again"),
    ],
)
def test_a_gap_the_provider_left_is_the_step_when_the_reasons_name_none(extra: str, step: str) -> None:
    rationale = (
        "Scans of the back are advised when warning signs are found or before surgery. Neither applies here. There "
        "are no red flag findings on the exam. There is no noted nerve dysfunction. There is no documented loss of "
        f"strength or any findings of cauda equina syndrome.{extra} The scan is not medically necessary."
    )
    record = parse_text(make_letter(Item("CT of the low back", "Upheld", rationale)))
    assert step in build_summary(record, lang="en").items[0].next_step


@pytest.mark.parametrize(
    ("issue", "warned"),
    [
        ("Chiropractic manipulation, 12 sessions for the cervical spine\nBone scan of the neck", True),
        ("Chiropractic manipulation, 12 sessions for the cervical spine", False),  # the right output kept: one line
        ("Chiropractic manipulation, 12 sessions for the\ncervical spine", True),  # wrapped without a sign: said too
        ("Chiropractic manipulation, 12 sessions,\nfor the cervical spine", False),  # a line ending mid-phrase: wrapped
    ],
)
def test_unnumbered_lines_under_the_issue_heading_are_said(issue: str, warned: bool) -> None:
    text = (SAMPLES / "synth-professional-review.txt").read_text()
    text = text.replace(
        "ISSUE AT DISPUTE:\nChiropractic manipulation, 12 sessions for the cervical spine\n",
        f"ISSUE AT DISPUTE:\n{issue}\n",
    )
    record = parse_text(text)
    assert len(record.disputed_items) == 1
    assert any("unnumbered lines" in w for w in record.warnings) is warned


@pytest.mark.parametrize(
    "address",
    [
        "https://www.cms.gov/Rules/Manuals/downloads /R231PUB.pdf",  # broken before a "/"
        "https://www.cms.gov/Rules/Manuals/downloads/ R231PUB.pdf",  # broken after one
        "https://www.cms.gov/Rules/Manuals/downloads/R231PUB.pdf",  # the right output kept: whole
    ],
)
def test_a_medicare_address_broken_at_a_line_end_keeps_its_citation(address: str) -> None:
    from imr_llm.parser.guidelines import normalize_guidelines

    line = f"Decision based on Non-MTUS Citation Medicare manual, {address}."
    assert "Non-MTUS: Medicare (cms.gov transmittal R231PUB)" in (normalize_guidelines(line) or [])


@pytest.mark.parametrize(("drugs", "warned"), [(140, True), (12, False)])
def test_a_heading_longer_than_its_reach_is_said(drugs: int, warned: bool) -> None:
    request = "Compounded cream with " + ", ".join(f"Agent{k} {k}%" for k in range(1, drugs + 1))
    record = parse_text(make_letter(Item(request, "Upheld", DENIED)))
    said = [w for w in record.warnings if "runs past 1,500 characters" in w]
    assert bool(said) is warned
    assert (record.disputed_items[0].request == request) is not warned
