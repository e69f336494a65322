"""What the LLM fills in: a compact schema, validated and grounded against the letter.

Kept smaller than `LetterRecord` on purpose (every field costs generated tokens).
Text fields that the letter prints verbatim (requests, guideline lines, first
sentences, diagnoses, reviewer entries) are their own quotes; dates, the patient
and decisions carry a separate `*_quote`. Structural errors (a date that is not
a date, a quote that names a different date than the value) raise and make
instructor re-ask; quotes that cannot be found in the letter are only flagged,
because a re-ask rarely fixes them and the cross-check reports them anyway.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from imr_llm.care import with_care
from imr_llm.fields import ANSWER_ITEM, ANSWER_REVIEWER, ANSWER_TOP, AnswerField
from imr_llm.llm.speedups import CachedSchemaModel
from imr_llm.parser.dates import ANY_DATE, parse_date
from imr_llm.parser.diagnoses import with_codes
from imr_llm.pipeline.grounding import Grounder
from imr_llm.schema import DisputedItem, LetterRecord, Reviewer, Source, Span

# Length caps keep answers short: they become maxLength in the JSON schema, which
# grammar-constrained servers (llama.cpp) enforce while generating.
Quote = Annotated[str, StringConstraints(max_length=60)]
Short = Annotated[str, StringConstraints(max_length=120)]
Phrase = Annotated[str, StringConstraints(max_length=200)]

UNSUPPORTED = "the model's quote does not state its value; not used"
DATE_FIELDS = ("date_of_injury", "ur_determination_date", "application_received_date", "decision_date", "date_assigned")


class LLMItem(BaseModel):
    request: str = Field(max_length=400, description="heading text of the disputed request, copied exactly")
    decision: Literal["upheld", "overturned"]
    decision_quote: str | None = Field(default=None, max_length=60, description="words that state the decision")
    guidelines_cited: list[Short] = Field(default_factory=list, max_length=8, description="short names")
    maximus_guideline_text: str | None = Field(
        default=None, max_length=1000, description="text after 'MAXIMUS guideline:'"
    )
    rationale_first_sentence: str | None = Field(default=None, max_length=800, description="first rationale sentence")

    @field_validator("decision", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class LLMDiagnosisCode(BaseModel):
    diagnosis: Phrase = Field(description="the diagnosis, copied as in `diagnoses`")
    code: str = Field(max_length=10, description="its ICD-10-CM code, e.g. M54.16")


class LLMLetter(CachedSchemaModel):
    case_number: str | None = Field(default=None, max_length=20, description="e.g. CM16-0235724")
    date_of_injury: str | None = Field(default=None, max_length=32, description="YYYY-MM-DD")
    date_of_injury_quote: Quote | None = None
    ur_determination_date: str | None = Field(default=None, max_length=32, description="UR denial date, YYYY-MM-DD")
    ur_determination_date_quote: Quote | None = None
    application_received_date: str | None = Field(default=None, max_length=32, description="YYYY-MM-DD")
    application_received_date_quote: Quote | None = None
    decision_date: str | None = Field(default=None, max_length=32, description="YYYY-MM-DD")
    decision_date_quote: Quote | None = None
    date_assigned: str | None = Field(default=None, max_length=32, description="YYYY-MM-DD")
    date_assigned_quote: Quote | None = None
    patient_age: int | None = None
    patient_sex: Literal["male", "female"] | None = None
    patient_quote: Quote | None = Field(default=None, description="e.g. '47 year old male', copied")
    reviewer_certifications: list[Short] = Field(default_factory=list, max_length=8)
    reviewer_states: list[Short] = Field(default_factory=list, max_length=8, description="states of licensure")
    diagnoses: list[Phrase] = Field(default_factory=list, max_length=16)
    diagnosis_codes: list[LLMDiagnosisCode] = Field(
        default_factory=list, max_length=16, description="only codes you are sure of; kept only when checked"
    )
    disputed_items: list[LLMItem] = Field(default_factory=list, max_length=60)

    _grounding: dict[str, Span | None] = PrivateAttr(default_factory=dict)
    _of_another: bool = PrivateAttr(default=False)  # the patient quote is said of another person (`ground`)
    _case_unlabelled: bool = PrivateAttr(default=False)  # the case number is not after its own label (`ground`)

    @field_validator(*DATE_FIELDS)
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
        try:  # a timestamp names a date too
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            parsed = parse_date(value)
            if parsed is None:
                raise ValueError(f"not a date: {value!r}; give YYYY-MM-DD") from None
            return parsed.isoformat()

    @field_validator("patient_age")
    @classmethod
    def _an_age(cls, value: int | None) -> int | None:
        """The record holds ages 0-120: anything else (999, -1, a birth year) is the answer's error, so
        instructor re-asks with it. A validator, not a schema bound: the request the model gets (and the
        cache key, and a batch request file) stays the same."""
        if value is not None and not 0 <= value <= 120:
            raise ValueError(f"patient_age {value} is not an age in years (0-120); give the age the letter states")
        return value

    @model_validator(mode="after")
    def _quotes_agree(self) -> LLMLetter:
        for name in DATE_FIELDS:
            value, quote = getattr(self, name), getattr(self, f"{name}_quote")
            if value and quote:
                said = parse_date(" ".join(quote.split()))
                if said is not None and said.isoformat() != value:
                    raise ValueError(f"{name} is {value} but its quote {quote!r} says {said.isoformat()}")
        return self

    def ground(self, grounder: Grounder) -> LLMLetter:
        """Find every quote in the letter (done after validation, outside instructor: instructor
        renders the messages as Jinja templates when given a context, and letter text must never
        be read as a template)."""
        self._grounding = {path: grounder.find(quote).span for path, quote in self.quotes().items()}
        span = self._grounding.get("patient_age") or self._grounding.get("patient_sex")
        self._of_another = span is not None and not _about_the_worker(grounder.text.raw, span.start)
        case = self._grounding.get("case_number")
        # the case number the letter's own label gives ("Case Number: CM16-...", or the label's column just above),
        # never another case's number the letter's text mentions ("A prior IMR, CM15-0123456, upheld ...")
        self._case_unlabelled = case is not None and not _labelled(grounder.text.raw, case.start)
        return self

    def quotes(self) -> dict[str, str]:
        """Record path -> the text the model says it read for it."""
        out: dict[str, str] = {}
        if self.case_number:
            out["case_number"] = self.case_number
        for name in DATE_FIELDS:
            quote = getattr(self, f"{name}_quote")
            if getattr(self, name) and quote:
                out[name] = quote
        if self.patient_quote and (self.patient_age is not None or self.patient_sex):
            if self.patient_age is not None:
                out["patient_age"] = self.patient_quote
            if self.patient_sex:
                out["patient_sex"] = self.patient_quote
        for i, cert in enumerate(self.reviewer_certifications):
            out[f"reviewer.board_certifications.{i}"] = cert
        for i, state in enumerate(self.reviewer_states):
            out[f"reviewer.licensed_state.{i}"] = state
        for i, dx in enumerate(self.diagnoses):
            out[f"diagnoses.{i}"] = dx
        for i, item in enumerate(self.disputed_items):
            p = f"disputed_items.{i}"
            out[f"{p}.request"] = item.request
            if item.decision_quote:
                out[f"{p}.decision"] = item.decision_quote
            if item.maximus_guideline_text:
                out[f"{p}.maximus_guideline_text"] = item.maximus_guideline_text
            if item.rationale_first_sentence:
                out[f"{p}.rationale_first_sentence"] = item.rationale_first_sentence
        return out

    @property
    def grounding(self) -> dict[str, Span | None]:
        return dict(self._grounding)

    def to_record(self, template: str, source: Source) -> LetterRecord:
        """The LLM's answer as a LetterRecord (extractor 'llm'), evidence from its grounded quotes; the
        fields it fills are the ones the field table (`fields.ANSWER_*`) maps."""
        items = [DisputedItem(**{f.record: _item_value(item, f) for f in ANSWER_ITEM}) for item in self.disputed_items]
        warnings = [f"{path}: quote not found in the letter" for path, span in self._grounding.items() if span is None]
        unsaid = self.unsupported()
        warnings += [f"{path}: {UNSUPPORTED}" for path in unsaid]
        top = {f.record: getattr(self, f.answer) for f in ANSWER_TOP}
        top.update({path: None for path in unsaid})
        record = LetterRecord(
            **top,
            reviewer=Reviewer(**{f.record: getattr(self, f.answer) for f in ANSWER_REVIEWER}),
            diagnoses=self.diagnoses or None,
            disputed_items=items,
            template=template,
            source=source,
            evidence={path: span for path, span in self._grounding.items() if span is not None and path not in unsaid},
            warnings=warnings,
            extractor="llm",
        )
        # the model's own items get their kind, drug and body site as the parser's do (no text: no spans)
        return with_care(with_codes(record, self.proposed_codes))

    def unsupported(self) -> list[str]:
        """The header values whose quote does not state them: a case number not after its own label, a date the
        quote holds no date equal to ("Priority: Standard" for a Date Assigned), an age or a sex the patient quote
        does not say (or says of another person). A value is taken from the letter's words, never beside them.
        (A value with no quote is not grounded, so never merged: it is left for the cross-check to compare.)"""
        out = ["case_number"] if self._case_unlabelled else []
        for name in DATE_FIELDS:
            value, quote = getattr(self, name), getattr(self, f"{name}_quote")
            if value and quote and value not in _dates_after_own_label(name, quote):
                out.append(name)  # "Date of Injury: 11/02/2016" is not the Date Assigned, whatever its date
        quote = " ".join((self.patient_quote or "").split())
        if not quote:
            return out  # no quote: nothing grounds the value, which is compared but never merged
        another = self._of_another  # "His supervisor, a 62 year old female, ...": not the worker
        if self.patient_age is not None and (another or not _states_age(quote, self.patient_age)):
            out.append("patient_age")
        if self.patient_sex and (another or not _SEX[self.patient_sex].search(quote)):
            out.append("patient_sex")
        return out

    @property
    def proposed_codes(self) -> dict[str, str]:
        """Diagnosis words -> the ICD-10-CM code the model proposed (checked before it is kept)."""
        return {c.diagnosis: c.code for c in self.diagnosis_codes}


_DATE_IN_TEXT = re.compile(rf"{ANY_DATE}|\b\d{{4}}-\d{{2}}-\d{{2}}\b")
_SEX = {
    "male": re.compile(r"\b(?:male|man|gentleman|boy)\b", re.I),  # not "Mr."/"Ms.": another person's title
    "female": re.compile(r"\b(?:female|woman|lady|girl)\b", re.I),
}


# each header date's own label; a quote that carries another's (and not its own) is that other field's line
_LABELS = {
    "date_of_injury": re.compile(r"\b(?:date of injury|DOI|injur\w*)\b", re.I),
    "ur_determination_date": re.compile(r"\b(?:UR|utilization review|denial|non-?certif\w*)\b", re.I),
    "application_received_date": re.compile(r"\b(?:application|received)\b", re.I),
    "decision_date": re.compile(r"\b(?:decision date|date of (?:the )?decision|decided)\b", re.I),
    "date_assigned": re.compile(r"\b(?:date assigned|assigned)\b", re.I),
}


# ... and the label itself, as a letter words it: the header's label or the sentence that names this date, never
# a word that only shares a stem ("The injured worker was seen on 12/05/2016" is no date of injury, "The provider
# decided on ..." no decision date)
_OWN_LABELS = {
    "date_of_injury": re.compile(
        r"\b(?:date of injury|DOI|(?:industrial |work[- ]related |occupational )?(?:injury|injured) (?:on|of|dated)\b|"
        r"sustained (?:an? )?(?:\w+ ){0,2}injury on)",
        re.I,
    ),
    "ur_determination_date": re.compile(
        r"\b(?:UR denial date|UR (?:determination|decision|denial)(?: date| dated| on)?|utilization review "
        r"(?:determination|decision|denial)(?: date| dated| on)?|denial date|non-?certif\w* (?:dated|on))\b",
        re.I,
    ),
    "application_received_date": re.compile(
        r"\b(?:application (?:received|date)|date (?:of )?application|application for (?:independent medical "
        r"review|IMR)(?: was)? received(?: on)?)\b|\breceived\s*:",  # the header's "Application\nReceived:"
        re.I,
    ),
    "decision_date": re.compile(r"\b(?:decision date|date of (?:the )?decision)\b", re.I),
    "date_assigned": re.compile(r"\b(?:date assigned|assigned (?:on|date))\b", re.I),
}


def _dates_after_own_label(name: str, quote: str) -> set[str]:
    """The dates a quote states after this field's own label and before any other label's: "Date Assigned:
    12/2B/2O16 Date of Injury: 11/02/2016" states no Date Assigned, and "During the assessment on 11/23/2016"
    (no label) states no Decision Date."""
    flat = " ".join(quote.split())
    own = _OWN_LABELS[name].search(flat)
    if own is None:
        return set()
    others = [m.start() for other, label in _LABELS.items() if other != name for m in label.finditer(flat, own.end())]
    return _dates_in(flat[own.end() : min(others, default=len(flat))])


# ... of the worker, as the letters state it: "The injured worker is a 37 year old female", "This case involves a
# now 33-year-old male", "The applicant is a 61-year-old male". A whitelist of those shapes, not a list of what
# else an age can be of (a coworker, a supervisor, a resident lifted, an earlier injury, years employed)
_YEARS_OLD = r"{n}\s*-?\s*(?:years?|yrs?)\s*-?\s*old\b|{n}\s*(?:y/?o\b|y\.o\.)"
_WORKER_NOUN = r"(?:male|female|man|woman|gentleman|lady)\b"
_WORKER_IS = (
    r"\b(?:injured worker|injured employee|worker|employee|applicant|patient|claimant|individual|iw|he|she)\s+"
    r"(?:is|was)\s+(?:a|an|a\(n\))\s+(?:now\s+)?"
)
_WORKERS_AGE = (
    rf"(?<![\d/.-])(?:{_YEARS_OLD}),?\s+{_WORKER_NOUN}",  # "37 year old female", "61-year-old male"
    rf"{_WORKER_IS}(?:{_YEARS_OLD})",  # "the injured worker is a 37 year old"
    r"^\W*(?:age[d:]?|aged)\s*{n}\W*$",  # the quote is the age alone ("Age: 47")
    r"\b(?:injured worker|patient|claimant|applicant|employee)\W+(?:is\s+)?(?:age[d:]?|aged)\s*{n}\b",
)


# what comes before an age and sex that are the worker's, in the quote's sentence: nothing ("47 year old male
# with ..."), a verb naming the worker ("The injured worker is a", "This case involves a now"), or the worker named
# ("The applicant, a 61-year-old male"); never another person ("His supervisor, a 62 year old female")
_WORKERS_LEAD = re.compile(
    r"(?:^(?:the|this|a|an)?|\b(?:is|was|involves|involving|concerns|describes)(?:\s+(?:a|an|a\(n\)))?(?:\s+now)?|"
    r"\b(?:injured worker|"
    r"injured employee|worker|employee|applicant|patient|claimant|individual|iw)\s*,?(?:\s+(?:a|an|now))*)\W*$",
    re.I,
)


# the label before the value, on its line or above it (a header of two columns: its labels, then its values)
_CASE_LABEL = re.compile(r"\bcase\s*(?:number|no\.?|#)\s*:", re.I)


def _labelled(text: str, start: int) -> bool:
    """Whether a case number at `start` follows the letter's own label: "Case Number:" (or "IMR Case Number:") opening
    a line, within a line or two before it; never a label inside a sentence of the case summary ("... another file
    (Case Number: CM15-0123456)")."""
    for m in _CASE_LABEL.finditer(text, max(0, start - 200), start):
        before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        if not before.strip() or before.strip().upper() == "IMR":
            return True
    return False


def _about_the_worker(text: str, start: int) -> bool:
    """The age and sex quoted at `start` are said of the worker: the words before them in their sentence."""
    before = text[max(0, start - 160) : start]
    lead = re.split(r"[.!?:]\s+(?=[A-Z])|\n\s*\n|:\s*\n", before)[-1]
    return _WORKERS_LEAD.search(" ".join(lead.split())) is not None


def _states_age(quote: str, age: int) -> bool:
    """The quote states `age` as the worker's own age, in one of the shapes the letters use (`_WORKERS_AGE`)."""
    return any(re.search(form.format(n=age), quote, re.I) for form in _WORKERS_AGE)


def _dates_in(quote: str) -> set[str]:
    """The dates a quote states, as YYYY-MM-DD."""
    out = set()
    for m in _DATE_IN_TEXT.finditer(" ".join(quote.split())):
        text = m.group(0)
        try:
            day = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else parse_date(text)
        except ValueError:
            day = None
        if day is not None:
            out.add(day.isoformat())
    return out


def _item_value(item: LLMItem, field: AnswerField) -> Any:
    """The record's value of one item field, from the answer's."""
    if field.record == "medically_necessary":  # derived: an overturned decision found the care necessary
        return item.decision == "overturned"
    if field.record == "decision_text":  # the words that state the decision, else the decision itself
        return item.decision_quote or item.decision.capitalize()
    return getattr(item, field.answer)
