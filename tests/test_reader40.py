"""The fortieth reader: 12 new letters written by an independent reader in reviewers' varied ways (not real letters),
37 items. Every decision was right; what it found wrong, each tested both ways here (our own words throughout):

- a terse reviewer's last rationale ending on a bare verdict ("... Not medically necessary.") made the page say the
  letter may be cut off, on the item and at the top (4 of 12 letters): a false alarm on a whole letter;
- an amount of the same care in a closing ("the request for 12 sessions at once", "for all 24 at the outset") was
  taken for other care, and the page said a page may be missing after the heading (both partial approvals);
- what utilization review did or why was given as this reviewer's reason (an approval explained by the denial it
  overturned);
- a ban only without a record ("Without documented objective gains ...", "Routine sedation ...") said asking again
  was not likely to help;
- "that is outside the guideline" was no reason the page could find; "surgical candidate" was glossed "surgery";
  a denied request for care already given said only "ask again".
"""

from __future__ import annotations

import pytest

from imr_llm.parser import parse_text
from imr_llm.parser.verdict import concluded_on_other_care, ends_on_a_bare_verdict
from tests.letters import Item, make_letter

_BRACE = "Lumbar back brace, purchase"
_BRACE_WHY = (
    "Back supports give no lasting benefit past the first weeks of symptoms. The injury is years old, and no "
    "fracture or unstable spine is described."
)


def _cut_warnings(rationale: str) -> list[str]:
    record = parse_text(
        make_letter(
            Item("Naproxen 550mg #60", "Overturned", "The drug helps. It is medically necessary."),
            Item(_BRACE, "Upheld", rationale),
        )
    )
    assert [i.decision for i in record.disputed_items] == ["overturned", "upheld"]
    return [w for w in record.warnings if "cut off" in w]


@pytest.mark.parametrize(
    "ending",
    [
        "Not medically necessary.",
        "Not medically necessary",
        "Not medically necesary.",
        "Non-certified.",
        "Therefore, not medically necessary.",
    ],
)
def test_a_rationale_ending_on_a_bare_verdict_is_whole(ending: str) -> None:
    # wrong before: "item 2: its rationale ends without a conclusion: the letter may be cut off there", and at the top
    # of the page "it may hold more requests than the 2 read here"
    assert _cut_warnings(f"{_BRACE_WHY} {ending}") == []


@pytest.mark.parametrize(
    "cut",
    [
        _BRACE_WHY,  # cut after a sentence of reasoning, before any verdict
        "Back supports give no lasting benefit past the first weeks of symptoms. The injury is years old, and no",
        f"{_BRACE_WHY} Not medically",  # cut inside the verdict itself
    ],
)
def test_a_rationale_cut_before_its_verdict_is_still_warned_of(cut: str) -> None:
    # right: a letter cut inside its last rationale still says so, on the item and at the top
    warned = _cut_warnings(cut)
    assert any(w.startswith("item 2:") for w in warned), warned
    assert any(w.startswith("the letter may be cut off after request 2") for w in warned), warned


def test_a_subject_verdict_is_not_taken_for_a_bare_one() -> None:
    assert ends_on_a_bare_verdict("The injury is old. Not medically necessary.")
    assert not ends_on_a_bare_verdict("The injury is old. It is not medically necessary for the worker to")
    assert not ends_on_a_bare_verdict("The injury is old and the brace is not medically")


@pytest.mark.parametrize(
    "amount",
    ["12 sessions at once goes past the guideline and", "all 24 at the outset", "the full 24 visits at one time"],
)
def test_an_amount_of_the_same_care_is_no_other_care(amount: str) -> None:
    rationale = (
        "The guideline allows 3 to 6 visits to show gains, and more when gains are recorded. Six visits were already "
        f"allowed. Therefore, the request for {amount} is not medically necessary."
    )
    # wrong before: "its rationale's conclusion is about other care (...): a page may be missing after its heading"
    assert concluded_on_other_care(rationale, "Acupuncture 12 sessions, right wrist") is None
    record = parse_text(make_letter(Item("Acupuncture 12 sessions, right wrist", "Upheld", rationale)))
    assert not any("other care" in w for w in record.warnings), record.warnings


@pytest.mark.parametrize(
    ("closing", "named"),
    [
        ("the request for a cervical pillow is not medically necessary.", "cervical pillow"),
        ("the request for a work conditioning program is not medically necessary.", "work conditioning program"),
    ],
)
def test_other_care_in_a_closing_is_still_said(closing: str, named: str) -> None:
    # right: a closing on care of another kind (a page lost after the heading) is still said
    rationale = f"Six visits were already allowed. Therefore, {closing}"
    assert concluded_on_other_care(rationale, "Acupuncture 12 sessions, right wrist") == named
    record = parse_text(make_letter(Item("Acupuncture 12 sessions, right wrist", "Upheld", rationale)))
    assert any("other care" in w and "page may be missing" in w for w in record.warnings), record.warnings


def _why(request: str, decision: str, rationale: str) -> tuple[str, str, str]:
    from imr_llm.summary.build import build_summary

    item = build_summary(parse_text(make_letter(Item(request, decision, rationale))), lang="en").items[0]
    return item.reason.text, item.reason.quote or "", item.next_step


_FIRST_COURSE = (
    "Utilization review appears to have denied this because the guideline allows a first trial of 6 visits and the "
    "request was read as more visits. The records show no earlier talk therapy at all, so this would be the first "
    "course. The 6 sessions of talk therapy are medically necessary."
)


def test_what_the_earlier_review_did_is_never_the_reason() -> None:
    why, quote, _ = _why("Cognitive behavioral therapy, 6 sessions", "Overturned", _FIRST_COURSE)
    # wrong before: the approval's "Why" was utilization review's reason for the denial this reviewer overturned
    assert "Utilization review" not in why + quote, why
    assert "read as more visits" not in why + quote


def test_the_reviewers_own_finding_beside_the_earlier_review_is_still_the_reason() -> None:
    rationale = (
        "UR cited the guideline's limit of 10 visits. The therapy notes record no gain in motion or strength from the "
        "24 visits already had. Therefore, the request is not medically necessary."
    )
    why, _, _ = _why("Physical therapy, 12 sessions, low back", "Upheld", rationale)
    assert "no gain in motion or strength" in why, why
    assert "UR cited" not in why


_SEDATION = "Intravenous sedation for the lumbar injection"
_NO_ANXIETY = "There is no note of anxiety or of a failed attempt before."


@pytest.mark.parametrize(
    ("request_", "before", "ban", "lifted"),
    [
        # a ban only without a record: more records may change it
        (
            "Physical therapy, 12 visits",
            "24 visits were had.",
            "Without documented objective gains from the earlier visits, 12 more visits are not supported.",
            True,
        ),
        (_SEDATION, _NO_ANXIETY, "Routine sedation is not supported, so this is not medically necessary.", True),
        # right: a ban on the care as such, which no record changes
        (
            _SEDATION,
            "The injection is set for May.",
            "The guidelines do not recommend sedation for this injection.",
            False,
        ),
    ],
)
def test_a_ban_that_records_could_lift_gives_no_not_likely_to_change_step(
    request_: str, before: str, ban: str, lifted: bool
) -> None:
    _, _, step = _why(request_, "Upheld", f"{before} {ban}")
    # wrong before: "The guidelines the reviewer used do not recommend this. Asking again with more records is not
    # likely to change that." for a denial that a record of anxiety, or of gains, could change
    assert ("not likely to change" in step) is not lifted, step


_LONG_USE = (
    "The relaxant is an option for a short course, no longer than 2 to 3 weeks. This worker has been on it three "
    "times a day for more than six months. The request is for more daily use, and that is outside the guideline. "
    "The relaxant is not medically necessary."
)


def test_use_past_the_guidelines_limit_is_given_as_the_reason() -> None:
    why, quote, _ = _why("Cyclobenzaprine 10mg #90", "Upheld", _LONG_USE)
    # wrong before: "We could not find one sentence that gives the reason" (neither sentence has a "not")
    assert "could not find" not in why, why
    assert "outside the guideline" in quote, quote
    assert "short course, no longer than" not in quote  # the guideline's rule alone is no reason


def test_the_guidelines_limit_alone_or_a_visit_is_not_quoted_as_a_reason() -> None:
    from imr_llm.summary.restate import quotable

    assert quotable("The request is for more daily use, and that is outside the guideline.", "upheld")
    # right: how long the worker has taken it, alone, is history (the reviewer's point is the guideline's limit)
    assert not quotable("This worker has been on it three times a day for more than six months.", "upheld")
    # right: the guideline's rule told in general, and a line of history, stay unquoted
    assert not quotable("The relaxant should be used for a short course of no longer than 2 to 3 weeks.", "upheld")
    assert not quotable("The worker was seen on 1/5/2016 for a refill.", "upheld")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_surgical_candidate_is_explained_as_one_not_as_surgery(lang: str) -> None:
    from imr_llm.summary.build import build_summary

    rationale = (
        "Her MRI shows no pinched nerve and she is not a surgical candidate by her own choice. Not medically necessary."
    )
    record = parse_text(make_letter(Item("Spine surgery consultation", "Upheld", rationale)))
    terms = build_summary(record, lang=lang).items[0].reason.terms
    line = next((t for t in terms if t.startswith("surgical candidate:")), None)
    # wrong before: "surgical intervention: surgery" for a worker's candidacy, a term the letter never used
    assert line is not None and not any(t.startswith("surgical intervention:") for t in terms), terms
    assert line.split(":", 1)[1].strip() not in ("surgery", "cirugía"), line
    # right: an intervention is still surgery
    record = parse_text(
        make_letter(
            Item("Knee surgery", "Upheld", "No surgical intervention is indicated now. " + "Not medically necessary.")
        )
    )
    assert any(t.startswith("surgical intervention:") for t in build_summary(record, lang=lang).items[0].reason.terms)


_SHOT = "Retrospective Toradol 60mg injection (DOS 09/14/2016)"
_SHOT_WHY = "On the date of service he was at his usual pain level, with no new injury noted. Not medically necessary."


@pytest.mark.parametrize(("lang", "words"), [("en", "If you get a bill for it"), ("es", "Si le llega una cuenta")])
def test_care_already_given_and_not_approved_says_whom_to_ask_about_its_bill(lang: str, words: str) -> None:
    from imr_llm.summary.build import build_summary

    given = build_summary(parse_text(make_letter(Item(_SHOT, "Upheld", _SHOT_WHY))), lang=lang).items[0]
    # wrong before: only "ask again with more information", for a shot given months before
    assert words in given.next_step, given.next_step
    # right: a request for care not yet given, and care already given that was approved, have no such line
    ahead = build_summary(parse_text(make_letter(Item("Toradol 60mg injection", "Upheld", _SHOT_WHY))), lang=lang)
    assert words not in ahead.items[0].next_step
    paid = build_summary(
        parse_text(make_letter(Item(_SHOT, "Overturned", "It was needed. It is medically necessary."))), lang=lang
    )
    assert words not in paid.items[0].next_step
