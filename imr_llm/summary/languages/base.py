"""A summary language: every word a summary says in it, in one object.

A language holds its fixed texts (what IMR is, how to appeal, the glossary), the
functions that word the data (the opening and counts, each decision line, each
reason, next step and safety line), its month names, the phrases the checks look
for, and its readability formula. The templates are shared and hold layout only.
A new language is one module with one `Language` subclass, registered in
`imr_llm.summary.languages`.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from imr_llm.schema import Decision
from imr_llm.summary.facts import CareAlreadyGiven, Kind, PartialNumbers


@dataclass(frozen=True)
class Counts:
    """The decisions of one letter, as counts: what the opening states."""

    n: int
    approved: int
    denied: int
    unreadable: int
    partial: int

    @classmethod
    def of(cls, decisions: list[Decision | None], partial: int = 0) -> Counts:
        return cls(
            n=len(decisions),
            approved=sum(d == "overturned" for d in decisions),
            denied=sum(d == "upheld" for d in decisions),
            unreadable=sum(d is None for d in decisions),
            partial=partial,
        )


@dataclass(frozen=True)
class Readability:
    score: float
    measure: str  # "grade" (lower is easier) or "ease" (higher is easier)
    passes: bool
    target_met: bool
    problem: str | None


@dataclass(frozen=True)
class Section:
    """A fixed part of every summary: a heading and its bullet points."""

    heading: str
    bullets: tuple[str, ...]


class Language(ABC):
    code: ClassVar[str]
    name: ClassVar[str]
    months: ClassVar[tuple[str, ...]]

    # headings and labels
    title: ClassVar[str]
    decided_heading: ClassVar[str]
    item_marker: ClassVar[str]  # "Request" -> "Request 2: ..."; the checks find items by it
    end_marker: ClassVar[str]  # the heading after the items
    why_label: ClassVar[str]
    next_labels: ClassVar[dict[str | None, str]]  # decision -> "What happens next:" / "What could change this:"
    reviewer_wrote: ClassVar[str]
    terms_label: ClassVar[str]
    letter_words_note: ClassVar[str]  # the request is quoted as printed (in English)
    glance_headers: ClassVar[tuple[str, str, str]]
    glance_words: ClassVar[dict[str | None, str]]  # decision -> word in the at-a-glance table
    footer: ClassVar[str]
    not_advice: ClassVar[tuple[str, str]]
    failed_checks_banner: ClassVar[str]

    # fixed sections: what to do now, words you may see
    next_steps: ClassVar[Section]
    words: ClassVar[Section]
    dwc_link_text: ClassVar[str]

    # phrases the checks look for in each item's section (case-insensitive)
    approved_phrases: ClassVar[tuple[str, ...]]
    denied_phrases: ClassVar[tuple[str, ...]]
    unreadable_phrases: ClassVar[tuple[str, ...]]
    double_negatives: ClassVar[tuple[re.Pattern[str], ...]]
    decision_claims: ClassVar[tuple[re.Pattern[str], ...]]  # a sentence stating approval or denial
    prompt_name: ClassVar[str]  # how an LLM prompt names the language ("Spanish (plain, everyday, usted)")

    # term pattern -> explanation, for words in the reviewer's quoted sentences
    glossary: ClassVar[tuple[tuple[re.Pattern[str], str], ...]]

    @abstractmethod
    def longdate(self, value: dt.date) -> str: ...

    @abstractmethod
    def count(self, n: int, capital: bool = False) -> str:
        """A count as a word, agreeing with the noun the summary counts (a request)."""

    @abstractmethod
    def opening(self, counts: Counts) -> str:
        """What an IMR is, how many requests it decided, and the decisions as counts."""

    @abstractmethod
    def opening_claims(self, text: str) -> list[tuple[str, int]]:
        """The counts an opening states, as (field of Counts, value): how the checks read it back."""

    @abstractmethod
    def decision_line(self, decision: Decision | None, partial: bool) -> tuple[str, str]:
        """(the bold decision, what it means) for one item."""

    @abstractmethod
    def kind_sentence(self, kind: Kind) -> str:
        """ "This is a request for a scan." """

    @abstractmethod
    def reason(
        self, topic: str | None, decision: Decision | None, details: list[str], kind: Kind, linked: str | None
    ) -> str | None:
        """One plain sentence for why, or None when no plain wording is safe (the reviewer is quoted)."""

    @abstractmethod
    def quoted_reason(self, has_sentence: bool) -> str:
        """Said instead of a plain reason: the reviewer's own words follow (or none were found)."""

    @abstractmethod
    def next_step(
        self,
        topic: str | None,
        decision: Decision | None,
        details: list[str],
        linked: str | None,
        already_given: CareAlreadyGiven | None,
    ) -> str: ...

    @abstractmethod
    def taper_warning(self, letter_says_so: bool) -> str: ...

    @abstractmethod
    def already_given(self, care: CareAlreadyGiven) -> str: ...

    @abstractmethod
    def partial(self, authorized: str, numbers: PartialNumbers | None, whole: bool) -> str:
        """What UR had approved before the review, apart from what this review decided (`whole`: the
        review was about the original request, not only the remainder)."""

    @abstractmethod
    def readability(self, prose: str) -> Readability: ...

    def case_line(self, case_number: str | None, decided: dt.date | None) -> str | None:
        return None

    def terms(self, text: str, limit: int = 3) -> list[str]:
        """Glossary lines for the terms that appear in `text` (at most `limit`)."""
        out: list[str] = []
        for pattern, explanation in self.glossary:
            if pattern.search(text) and explanation not in out:
                out.append(explanation)
            if len(out) >= limit:
                break
        return out
