"""A summary language as data: the catalogue file (TOML) of every word a summary says in it.

Words and templates are validated as data with named variables, not written as code (the
shape of simonw/llm's templates): a template may use only the names its key allows, and
every key the wording needs must be there, so a new language is one file that either
loads or fails with the missing or wrong key named. The decisions about what to say live
once, in `imr_llm.summary.languages.base.Language`.
"""

from __future__ import annotations

import re
import string
import tomllib
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from imr_llm.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReadabilitySpec(_Strict):
    formula: str  # a name in imr_llm.summary.readability.FORMULAS
    target: float
    limit: float


class ByDecision(_Strict):
    overturned: str
    upheld: str
    unread: str


class Labels(_Strict):
    title: str
    case: str
    decided_on: str
    pages_read_one: str  # how many pages the summary was read from: a worker whose letter has more sees it
    pages_read_many: str
    decided_heading: str
    item_marker: str
    end_marker: str
    why: str
    unread_request: str
    reviewer_wrote: str
    machine_translated: str = ""  # before a machine translation of the reviewer's words (languages with a pair)
    terms: str
    letter_words_note: str
    glance_headers: tuple[str, str, str]
    footer: str
    not_advice: tuple[str, str]
    failed_checks_banner: str
    record_warning: str
    dwc_link_text: str
    next: ByDecision
    glance: ByDecision


class Section(_Strict):
    """A fixed part of every summary: a heading and its bullet points."""

    heading: str
    bullets: tuple[str, ...]


class Sections(_Strict):
    next_steps: Section
    next_steps_approved: Section  # every request approved: no steps to appeal a denial
    words: Section


class Opening(_Strict):
    intro: str
    asked_one: str
    asked_many: str
    one_approved: str
    one_denied: str
    one_unread: str
    two_approved: str
    two_denied: str
    all_approved: str
    all_denied: str
    all_unread: str
    some_approved_one: str
    some_approved_many: str
    some_denied_one: str
    some_denied_many: str
    some_unread: str
    partial_one: str
    partial_many: str
    instead_one: str
    instead_many: str
    # requests the letter calls a repeat of care approved before ("previously authorized ... redundant"); optional
    repeat_one: str | None = None
    repeat_many: str | None = None


class DecisionWords(_Strict):
    on: str
    on_rest: str
    overturned: str
    overturned_meaning: str
    upheld: str
    upheld_meaning: str
    unread: str
    unread_meaning: str
    # for the rest of a partly approved request, where "this request" would be the whole of it (optional)
    overturned_rest: str | None = None
    upheld_rest: str | None = None
    # a request the letter calls a repeat of care approved before: why it was not approved again (optional)
    upheld_repeat_meaning: str | None = None


class DeniedVerb(_Strict):
    said: str  # the verb, however inflected ("recomiend")
    denied: str  # the verb denied ("no se recomiendan")


class CheckPhrases(_Strict):
    approved_phrases: tuple[str, ...]
    denied_phrases: tuple[str, ...]
    unreadable_phrases: tuple[str, ...]
    double_negatives: tuple[str, ...]
    approved_claims: str
    denied_claims: str
    promises: str
    # a same-language rewrite's words come from the reviewer's sentence, the request, the glossary or the page's own
    # plain wording; these joining words too (a language whose reasons are translations leaves it empty)
    rewrite_words: str = ""
    # those of them that change what a sentence says ("within", "only", "guidelines", "care"): a rewrite may use
    # them only where the reviewer's sentences, the request or the page's own line of the item do ("exceeds the
    # trial and is within the guidelines" was made of such words alone)
    rewrite_sense_words: str = ""
    # a finding put in the past ("you had persistent pain", "usted tenía dolor"): a rewrite may say it no more often
    # than the reviewer's English says "had", "was", "were" (an approval rests on findings the worker has now)
    past_words: str = ""
    # a model's rewrite speaking of payment, coverage, approval, a cure or the future, which a reviewer's
    # sentence without such words cannot carry (see summary.rewrite)
    outcomes: str
    # a model's translation (a language whose reasons quote the reviewer's English) is held to a shape, not only to
    # word lists: each sentence opens as the reviewer's words are reported ("El revisor encontró que ..."), no
    # clause joins a second claim the reviewer did not join, and each kind of outcome (payment, coverage,
    # approval, a cure, the future) only where the reviewer's English speaks of that kind
    translation_openings: tuple[str, ...] = ()
    translation_connectors: str | None = None
    # the words that join one clause to another (", y ...", "así que ..."): a translation joins no more clauses than
    # the reviewer's English does (", y se la dan", ", así que basta de reposo" joined a claim of the model's own)
    translation_joins: str | None = None
    # a second reported clause joined by "and that" ("y que ..."): no more of them than the reviewer's English "and"
    translation_coordinated: str | None = None
    # care said to have stopped ("dejó de tomar", "suspendió"): only where the reviewer's English says it stopped
    care_stopped: str | None = None
    # the words for evidence ("evidencia", "signos"), and what denies such a word a few words before it ("no había",
    # "sin", "ni"): where the reviewer found no evidence, the first such word must be denied
    evidence_words: str | None = None
    evidence_denied_before: str | None = None
    # a doubt ("may", "podría"): a rewrite hedges only where the reviewer's English does
    hedges: str | None = None
    # an answer word before a comma or colon ("No, the reviewer found ..."), which negates nothing that follows
    answer_words: str | None = None
    # in a translation: an exception, or a denial of the denial ("salvo", "no es cierto", "no faltan"), and the
    # word whose second use in one clause turns a denial round (Spanish negative concord: "no ... ninguna" is one
    # denial, "no ... no" two)
    turned: str | None = None
    turned_twice: str | None = None
    # in a translation: a denial that something exists ("no hay", "ningún", "sin"), which reaches the words the
    # reviewer stated as there before another denial of theirs
    denied_existence: str | None = None
    outcome_kinds: dict[str, str] = Field(default_factory=dict)
    # where a translation's clauses break (its denials are counted per clause against the reviewer's), and, for an
    # English participle the reviewer denies ("not recommended"), how the translation names the verb and denies it
    translation_clauses: str | None = None
    denied_verbs: dict[str, DeniedVerb] = Field(default_factory=dict)
    # a medical word of the translation by its Greek or Latin ending ("estenosis", "tendinitis", "neuropatía") and
    # the English ending it comes from ("patía" -> "pathy"): a translation names only conditions the reviewer did
    medical_endings: dict[str, str] = Field(default_factory=dict)
    medical_false_friends: tuple[str, ...] = ()  # words with such an ending that name no condition ("dosis")
    # a body part of the translation and the English words it translates: a translation names only the parts the
    # reviewer's words or the request name ("hombro" where the reviewer wrote "knee" is a fact swapped)
    body_parts: dict[str, str] = Field(default_factory=dict)
    # the words for a record ("recorded", "documentation", "notes"): a reviewer who wrote of what the records
    # lack ("no documented weakness") is not made a finding about the worker ("you have no weakness")
    record_words: str | None = None
    # care the translation names and the English words for it: a translation names only the care the reviewer's
    # words or the request name ("una cirugía" where the reviewer wrote only of an MRI is care added)
    care_words: dict[str, str] = Field(default_factory=dict)
    # a qualifier of the translation and the English words it translates: "grave", "mínimo", "subjetiva", "al menos"
    # where the reviewer wrote none of "severe", "minimal", "subjective", "at least" is a fact changed
    qualifiers: dict[str, str] = Field(default_factory=dict)
    # the other way: a qualifier of the reviewer's English and the words a translation must keep for it ("not
    # necessarily improved" is not "not improved")
    kept_qualifiers: dict[str, str] = Field(default_factory=dict)
    # the language's words for each kind of logic a rewrite may not add ("condition": "if", "cause": "because",
    # "question": "?", "attribution": "your doctor found", "quotes"): a rewrite says each no more often than the
    # reviewer's English does (a finding made a condition, a question or the worker's own doctor's had passed)
    logic_words: dict[str, str] = Field(default_factory=dict)
    # the language's words for a limiting "only": the reviewer's "only 2" stays "only 2" in a translation
    only_words: str = "only|just|solely"
    # the words for a count's unit, by what they count ("visit": "sessions?|visits?|treatments?"): a number a rewrite
    # puts with another unit than the reviewer did ("6 weeks" for "6 sessions") is a fact changed
    unit_words: dict[str, str] = Field(default_factory=dict)


class Kinds(_Strict):
    with_surgery: str
    functional_test: str
    scan: str
    nerve_test: str
    medical_test: str
    therapy: str
    chiropractic: str
    acupuncture: str
    visit: str
    injection: str
    surgery: str
    medicine: str
    equipment: str
    home_help: str
    program: str
    transport: str
    treatment: str
    sentence: str


class ReasonFrames(_Strict):
    slot_mode: str = Field(pattern=r"^(?:plain|quote)$")
    quoted_slot: str = '"{text}"'
    when: str
    no_record: str
    none_found: str
    records_silent: str
    records_silent_exam: str = ""  # the subject is an exam, not a document (a language whose frame names documents)
    request_silent: str
    request_silent_what: str
    doctor_silent: str
    unclear: str
    no_rationale: str
    not_recommended: str
    not_recommended_y: str
    linked: str
    linked_surgery: str
    doctor_agreed: str
    given: str
    record_shows: str
    finding: str
    already_approved: str
    trial_approved: str
    repeat: str
    beyond_trial: str
    guideline: str
    quoted: str
    quoted_none: str
    more: str  # the plain sentences do not cover every reason sentence: the rest are quoted below
    more_in_letter: str  # ... and there was no room to quote them
    # the plain line is a point the reviewer added ("There was also ...") to an earlier one no plain line says:
    # said first, before the plain line, so the page never leads with the lesser point
    several: str = ""
    other_part: str  # the reviewer's words name another body part or side than the request: {part}, {asked}
    because: str = "{x}."
    link_words: tuple[str, ...] = ()
    reason_for: str = "for"  # a next step's "explain {link}": "explain the reason for X", never "explain for X"
    and_word: str  # joins the things a reviewer found missing when one sentence names several
    # a language that quotes the reviewer: the missing thing in its own words (from `phrases`) beside the quote
    gist_slot: str = ""
    gist_records: str = ""  # "records of X", when the phrase table names X
    or_word: str = ""  # "A or B", each named from the phrase table


class NextFrames(_Strict):
    again: str  # the words each "ask again" frame opens with: a second missing record's step drops them
    overturned: str
    overturned_given: str
    overturned_either: str  # a date of service alone: the care may still be to come, or already given
    unread: str
    no_record: str
    none_found: str
    records_silent: str
    request_silent: str
    doctor_silent: str
    unclear: str
    no_rationale: str
    discussed: str  # the reviewer found no discussion or mention of X: the new request could include it
    not_recommended: str
    linked: str
    doctor_agreed: str
    already_approved: str
    trial_approved: str
    guideline_number: str
    over_guideline: str  # the reviewer found the request goes past the guidelines, and the letter gives no number
    upheld_given: str = ""  # care already given, not approved: whom to ask about its bill
    too_long: str = ""  # ... past the guidelines' time (short-term use): records do not shorten it
    generic: str
    # the reviewer looked for signs of a serious problem and found none: an exam that finds them later
    warning_signs: str = ""
    # the guidelines allow this care only when something is shown or tried first (the reviewer's words say what)
    conditional: str = ""
    # the reviewer's own sentence on what would be needed, or what would fit ({quote}), where the step is generic
    needed: str = ""
    needed_above: str = ""  # ... when that sentence is among the reviewer's words the page already shows
    would_fit: str = ""  # the reviewer's own sentence on what would fit instead ({quote}), beside any step
    # the letter says conservative care ({care}) was approved and the reviewer's point is that it was not tried
    care_approved: str = ""
    # the reviewer writes that the worker has not had conservative care ({care}) yet, and that it comes first
    care_not_had: str = ""
    care_names: dict[str, str] = Field(default_factory=dict)  # physical_therapy, chiropractic, ... in these words
    # the reviewer found it too early for the care (weeks since the injury): time alone can change that
    too_early: str = ""
    # the step asks to explain why more care than the guidelines allow is needed: or ask for no more than that
    fewer: str = ""
    # the reviewer wanted the results of the earlier care first (more visits asked for before the first ones' effect
    # was looked at): once they are known, a new request can show them
    response_first: str = ""
    # the page gives more reasons than the step answers: a new request would have to answer each
    other_reasons: str = ""
    # the Why says the reviewer made other points the page does not restate: the step's one point may not be enough
    other_points: str = ""
    # the step names a record for one point; another point the page gives is a limit the guidelines set (long-term
    # use, a kind of use): a record alone may not answer it
    guideline_limit: str = ""


class CareWords(_Strict):
    taper: str
    taper_if: str
    taper_letter: str
    already_given: str
    already_given_when: str


class PartialWords(_Strict):
    text: str
    whole: str
    instead: str
    other: str  # what was approved before names other care than the request (another drug): never "the rest"
    rest: str
    numbers: str
    numbers_one: str
    amount: str


class WarningWords(_Strict):
    """A record's warning said in this language: what it is about and what kind of doubt, before the record's
    own (English) words. Keys of `fields` and `kinds` are those `imr_llm.summary.build` reads from a warning."""

    about: str  # {field}, {kind}, {warning}
    fields: dict[str, str]
    kinds: dict[str, str]


class PatternEntry(_Strict):
    """A pattern of English words and this language's text for them: a glossary line for a hard term the
    reviewer used (`glossary`), or the name of a missing thing the reviewer named in plain English (`phrases`,
    matched against the whole of it; `imr_llm.summary.restate`)."""

    pattern: str
    text: str

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


# the names each template may use (a template with another name fails to load)
_ALLOWED: dict[str, frozenset[str]] = {
    "labels.case": frozenset({"case_number"}),
    "labels.decided_on": frozenset({"date"}),
    "labels.pages_read_one": frozenset(),
    "labels.pages_read_many": frozenset({"n"}),
    "labels.failed_checks_banner": frozenset({"problems"}),
    "labels.record_warning": frozenset({"warning"}),
    "warnings.about": frozenset({"field", "kind", "warning"}),
    "warnings.*": frozenset(),
    "longdate": frozenset({"month", "day", "year"}),
    "opening.*": frozenset({"n", "N"}),
    "decision.*": frozenset({"on"}),
    "kinds.sentence": frozenset({"kind"}),
    "reason.quoted_slot": frozenset({"text"}),
    "translation.slot": frozenset({"text", "translation"}),
    "translation.slot_below": frozenset({"text"}),
    "translation.numeric_date": frozenset({"date"}),
    "reason.when": frozenset({"when", "sentence"}),
    "reason.gist_slot": frozenset({"gist", "text"}),
    "reason.gist_records": frozenset({"gist"}),
    "reason.other_part": frozenset({"part", "asked"}),
    "reason.*": frozenset({"x", "y", "link", "wh", "verb", "what", "q", "subj", "lead"}),
    "next.guideline_number": frozenset({"number"}),
    "next.care_approved": frozenset({"care"}),
    "next.care_not_had": frozenset({"care"}),
    "next.needed": frozenset({"quote"}),
    "next.would_fit": frozenset({"quote"}),
    "next.*": frozenset({"x", "link", "wh", "verb", "q", "subj"}),
    "care.already_given": frozenset({"when"}),
    "care.already_given_when": frozenset({"date"}),
    "partial.text": frozenset({"authorized"}),
    "partial.instead": frozenset({"authorized"}),
    "partial.other": frozenset({"authorized"}),
    "partial.numbers": frozenset({"asked", "approved", "reviewed"}),
    "partial.numbers_one": frozenset({"asked", "approved", "reviewed"}),
    "partial.amount": frozenset({"value", "unit"}),
    "sections.*": frozenset({"dwc"}),
    "range_words": frozenset({"low", "high"}),
}


def _names(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _allowed(path: str) -> frozenset[str]:
    if path in _ALLOWED:
        return _ALLOWED[path]
    head = path.split(".", 1)[0]
    return _ALLOWED.get(f"{head}.*", frozenset())


class TranslationSpec(_Strict):
    """The engine's language pair, and the terms of these letters it translates wrongly ("plain films" as a
    cinema's "peliculas"), given in this language's words instead (`pattern` is English, matched whole)."""

    pair: str = Field(pattern=r"^[a-z]{2,3}-[a-z]{2,3}(?:_[A-Za-z]+)?$")
    # English words the engine knows, put for these letters' words it does not ("claimant" -> "worker"), so
    # the engine still builds the sentence around them ("the worker's doctor" -> "el doctor del trabajador")
    synonyms: tuple[PatternEntry, ...] = ()
    terms: tuple[PatternEntry, ...] = ()
    # word pairs this language always joins, fixed in the translation (a term's article after a preposition:
    # "de el hombro" -> "del hombro"); `pattern` is in this language
    joined: tuple[PatternEntry, ...] = ()
    # a quoted English slot of a next step ('"{text}" (en inglés)') with its machine translation beside it
    slot: str = ""
    # a Why line's slot that is most of the reviewer's quote, whose translation is given once, below the quote
    slot_below: str = ""
    # a month/day/year date in digits within a translation, said so where the language reads day/month ({date})
    numeric_date: str = ""

    @model_validator(mode="after")
    def _keeps_numbers_and_negation(self) -> TranslationSpec:
        """A term's words may not hold a digit or a negation: the translation's checks count both."""
        from imr_llm.summary.translate import adds_a_number_or_negation

        for entry in (*self.synonyms, *self.terms):
            if adds_a_number_or_negation(entry.text, self.pair):
                raise ValueError(f"translation term {entry.text!r} holds a digit or a negation")
        return self


class Catalogue(_Strict):
    code: str = Field(pattern=r"^[a-z]{2,3}(?:-[A-Za-z]{2,4})?$")
    name: str
    prompt_name: str
    months: tuple[str, ...] = Field(min_length=12, max_length=12)
    longdate: str
    numbers: tuple[str, ...] = Field(min_length=13)
    negation: str
    readability: ReadabilitySpec
    labels: Labels
    sections: Sections
    opening: Opening
    decision: DecisionWords
    checks: CheckPhrases
    kinds: Kinds
    reason: ReasonFrames
    next: NextFrames
    care: CareWords
    partial: PartialWords
    units: dict[str, str] = Field(default_factory=dict)
    range_words: str = ""  # "{low} to {high}" in this language's words ("de 9 a 10")
    glossary: tuple[PatternEntry, ...] = ()
    phrases: tuple[PatternEntry, ...] = ()
    warnings: WarningWords | None = None  # None: the record's warning is shown in its own words
    # the machine translation that puts the reviewer's English words in this language beside them
    # (`imr_llm.summary.translate`); None: the page quotes them in English alone
    translation: TranslationSpec | None = None

    @model_validator(mode="after")
    def _templates_use_known_names(self) -> Catalogue:
        for path, template in self.strings():
            try:
                unknown = _names(template) - _allowed(path)
            except ValueError as e:
                raise ValueError(f"{path}: {e}") from None
            if unknown:
                raise ValueError(f"{path} uses {sorted(unknown)}; it may use {sorted(_allowed(path)) or 'none'}")
        for pattern in (
            self.negation,
            self.checks.approved_claims,
            self.checks.denied_claims,
            self.checks.promises,
            self.checks.outcomes,
            self.checks.translation_connectors or "",
            self.checks.translation_joins or "",
            self.checks.translation_coordinated or "",
            self.checks.care_stopped or "",
            self.checks.evidence_words or "",
            self.checks.evidence_denied_before or "",
            self.checks.hedges or "",
            self.checks.answer_words or "",
            self.checks.turned or "",
            self.checks.turned_twice or "",
            self.checks.denied_existence or "",
            self.checks.translation_clauses or "",
            *self.checks.outcome_kinds.values(),
            *(p for verb in self.checks.denied_verbs.values() for p in (verb.said, verb.denied)),
        ):
            re.compile(pattern)
        return self

    def strings(self) -> list[tuple[str, str]]:
        """Every template and text of the catalogue, with its dotted path (the checks' fixed wording)."""
        out: list[tuple[str, str]] = []

        def walk(path: str, value: Any) -> None:
            if isinstance(value, str):
                out.append((path, value))
            elif isinstance(value, BaseModel):
                for key in type(value).model_fields:
                    walk(f"{path}.{key}" if path else key, getattr(value, key))
            elif isinstance(value, dict):
                for key, v in value.items():
                    walk(f"{path}.{key}", v)
            elif isinstance(value, tuple | list):
                for v in value:
                    walk(path, v)

        walk("", self)
        return [
            (p, s)
            for p, s in out
            if not p.startswith(("checks.", "negation", "glossary.pattern", "phrases.pattern", "code"))
        ]

    @cached_property
    def glossary_patterns(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        return tuple((re.compile(e.pattern, re.I), e.text) for e in self.glossary)

    @cached_property
    def phrase_patterns(self) -> tuple[tuple[re.Pattern[str], str], ...]:
        return tuple((re.compile(rf"(?:{e.pattern})\b", re.I), e.text) for e in self.phrases)


def load_catalogue(text: str, origin: str) -> Catalogue:
    """A catalogue from TOML text; a bad file is a ConfigError naming the file and the key."""
    try:
        return Catalogue.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{origin}: not valid TOML ({e})") from None
    except ValueError as e:
        first = str(e).splitlines()
        detail = "; ".join(line.strip() for line in first[1:4]) if len(first) > 1 else str(e)
        raise ConfigError(f"{origin}: not a valid summary language ({detail})") from None
