"""A dose's abbreviation ("bid", "t.i.d.", "qid", "qd") has one table (`care.drugs.DOSE_TIMES_A_DAY`): the plain
words of the page, the rewrite's count check and the plain-words check all read it, so none knows an abbreviation
the others do not (before, "qid" was counted by the rewrite check but left unexplained on the page)."""

from __future__ import annotations

import re

import pytest

from imr_llm import summarize
from imr_llm.care.drugs import DOSE_ABBREVIATION, DOSE_TIMES_A_DAY
from imr_llm.parser import parse_text
from imr_llm.summary.restate import PLAIN_TERM_PATTERNS
from imr_llm.summary.rewrite import _dosing_spelled
from tests.conftest import SAMPLES

BASIC = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")
WORDS = {1: "once a day", 2: "twice a day", 3: "three times a day", 4: "four times a day"}


def _plain(text: str) -> str:
    for pattern, plain in PLAIN_TERM_PATTERNS:
        text = pattern.sub(plain, text)
    return text


@pytest.mark.parametrize(("written", "times"), [("bid", 2), ("b.i.d.", 2), ("t.i.d.", 3), ("qid", 4), ("qd", 1)])
def test_each_abbreviation_is_known_to_all_three(written: str, times: int) -> None:
    assert re.fullmatch(rf"(?:{DOSE_ABBREVIATION})\.?", written, re.I)
    assert _plain(f"tramadol 50 mg {written} for pain") == f"tramadol 50 mg {WORDS[times]} for pain"
    assert _dosing_spelled(f"tramadol 50 mg {written} for pain") == f"tramadol 50 mg {times} times a day for pain"


def test_the_table_is_the_one_source() -> None:
    assert {n for _, n in DOSE_TIMES_A_DAY} == set(WORDS)


@pytest.mark.parametrize("word", ["bidding", "quid", "tide", "bid on"])
def test_words_that_only_look_alike_are_left_alone(word: str) -> None:
    # right: no dose before it, or another word; the page keeps the reviewer's words
    assert _plain(f"the {word} was noted") == f"the {word} was noted"


def _denial(reason: str) -> str:
    start = BASIC.index("Decision rationale: The MTUS guidelines support a short course")
    end = BASIC.index("MRI of the right shoulder without contrast: Overturned")
    return (
        BASIC[:start]
        + f"Decision rationale: {reason} Therefore, the request is not medically necessary.\n\n"
        + BASIC[end:]
    )


def test_qid_reaches_the_page_in_plain_words_and_the_checks_pass() -> None:
    record = parse_text(
        _denial("There is no documentation of pain relief or better function with tramadol 50 mg qid for months.")
    )
    summary = summarize(record, "en")
    why = summary.items[0].reason.text
    # wrong before: "... tramadol 50 mg qid ..." left a prescription's shorthand on a worker's page
    assert "four times a day" in why, why
    assert " qid" not in why
    # right: the restatement is faithful, so the page passes every check (no false alarm)
    assert summary.checks is not None and summary.checks.passed, summary.checks
