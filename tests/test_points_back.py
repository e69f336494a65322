"""A reason sentence whose subject is a bare pronoun ("That meets the guideline.", "It is not recommended for
chondromalacia patellae") is quoted with the sentence it points to (reader 42 found both quoted alone: an approval
explained by "That meets the guideline"); the empty "it" of "It is unclear why ..." still stands alone."""

from __future__ import annotations

import pytest

from imr_llm.summary.restate import NEEDS_ANTECEDENT
from tests.test_reader41 import _letter, _page


def test_an_approvals_that_comes_with_what_it_points_to() -> None:
    rationale = (
        "The guideline asks that continued use be supported by a 30% drop in pain and better function. Her pain fell "
        "from 8 to 4 and she now walks for 30 minutes. That meets the guideline. Medically necessary."
    )
    _, quote, _ = _page(_letter(("Gabapentin 600mg #90", "Overturned", rationale)))
    # wrong before: the quote was "That meets the guideline." alone
    assert "Her pain fell from 8 to 4" in quote and "That meets the guideline." in quote, quote


@pytest.mark.parametrize(
    "sentence",
    [
        "That meets the guideline.",
        "It is not recommended for chondromalacia patellae.",
        "This is a progressive deficit.",
        "It exceeds the guideline's limit.",
        "They were not documented.",
    ],
)
def test_a_bare_pronoun_subject_points_back(sentence: str) -> None:
    assert NEEDS_ANTECEDENT.search(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "It is unclear why a repeat study is being requested.",
        "It is unclear as to the reason a second scan would be needed.",
        "It was also noted that the patient had six sessions.",
        "It does appear that he attended about eight visits.",
        "It was not clearly stated why a brace was chosen.",
        "This request is not medically necessary.",
        "That is to say, no trial of therapy is documented.",
    ],
)
def test_an_empty_it_or_a_named_subject_does_not(sentence: str) -> None:
    assert not NEEDS_ANTECEDENT.search(sentence)
