"""A decision said inside a rationale the way a heading or a form says it ("# Not approved", "Decision:
Certified", "__Overturned__", "Viagra: Overturned"), from the repeat of the eighteenth probe (issue 26): it is
its own unit, never glued to the reviewer's next sentence and never quoted as the reason; one that says the other
way from the item's heading is said on the page. Ordinary sentences that use these words are kept."""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.parser.reasons import decision_said, holds_decision
from imr_llm.summary.build import build_summary
from imr_llm.summary.render import render_text
from tests.conftest import SAMPLES

BASIC = (SAMPLES / "synth-2016-basic.txt").read_text()
UPHELD_AT = "six visits is appropriate, with further visits depending on documented functional improvement.\n"
OVERTURNED_AT = "is suspected. "
APPROVING = ["Approved", "# Approved", "Decision: Certified", "## Medically necessary", "__Overturned__",
             "Acupuncture: Approved", "**Certified**"]  # fmt: skip
DENYING = ["# Not approved", "Not approved", "# Denied", "Decision: Denied", "> Decision: Non-certified",
           "**Not medically necessary**", "Viagra: Upheld", "Result: Not certified (see below)"]  # fmt: skip


def _with(line: str, upheld_item: bool, own_line: bool = True) -> str:
    """The sample letter with `line` after a sentence of item 1's (upheld) or item 2's (overturned) rationale:
    on a line of its own, or at the end of the sentence's line."""
    at = UPHELD_AT if upheld_item else OVERTURNED_AT
    assert BASIC.count(at) == 1
    return BASIC.replace(at, at.rstrip() + ("\n" if own_line else " ") + line + "\n")


def _quoted(record: object) -> list[str]:
    return [item.reason.quote or "" for item in build_summary(record).items]  # type: ignore[arg-type]


@pytest.mark.parametrize("own_line", [True, False])
@pytest.mark.parametrize(("line", "upheld_item"), [(x, True) for x in APPROVING] + [(x, False) for x in DENYING])
def test_a_decision_against_the_item_is_never_quoted_and_is_said(line: str, upheld_item: bool, own_line: bool) -> None:
    record = parse_text(_with(line, upheld_item, own_line))
    index = 0 if upheld_item else 1
    item = record.disputed_items[index]
    assert item.decision == ("upheld" if upheld_item else "overturned")
    quote = _quoted(record)[index].strip('"')
    # wrong (the probe): '"# Not approved In this case, the injured worker has ..."' quoted under "This is approved"
    core = line.strip("#*_> ").split(":")[-1].split("(")[0].strip()
    assert core.lower() not in quote.lower(), quote
    # the reviewer's own sentence after the line is still the reason
    assert quote.startswith("The request for 12 sessions" if upheld_item else "In this case, the injured worker"), quote
    warned = [w for w in record.warnings if w.startswith(f"item {index + 1}:") and "holds the word" in w]
    assert record.needs_review and warned, record.warnings
    assert "holds the word" in render_text(build_summary(record))


@pytest.mark.parametrize(("line", "upheld_item"), [(x, False) for x in APPROVING] + [(x, True) for x in DENYING])
def test_a_decision_that_agrees_with_the_item_is_not_quoted_and_raises_no_alarm(line: str, upheld_item: bool) -> None:
    record = parse_text(_with(line, upheld_item))
    index = 0 if upheld_item else 1
    quote = _quoted(record)[index].strip('"')
    core = line.strip("#*_> ").split(":")[-1].split("(")[0].strip()
    assert core.lower() not in quote.lower(), quote
    # right: a line that says what the heading says is no cause to distrust the page
    assert not any("holds the word" in w for w in record.warnings), record.warnings


@pytest.mark.parametrize(
    "sentence",
    [
        "The earlier review approved a trial of six sessions.",
        "Utilization review denied the request on 01/05/2016.",
        "Approved treatments for this condition include a home exercise program.",
        "The request was non-certified at utilization review because no report was sent.",
        "A certified hand therapist performed the evaluation.",
        "Medically necessary care is defined in the guidelines as care that restores function.",
    ],
)
def test_ordinary_sentences_with_these_words_are_not_decisions(sentence: str) -> None:
    # right: the reviewer's own sentences keep their place as candidate reasons, with no warning
    assert decision_said(sentence) is None and not holds_decision(sentence)
    record = parse_text(BASIC.replace(OVERTURNED_AT, OVERTURNED_AT + sentence + " "))
    assert not any("holds the word" in w for w in record.warnings), record.warnings


@pytest.mark.parametrize(
    ("fragment", "says_approved"),
    [("# Not approved In this case, the", False), ("Approved The request", True), ("__Overturned__", True),
     ("Decision: Non-certified", False), ("Viagra: Overturned", True), ("**Denied**", False),
     ("Not medically necessary", False), ("## Medically necessary", True), ("Upheld.", False)],
)  # fmt: skip
def test_decision_said_reads_the_way_of_the_fragment(fragment: str, says_approved: bool) -> None:
    assert decision_said(fragment) is says_approved
