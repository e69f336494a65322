"""A summary language: its catalogue of words (`catalogue.py`), and the wording rules, written once.

Every language says the same things in the same cases; only the words differ. So the
rules (which opening for which counts, which decision line, which frame for which form
of the reviewer's sentence, which next step) live here, and a language is a catalogue
file. The checks read the counts back with the same opening templates, and take the
fixed wording from the catalogue, never from source code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cached_property

from imr_llm.schema import Decision
from imr_llm.summary import readability
from imr_llm.summary.facts import CareAlreadyGiven, Kind, PartialNumbers, Quantity
from imr_llm.summary.languages.catalogue import Catalogue, Section
from imr_llm.summary.restate import (
    ASKS_FOR,
    CONDITIONAL_BAN,
    HEAD_JOIN,
    HEAD_LEAD,
    HEAD_RECORD,
    HEAD_TAIL,
    MISUSE,
    RULED_OUT,
    SERIOUS_SIGNS,
    TALKED_ABOUT,
    Form,
    Restatement,
    alarming,
    first_lower,
    first_upper,
    missing_parts,
    safe_missing,
)
from imr_llm.words import NUMBER_WORDS


def _optional(pattern: str | None) -> re.Pattern[str] | None:
    """A catalogue's optional pattern, compiled (None: the language has no such words)."""
    return re.compile(pattern, re.I) if pattern else None


__all__ = ["Counts", "Language", "Readability", "Section"]


@dataclass(frozen=True)
class Counts:
    """The decisions of one letter, as counts: what the opening states."""

    n: int
    approved: int
    denied: int
    unreadable: int
    partial: int
    instead: int = 0  # requests for which the claims administrator approved something else before the review
    repeat: int = 0  # requests the letter calls a repeat of care approved before

    @classmethod
    def of(cls, decisions: list[Decision | None], partial: int = 0, instead: int = 0, repeat: int = 0) -> Counts:
        return cls(
            n=len(decisions),
            approved=sum(d == "overturned" for d in decisions),
            denied=sum(d == "upheld" for d in decisions),
            unreadable=sum(d is None for d in decisions),
            partial=partial,
            instead=instead,
            repeat=repeat,
        )


@dataclass(frozen=True)
class Readability:
    score: float
    measure: str  # "grade" (lower is easier) or "ease" (higher is easier)
    passes: bool
    target_met: bool
    problem: str | None


def _key(decision: Decision | None) -> str:
    return decision if decision is not None else "unread"


# opening template -> (field of Counts it states, the fixed count it states or None for {n}/{N})
_OPENING_CLAIMS: tuple[tuple[str, str, int | None], ...] = (
    ("one_approved", "approved", 1),
    ("one_denied", "denied", 1),
    ("one_unread", "unreadable", 1),
    ("two_approved", "approved", 2),
    ("two_denied", "denied", 2),
    ("all_approved", "approved", None),
    ("all_denied", "denied", None),
    ("all_unread", "unreadable", None),
    ("some_approved_one", "approved", None),
    ("some_approved_many", "approved", None),
    ("some_denied_one", "denied", None),
    ("some_denied_many", "denied", None),
    ("some_unread", "unreadable", None),
)


class Language:
    """One catalogue, worded by the shared rules."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.c = catalogue
        self.code = catalogue.code
        self.name = catalogue.name
        self.months = catalogue.months
        self.labels = catalogue.labels
        self.next_steps = catalogue.sections.next_steps
        self.next_steps_approved = catalogue.sections.next_steps_approved
        self.words = catalogue.sections.words
        self.prompt_name = catalogue.prompt_name
        self.glossary = catalogue.glossary_patterns
        self.negation = re.compile(catalogue.negation, re.I)
        checks = catalogue.checks
        self.approved_phrases = checks.approved_phrases
        self.denied_phrases = checks.denied_phrases
        self.unreadable_phrases = checks.unreadable_phrases
        self.double_negatives = tuple(re.compile(p, re.I) for p in checks.double_negatives)
        self.decision_claims = (re.compile(checks.approved_claims, re.I), re.compile(checks.denied_claims, re.I))
        self.promises = re.compile(checks.promises, re.I)
        self.outcomes = re.compile(checks.outcomes, re.I)
        self.translation_openings = checks.translation_openings
        self.translation_connectors = _optional(checks.translation_connectors)
        self.translation_joins = _optional(checks.translation_joins)
        self.translation_coordinated = _optional(checks.translation_coordinated)
        self.care_stopped = _optional(checks.care_stopped)
        self.evidence_words = _optional(checks.evidence_words)
        self.evidence_denied_before = _optional(checks.evidence_denied_before)
        self.hedges = _optional(checks.hedges)
        answers = checks.answer_words
        self.answer_words = _optional(rf"(?:^|(?<=[.!?]\s))\W*(?:{answers})\s*[,:!]\s*" if answers else None)
        self.turned = _optional(checks.turned)
        self.turned_twice = _optional(checks.turned_twice)
        self.denied_existence = _optional(checks.denied_existence)
        self.outcome_kinds = {kind: re.compile(p, re.I) for kind, p in checks.outcome_kinds.items()}
        self.logic_words = {kind: re.compile(p, re.I) for kind, p in checks.logic_words.items()}
        self.translation_clauses = _optional(checks.translation_clauses)
        self.denied_verbs = {
            en: (re.compile(v.said, re.I), re.compile(v.denied, re.I)) for en, v in checks.denied_verbs.items()
        }
        self.medical_endings = checks.medical_endings
        self.record_words = re.compile(checks.record_words, re.I) if checks.record_words else None
        self.unit_words = {unit: re.compile(rf"^(?:{words})$", re.I) for unit, words in checks.unit_words.items()}
        self.care_words = {
            re.compile(rf"\b(?:{word})\b", re.I): re.compile(rf"\b(?:{english})", re.I)
            for word, english in checks.care_words.items()
        }
        self.qualifiers = {
            re.compile(rf"\b(?:{word})\b", re.I): re.compile(rf"\b(?:{english})", re.I)
            for word, english in checks.qualifiers.items()
        }
        self.kept_qualifiers = {
            re.compile(rf"\b(?:{english})\b", re.I): re.compile(rf"\b(?:{word})\b", re.I)
            for english, word in checks.kept_qualifiers.items()
        }
        self.body_parts = {
            re.compile(rf"\b{word}\b", re.I): re.compile(rf"\b(?:{english})\b", re.I)
            for word, english in checks.body_parts.items()
        }
        self.medical_false_friends = frozenset(w.casefold() for w in checks.medical_false_friends)
        self.medical_words = (
            re.compile(rf"\b\w+(?:{'|'.join(map(re.escape, checks.medical_endings))})\b", re.I)
            if checks.medical_endings
            else None
        )

    # -- labels the templates use ---------------------------------------------------------------

    @property
    def title(self) -> str:
        return self.labels.title

    @property
    def decided_heading(self) -> str:
        return self.labels.decided_heading

    @property
    def item_marker(self) -> str:
        return self.labels.item_marker

    @property
    def end_marker(self) -> str:
        return self.labels.end_marker

    @property
    def why_label(self) -> str:
        return self.labels.why

    @property
    def reviewer_wrote(self) -> str:
        return self.labels.reviewer_wrote

    @property
    def machine_translated(self) -> str:
        return self.labels.machine_translated

    @property
    def terms_label(self) -> str:
        return self.labels.terms

    @property
    def letter_words_note(self) -> str:
        return self.labels.letter_words_note

    @property
    def glance_headers(self) -> tuple[str, str, str]:
        return self.labels.glance_headers

    @property
    def footer(self) -> str:
        return self.labels.footer

    @property
    def not_advice(self) -> tuple[str, str]:
        return self.labels.not_advice

    @property
    def failed_checks_banner(self) -> str:
        return self.labels.failed_checks_banner

    @property
    def dwc_link_text(self) -> str:
        return self.labels.dwc_link_text

    @cached_property
    def next_labels(self) -> dict[str | None, str]:
        n = self.labels.next
        return {"overturned": n.overturned, "upheld": n.upheld, None: n.unread}

    @cached_property
    def glance_words(self) -> dict[str | None, str]:
        g = self.labels.glance
        return {"overturned": g.overturned, "upheld": g.upheld, None: g.unread}

    # -- dates and numbers ------------------------------------------------------------------------

    def longdate(self, value: dt.date) -> str:
        return self.c.longdate.format(month=self.months[value.month - 1], day=value.day, year=value.year)

    def count(self, n: int, capital: bool = False) -> str:
        word = self.c.numbers[n] if 0 <= n < len(self.c.numbers) else str(n)
        return first_upper(word) if capital else word

    def number_value(self, word: str) -> int:
        low = word.lower()
        numbers = [w.lower() for w in self.c.numbers]
        return numbers.index(low) if low in numbers else int(word)

    def case_line(self, case_number: str | None, decided: dt.date | None, pages: int | None = None) -> str | None:
        parts = []
        if case_number:
            parts.append(self.labels.case.format(case_number=case_number))
        if decided:
            parts.append(self.labels.decided_on.format(date=self.longdate(decided)))
        if pages:  # a letter with a page left out of a scan, a fax or the photos reads as a whole one: say how many
            parts.append(self.labels.pages_read_one if pages == 1 else self.labels.pages_read_many.format(n=pages))
        return " - ".join(parts) or None

    # -- the opening: one function of the counts, read back with the same templates ---------------

    def opening(self, c: Counts) -> str:
        o = self.c.opening
        asked = o.asked_one if c.n == 1 else o.asked_many.format(n=self.count(c.n), N=self.count(c.n, True))
        return " ".join([o.intro, asked, *self._outcome(c), *self._partial_note(c)])

    def _say(self, key: str, n: int) -> str:
        template: str = getattr(self.c.opening, key)
        return template.format(n=self.count(n), N=self.count(n, True))

    def _outcome(self, c: Counts) -> list[str]:
        if c.n == 1:
            return [self._say("one_approved" if c.approved else "one_denied" if c.denied else "one_unread", 1)]
        if c.approved == c.n:
            return [self._say("two_approved" if c.n == 2 else "all_approved", c.n)]
        if c.denied == c.n:
            return [self._say("two_denied" if c.n == 2 else "all_denied", c.n)]
        if c.unreadable == c.n:
            return [self._say("all_unread", c.n)]
        out = []
        if c.approved:
            out.append(self._say("some_approved_one" if c.approved == 1 else "some_approved_many", c.approved))
        if c.denied:
            out.append(self._say("some_denied_one" if c.denied == 1 else "some_denied_many", c.denied))
        if c.unreadable:
            out.append(self._say("some_unread", c.unreadable))
        return out

    def _partial_note(self, c: Counts) -> list[str]:
        out = []
        if c.partial:
            out.append(self._say("partial_one" if c.n == 1 else "partial_many", c.partial))
        if c.instead:
            # a reader took "for one of them, part had been approved" as the whole story where the others had a
            # rental approved in place of a purchase: each kind of earlier approval is counted
            out.append(self._say("instead_one" if c.n == 1 else "instead_many", c.instead))
        key = "repeat_one" if c.n == 1 else "repeat_many"
        if c.repeat and getattr(self.c.opening, key):
            # "None of the six was approved" is not the whole story where the letter says two were approved before
            out.append(self._say(key, c.repeat))
        return out

    @cached_property
    def _number_rx(self) -> str:
        words = sorted(self.c.numbers, key=len, reverse=True)
        return r"(?P<num>" + "|".join(re.escape(w) for w in words) + r"|\d+)"

    def _template_rx(self, template: str) -> re.Pattern[str]:
        parts = re.split(r"\{[nN]\}", template)
        body = self._number_rx.join(re.escape(p) for p in parts)
        return re.compile(r"(?:^|(?<=[.!?] ))" + body, re.I)  # each opening template is a whole sentence

    def opening_claims(self, text: str) -> list[tuple[str, int]]:
        """The counts an opening states, as (field of Counts, value): read with the opening's own templates."""
        o = self.c.opening
        claims: list[tuple[str, int]] = []
        if re.search(re.escape(o.asked_one), text, re.I):
            claims.append(("n", 1))
        m = self._template_rx(o.asked_many).search(text)
        if m:
            claims.append(("n", self.number_value(m.group("num"))))
        seen: set[tuple[int, int]] = set()
        # longest templates first, so "None of the {n} was approved" is not also read as "{N} was approved"
        for key, field, fixed in sorted(_OPENING_CLAIMS, key=lambda k: -len(getattr(o, k[0]))):
            for m in self._template_rx(getattr(o, key)).finditer(text):
                if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in seen):
                    continue
                seen.add((m.start(), m.end()))
                claims.append((field, fixed if fixed is not None else self.number_value(m.group("num"))))
        return claims

    # -- each item ------------------------------------------------------------------------------

    def decision_line(self, decision: Decision | None, partial: bool, repeat: bool = False) -> tuple[str, str]:
        """The bold decision and what it means (`repeat`: the letter says the same care was approved before)."""
        d = self.c.decision
        on = d.on_rest if partial else d.on
        key = _key(decision)
        line = (getattr(d, f"{key}_rest", None) if partial else None) or getattr(d, key)
        meaning = d.upheld_repeat_meaning if repeat and decision == "upheld" and d.upheld_repeat_meaning else None
        return line.format(on=on), meaning or getattr(d, f"{key}_meaning")

    def kind_sentence(self, kind: Kind) -> str:
        return self.c.kinds.sentence.format(kind=getattr(self.c.kinds, kind.value))

    def slot(self, r: Restatement, name: str) -> str:
        """A slot of a restated sentence as this language shows it: plain English, or the reviewer's
        English words quoted and marked."""
        if name in ("link", "verb", "wh", "q", "lead"):
            return (
                r.plain.get(name, r.slots.get(name, "")) if self.c.reason.slot_mode == "plain" or name != "lead" else ""
            )
        if self.c.reason.slot_mode == "plain":
            value = r.plain.get(name, "")
            return first_lower(value) if name == "x" else first_upper(value) if name == "subj" else value
        verbatim = r.slots.get("quote", r.slots.get(name, "")) if name == "x" else r.slots.get(name, "")
        if not verbatim:
            return ""
        if name in ("what", "subj"):
            return f'"{verbatim}"'
        if name == "x" and r.form in (Form.UNCLEAR,):
            verbatim = f"{r.slots.get('wh', '')} {verbatim}".strip()
        if name == "x" and r.form is Form.NOT_RECOMMENDED and r.slots.get("y"):
            verbatim = f"{verbatim} {r.slots['y']}"
        if name == "x" and r.form in (Form.NO_RECORD, Form.NONE_FOUND):
            # "no A, and no documentation of B": each missing thing quoted on its own, never "no ... 'and no B'"
            joiner = f" {self.c.reason.and_word} "
            parts = missing_parts(verbatim)
            plain = missing_parts(r.plain.get("x", ""))
            # "no clear evidence of X", "no recent documentation of X": the qualifier is the reviewer's point, and a
            # name for X alone would drop it
            named = len(plain) == len(parts) and not r.slots.get("q", "").strip()
            names = [self.gist(p) for p in plain] if named else [None] * len(parts)
            return joiner.join(self._quoted(part, gist) for part, gist in zip(parts, names, strict=True))
        if name == "x" and r.form in (Form.RECORDS_SILENT, Form.DOCTOR_SILENT, Form.REQUEST_SILENT):
            return self._quoted(verbatim, self.gist(r.plain.get("x", "")))
        return self.c.reason.quoted_slot.format(text=verbatim)

    def _quoted(self, verbatim: str, gist: str | None) -> str:
        """The reviewer's English words quoted and marked, after this language's name for them when it has one."""
        if gist and self.c.reason.gist_slot:
            return self.c.reason.gist_slot.format(gist=gist, text=verbatim)
        return self.c.reason.quoted_slot.format(text=verbatim)

    def gist(self, plain: str) -> str | None:
        """One missing thing (in the plain English of `imr_llm.summary.restate`) in this language's words, when a
        phrase of its table names the whole of it and only the reason it was wanted follows (`HEAD_TAIL`); else
        None, and the reviewer's words are quoted alone. "records of X" is named only with `gist_records`."""
        frame = "{gist}"
        text = HEAD_LEAD.sub("", plain.strip(), count=1)
        if (m := HEAD_RECORD.match(text)) is not None:
            if not self.c.reason.gist_records:
                return None
            frame, text = self.c.reason.gist_records, text[m.end() :]
        for end, words in sorted(
            ((m.end(), words) for pattern, words in self.c.phrase_patterns if (m := pattern.match(text)) is not None),
            reverse=True,
        ):
            rest = text[end:]
            if HEAD_TAIL.match(rest):
                return frame.format(gist=words)
            join = HEAD_JOIN.match(rest)
            other = self.gist(rest[join.end() :]) if join is not None and self.c.reason.or_word else None
            if join is not None and other is not None:
                if join.group("word") is None:  # "A, B or C": the list goes on; its closing word joins the last
                    return frame.format(gist=f"{words}, {other}")
                word = self.c.reason.or_word if join.group("word").lower() == "or" else self.c.reason.and_word
                return frame.format(gist=f"{words} {word} {other}")
        return None

    def gist_words(self, source: str) -> str:
        """This language's names for every phrase of its table the sentence `source` (plain English) has: the
        words a plain sentence in it may add to the reviewer's quoted words."""
        named = [words for pattern, words in self.c.phrase_patterns if _search(pattern, source)]
        if named and self.c.reason.gist_records:
            named.append(self.c.reason.gist_records.replace("{gist}", " "))
        return " ".join(named)

    def restated(self, r: Restatement, linked_surgery: bool = False) -> str:
        """The plain sentence for one restated reviewer sentence."""
        frames = self.c.reason
        if r.form is Form.LINKED and linked_surgery:
            return frames.linked_surgery
        if r.form is Form.LINKED:
            return frames.linked.format(x=r.slots["x"])
        values = {name: self.slot(r, name) for name in ("x", "y", "link", "wh", "verb", "what", "q", "subj", "lead")}
        key = r.form.value
        if r.form is Form.NOT_RECOMMENDED and r.slots.get("y"):
            key = "not_recommended_y"
        if r.form is Form.REQUEST_SILENT and r.slots.get("what"):
            key = "request_silent_what"
        if r.form is Form.RECORDS_SILENT and frames.records_silent_exam and _EXAM.search(r.slots.get("subj", "")):
            key = "records_silent_exam"  # "the physical examination did not show": the exam, not the paperwork
        text = getattr(frames, key).format(**values)
        if r.when:
            text = frames.when.format(when=r.when, sentence=text.rstrip(".")) + "."
        if frames.slot_mode == "plain":
            text = self._split(text)
        return _tidy(text)

    def _split(self, text: str) -> str:
        """A long sentence becomes two at a semicolon, or where "as" gives the cause (", as the
        guidelines state ...": "This is because the guidelines state ...")."""
        if len(text.split()) <= _LONG:
            return text
        head, sep, tail = text.partition("; ")
        if not sep:
            m = _AS_CAUSE.search(text)
            if m is None:
                return text
            head, tail = text[: m.start()], self.c.reason.because.format(x=text[m.end() :].rstrip("."))
        head, tail = head.rstrip(" ,;."), tail.strip()
        if len(head.split()) < 6 or len(tail.split()) < 4:
            return text
        return f"{head}. {first_upper(tail)}"

    def quoted_reason(self, has_sentence: bool) -> str:
        return self.c.reason.quoted if has_sentence else self.c.reason.quoted_none

    def also_step(self, decision: Decision | None, first: str, second: Restatement) -> str:
        """What a second missing record or detail adds to the step `first` ("... could include records of A. The
        new request could say B."), or "" when either step is not an "ask again" one."""
        again = self.c.next.again
        text = self.next_step(decision, second, None)
        if not (first.startswith(again) and text.startswith(again)) or text == first:
            return ""
        rest = text[len(again) :]
        return rest[:1].upper() + rest[1:]

    def next_step(
        self,
        decision: Decision | None,
        first: Restatement | None,
        already_given: CareAlreadyGiven | None,
        guideline_number: str | None = None,
        categorical: bool = False,
        trial_approved: bool = False,
        over_guideline: bool = False,
        signs_absent: bool = False,
        too_long: bool = False,
    ) -> str:
        n = self.c.next
        if decision == "overturned":
            if already_given is None:
                return n.overturned
            return n.overturned_given if already_given.sure else n.overturned_either
        if decision is None:
            return n.unread
        if trial_approved and decision == "upheld":
            return n.trial_approved
        if guideline_number:
            return n.guideline_number.format(number=self._guideline_amount(guideline_number))
        if over_guideline:
            return n.over_guideline
        if too_long and n.too_long:
            return n.too_long
        if categorical:
            return n.not_recommended
        if first is None or first.form in (Form.FINDING, Form.GIVEN, Form.RECORD_SHOWS):
            # an exam that showed none of the signs the care needs: a later exam could find them
            return n.warning_signs if signs_absent and n.warning_signs else n.generic
        if first.form in (Form.GUIDELINE, Form.NOT_RECOMMENDED) and CONDITIONAL_BAN.search(first.sentence):
            # "do not recommend continued opioids if there is no improvement in function": records may meet it
            return n.conditional or n.generic
        if first.form is Form.GUIDELINE:
            return n.not_recommended
        signs_line = ""
        if first.form in ASKS_FOR and alarming(first.sentence):
            # never "records of a red flag" to send; signs of a serious problem an exam could find later may be named
            serious = (
                SERIOUS_SIGNS.search(first.sentence)
                and not MISUSE.search(first.sentence)
                and not RULED_OUT.search(first.sentence)  # "red flags being ruled out": the reviewer wanted none
            )
            alarm_step = n.warning_signs if serious and n.warning_signs else n.generic
            # "no record of how the brace did and no red flag on exam": the record a new
            # request can add is named, the red flags left to a later exam (a reader: the step named only the signs)
            safe = safe_missing(first)
            if safe is None:
                return alarm_step
            first, signs_line = safe, (f" {n.warning_signs}" if serious and n.warning_signs else "")
        if first.form is Form.TRIAL_APPROVED:
            return n.trial_approved
        if first.form in (Form.ALREADY_APPROVED, Form.REPEAT, Form.BEYOND_TRIAL):
            return n.already_approved
        template: str = getattr(n, first.form.value)
        values = {name: self.slot(first, name) for name in ("x", "link", "wh", "verb", "q", "subj")}
        if first.form in (Form.NO_RECORD, Form.NONE_FOUND) and (
            reasoning := _EXPLANATION.match(first.plain.get("x", ""))
        ):
            # "no objective explanation why you would need ...": a new request could explain why, not include
            # "records of objective explanation why ..."
            if self.c.reason.slot_mode == "plain":
                link = {"for": self.c.reason.reason_for, "why": "why"}.get((reasoning.group("link") or "").lower(), "")
                return _tidy(n.no_rationale.format(link=link, x=reasoning.group("x"))) + signs_line
            verbatim = _EXPLANATION.match(first.slots.get("x", ""))
            if verbatim is not None:
                return (
                    _tidy(n.no_rationale.format(link="", x=self.c.reason.quoted_slot.format(text=verbatim.group("x"))))
                    + signs_line
                )
        if first.form is Form.NONE_FOUND and TALKED_ABOUT.match(first.plain.get("x", "")):
            # "no discussion of surgery": the new request could include that discussion (never "records of surgery",
            # which reads as a surgery the worker should have had)
            return _tidy(n.discussed.format(x=values["x"])) + signs_line
        if self.c.reason.slot_mode == "plain" and first.form in (Form.NO_RECORD, Form.NONE_FOUND):
            # records of A, and of B: not "records of A, and no record of B" (asking for a lack)
            link = values["link"] if first.form is Form.NO_RECORD else "of"
            values["x"] = f", {self.c.reason.and_word} {link} ".join(missing_parts(values["x"]))
            # "records of A or documentation of B": "records of A or B" (the step already asks for records)
            values["x"] = _INNER_RECORD.sub(r"\1 ", values["x"])
            # "records of recorded pain relief": the step already says records
            values["x"] = _RECORDED.sub("", values["x"])
            # "records of record explaining why ...", "records that indicates ...": the words the step adds agree
            if _RECORD_WORD.match(values["x"]) or _GERUND.match(values["x"]):
                values["x"] = _RECORD_WORD.sub("", values["x"])
                # "records explaining why ...", not "records of explaining"; "records of special factors" keeps "of"
                linked = _GERUND.match(values["x"]) or _LINK_WORD.match(values["x"])
                if first.form is Form.NONE_FOUND and linked:
                    template, values["link"] = n.no_record, ""
            if values["link"] == "that":
                values["x"] = _SINGULAR_VERB.sub(lambda m: m.group(1), values["x"])
        if self.c.reason.slot_mode == "plain" and first.form is Form.RECORDS_SILENT:
            # "records that include record of failure ...": "records that include failure ..."
            values["x"] = re.sub(r"^(?:any )?(?:records?|documentation) of (?=\w)", "", values["x"])
        if self.c.reason.slot_mode == "plain" and first.form is Form.NO_RATIONALE and values["link"] == "for":
            values["link"] = self.c.reason.reason_for  # "explain the reason for the need of ...", not "explain for"
        return _tidy(template.format(**values)) + signs_line

    def _guideline_amount(self, number: str) -> str:
        """ "10 visits" in this language's words for the unit ("10 visitas"); the kind of visit ("physical therapy")
        is the request's, named above it. As the letter has it when the language names no such unit."""
        m = _AMOUNT_WORDS.match(number)
        if m is None or m.group("unit") not in self.c.units:
            return number
        low, high = (NUMBER_WORDS.get(n.lower(), n) for n in (m.group("low"), m.group("high") or ""))  # "ten": 10
        if high and not self.c.range_words:
            return number  # "9 to 10 visits": as the letter has it, never the low end alone
        count = self.c.range_words.format(low=low, high=high) if high else low
        return f"{count} {self.c.units[m.group('unit')]}"

    def taper_warning(self, taking: bool, letter_says_so: bool) -> str:
        care = self.c.care
        # the firm line only for a drug the letter says the worker takes: the letter's stock "not a call to
        # stop abruptly" is also written for a first trial the worker may never have started
        text = care.taper if taking else care.taper_if
        return f"{text} {care.taper_letter}" if letter_says_so else text

    def already_given(self, care: CareAlreadyGiven) -> str:
        w = self.c.care
        when = w.already_given_when.format(date=self.longdate(care.date)) if care.date else ""
        return w.already_given.format(when=when)

    def _amount(self, q: Quantity) -> str:
        if q.unit == "#":
            return f"#{q.value}"
        unit = q.unit
        if unit in ("month", "months"):  # "a 2 month rental": the count says which
            unit = "month" if q.value == 1 else "months"
        return self.c.partial.amount.format(value=q.value, unit=self.c.units.get(unit, unit))

    def partial(self, authorized: str, numbers: PartialNumbers | None, whole: bool, other: bool = False) -> str:
        p = self.c.partial
        if whole:
            return p.instead.format(authorized=authorized)
        if other:
            return p.other.format(authorized=authorized)
        text = p.text.format(authorized=authorized)
        text = f"{text} {p.rest}"
        if numbers is not None:
            template = p.numbers_one if numbers.approved_before.value == 1 else p.numbers
            text += " " + template.format(
                asked=self._amount(numbers.asked),
                approved=self._amount(numbers.approved_before),
                reviewed=self._amount(numbers.reviewed),
            )
        return text

    def steps_for(self, decisions: list[Decision | None]) -> Section:
        """What the worker can do now: the steps to appeal a denial, unless every request was approved."""
        if decisions and all(d == "overturned" for d in decisions):
            return self.next_steps_approved
        return self.next_steps

    def record_warning(self, warning: str, field: str | None = None, kind: str | None = None) -> str:
        """A record's warning on the page: in this language's words for what it is about (`field`) and the kind of
        doubt (`kind`) when the catalogue has them, with the record's own words after."""
        words = self.c.warnings
        if words is None or field not in words.fields:
            return self.labels.record_warning.format(warning=warning)
        return words.about.format(field=words.fields[field], kind=words.kinds.get(kind or "", ""), warning=warning)

    # -- reading ease and the glossary --------------------------------------------------------------

    def readability(self, prose: str) -> Readability:
        spec = self.c.readability
        formula = readability.FORMULAS[spec.formula]
        score = round(formula.score(prose), 2)
        if formula.lower_is_better:
            passes, target_met = score <= spec.limit, score <= spec.target
            problem = None if passes else f"reading {formula.measure} {score} is above {spec.limit}"
        else:
            passes, target_met = score >= spec.limit, score >= spec.target
            problem = None if passes else f"reading {formula.measure} {score} is below {spec.limit}"
        return Readability(score, formula.measure, passes, target_met, problem)

    def terms(self, text: str, limit: int = 3) -> list[str]:
        """Glossary lines for the terms that appear in `text` (at most `limit`)."""
        out: list[str] = []
        found = [(m, explanation) for pattern, explanation in self.glossary if (m := pattern.search(text)) is not None]
        for m, explanation in found:
            if any(
                o is not m and o.start() <= m.start() and m.end() <= o.end() and o.span() != m.span() for o, _ in found
            ):
                continue  # "oral" inside "oral suspension": the longer term's line says it
            head, colon, meaning = explanation.partition(": ")
            if colon and head.casefold() not in text.casefold():
                # the term as the letter wrote it ("extenuating circumstances", not the entry's "exceptional
                # factors"): a word the reviewer never used is not a word "in the reviewer's sentence"
                said = text[m.start() : m.end() + len(_WORD_REST.match(text, m.end()).group(0))]  # type: ignore[union-attr]
                said = said if said.isupper() else said[:1].lower() + said[1:]
                explanation = f"{said}: {meaning}"
            if explanation not in out:
                out.append(explanation)
            if len(out) >= limit:
                break
        return out

    def fixed_wording(self) -> str:
        """Every text of the catalogue, as one string (what the checks count as our own words)."""
        return " ".join(text for _, text in self.c.strings())


_LONG = 24
# "10 visits", "9 to 10 visits", "9-10 visits": the count (or range) and its unit
# (the words between them, "ten physical therapy visits", are the request's kind, named above it)
_AMOUNT_WORDS = re.compile(r"^(?P<low>\w+)(?:\s*(?:to|-|–)\s*(?P<high>\w+))?\s+(?:[\w-]+\s+)*?(?P<unit>\w+)$")
_EXAM = re.compile(r"\bexam(?:ination)?\b", re.I)
_WORD_REST = re.compile(r"[\w-]*")  # the rest of the word a glossary pattern matched the start of
_AS_CAUSE = re.compile(r", as (?=(?:the |they |guidelines |there |it |this |you |your ))")


_EXPLANATION = re.compile(
    r"^(?:(?:an?|any|clear|objective|compelling|specific|adequate|sufficient|medical|clinical|documented|"
    r"evidenced?[- ]based) )*(?:explanation|rationale|reason|justification)(?: backed by medical studies)?"
    r"(?: (?:provided|given|offered) by (?:your doctor|the (?:physician|provider|doctor)))? "
    r"(?:(?:as to |for )?(?P<link>why|for) |as to (?!why\b))"
    r"(?P<x>.{8,})$",
    re.I,
)
_INNER_RECORD = re.compile(r"\b(or|and) (?:any )?(?:documentation|records?|evidence) of (?=\w)", re.I)
_RECORDED = re.compile(r"^(?:recorded|documented) (?=\w)")
_LINK_WORD = re.compile(r"^(?:of|about|that|on|for|regard|regarding|showing|to|with)\b")
# "records of record ...", "records of clinical record or special factors ...": the step already says "records"
_RECORD_WORD = re.compile(
    r"^(?:(?:clinical |medical )?(?:records?|documentation) or |(?:records?|documentation) (?=\w))"
)
_GERUND = re.compile(r"^(?!during\b|including\b|regarding\b|concerning\b)[a-z]+ing\b")
_SINGULAR_VERB = re.compile(r"^(indicate|show|suggest|support|demonstrate|document|reveal|confirm|establish)s\b")


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:])", r"\1", " ".join(text.split()))
    text = re.sub(r"\.\.+", ".", text)
    text = re.sub(r"([.!?])[\"']?\.", r"\1", text) if text.endswith("..") else text
    return text


def _search(pattern: re.Pattern[str], text: str) -> bool:
    """`pattern` (anchored by `match` in `Language.gist`) anywhere in `text`, at a word's start."""
    return any(pattern.match(text, m.start()) for m in re.finditer(r"\b\w", text))
