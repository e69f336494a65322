"""The typed record of an IMR Final Determination letter.

Field names, order and normalisations follow the gold format of
`../shared/letters/README.md`, so a record's JSON and a gold file compare key by
key. Everything beyond the gold format (template, evidence, warnings, full
rationale, ...) is added after the gold keys.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = "1"
_UNSAFE_IN_JSON = re.compile(
    "[\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u2028\u2029\U000e0000-\U000e007f]"
)


def _escaped(match: re.Match[str]) -> str:
    """JSON's escape of one character (a surrogate pair past U+FFFF: the invisible tag characters)."""
    code = ord(match.group(0))
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


Decision = Literal["upheld", "overturned"]
Sex = Literal["male", "female"]


class Template(StrEnum):
    """Names of the built-in letter layouts (see the shared README and imr_llm.parser.layouts). A
    record's `template` is any registered layout's name."""

    NOTICE_2013 = "notice_2013"
    FINAL_2014 = "final_2014"
    FINAL_2016 = "final_2016"
    MAXIMUS_IMR = "maximus_imr"
    PROFESSIONAL_REVIEW = "professional_review"


class Alignment(StrEnum):
    """How a value was found in the letter text."""

    EXACT = "exact"
    FUZZY = "fuzzy"
    NONE = "none"


class Span(BaseModel):
    """Where a value came from: [start, end) character offsets in the input text."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    alignment: Alignment = Alignment.EXACT


class Reviewer(BaseModel):
    board_certifications: list[str] = Field(default_factory=list)
    subspecialties: list[str] | None = None
    licensed_state: list[str] = Field(default_factory=list)
    certification_text: str | None = None
    licensure_text: str | None = None


ReasonTopic = Literal[
    "functional_improvement",
    "conservative_care",
    "clinical_findings",
    "request_details",
    "guideline_amount",
    "indication",
    "safety_monitoring",
    "linked_service",
    "other",
]


class ItemReason(BaseModel):
    """What the decision turned on: the reviewer's own sentences and their topic (shared README,
    "Reason annotations"). Evidence spans are `disputed_items.N.reason.sentences.K`."""

    topic: ReasonTopic | None = Field(default=None, description="most decisive topic; null when no cue says")
    topics: list[ReasonTopic] = Field(default_factory=list, description="1-2 topics, most decisive first")
    sentences: list[str] = Field(default_factory=list, description="the reviewer's sentences, as printed")
    confident: bool = Field(default=False, description="false: quote the reviewer rather than paraphrase")
    linked_service: str | None = Field(
        default=None, description="the other service this item depends on, which the rationale says was not approved"
    )


CareKindCode = Literal[
    "medication",
    "imaging",
    "electrodiagnostic",
    "lab_test",
    "therapy",
    "injection",
    "surgery",
    "surgery_related",
    "equipment",
    "visit",
    "home_care",
    "other",
]
CareMatch = Literal["exact", "fuzzy"]


class CareKind(BaseModel):
    """What kind of care an item asks for (imr_llm.care.kinds): a stable code, read from the request's words.

    `match`: `exact` when a term of the table is in the request as printed, `fuzzy` when only a near spelling
    is. No kind (null) when no rule is sure: never a guess."""

    code: CareKindCode
    detail: str | None = Field(
        default=None,
        description="a finer code some kinds have (chiropractic, acupuncture, program, functional_test, "
        "medical_test), for the summary's plain phrase",
    )
    term: str = Field(description="the request's words that decided it, as printed")
    match: CareMatch = "exact"
    evidence: Span | None = None


class DrugIngredient(BaseModel):
    """One active ingredient of a requested drug: as printed, normalised, with its class (imr_llm/care/drugs.toml)."""

    printed: str = Field(description="the name as the request prints it (a brand name for a branded product)")
    name: str = Field(description="the ingredient's generic name, lower case")
    strength: str | None = Field(default=None, description="its strength as printed, normalised (7.5 mg, 5%)")
    drug_class: str | None = Field(default=None, description="the ingredient's class (the table's vocabulary)")
    match: CareMatch = "exact"
    evidence: Span | None = None


class DrugInfo(BaseModel):
    """The drug of a medication request (or a named drug in an injection request)."""

    ingredients: list[DrugIngredient] = Field(default_factory=list)
    brand: str | None = Field(default=None, description="the brand or product name, when the request uses one")
    compounded: bool = Field(
        default=False,
        description="a compounded product (stated, a compounding kit, or "
        "several active ingredients in one topical base)",
    )
    strength: str | None = Field(default=None, description="the strength when the request gives one for the product")
    quantity: str | None = Field(default=None, description="the amount asked for: '#60', '240 g', '500 ml'")
    drug_class: str | None = Field(
        default=None,
        description="the product's class: an opioid when any ingredient is one; else the one class all "
        "ingredients share; else the table's class for the product; else 'multiple'",
    )


class BodySite(BaseModel):
    """The body part an item is about (imr_llm.care.sites). `source`: the request's words, else the guideline
    chapter the reviewer cited (when the diagnoses agree), else the diagnoses (when they name one region)."""

    code: str = Field(description="one site code, or 'multiple' when `sites` has several")
    sites: list[str] = Field(default_factory=list, description="site codes, sorted")
    side: Literal["left", "right", "bilateral"] | None = None
    source: Literal["request", "guideline", "diagnoses"]
    term: str = Field(description="the words it was read from, as printed")
    match: CareMatch = "exact"
    evidence: Span | None = None


class DisputedItem(BaseModel):
    # -- gold keys, in gold order
    request: str
    decision: Decision | None = Field(description="null when neither the heading nor the rationale states it")
    decision_text: str | None = None
    medically_necessary: bool | None = None
    guidelines_cited: list[str] | None = None
    maximus_guideline_text: str | None = None
    claims_administrator_guideline_text: str | None = None
    rationale_first_sentence: str | None = None
    item_heading_text: str | None = Field(
        default=None, description="Whole heading paragraph, only for partly authorized requests"
    )
    # -- beyond gold
    claims_administrator_guidelines_cited: list[str] | None = None
    original_request: str | None = Field(default=None, description="Partly authorized: what was asked for")
    authorized_portion: str | None = Field(
        default=None, description="Partly authorized: what UR already approved, as worded"
    )
    rationale: str | None = None
    reason: ItemReason | None = None
    decision_source: Literal["heading", "rationale", "llm"] | None = Field(
        default=None,
        description="where the decision was read: the heading's word, the rationale's conclusion, or "
        "(null in the parser's reading) the LLM's grounded answer",
    )
    kind: CareKind | None = Field(default=None, description="what kind of care (null when not sure)")
    drug: DrugInfo | None = Field(default=None, description="the drug of a medication request")
    body_site: BodySite | None = Field(default=None, description="the body part (null when not stated)")


class OcrInfo(BaseModel):
    """How a letter that had no text layer was read."""

    engine: str = "tesseract (tesserocr)"
    version: str = ""
    languages: str = "eng"
    input: Literal["pdf", "tiff", "png", "jpeg", "gif", "bmp", "webp", "pages"] = "pdf"
    page_confidence: list[float] = Field(default_factory=list, description="mean word confidence per page, 0-100")
    low_confidence: list[Span] = Field(
        default_factory=list, description="spans of the OCR text whose words were read with confidence below 60"
    )
    unconfirmed: list[Span] = Field(
        default_factory=list,
        description="spans of key tokens (header values, decision words) whose second reading differed from the first",
    )
    rotated: list[int] = Field(default_factory=list, description="degrees each page was turned upright (OSD)")
    deskewed: list[float] = Field(default_factory=list, description="degrees each page was straightened")
    blank_pages: list[int] = Field(
        default_factory=list, description="pages (1-based) with no ink at all: nothing on them to read"
    )


def path_text(path: str) -> str:
    """A file name as text JSON can hold: bytes of the name that are not UTF-8 (which Python keeps as lone
    surrogates) are written as backslash escapes ("bad\\xff.txt"); any other name is unchanged."""
    try:
        data = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = path.encode("utf-8", "backslashreplace")
    return data.decode("utf-8", "backslashreplace")


class Source(BaseModel):
    path: str | None = Field(default=None, description="the input's file name (bytes not UTF-8 as \\xNN escapes)")
    kind: Literal["text", "pdf", "ocr"] = "text"
    sha256: str | None = Field(default=None, description="Hash of the input file's bytes")
    pages: int | None = None
    ocr: OcrInfo | None = None

    @field_validator("path", mode="before")
    @classmethod
    def _printable(cls, value: Any) -> Any:
        return path_text(value) if isinstance(value, str) else value


CheckStatus = Literal["agree", "disagree", "only_llm", "only_parser"]


class FieldCheck(BaseModel):
    """One field (or item field) compared between the parser and the LLM."""

    path: str
    status: CheckStatus
    parser: Any = None
    llm: Any = None
    chosen: Literal["parser", "llm"] | None = None
    llm_alignment: Alignment | None = Field(default=None, description="how the LLM's quote was found in the letter")


class CrossCheck(BaseModel):
    """Where the LLM and the parser agree, and what the merged record took from each."""

    fields: list[FieldCheck] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    needs_review: bool = False
    reasons: list[str] = Field(default_factory=list)


class LLMRun(BaseModel):
    """How the LLM side of a record was obtained."""

    backend: str
    model: str
    base_url: str
    prompt: str  # NAME@VERSION
    prompt_hash: str
    input_hash: str
    cached: bool
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    max_tokens: int | None = Field(default=None, description="the answer budget this letter was given")
    error: str | None = Field(
        default=None, description="why the LLM gave no usable answer (the parser's record stands)"
    )
    error_kind: str | None = Field(
        default=None, description="transport | invalid_output | truncated | refused | timeout | no_batch_answer"
    )
    answer_source: str | None = Field(
        default=None,
        description="where a stored answer came from when it was not a live call: 'batch BATCH_ID line N' "
        "(OpenAI Batch API) or 'results FILE line N' (a results file, e.g. vLLM run_batch)",
    )


class CodedDiagnosis(BaseModel):
    """One diagnosis as the letter words it, with its ICD-10-CM code when one is certain.

    `match` says how the code was found: `exact` (the words are an official description or
    inclusion term), `fuzzy` (a close description that adds no side, site or kind the letter did
    not state); no code and no match when neither holds: a code is never guessed."""

    text: str
    code: str | None = None
    description: str | None = Field(default=None, description="the official ICD-10-CM description of `code`")
    match: Literal["exact", "fuzzy"] | None = None
    score: float | None = Field(default=None, description="rapidfuzz score of a fuzzy match (100 for exact)")
    proposed_by: Literal["table", "llm"] | None = Field(
        default=None, description="who found the code: the ICD-10-CM table lookup, or the model (checked)"
    )
    evidence: Span | None = None


class LetterRecord(BaseModel):
    """One IMR Final Determination letter."""

    # -- gold keys, in gold order
    case_number: str | None = None
    date_of_injury: dt.date | None = None
    ur_determination_date: dt.date | None = None
    application_received_date: dt.date | None = None
    decision_date: dt.date | None = None
    date_assigned: dt.date | None = None
    priority: str | None = None
    reviewer: Reviewer = Field(default_factory=Reviewer)
    diagnoses: list[str] | None = None
    disputed_items: list[DisputedItem] = Field(default_factory=list)
    patient_age: int | None = Field(default=None, ge=0, le=120)
    patient_sex: Sex | None = None
    # -- optional gold keys (2013 notices state them)
    application_filed_date: dt.date | None = None
    notice_of_assignment_date: dt.date | None = None
    # -- beyond gold
    schema_version: str = SCHEMA_VERSION
    template: str = Field(
        description="letter layout: final_2016, final_2014, notice_2013, maximus_imr, professional_review"
    )
    clinical_summary: str | None = None
    coded_diagnoses: list[CodedDiagnosis] | None = Field(
        default=None, description="`diagnoses` with ICD-10-CM codes, in the same order"
    )
    icd10cm_release: str | None = Field(default=None, description="the CMS ICD-10-CM release the codes come from")
    source: Source = Field(default_factory=Source)
    evidence: dict[str, Span] = Field(
        default_factory=dict,
        description="JSON path of a value (e.g. 'disputed_items.0.request') -> span in the input text",
    )
    warnings: list[str] = Field(default_factory=list)
    extractor: Literal["rules", "llm", "merged"] = "rules"
    needs_review: bool = False
    crosscheck: CrossCheck | None = None
    llm: LLMRun | None = None

    def to_json_line(self) -> str:
        """One JSON line; DEL, C1 controls, bidi and zero-width characters of the letter written as \\uXXXX
        escapes (JSON escapes the C0 ones itself), so the line shows nothing raw in a terminal and parses
        back to the letter's exact words."""
        return _UNSAFE_IN_JSON.sub(_escaped, self.model_dump_json(exclude_none=False))
