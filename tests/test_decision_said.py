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


# a stamp struck through and stamped again, or two forms' fields run together: one of its two ways is against the
# heading whichever the heading says (a probe's "~~Denied~~ Approved" under an upheld heading raised nothing)
BOTH_WAYS = ["~~Denied~~ Approved", "~~Approved~~ Denied", "[Denied] [Approved]", "Not certified / Certified"]


@pytest.mark.parametrize("upheld_item", [True, False])
@pytest.mark.parametrize("line", BOTH_WAYS)
def test_a_unit_that_says_both_ways_is_said_whatever_the_heading(line: str, upheld_item: bool) -> None:
    record = parse_text(_with(line, upheld_item))
    index = 0 if upheld_item else 1
    assert record.disputed_items[index].decision == ("upheld" if upheld_item else "overturned")
    warned = [w for w in record.warnings if w.startswith(f"item {index + 1}:") and "holds the word" in w]
    assert record.needs_review and warned, record.warnings
    assert "holds the word" in render_text(build_summary(record))
    assert not any(part.lower() in _quoted(record)[index].lower() for part in ("denied", "approved", "certified"))


@pytest.mark.parametrize("line", ["~~Denied~~ Denied", "[Denied] [Not approved]", "Not certified / Denied"])
def test_a_unit_that_says_one_way_twice_with_the_heading_raises_no_alarm(line: str) -> None:
    record = parse_text(_with(line, upheld_item=True))
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


# the nineteenth probe: shapes, words and spellings the first fix did not know (a stamp, a form's yes/no field,
# full-width or Cyrillic letters, spaced letters, a digit for a letter, Spanish), and the care's own decision said
# as a sentence; each must be said on the page and never reach the Why
MORE_APPROVING = ["[Approved]", "Authorized", "\uff21\uff30\uff30\uff32\uff2f\uff36\uff25\uff24", "A P P R O V E D",
                  "\u0410pproved", "Aprobado", "<h2>Approved</h2>", "Approved/Certified", "Medically Necessary: Yes",
                  "This request is approved.", "The request is certified.", "Overturn", "Appr\u200boved"]  # fmt: skip
MORE_DENYING = ["No aprobado", "Medically Necessary: No", "[Non-Certified]", "Denegado", "Not authorized", "Den1ed",
                "Rejected", "Medically necessary? No.", "This request is denied.",
                "The MRI is not approved at this time."]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "upheld_item"), [(x, True) for x in MORE_APPROVING] + [(x, False) for x in MORE_DENYING]
)
def test_more_shapes_of_a_decision_against_the_item_are_said_and_never_the_reason(line: str, upheld_item: bool) -> None:
    record = parse_text(_with(line, upheld_item))
    index = 0 if upheld_item else 1
    summary = build_summary(record)
    quote = (summary.items[index].reason.quote or "").strip('"')
    # wrong (the probe): "The reviewer found that this request is approved" under "Upheld. This is not approved",
    # or the line glued to the reviewer's next sentence and quoted
    assert line not in quote and line not in summary.items[index].reason.text, summary.items[index].reason
    assert quote.startswith("The request for 12 sessions" if upheld_item else "In this case, the injured worker"), quote
    assert any(w.startswith(f"item {index + 1}:") and "holds the word" in w for w in record.warnings), record.warnings
    assert "first trial of this care was approved" not in summary.items[index].next_step


@pytest.mark.parametrize(
    "sentence",
    [
        "A prior request for the same MRI was upheld at IMR in 2015, and new findings now support it.",
        "The earlier denial of chiropractic care was overturned in 2015.",
        "Request: MRI right shoulder - non-certified by UR on 11/17/2016.",
    ],
)
def test_a_decision_of_another_time_or_request_raises_no_alarm(sentence: str) -> None:
    record = parse_text(BASIC.replace(OVERTURNED_AT, OVERTURNED_AT + sentence + " "))
    # right: history in the reviewer's words is no contradiction of this decision (it was a false warning)
    assert not any("holds the word" in w for w in record.warnings), record.warnings


@pytest.mark.parametrize("closing", ["without contrast is approved.", "without contrast is authorized."])
def test_a_closing_verdict_in_the_decisions_own_word_is_no_cut(closing: str) -> None:
    # the overturned item's rationale opens with its verdict; its closing says it again as "approved"
    text = BASIC.replace("without contrast is medically necessary.", closing)
    assert text != BASIC
    record = parse_text(text)
    # wrong (the nineteenth probe): "goes on after its opening verdict ... the letter may be cut off there"
    assert not any("cut off" in w for w in record.warnings), record.warnings
    # right: a rationale that truly stops short is still said
    cut = parse_text(BASIC.replace("without contrast is medically necessary.", "without contrast is"))
    assert any("cut off" in w for w in cut.warnings), cut.warnings
