"""Record -> offline Summary. Every fact comes from the record; every word from the language.

The reason for each item is what the reviewer wrote: the sentences the parser found in
the rationale (`imr_llm.parser.reasons`), each restated by its form
(`imr_llm.summary.restate`), never a finding worded from a topic label. A sentence with
no recognised form is quoted, with the language saying so. "Goes with a service that was
not approved" is said only when the rationale names that service and no item of this
letter with that name was approved. The next step comes from the same sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from rapidfuzz import fuzz

from imr_llm.fields import norm_text
from imr_llm.parser.items import form_phrase
from imr_llm.parser.reasons import (
    ADDED_POINT,
    BEYOND_TRIAL,
    FINDINGS_READ,
    agrees,
    another_purpose,
    find_reason,
    is_bare_conclusion,
    is_categorical,
    names_nothing,
    repeat_of_approval,
    sentence_spans,
)
from imr_llm.parser.verdict import AGAINST_HEADING_WARNING, OTHER_CARE_WARNING, OTHER_KIND_WARNING
from imr_llm.schema import Decision, DisputedItem, ItemReason, LetterRecord
from imr_llm.summary.checks import plain_problems
from imr_llm.summary.facts import (
    Kind,
    about_care_not_tried,
    care_already_given,
    conservative_care_approved,
    conservative_care_not_had,
    first_trial_approved,
    guideline_number,
    letter_mentions_weaning,
    letter_says_stopped,
    needs_taper_warning,
    one_time_dose,
    other_care,
    partial_numbers,
    quantity,
    same_unit,
    says_never_taken,
    says_response_first,
    says_taking,
    says_too_early,
    sessions_had_before,
    treatment_kind,
    what_is_needed,
    would_fit,
)
from imr_llm.summary.languages import Counts, Language, get_language
from imr_llm.summary.model import (
    EvidenceSpan,
    ItemSummary,
    MachineTranslation,
    PlainReason,
    PlainSentence,
    Summary,
)
from imr_llm.summary.restate import (
    ASKS_FOR,
    DROPPABLE,
    EXAM_SIGNS_ABSENT,
    MISUSE,
    NEEDS_ANTECEDENT,
    OTHER_CRITERION,
    RULED_OUT,
    SERIOUS_SIGNS,
    Form,
    Restatement,
    alarming,
    is_diagnosis_list,
    is_guideline_passage,
    is_reasoned_verdict,
    missing_detail,
    quotable,
    restate,
    restate_repeat,
)
from imr_llm.summary.translate import translate_for

MAX_RESTATED = 2


def build_summary(record: LetterRecord, lang: str = "en") -> Summary:
    language = get_language(lang)
    items = [_item(record, i, item, language) for i, item in enumerate(record.disputed_items)]
    # a part approved before the review, and the rest reviewed; not a request reviewed as a whole after something
    # else was approved (a rental for a month where a purchase was asked, "leaving the original request IMR eligible")
    before = [item for item in record.disputed_items if item.authorized_portion is not None]
    instead = sum(
        _whole(item) or other_care(item.original_request or item.request, item.authorized_portion or "")
        for item in before
    )
    repeats = sum(_repeats_an_approval(item, item_reason(item)) for item in record.disputed_items)
    counts = Counts.of([item.decision for item in record.disputed_items], len(before) - instead, instead, repeats)
    letter_warnings = _once_each([w for w in record.warnings if _item_of(w) is None and not _off_the_page(w)])
    if language.c.translation is not None:
        items = _translated(items, language)
    return Summary(
        lang=language.code,
        case_number=record.case_number,
        decision_date=record.decision_date,
        date_of_injury=record.date_of_injury,
        case_line=language.case_line(record.case_number, record.decision_date, record.source.pages),
        opening=language.opening(counts),
        warnings=[language.record_warning(_plain_field(w), *_warning_about(w)) for w in letter_warnings],
        items=items,
    )


# a month/day/year date in digits: "1/5/17", "12/31/2016", "2-3-2017" (never a dose list "5/10/15 mg", a spinal
# level "T10/11/12" or a fraction)
_US_DATE = re.compile(
    r"(?<![\w/.-])(?:(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:\d{4}|\d{2})|"
    r"(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])-(?:19|20)\d\d)(?![\w/-]|\.\d)(?!\s*(?:mg|mcg|ml|g|%)\b)",
    re.I,
)


def _numeric_dates(form: str) -> Callable[[str | None], str | None]:
    """A translation with each month/day/year date in digits said so ("1/5/17 (mes/día/año)"), where the page's
    language reads such a date day first: the same digits, so the translation's checks still hold."""

    def dated(text: str | None) -> str | None:
        if not form or not text:
            return text
        return _US_DATE.sub(lambda m: form.format(date=m.group(0)), text)

    return dated


_ASIDE = re.compile(r"\s*\([^()]*\)")


def _once_each(warnings: list[str]) -> list[str]:
    """The warnings less any that says what another says but for an aside in parentheses ("case_number: read by
    OCR with low confidence" beside the same with "(a second reading agreed)"): the page said it twice."""
    kept: dict[str, str] = {}
    for warning in warnings:
        key = _ASIDE.sub("", warning)
        if len(warning) > len(kept.get(key, "")):
            kept[key] = warning  # the longer, in the place of the first
    return list(kept.values())


def _translated(items: list[ItemSummary], language: Language) -> list[ItemSummary]:
    """Each item's quote with its machine translation, and each English slot its Why line and next step quote
    with one beside it (one engine run for the letter), where the translation is faithful."""
    spec = language.c.translation
    if spec is None:
        return items
    quotes = [item.reason.shown_quote() for item in items]
    marked = re.escape(language.c.reason.quoted_slot).replace(re.escape("{text}"), '(?P<text>[^"]+)')
    slots = [
        [m.group("text") for m in re.finditer(marked, f"{item.reason.text}\n{item.next_step}")] if spec.slot else []
        for item in items
    ]
    texts = [q for q in quotes if q] + [t for found in slots for t in found]
    done = iter(translate_for(texts, spec))
    dated = _numeric_dates(spec.numeric_date)
    reasons = [dated(next(done)) if quote else None for quote in quotes]
    out = []
    for item, translated, found, quote in zip(items, reasons, slots, quotes, strict=True):
        update: dict[str, object] = {}
        if translated:
            update["reason"] = item.reason.model_copy(update={"translation": translated})
        why, step, shown = item.reason.text, item.next_step, []
        for text, translation in zip(found, [dated(next(done)) for _ in found], strict=True):
            if translation:
                quoted = language.c.reason.quoted_slot.format(text=text)
                beside = spec.slot.format(text=text, translation=translation)
                # the Why line's slot that is most of the quote: its translation is the one below the quote
                whole = translated and len(text) >= 0.6 * len(quote)
                below = spec.slot_below.format(text=text) if spec.slot_below else quoted
                why = why.replace(quoted, below) if whole else why.replace(quoted, beside)
                step = step.replace(quoted, beside)
                if beside in why or beside in step:
                    shown.append(MachineTranslation(source=text, text=translation))
        if shown or why != item.reason.text:
            # a Why slot whose translation is the block below says so even when no slot keeps one beside it
            reason = update.get("reason", item.reason)
            assert isinstance(reason, PlainReason)
            update |= {"reason": reason.model_copy(update={"text": why}), "next_step": step, "translations": shown}
        out.append(item.model_copy(update=update) if update else item)
    return out


_ITEM_WARNING = re.compile(r"^item (\d+)\b|^disputed_items\.(\d+)\.")


def _item_of(warning: str) -> int | None:
    """The item a warning is about ("item 2: ...", or a field of the second item, "disputed_items.1.request: ..."):
    printed under that item's decision."""
    m = _ITEM_WARNING.match(warning)
    if m is None:
        return None
    return int(m.group(1)) if m.group(1) else int(m.group(2)) + 1


# a value the worker's page never states (the page shows the case number, the decision date, each request, its
# decision and the reviewer's words): a doubt about how the scan read it stays in the record and the review page,
# not on the worker's page, where it would only say "check" of what the page does not say (a reader counted such
# lines as false alarms on clean scans)
_OFF_THE_PAGE = re.compile(
    r"^(?:ur_determination_date|date_assigned|application_received_date|application_filed_date|"
    r"notice_of_assignment_date|priority|date_of_injury|patient_age|patient_sex|reviewer(?:\.\w+)*|"
    r"(?:coded_)?diagnoses(?:\.\d+)?(?:\.\w+)*|disputed_items\.\d+\.(?:claims_administrator_guideline_text|"
    r"maximus_guideline_text|guidelines_cited|claims_administrator_guidelines_cited)): "
    r"(?:read by OCR with low confidence|not read from the scan|its label was not found in the header's layout|"
    r".{0,80}?(?:left empty|does not end as a sentence))"
    r"|^reviewer qualifications not found$"
)
_FIELD_WORDS = {
    "case_number": "case number",
    "decision_date": "decision date",
    "date_of_injury": "date of injury",
    "request": "the request's words",
    "rationale_first_sentence": "the reviewer's first sentence",
    "item_heading_text": "the request's heading",
    "decision_text": "the decision's words",
}
_FIELD = re.compile(r"^(?:disputed_items\.\d+\.)?(?P<name>[a-z_]+): ")


def _off_the_page(warning: str) -> bool:
    return _OFF_THE_PAGE.match(warning) is not None


# the kind of doubt a warning states (a language may say it in its own words, `WarningWords.kinds`)
_WARNING_KINDS = (
    ("decision_unread", re.compile(r"\bdecision\b.*\bleft empty\b", re.I)),
    ("cut_off", re.compile(r"\bcut off\b|stops mid-sentence|ends without (?:a|its) conclusion", re.I)),
    ("missing", re.compile(r"\bmissing (?:a )?pages?\b|\bpages? (?:is|are|may be) missing\b", re.I)),
    ("unread", re.compile(r"not a readable|without enough confidence|not read from the scan|left empty", re.I)),
    ("low_confidence", re.compile(r"read by OCR with low confidence", re.I)),
)
_RATIONALE_WARNING = re.compile(r"\brationale\b|cut off", re.I)


def _warning_about(warning: str) -> tuple[str | None, str | None]:
    """What a warning is about (a field's name, or "decision", "rationale", "item" for a warning on an item) and the
    kind of doubt it states; None for what no table names."""
    kind = next((name for name, rx in _WARNING_KINDS if rx.search(warning)), None)
    m = _FIELD.match(warning)
    if m is not None:
        return m.group("name"), kind
    if _ITEM_WARNING.match(warning) is None:
        return ("letter" if kind in ("cut_off", "missing") else None), kind
    if kind == "decision_unread":
        return "decision", kind
    return ("rationale" if _RATIONALE_WARNING.search(warning) else "item"), kind


def _plain_field(warning: str) -> str:
    """A field's name in a warning as words ("case_number: ..." -> "case number: ...")."""
    m = _FIELD.match(warning)
    if m is None or m.group("name") not in _FIELD_WORDS:
        return warning
    return f"{_FIELD_WORDS[m.group('name')]}: {warning[m.end() :]}"


def _added_before_its_point(lead: str, quotes: list[str], rationale: str, said: list[Restatement]) -> bool:
    """The plain line's first sentence adds a point ("There was also ...", "In addition, ..."), and a reason
    sentence earlier in the letter, which it adds to, is quoted but said in no plain line."""
    if not ADDED_POINT.match(lead) or (at := rationale.find(lead)) < 0:
        return False
    restated = {r.sentence for r in said}
    return any(q not in restated and 0 <= rationale.find(q) < at for q in quotes)


def item_reason(item: DisputedItem) -> ItemReason:
    """The parser's reason for the item; found again from the rationale for records made without it."""
    if item.reason is not None:
        return item.reason
    if not item.rationale:
        return ItemReason()
    found = find_reason(item.rationale, item.decision, item.request)
    return ItemReason(
        topic=found.topic,
        topics=found.topics,
        sentences=[s.text(item.rationale) for s in found.sentences],
        confident=found.confident,
        linked_service=found.linked_service,
    )


def _repeat_sentences(item: DisputedItem, found: ItemReason) -> tuple[str, ...]:
    """The reviewer's sentences saying this denied request repeats care approved before, when they are its
    reason (the same care "authorized earlier", so this request "duplicates" it)."""
    if item.decision != "upheld" or not item.rationale:
        return ()
    repeat = repeat_of_approval(item.rationale)
    return repeat if repeat and tuple(found.sentences[: len(repeat)]) == repeat else ()


def _repeats_an_approval(item: DisputedItem, found: ItemReason) -> bool:
    """The letter says the very care asked for was approved before (not only a first trial of it, after which
    more is asked): the page says so with the decision, so "not approved" is not read as "you do not have it"."""
    repeat = _repeat_sentences(item, found)
    return bool(repeat) and not any(BEYOND_TRIAL.search(sentence) for sentence in repeat)


def _foreign_rationale(record: LetterRecord, i: int) -> bool:
    """The parser warned that item i's rationale closes on another request or speaks only of other care (a page
    lost after its heading), or against its heading's decision ("heading says Overturned but the rationale
    concludes not medically necessary": its reasons are the other decision's, and restated they would explain an
    approval by a denial's reasons)."""
    own = (
        f"item {i + 1}: {OTHER_CARE_WARNING}",
        f"item {i + 1}: {OTHER_KIND_WARNING}",
        f"item {i + 1}: {AGAINST_HEADING_WARNING} ",
    )
    return any(w.startswith(own) for w in record.warnings)


# the reviewer asks why the care is asked for again ("it is unclear why a repeat study is requested"): a test or
# care the worker already had makes every other point moot, so it is said first (a reader found it left "in the letter")
_REPEAT_QUESTION = re.compile(
    r"\b(?:unclear|not clear|no (?:clear )?(?:explanation|rationale|reason)|not (?:explained|established|stated)|"
    r"does not (?:explain|state|indicate))\b.{0,40}\b(?:why|for|of)\b.{0,40}\b(?:an? |the )?"
    r"(?:repeat|second|another|new|additional)\s+(?:study|studies|test|testing|scan|imaging|MRI|x-?rays?|CT|EMG|NCV|NCS|ultrasound)\b",
    re.I,
)


def _repeat_question_first(sentences: list[str], item: DisputedItem) -> list[str]:
    """The reason sentences, the reviewer's question why a test already done is asked for again first (once; from
    anywhere in the rationale but a guideline's passage: the finder may not have ranked it)."""
    if item.decision != "upheld" or not item.rationale:
        return sentences
    own = item.rationale
    asked = [
        " ".join(own[a:b].split())
        for a, b in sentence_spans(own)
        if _REPEAT_QUESTION.search(own[a:b]) and not is_guideline_passage(own[a:b])
    ]
    if not asked:
        return sentences
    return [asked[0], *[s for s in sentences if s != asked[0]]]


def _points_before_additions(sentences: list[str], item: DisputedItem) -> list[str]:
    """The reason sentences, a point the reviewer adds to ("There was also a lack of X") after the point it adds to:
    a reason sentence of the finder's, not itself an added one, that comes before it in the letter (a reader found
    two "also" points restated and the first point, which they added to, left "in the letter")."""
    own = item.rationale or ""
    if item.decision != "upheld" or not any(ADDED_POINT.match(s) for s in sentences):
        return sentences

    def gap(sentence: str) -> bool:  # a missing record or detail (never a ban, a finding or a risk): points in a row
        r = restate(sentence, item.decision, item.request)
        return r is not None and r.form in ASKS_FOR and not _generic_step(r)

    rest, out = list(sentences), []
    while rest:
        sentence = rest.pop(0)
        at = own.find(sentence)
        if ADDED_POINT.match(sentence) and at >= 0 and gap(sentence):
            earlier = [t for t in rest if not ADDED_POINT.match(t) and 0 <= own.find(t) < at and gap(t)]
            if earlier:
                rest.remove(earlier[0])
                rest.insert(0, sentence)
                sentence = earlier[0]
        out.append(sentence)
    return out


# a guideline's limit on how long ("This drug is not recommended for more than two weeks") beside the reviewer's
# finding that the worker has used it longer ("has been taking it long-term")
_SPAN = r"(?:\d+|one|two|three|four|five|six)(?:\s*(?:to|-)\s*(?:\d+|two|three|four|five|six))?\s*(?:days?|weeks?)"
_DURATION_LIMIT = re.compile(
    r"\bnot (?:recommended|indicated|supported)\s+(?:for\s+(?:use\s+)?)?(?:longer|more)\s+than\s+"
    r"(?:\d+|one|two|three|four|five|six)(?:\s*(?:to|-)\s*(?:\d+|two|three|four|five|six))?\s*(?:days?|weeks?|months?)\b|"
    # "use generally limited to 2-3 weeks", "only as a short course", "for the short-term (usually two to six weeks)
    # treatment", "a short course only, 2-3 weeks" (readers: a muscle relaxant's and a hypnotic's limits)
    rf"\blimited to (?:about |approximately )?{_SPAN}\b|\bonly (?:as |for )an? (?:short|brief)[- ](?:term )?(?:course|"
    rf"period|trial)\b|\bshort[- ]term \((?:usually |generally |typically )?{_SPAN}\)|"
    # (never "not indicated for long-term use" alone: beside missing records the records are the step, as a reader
    # asked, `tests/test_faithful_reasons.py`)
    rf"\b(?:for )?an? short course(?: only)?,? (?:of )?{_SPAN}\b|"
    # "treatment beyond 2 to 3 weeks is not recommended"
    rf"\b(?:beyond|past|longer than|more than|over) {_SPAN} (?:is|are) not (?:recommended|indicated|supported)\b",
    re.I,
)
_LONG_USE = re.compile(
    r"\b(?:has|have|had)\s+been\s+(?:on|taking|using|utilizing|prescribed)\b[^.;]{0,80}?\b(?:long[- ]term|"
    r"chronic(?:ally)?|for (?:several |many )?(?:months|years))\b|\blong[- ]term (?:treatment|use) (?:with|of)\b|"
    # "has taken it for at least six months", "he has taken Ambien nightly for five months or so"
    r"\b(?:has|have|had)\s+(?:taken|used)\s+(?:it|them|this|the \w+|\w+)(?:\s+(?:nightly|daily|regularly|"
    r"continuously))?\s+for\s+(?:at least\s+|over\s+|more than\s+|about\s+)?(?:\d+|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|several|many)\s+(?:months|years)\b|"
    # "has used it for about one year", "has taken it for a year"
    r"\b(?:has|have)\s+(?:taken|used)\s+(?:it|them|this|the \w+|\w+)\s+for\s+(?:at least\s+|over\s+|about\s+|"
    r"more than\s+|nearly\s+)?(?:one|a|an)\s+(?:year|full year)\b|"
    # "Taken since 3-2016", "has been using it since 2015"
    r"\b(?:taken|used|taking|using|prescribed)\s+(?:it\s+|this\s+)?since\s+(?:\d{1,2}[-/](?:\d{1,2}[-/])?\d{2,4}|"
    r"(?:19|20)\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b)",
    re.I,
)


def _duration_limit(item: DisputedItem) -> str | None:
    """The guideline's limit on how long, when the reviewer also found the worker has used the care longer."""
    own = item.rationale or ""
    if item.decision != "upheld" or not _DURATION_LIMIT.search(own) or not _LONG_USE.search(own):
        return None
    for a, b in sentence_spans(own):
        sentence = " ".join(own[a:b].split())
        if _DURATION_LIMIT.search(sentence) and not _LONG_USE.search(sentence):
            return sentence
    return None


def _duration_first(sentences: list[str], item: DisputedItem) -> list[str]:
    """The reason sentences, the guideline's limit on how long first when the reviewer found the worker past it (a
    reader: a muscle relaxant's page gave only "no rationale for care outside the guidelines", and the two-to-three
    week limit it was past was on no line of the page)."""
    limit = _duration_limit(item)
    if limit is None or (sentences and sentences[0] == limit):
        return sentences
    return [limit, *[s for s in sentences if s != limit]]


# the reviewer marks one point as the weightiest ("Importantly, ...", "Most importantly, ...")
_MARKED_IMPORTANT = re.compile(
    r"^(?:(?:most|more|very|especially|particularly) )?importantly\b|^of (?:particular )?importance,", re.I
)


def _important_first(sentences: list[str], item: DisputedItem) -> list[str]:
    """The reason sentences, the one the reviewer marks as the weightiest first: the marked sentence itself, or,
    when it gives the guideline's words ("Importantly, ODG states that X is not recommended as first line ..."),
    the reviewer's next sentence, which applies them to the worker, when the finder counts it a reason (a reader
    found the marked point left "in the letter" behind two lesser ones)."""
    own = item.rationale or ""
    if item.decision != "upheld" or "mportan" not in own:
        return sentences
    spans = list(sentence_spans(own))
    for k, (a, b) in enumerate(spans):
        sentence = " ".join(own[a:b].split())
        if not _MARKED_IMPORTANT.match(sentence):
            continue
        candidates = [sentence]
        if is_guideline_passage(_MARKED_IMPORTANT.sub("", sentence).lstrip(" ,")):
            # the guideline's quoted words may run over a sentence end or two before the reviewer applies them
            candidates = [" ".join(own[a2:b2].split()) for a2, b2 in spans[k + 1 : k + 4]]
        for candidate in candidates:
            if candidate in sentences:
                return [candidate, *[s for s in sentences if s != candidate]]
        return sentences
    return sentences


# the closing verdict drawn from a judgement of its own: "Further use of drug A is not appropriate and therefore, the
# request for drug B is not medically necessary"
_CAUSED_VERDICT = re.compile(
    r"^(?P<cause>[A-Z][^,;]{14,200}?\b(?:is|are|was|were) not (?:appropriate|indicated|supported|recommended|"
    r"warranted|medically necessary))\s*,?\s+(?:and\s+)?(?:therefore|thus|hence|consequently),?\s+(?P<verdict>"
    r"[^;]*\bnot (?:medically necessary|indicated|supported|appropriate|warranted|recommended)\b[^;]*)$"
)
_NOT_A_CAUSE = re.compile(
    r"^(?:the |this |that |such |it\b|these |those )?(?:request|requested|treatment|service|it\b)", re.I
)


def _with_caused_verdict(sentences: list[str], item: DisputedItem) -> list[str]:
    """The reason sentences, and after them the closing verdict whose own cause is a judgement on other care, when
    the finder left it out (a reader: a stomach drug's page gave the months of a pain drug's use, not that
    continuing that drug is not appropriate, which is why the stomach drug is not needed)."""
    own = item.rationale or ""
    if item.decision != "upheld" or ("therefore" not in own.lower() and "thus" not in own.lower()):
        return sentences
    for a, b in sentence_spans(own):
        sentence = " ".join(own[a:b].split())
        m = _CAUSED_VERDICT.match(sentence)
        if (
            m is None
            or sentence in sentences
            or _NOT_A_CAUSE.match(m.group("cause"))
            or is_guideline_passage(sentence)
            or norm_text(item.request).casefold() in norm_text(m.group("cause")).casefold()
        ):
            continue
        return [*sentences, sentence]
    return sentences


def restatements(record: LetterRecord, i: int, found: ItemReason) -> list[Restatement]:
    """The reviewer's reason sentences that restate safely, most decisive first (at most two). When the most
    decisive one (the guidelines rule this request out) has no recognised form, none: the reviewer's words
    are quoted, rather than a lesser reason put first."""
    item = record.disputed_items[i]
    if _foreign_rationale(record, i):
        return []  # the rationale may be another request's: its words are quoted, never restated as this one's
    if repeat := _repeat_sentences(item, found):
        return restate_repeat(repeat)
    out: list[Restatement] = []
    ordered = _important_first(_points_before_additions(_with_caused_verdict(found.sentences, item), item), item)
    ordered = _duration_first(ordered, item)
    for k, sentence in enumerate(_repeat_question_first(ordered, item)):
        r = restate(sentence, item.decision, item.request)
        if r is None:
            if k == 0 and (is_categorical(sentence, item.request, item.decision) or is_reasoned_verdict(sentence)):
                return []
            if k == 0 and sentence == _duration_limit(item):
                return []  # the guideline's limit on how long leads, in the reviewer's words (no lesser point first)
            continue
        if r.form is Form.LINKED and not _linked_is_safe(record, i, r.slots["x"]):
            continue
        if k and _only_earlier_use(r):
            continue  # "the records do not show previous use of Tramadol": an observation (a new start), not a gap
        if any(r.plain == other.plain or _same_point(r.sentence, other.sentence) for other in out):
            continue  # the same point said again is not a second reason
        out.append(r)
        if len(out) >= MAX_RESTATED:
            break
    return out


def _item(record: LetterRecord, i: int, item: DisputedItem, language: Language) -> ItemSummary:
    kind = treatment_kind(item.request)
    found = item_reason(item)
    said = restatements(record, i, found)
    surgical = any(r.form is Form.LINKED and "surg" in r.slots["x"].lower() for r in said)
    plain = [PlainSentence(text=language.restated(r, surgical), source=r.sentence, form=r.form.value) for r in said]
    # fail safe by construction: a restatement the faithfulness check would refuse is not written; the
    # reviewer's words are quoted instead, so a page never carries a plain sentence its own check rejects
    kept = [k for k, p in enumerate(plain) if not plain_problems(p, item.request, language)]
    said, plain = [said[k] for k in kept], [plain[k] for k in kept]
    # no form recognised: quote the reviewer's reason sentences, never a guideline passage or history
    quotes = _distinct([s for s in found.sentences if quotable(s, item.decision)])
    # "There was also a lack of X" said plainly, the point it adds to (earlier in the letter) in no form: the page
    # says first that there are several points, quoted below, and gives the plain one as one of them
    added_first = bool(said) and _added_before_its_point(said[0].sentence, quotes, item.rationale or "", said)
    if not said:
        # the guideline's limit on how long, quoted first, beside the reviewer's finding that the worker is past it (a
        # reader: "Continuing it is outside the guideline" quoted alone, with the stock step, for six months' use of
        # a drug the guideline limits to weeks)
        quotes = _duration_first(quotes, item)
    shown = [r.sentence for r in said] if said else quotes[:2]
    # the reviewer's other reason sentences that no plain sentence says are quoted too, and the Why says so:
    # a plain line that gives one point of several must not read as the whole reason
    left = [q for q in quotes if not any(q == s or _same_point(q, s) for s in shown) and not _covered(q, shown)]
    left = left if said else []
    more = left[: max(0, MAX_QUOTED - len(shown))]
    summing = summing_verdict(item.rationale or "", item.decision) if said else None
    if summing is not None and not _covered(summing, shown):
        # the verdict that names every point is quoted, one beyond the cap if need be: the page's plain lines
        # gave only some of them
        left = [summing, *[q for q in left if q != summing]]
        more = [summing, *[q for q in more if q != summing]][: max(1, MAX_QUOTED - len(shown))]
    shown = shown + more
    # a reason sentence the finder picked that the page neither says nor quotes (one it may not quote: history,
    # a guideline's words, a point with no negation) is still a point the worker must know exists
    unsaid = [s for s in found.sentences if _unsaid(s, shown, item)]
    more_line = [language.c.reason.more] if more else [language.c.reason.more_in_letter] if left or unsaid else []
    lead_line: list[str] = []
    if added_first and more and language.c.reason.several:
        lead_line, more_line = [language.c.reason.several], []
    slip = part_slip(shown, item.request)
    slip_line = [language.c.reason.other_part.format(part=slip[0], asked=slip[1])] if slip is not None else []
    evidence = [
        EvidenceSpan(start=span.start, end=span.end)
        for k, sentence in enumerate(found.sentences)
        if sentence in shown and (span := record.evidence.get(f"disputed_items.{i}.reason.sentences.{k}")) is not None
    ]
    reason = PlainReason(
        topic=found.topic,
        sentences=shown,
        quote=letter_order_quote(item.rationale or "", shown),
        evidence=evidence,
        text=" ".join(lead_line + [p.text for p in plain] + more_line + slip_line)
        if plain
        else " ".join(
            [
                language.quoted_reason(bool(shown)),
                *([language.c.reason.more_in_letter] if shown and unsaid else []),
                *slip_line,
            ]
        ),
        plain=plain,
        quoted=not plain,
        terms=language.terms(" ".join(shown)),
    )
    care = care_already_given(item.request, item.rationale, item.item_heading_text)
    partial = None
    whole = other = False
    if item.authorized_portion:
        whole = _whole(item)
        numbers = None if whole else partial_numbers(item.original_request, item.authorized_portion, item.request)
        other = other_care(item.original_request or item.request, item.authorized_portion)
        partial = language.partial(item.authorized_portion, numbers, whole, other=other)
    taper = None
    weaning = letter_mentions_weaning(item.rationale)
    if (
        item.decision != "overturned"  # upheld, or unread (it may be a denial: the line is for a worker who takes it)
        and (needs_taper_warning(item.request) or weaning)
        and not says_never_taken(item.request, item.rationale)
    ):
        taking = says_taking(item.request, item.rationale)
        if taking or weaning or not one_time_dose(item.request):
            # the letter says the drug was stopped, or is to be stopped at once: never "do not stop it suddenly" as
            # a fact, nor "the letter also says ..."; the conditional line only
            stopped = letter_says_stopped(item.rationale)
            taper = language.taper_warning(taking and not stopped, weaning and not stopped)
    number = None
    if item.decision == "upheld":
        number = guideline_number(item.rationale, item.request)
        if number is not None and not _about_amount(found, said, item.request, number, item.rationale or ""):
            number = None
    bold, meaning = language.decision_line(
        item.decision, partial is not None and not whole and not other, repeat=_repeats_an_approval(item, found)
    )
    # the finder's later reasons the page does not restate can still name what a new request could add
    restated_later = _later_restatements(found, said, item)
    later = [r for r in restated_later if r.form in ASKS_FOR and not _generic_step(r)]
    step = _next_from(said + later if said else said, item.decision, shown if not said else [])
    opened = any(rx.search(item.rationale or "") for rx in (_OPEN_WITH_RECORDS, _EXCEPTION_UNSHOWN))
    if (
        step is not None
        and step.form in _RULED_OUT
        and any(step.sentence in s and _READ_FROM_FINDINGS.search(s) for s in [step.sentence, *found.sentences])
    ):
        opened = True  # "... consistent with nerve pain, and the drug is not recommended for it": records may differ
    if step is not None and step.form in _RULED_OUT and another_purpose(step.sentence.lower(), item.request):
        opened = True  # "not recommended for the treatment of pain" for a drug asked for anxiety: no ban on it
    if opened and step is not None and step.form in _RULED_OUT:
        # the ban has an exception records could show: the step follows the first missing record, if any
        step = next((r for r in [*said, *later] if r.form in ASKS_FOR and not _generic_step(r)), None)
    if step is not None and step.form in ASKS_FOR and _DANGLING.search(step.plain.get("x", "")):
        step = _without_pronoun(step)
    categorical = _rules_out(found, item) and not _limit_with_records(found, said + restated_later) and not opened
    trial = first_trial_approved(item.rationale, bool(item.authorized_portion))
    # the decisive finding is that the request goes past the guidelines (and the letter gives no number): what
    # would help is a request within them, not the record a lesser point found missing
    # (the same when that finding is the reviewer's sentence quoted whole: "8 visits may be reasonable, but 14 were
    # asked for, which exceeds the guidelines ...")
    lead = said[0].sentence if said and said[0].form in (Form.FINDING, Form.GIVEN) else None
    lead = lead if said or not found.sentences else found.sentences[0]
    past = item.decision == "upheld" and lead is not None and _OVER_GUIDELINE.search(lead) is not None
    # the letter says the worker already had the whole course the guidelines allow: asking for "no more than the
    # guidelines allow" has nothing left to ask for (a reader: the step pointed at a course already used up)
    course_done = _COURSE_DONE.search(item.rationale or "") is not None
    over = past and not course_done and any(_COUNTED.search(text) for text in (lead or "", item.request))
    # a drug taken for months, "beyond the guidelines' advice of short-term use": the worker's time on the care is
    # past the guideline's, and more records do not shorten it (a request's own length is not the worker's time)
    too_long = past and not over and _HOW_LONG.search(lead or "") is not None and not _ASKED.search(lead or "")
    # a drug taken for months that "is not the shortest period" the guideline asks for
    too_long = too_long or (item.decision == "upheld" and _NOT_SHORTEST.search(lead or "") is not None)
    too_long = too_long and lead in reason.sentences  # a finding the page shows, never one it could not place
    # the guideline's limit on how long, shown first, beside the reviewer's finding of long use
    too_long = too_long or (_duration_limit(item) or "\0") in reason.sentences[:1]
    if (
        item.decision == "upheld"
        and item.rationale
        and not (categorical or number or over or trial)
        and (step is None or _generic_step(step))
    ):
        # the reasons the page gives name nothing to add (a finding, a warning sign the worker lacks): the reviewer's
        # own sentence on what the provider did not explain ("the doctor did not document how a scan would alter the
        # care plan") is what a new request could add
        gap = _provider_gap(item.rationale, item.decision, item.request)
        step, provider_step = (gap, True) if gap is not None else (step, False)
    else:
        provider_step = False
    foreign = _foreign_rationale(record, i)
    if foreign:
        # the rationale may be another request's: no step is drawn from it (the stock step, beside the warning)
        step, number, categorical, trial, over, too_long = None, None, False, False, False, False
    # the page's own points say an exam showed none of the signs the care needs ("the physical exam documents no
    # nerve deficits"): the step says a later exam could find them, not the stock "read the reviewer's words"
    signs_absent = (
        not foreign
        and item.decision == "upheld"
        and any(r.form in (Form.FINDING, Form.GIVEN) and EXAM_SIGNS_ABSENT.search(r.sentence) for r in said)
        and not any(OTHER_CRITERION.search(r.sentence) for r in said)
    )
    next_step = language.next_step(
        item.decision,
        step,
        care,
        number,
        categorical=categorical,
        trial_approved=trial,
        over_guideline=over,
        signs_absent=signs_absent,
        too_long=too_long,
    )
    if item.decision == "upheld" and not foreign and next_step == language.c.next.generic and language.c.next.needed:
        # the step names nothing to do, and the reviewer wrote what would be needed or would fit ("Purchase requires
        # documentation of a one-month trial", "A 7-day rental would be consistent with the guideline"): their
        # sentence, quoted (readers found the easy fix the reviewer wrote left out of the step)
        needed, above = what_is_needed(item.rationale, _with_antecedents(item.rationale or "", reason.sentences))
        if needed is not None:
            next_step = language.c.next.needed.format(quote=language.c.reason.quoted_slot.format(text=needed))
        elif above:
            next_step = language.c.next.needed_above
    elif item.decision == "upheld" and not (foreign or categorical) and language.c.next.would_fit:
        # a step that names something, and the reviewer's own sentence on what would fit instead ("A one-month rental
        # trial would be appropriate, but purchase was not medically necessary"): said too (a reader: the rental
        # trial and a smaller quantity to begin a taper were left off the page)
        fits, _ = what_is_needed(
            item.rationale, _with_antecedents(item.rationale or "", reason.sentences), test=would_fit
        )
        if fits is not None:
            quote = language.c.reason.quoted_slot.format(text=fits)
            next_step = f"{next_step} {language.c.next.would_fit.format(quote=quote)}"
    approved = None
    if item.decision == "upheld" and not (foreign or trial or categorical) and language.c.next.care_approved:
        approved = conservative_care_approved(item.rationale, record.clinical_summary, item.request)
    not_had = None
    if approved is None and item.decision == "upheld" and not (foreign or trial or categorical):
        not_had = conservative_care_not_had(item.rationale, item.request) if language.c.next.care_not_had else None
    added: Restatement | None = None
    care_line = approved is not None and approved in language.c.next.care_names
    if care_line and approved is not None:
        # the reviewer's point is that care was not tried first, and the letter says that care was approved: the
        # way forward is to try it (a reader counted "records of trying therapy, if there are any" as partial)
        next_step = f"{next_step} {language.c.next.care_approved.format(care=language.c.next.care_names[approved])}"
    elif not_had is not None and not_had in language.c.next.care_names:
        # the reviewer wrote that the worker has not had that care yet: records of it cannot be found, and the way
        # forward is to have it first (a reader: "records ..., if there are any" where the letter says none exist)
        care_line = True
        line = language.c.next.care_not_had.format(care=language.c.next.care_names[not_had])
        # a step that asks for records of that care having failed is replaced: the letter says there are none
        next_step = line if step is not None and about_care_not_tried(step.sentence) else f"{next_step} {line}"
    elif (
        not provider_step
        and (second := _second_gap(step, [*said, *later, *_nor_parts(step, said, item)])) is not None
        and item.decision == "upheld"
    ):
        # the reviewer named two things missing: the step names both (a reader counted steps naming one as partial)
        # (a long one is left to the reviewer's words: it would make the page harder to read than the letter)
        also = language.also_step(item.decision, next_step, second)
        # its length is the English step's in every language, so each page names the same steps (Spanish words
        # are more: the Spanish page had dropped a second record the English page named)
        english = get_language("en")
        measured = english.also_step(item.decision, english.c.next.again, second) if also else ""
        if also and measured and len(_ASIDE.sub("", _QUOTED_SLOT.sub("", measured)).split()) <= _ALSO_WORDS:
            next_step, added = f"{next_step} {also}", second
    amount_step = over or too_long or number is not None
    own = item.rationale or ""
    early = (
        item.decision == "upheld"
        and bool(language.c.next.too_early)
        and not (care_line or categorical or trial or foreign or amount_step)
        and any(says_too_early(own[a:b]) and not is_guideline_passage(own[a:b]) for a, b in sentence_spans(own))
    )
    if early:
        # the reviewer found it too early for the care ("only 1 week since injury"): time alone can change that (a
        # reader: the stock step for an MRI denied as early, three months after the injury by the decision's date)
        stock = language.next_step(item.decision, None, None)
        next_step = language.c.next.too_early if next_step == stock else f"{next_step} {language.c.next.too_early}"
    if (
        item.decision == "upheld"
        and language.c.next.fewer
        and not (amount_step or care_line or categorical or trial or foreign or course_done)
        and step is not None
        and step.form in ASKS_FOR
        and _EXCESS.search(step.plain.get("x", "") or step.sentence) is not None
        and (_COUNTED.search(item.request) or _PER_WEEK.search(item.request)) is not None
    ):
        # "explain why you would need excess therapy": the other way the reviewer's words leave open is a request
        # within the guidelines (a reader: for a first course, asking for fewer visits is the fix)
        next_step = f"{next_step} {language.c.next.fewer}"
    if (
        item.decision == "upheld"
        and language.c.next.response_first
        and not (care_line or categorical or trial or foreign)
        and any(says_response_first(own[a:b]) and not is_guideline_passage(own[a:b]) for a, b in sentence_spans(own))
    ):
        # the reviewer wanted the results of the earlier care first (a reader: "ask for no more than the guidelines
        # allow" alone closed a door the reviewer's "without first assessing the response" left open)
        next_step = f"{next_step} {language.c.next.response_first}"
    if (
        item.decision == "upheld"
        and language.c.next.other_reasons
        and not (care_line or categorical or trial or foreign or provider_step)
        and _reasons_left(
            said + _quoted_only(shown, said, item),
            step,
            added,
            lead if amount_step else None,
            amount_step,
            # a step about excess care ("explain why you would need excess therapy", with or without "ask for no
            # more than that") answers the reviewer's sentence that the request goes past the guidelines
            amount_answered=step is not None and _EXCESS.search(step.plain.get("x", "") or step.sentence) is not None,
        )
    ):
        # the page gives reasons the step does not answer: following the step alone would leave the others standing
        # (a reader found steps that followed one of two reasons: "ask for no more than the guidelines allow" where
        # the reviewer also found no record of improvement). A reason the page quotes but does not restate counts
        # too: a summing verdict "Absent documentation of A and B, ..." beside a step naming two other records
        next_step = f"{next_step} {language.c.next.other_reasons}"
    elif (
        item.decision == "upheld"
        and more_line
        and language.c.next.other_points
        and not (care_line or categorical or trial or foreign)
        and next_step.startswith(language.c.next.again)
    ):
        # the Why says the reviewer made other points it does not restate, and the step follows one: following it
        # alone may not be enough (a reader found steps naming one of the conditions the reviewer says must all be met)
        next_step = f"{next_step} {language.c.next.other_points}"
    elif (
        item.decision == "upheld"
        and language.c.next.guideline_limit
        and step is not None
        and step.form in ASKS_FOR
        and not _generic_step(step)
        and not (care_line or categorical or trial or foreign or amount_step or provider_step)
        and next_step.startswith(language.c.next.again)
        and any(r.form is Form.NOT_RECOMMENDED and r.sentence != step.sentence for r in said)
    ):
        # the step names a record for one point, and the page gives another: a limit the guidelines set ("Long term
        # use is not recommended"). A reader: records of improvement alone, for refills the guideline limits
        next_step = f"{next_step} {language.c.next.guideline_limit}"
    signs = language.c.next.warning_signs
    if (
        item.decision == "upheld"
        and signs
        and signs not in next_step
        and next_step.startswith(language.c.next.again)
        and not (categorical or trial or foreign)
        and any(_signs_not_found(r) for r in said)
    ):
        # the step names a record for one point; another point the page gives is that no warning signs called for
        # the care (a reader: "records of simpler treatment" alone, where no red flag called for a repeat study)
        next_step = f"{next_step} {signs}"
    if item.decision == "upheld" and care is not None and care.sure and language.c.next.upheld_given:
        # care already given and not approved: the question a worker has is about its bill (a reader: "ask again"
        # alone, for a shot given months before)
        next_step = f"{next_step} {language.c.next.upheld_given}"
    return ItemSummary(
        number=i + 1,
        request=item.request,
        kind=language.kind_sentence(kind),
        decision=item.decision,
        decision_line=bold,
        meaning=meaning,
        reason=reason,
        next_label=language.next_labels[item.decision],
        next_step=next_step,
        taper_warning=taper,
        already_given=language.already_given(care) if care is not None and care.sure else None,
        partial=partial,
        authorized_portion=item.authorized_portion,
        warnings=[
            language.record_warning(_plain_field(w), *_warning_about(w))
            for w in record.warnings
            if _item_of(w) == i + 1 and not _off_the_page(w)
        ],
    )


_PART = r"(?:shoulder|elbow|wrist|hand|finger|thumb|knee|hip|ankle|foot|cervical|thoracic|lumbar|neck)"
_CARE = r"(?:MRI|MR arthrogram|x-?rays?|radiographs?|CT(?: scan)?|ultrasound|EMG|NCV|injections?|arthroscopy|surgery)"
_PART_CARE = re.compile(
    rf"\b(?:(?P<side>left|right|bilateral)\s+)?(?P<part>{_PART})s?(?:\s+spine)?\s+{_CARE}\b|"
    rf"\b{_CARE}\s+(?:of|for|to)\s+(?:the\s+)?(?:(?P<side2>left|right|bilateral)\s+)?(?P<part2>{_PART})s?\b|"
    # a side after "of the": "abnormalities of the left hips"
    rf"\b(?:of|in|to|for|on)\s+the\s+(?P<side3>left|right)\s+(?P<part3>{_PART})s?\b",
    re.I,
)
_SPINAL = {"cervical", "thoracic", "lumbar"}
_EARLIER = re.compile(
    r"\b(?:prior|previous|previously|earlier|past|old|recent|last|another|repeat)\b\W*(?:\w+\W+)?$", re.I
)
_DONE = re.compile(
    r"\s+(?:was|were|is|has been|had been)\s+(?:already\s+)?(?:done|performed|obtained|normal|negative|"
    r"unremarkable|completed|taken|read)\b",
    re.I,
)
_REQUEST_PART = re.compile(rf"\b(?P<side>left|right|bilateral)?\s*(?P<part>{_PART})s?\b", re.I)


def part_slip(sentences: list[str], request: str) -> tuple[str, str] | None:
    """The body part (or side) a reviewer's sentence names for the care, when the request names another: "the
    criteria for a shoulder MRI" under a request for an elbow MRI, "MRI of the left hips" for the right hip. The
    letter's own slip, shown to the worker as such (the reviewer's words, then the request's)."""
    asked = [(m.group("side"), m.group("part").lower()) for m in _REQUEST_PART.finditer(request)]
    if not asked:
        return None
    parts = {p for _, p in asked}
    sides = {s.lower() for s, _ in asked if s}
    if "bilateral" in sides or {"left", "right"} <= sides:
        sides = set()  # both sides asked for: either side is the request's
    for sentence in sentences:
        for m in _PART_CARE.finditer(sentence):
            if _EARLIER.search(sentence[max(0, m.start() - 20) : m.start()]) or _DONE.match(sentence, m.end()):
                continue  # "a prior left knee MRI was normal", "a cervical MRI was already done": rightly named
            side = m.group("side") or m.group("side2") or m.group("side3")
            part = (m.group("part") or m.group("part2") or m.group("part3")).lower()
            other_side = side is not None and bool(sides) and side.lower() not in sides
            if (part not in parts and not m.group("part3")) or other_side:
                return _part_name(side, part), _part_name(*asked[0])
    return None


def _part_name(side: str | None, part: str) -> str:
    words = [w for w in (side, part.lower(), "spine" if part.lower() in _SPINAL else None) if w]
    return " ".join(words).lower()


_SAME_POINT = 90.0
MAX_QUOTED = 2  # the reviewer's sentences one item's quote may hold, as when no sentence is restated


# a closing verdict that opens with what was missing names every point the reviewer rested on: "Absent records
# of rest, therapy and x-rays first, an MRI of the knee is not indicated at this point."
_SUMS_UP = re.compile(
    r"^(?:absent|without|in the absence of|(?:given|due to|because of|based on) (?:the )?(?:lack|absence|paucity) "
    r"of)\b[^.;]{10,}?,\s+[^.;]*\b(?:not|no need|cannot)\b",
    re.I,
)


# "In the absence of such documentation, ...": it names no point of its own
_POINTS_BACK = re.compile(
    r"^(?:absent|without|in the absence of|(?:given|due to|because of|based on) (?:the )?(?:lack|absence|paucity) "
    r"of)\s+(?:(?:this|that|it)\b|(?:[\w-]+ ){0,4}?(?:such|these|those|the above|said)\b)",
    re.I,
)


def summing_verdict(rationale: str, decision: Decision | None) -> str | None:
    """The denial's verdict among the rationale's last three sentences that opens with what was missing, or
    None. When the page's plain lines give only some of its points, it is quoted (see `_item`)."""
    if decision != "upheld" or not rationale:
        return None
    spans = list(sentence_spans(rationale))
    for start, end in reversed(spans[-3:]):
        sentence = rationale[start:end].strip()
        if (
            _SUMS_UP.match(sentence)
            and not _POINTS_BACK.match(sentence)
            and not names_nothing(sentence)  # "Without further indication for imaging, ..."
            and quotable(sentence, decision)
        ):
            return sentence
    return None


def _covered(verdict: str, shown: list[str]) -> bool:
    """A verdict that opens with what was missing, every word of which is in the sentences the page shows
    already (False for any other sentence)."""
    m = _SUMS_UP.match(verdict)
    if m is None:
        return False
    lack = verdict[: m.end()].rsplit(",", 1)[0]
    said = {w.casefold() for s in shown for w in re.findall(r"[\w-]+", s)}
    words = [w.casefold() for w in re.findall(r"[\w-]+", lack) if len(w) > 3]
    return all(w in said or w in DROPPABLE or w in _OPENERS for w in words)


_OPENERS = frozenset({"absent", "without", "absence", "given", "lack", "paucity", "because", "based"})


def _unsaid(sentence: str, shown: list[str], item: DisputedItem) -> bool:
    """A reason sentence of the finder's that the page does not show, and that is a point of its own: not the
    same point as a shown sentence, not a bare verdict, not the letter's general rule."""
    if sentence in shown or any(_same_point(sentence, s) for s in shown) or _covered(sentence, shown):
        return False
    if _POINTS_BACK.match(sentence.strip()) or is_diagnosis_list(sentence) or sentence.lstrip().startswith("("):
        return False  # "In the absence of such evidence, ...": the verdict on what was said; a list; an aside
    if is_bare_conclusion(sentence, item.request, item.decision) or is_guideline_passage(sentence):
        return False
    # a point carries the decision's direction, or names a need, an excess, a benefit or a poor test; a recital
    # ("The claimant has knee pain.", "The documentation indicated the patient utilized Mobic.") is not one
    return agrees(sentence, item.decision) or _POINT.search(sentence) is not None


# a pronoun whose noun is outside the words a next step names
_DANGLING = re.compile(r"\b(?:its|it|they|them|their)\b", re.I)
# the phrase it closes: "improvement with them", "improvement due to its use"
_PRONOUN_TAIL = re.compile(
    r",?\s+(?:with|from|due to|after|since|on|of|to)\s+(?:its|their|it|them)(?:\s+(?:use|usage|prior use))?$", re.I
)


def _without_pronoun(step: Restatement) -> Restatement | None:
    """The step without the closing phrase that names the thing by a pronoun ("records of measured improvement
    with them" -> "records of measured improvement"); None (the generic step) when a pronoun is left."""
    x = _PRONOUN_TAIL.sub("", step.plain["x"])
    if _DANGLING.search(x) or len(x.split()) < 2:
        return None
    # the reviewer's words too, as a language that quotes them shows them
    slots = {
        name: _PRONOUN_TAIL.sub("", value) if name in ("x", "quote") else value for name, value in step.slots.items()
    }
    return replace(step, plain={**step.plain, "x": x}, slots=slots)


_POINT = re.compile(
    r"\b(?:needed|is required|poorly|inadequate|insufficient|in excess|excess(?:ive)?|exceed\w*|improving|improved|"
    r"benefit\w*|contraindicat\w*|acute phase|little evidence|too (?:early|soon)|least|modest|"
    r"limited (?:evidence|data|benefit|efficacy)|"
    r"(?:long[- ]term|prolonged|extended) (?:use|usage|treatment|therapy))\b",
    re.I,
)


def _same_point(a: str, b: str) -> bool:
    return fuzz.token_set_ratio(a, b) >= _SAME_POINT


def _distinct(sentences: list[str]) -> list[str]:
    """The sentences less any that says again what a kept one says ("No fall was
    seen." then "There is no record that a fall was seen."): the longer of the two is
    kept, in the first one's place, and the next different sentence gets the second place."""
    kept: list[str] = []
    for sentence in sentences:
        same = next((k for k, other in enumerate(kept) if _same_point(sentence, other)), None)
        if same is None:
            kept.append(sentence)
        elif len(sentence) > len(kept[same]):
            kept[same] = sentence
    return kept


def letter_order_quote(rationale: str, sentences: list[str]) -> str:
    """The reviewer's sentences as the page quotes them: in the letter's order (most decisive first would
    put a later sentence before an earlier one, and inside a guideline quotation the earlier one opened),
    adjacent ones in one pair of quotation marks, and " … " where the letter's words between are left out.
    A sentence that names what it means only by "these conditions" comes with the sentence before it, which
    names them ("... has none of these conditions" alone reads as no diagnosis at all)."""
    located = sorted(
        ((rationale.find(s), s) for s in _with_antecedents(rationale, sentences)), key=lambda x: (x[0] < 0, x[0])
    )
    runs: list[str] = []
    end: int | None = None
    for at, sentence in located:
        if runs and at >= 0 and end is not None and not rationale[end:at].strip():
            runs[-1] = f"{runs[-1]} {sentence}"
        else:
            runs.append(sentence)
        end = at + len(sentence) if at >= 0 else None
    return " … ".join(f'"{run}"' for run in runs)


def _with_antecedents(rationale: str, sentences: list[str]) -> list[str]:
    """The sentences, each pointing back ("these conditions", "no such trial") preceded by the letter's sentence
    before it."""
    out: list[str] = []
    spans = [rationale[a:b].strip() for a, b in sentence_spans(rationale)] if rationale else []
    for sentence in sentences:
        k = spans.index(sentence) if NEEDS_ANTECEDENT.search(sentence) and sentence in spans else 0
        # the sentence before, and the one before that when the one before is a short aside ("The patient has two
        # injured regions." between the details a request left out and "Without these details, ...")
        before = spans[max(0, k - 2) : k] if k > 1 and len(spans[k - 1]) < 60 else spans[k - 1 : k] if k else []
        out.extend(b for b in before if b not in out and b not in sentences)
        out.append(sentence)
    return out


def _rules_out(found: ItemReason, item: DisputedItem) -> bool:
    """The most decisive reason is that the guidelines do not cover this care for this worker."""
    return (
        bool(found.sentences)
        and item.decision == "upheld"
        and is_categorical(found.sentences[0], item.request, item.decision)
    )


# a guideline's limit on how long, not a ban: "This drug is not indicated for use past a few weeks"
_DURATION = re.compile(
    r"\b(?:long[- ]term|short[- ]term|extended|prolonged|chronic|continued|ongoing) (?:use|usage|basis|treatment|"
    r"therapy|management)\b|\bbeyond \d+|\b(?:more|longer) than \d+",
    re.I,
)


def _later_restatements(found: ItemReason, said: list[Restatement], item: DisputedItem) -> list[Restatement]:
    """The finder's reason sentences after those the page restates, in a recognised form."""
    done = {r.sentence for r in said}
    later = [restate(s, item.decision, item.request) for s in found.sentences if s not in done]
    return [r for r in later if r is not None and not _only_earlier_use(r)]


# "no record of previous use of Tramadol": the reviewer observes the drug would be new to the worker. A new request
# could not show what did not happen, and it is not what the reviewer asked for: never a step, never a second reason
# ("previous use of Tramadol with pain relief" names a result, and stays)
_EARLIER_USE_ONLY = re.compile(
    r"^(?:any )?(?:previous|prior|past|earlier|former) (?:use|usage|trials?|prescriptions?) of (?:the |this |that )?"
    r"[\w/.-]+(?: [\w/.-]+)?(?: \d[\w/.]*)?$",
    re.I,
)


def _only_earlier_use(r: Restatement) -> bool:
    return r.form in ASKS_FOR and _EARLIER_USE_ONLY.match(r.plain.get("x", "").strip(" .")) is not None


def _limit_with_records(found: ItemReason, said: list[Restatement]) -> bool:
    """The first reason limits how long the care is used, and a later one names records that were missing
    (30% pain relief, gains in function, urine drug tests): records can change that, so the next step is
    not "asking again with more records is not likely to change that"."""
    return bool(found.sentences and _DURATION.search(found.sentences[0])) and any(r.form in ASKS_FOR for r in said[1:])


# the reviewer says what records would let some of this request through ("With appropriate documentation EMG may be
# indicated but NCS is not"): asking again with records may change it, so the step never says it is unlikely to
_OPEN_WITH_RECORDS = re.compile(
    r"\b(?:with|given|upon) (?:the )?(?:appropriate|adequate|proper|further|additional|sufficient|supporting) "
    r"(?:clinical )?(?:documentation|records?|evidence)\b[^.;]{0,80}?\bmay (?:be|become) (?:indicated|supported|"
    r"appropriate|considered|warranted|reasonable|medically necessary)",
    re.I,
)
# "The records do not suggest an unusual ... condition", "no unusual factors are shown that would justify going
# beyond the guidelines": the reviewer names what
# would make the exception to the guideline's rule, so records could change it
_EXCEPTION_UNSHOWN = re.compile(
    r"\b(?:lack|absence|no|inadequate|insufficient)\b[^.;]{0,60}?\b(?:documentation|evidence|records?)\b[^.;]{0,80}?"
    r"\b(?:exceptional|extenuating|unusual|outside (?:of )?the guidelines?|beyond (?:the )?guidelines?|"
    r"(?:a |any )?(?:reasonable )?suspicion)",
    re.I,
)
_RULED_OUT = (Form.NOT_RECOMMENDED, Form.GUIDELINE)
# the condition a ban names is the reviewer's reading of the findings, which a new request's records may read otherwise
_READ_FROM_FINDINGS = re.compile(FINDINGS_READ, re.I)
_CLAUSES = re.compile(
    r", (?:and|but|however,) |; |\s+and (?=there (?:is|are|was|were) no\b)|"
    # "has not documented A nor has there been a documented B": two missing things (`_nor_parts` names B)
    r",?\s+nor (?=(?:has|have|had|is|was|were) there\b)|"
    # "does not specify the number of sessions, nor does it state whether therapy is for one or both hands"
    r",\s+(?=nor (?:does|did|do) it\b)"
)


_NOR = re.compile(r"^\W*(?:nor|neither|and there (?:is|are|was|were) no)\s+(?P<x>[^;]{3,200}?)\W*$", re.I)
_NOR_SAID = re.compile(r"^(?:does|did|do) it (?P<rest>\w+ .+)$", re.I)
_THERE_BEEN = re.compile(r"^(?:has|have|had|is|was|were) there (?:been )?(?:(?:a|an|any) )?", re.I)


def _nor_parts(step: Restatement | None, said: list[Restatement], item: DisputedItem) -> list[Restatement]:
    """When the step follows the first clause of a sentence ("has not documented A; nor B"), B read as its own
    missing record, so the step can name it too (a reader: the step named the exam findings and left out the
    imaging the same sentence also found missing)."""
    if step is None:
        return []
    out = []
    for r in said:
        if step.sentence == r.sentence or step.sentence not in r.sentence:
            continue
        rest = r.sentence[r.sentence.index(step.sentence) + len(step.sentence) :]
        if (m := _NOR.match(rest)) is not None:
            missing = _THERE_BEEN.sub("", m.group("x"), count=1)  # "nor has there been a documented B": B
            if (said_too := _NOR_SAID.match(missing)) is not None:
                # "The request does not specify A, nor does it state whether B": the request did not state B either
                if step.form is not Form.REQUEST_SILENT:
                    continue
                part = restate(f"The request does not {said_too.group('rest')}.", item.decision, item.request)
            else:
                part = restate(f"There was no {missing}.", item.decision, item.request)
            if part is not None and part.form in ASKS_FOR and not _generic_step(part):
                out.append(part)
    return out


def _next_from(said: list[Restatement], decision: Decision | None, quoted: list[str]) -> Restatement | None:
    """The restatement the next step follows: the first one that says what a new request could add (a
    record not found, a detail not stated), or a clause of a general finding (or of a quoted reason) that
    does ("..., and there is no documentation of X", "X was not specified", "without documentation of X");
    the first one when none does (the generic step). Never a record of a risk or a red flag to ask for."""
    if not said:
        # a reason quoted whole: its clause that names what was missing, or the generic step
        return next((part for q in quoted for clause in _CLAUSES.split(q) if (part := missing_detail(clause))), None)
    if _bare_rationale(said[0]):
        # "no reason given for the medical need of this request" names nothing to add: a later point that names a
        # record is the step (a reader: "explain why you need this" where the reviewer also found no trial of therapy)
        named = next(
            (r for r in said[1:] if (r.form in ASKS_FOR and r.form is not Form.NONE_FOUND) or _names_a_record(r)), None
        )
        if named is not None and not _generic_step(named) and not _bare_rationale(named):
            return named
    if not _generic_step(said[0]):
        return said[0]
    for k, r in enumerate(said):
        # after the first, only a missing record or detail: "There was no improvement to the pain" is a finding
        # (one that helps the worker's request, here), and "records of improvement" would point the wrong way
        # nor a later limit on how long ("Long term use is not recommended"): a duration, not a ban on the care
        later_limit = r.form in _RULED_OUT and _DURATION.search(r.sentence) is not None
        if k and not _generic_step(r) and r.form is not Form.NONE_FOUND and not later_limit:
            return r
        if r.form in (Form.FINDING, Form.GIVEN):
            for clause in _CLAUSES.split(r.sentence):
                part = restate(clause, decision)
                usable = part is not None and part.form is not Form.LINKED and not (k and part.form is Form.NONE_FOUND)
                if usable and part is not None and part.form not in (Form.FINDING, Form.GIVEN):
                    return part  # the first reason's own clause, as before
                if (detail := missing_detail(clause)) is not None:
                    return detail
            if r.form is Form.GIVEN and _GAP_CAUSE.match(r.slots.get("x", "")):
                # "Since there was an absence of documented X, ...": the cause, read alone, is the reviewer's gap
                cause = restate(f"{r.slots['x']}.", decision)
                if cause is not None and cause.form in ASKS_FOR and not _generic_step(cause):
                    return cause
    return said[0]


_BARE_REASON = re.compile(r"\b(?:rationale|reason|explanation|justification)\b", re.I)
_FOR_THIS = re.compile(r"\b(?:the|this) (?:request|requested [\w-]+)\W*$|\bneeds? (?:this|it)\W*$", re.I)


def _bare_rationale(r: Restatement) -> bool:
    """A missing reason for the request as a whole ("a lack of rationale as to the medical necessity for this
    request", "no rationale for the request"): it names nothing a new request could add but the reason itself."""
    x = r.slots.get("x", "")
    if r.form is Form.NO_RATIONALE:
        return _FOR_THIS.search(x) is not None or x.strip(" .").lower() in ("the request", "this request")
    return r.form in ASKS_FOR and _BARE_REASON.search(x) is not None and _FOR_THIS.search(x) is not None


def _names_a_record(r: Restatement) -> bool:
    """A "no evidence to support X" finding that names X: a record a new request could add."""
    return (
        r.form is Form.NONE_FOUND
        and re.match(r"(?:evidence|documentation|record)s?\b", r.slots.get("x", "")) is not None
    )


def _provider_gap(rationale: str, decision: Decision, request: str) -> Restatement | None:
    """The reviewer's first sentence saying what the provider did not explain or give a reason for (never a record
    of a warning sign to ask for)."""
    for start, end in sentence_spans(rationale):
        sentence = rationale[start:end]
        r = restate(sentence, decision, request)
        if r is not None and r.form in (Form.DOCTOR_SILENT, Form.NO_RATIONALE) and not alarming(sentence):
            return r
    return None


_ALSO_WORDS = 29  # 25 words of what was missing, and the 4 of ", if there are any"
_GAP_CAUSE = re.compile(r"there (?:is|was|are|were) (?:a |an )?(?:lack|absence|no)\b", re.I)
# a language that quotes the reviewer's English words (Spanish) counts its own words: the quote is the same one
# the English page words plainly, and it was the English step's length the limit was set on
_QUOTED_SLOT = re.compile(r"\"[^\"]*\"")
# "how many you have had": visits and sessions are counted so; a drug's supply or a stay is not
_COUNTED = re.compile(r"\b(?:sessions?|visits?|treatments|appointments)\b", re.I)
_OVER_GUIDELINE = re.compile(
    r"(?<!\bnot )(?<!\bnever )(?<!n't )(?<!\bnot to )"
    r"\b(?:exceed\w*|in excess of|beyond|more than|above|outside)\s+(?:the\s+|what\s+(?:the\s+)?)?"
    r"(?:(?:MTUS|ODG|ACOEM|CA MTUS)\s+)?(?:guidelines?|recommended|recommendations?)\b",
    re.I,
)
_ASKED = re.compile(r"\brequest(?:ed|s)?\b", re.I)
_PER_WEEK = re.compile(
    r"\b(?:\d+|one|two|three|four|five|six)\s*(?:x|times)\s*(?:a|per|/)?\s*(?:week|wk)", re.I
)  # "3 times a week for 4 weeks"
_COURSE_DONE = re.compile(
    # "has completed a full course of therapy", "has already had the recommended number of visits"
    r"\b(?:has|have|had)\s+(?:already\s+)?(?:completed|finished|attended|undergone|had|received)\s+(?:a |the |an )?"
    r"(?:full|complete|entire|whole|recommended|maximum|allotted|guideline-recommended)\s+(?:course|number|amount|"
    r"trial)\b",
    re.I,
)
# more care than the guidelines allow: "excess physical therapy", "visits exceeding the guidelines"; never excess
# weight, pain, swelling or fluid, nor a gym "in excess of a home program"
_EXCESS = re.compile(
    r"\bexcess(?:ive)? (?:(?:physical|occupational|aquatic|chiropractic|massage) )?(?:therapy|visits|sessions|"
    r"treatments?|care|chiropractic|acupuncture)\b|"
    r"\b(?:therapy|visits|sessions|treatments?|care|chiropractic|acupuncture) (?:\w+ ){0,2}?(?:exceed\w*|in excess "
    r"of|beyond) (?:the |what the )?(?:guidelines?|recommend\w*)",
    re.I,
)
_NOT_SHORTEST = re.compile(
    r"\b(?:not|never)\s+(?:appear\s+to\s+be\s+|seem\s+to\s+be\s+|be\s+)?(?:the\s+)?shortest\s+(?:duration|period|time|"
    r"course)\b",
    re.I,
)
_HOW_LONG = re.compile(r"\b(?:short[- ]term|long[- ]term|duration|since|period|time ?frame|weeks?|months?)\b", re.I)
_ANY_PAST = re.compile(r"\bany (?:previous|prior|past)\b")
_LEADING_LINK = re.compile(r"(?:with|of|for|to|in|on|by|from|about|regarding|as|and|or)\b")


def _quoted_only(shown: list[str], said: list[Restatement], item: DisputedItem) -> list[Restatement]:
    """The sentences the page quotes without restating them, read in a form (the summing verdict "Absent
    documentation of X and Y, Z is not indicated"): reasons a step may leave standing."""
    restated = {r.sentence for r in said}
    out = []
    for sentence in shown:
        if sentence not in restated and (r := restate(sentence, item.decision, item.request)) is not None:
            out.append(r)
    return out


def _reasons_left(
    said: list[Restatement],
    step: Restatement | None,
    added: Restatement | None,
    lead: str | None,
    amount_step: bool,
    amount_answered: bool = False,
) -> bool:
    """The page restates two or more of the reviewer's sentences, and one of them is not what the step follows: the
    step asks for something (a record, a detail, a reason) or for fewer (an amount step, which answers the sentence
    on how many), and a reason the page gives is left unanswered by it."""
    sentences = list(dict.fromkeys(r.sentence for r in said))
    if not sentences:
        return False
    if amount_step:
        answered = [s for s in sentences if _AMOUNT.search(s) or _OVER_GUIDELINE.search(s)] + ([lead] if lead else [])
    elif step is not None and step.form in ASKS_FOR and not _generic_step(step):
        answered = [r.sentence for r in (step, added) if r is not None]
    else:
        return False  # a stock step ("read the reviewer's words"), a ban, a linked service: no one reason followed
    # one reason on the page is enough when the step is the guideline's number, which answers none of its sentences
    # (the letter's count of sessions had and asked for went past it: the page's record reason still stands)
    if len(sentences) < 2 and (answered or not amount_step):
        return False
    for r in said:
        # a reason left is one a new request could answer: a record or detail to add (never a risk or a red flag
        # the worker lacks), or an amount past the guidelines (ask for fewer); a finding about the worker is not
        x = norm_text(r.plain.get("x", "")).casefold()
        answerable = (
            (r.form in ASKS_FOR and not _generic_step(r) and not _ANY_PAST.search(x))
            or (_UNMET_STATE.search(r.sentence) is not None and r.form is Form.FINDING)
            or (
                not (amount_step or amount_answered)
                and (_AMOUNT.search(r.sentence) or _OVER_GUIDELINE.search(r.sentence)) is not None
            )
        )  # "that you have had any previous surgeries": the reviewer's background, nothing a new request adds
        if answerable and not any(a in r.sentence or r.sentence in a or _same_point(r.sentence, a) for a in answered):
            return True
    return False


# a finding that the worker is not (yet) in a state the care needs, which a new request could show changed: "is not
# involved in a program of functional restoration", "has not completed the therapy", "is not a candidate for surgery"
_UNMET_STATE = re.compile(
    r"\b(?:is|are|was|were|has|have|had)\s+not\s+(?:yet\s+)?(?:been\s+)?(?:involved|enrolled|participating|engaged|"
    r"a\s+(?:surgical\s+)?candidate|completed|tried|trialed|attempted|exhausted)\b",
    re.I,
)


def _second_gap(step: Restatement | None, said: list[Restatement]) -> Restatement | None:
    """A second missing record or detail the page restates, after the one the step follows: another sentence,
    asking for something the first does not already name."""
    if step is None or step.form not in ASKS_FOR:
        return None
    first = norm_text(step.plain.get("x", "")).casefold()
    for r in said:
        if r.sentence == step.sentence or r.form not in ASKS_FOR or _generic_step(r):
            continue
        if _DANGLING.search(r.plain.get("x", "")):
            continue  # "... due to its use": its pronoun points into a sentence the step does not quote
        x = norm_text(r.plain.get("x", "")).casefold()
        if _LEADING_LINK.match(x) or _ANY_PAST.search(x):
            # "with measured evidence of ...": "records of with ..." would not read; "that you have had any previous
            # surgeries" is the reviewer's background, not what a new request needs
            continue
        if x and x not in first and first not in x:
            return r
    return None


def _signs_not_found(r: Restatement) -> bool:
    """The restatement finds no warning signs of a serious problem (a red flag, a tumour, a fracture) that would call
    for the care: a later exam could find them, never a record to send."""
    return (
        r.form in ASKS_FOR
        and SERIOUS_SIGNS.search(r.sentence) is not None
        and MISUSE.search(r.sentence) is None
        and RULED_OUT.search(r.sentence) is None
    )


def _generic_step(r: Restatement) -> bool:
    """The restatement gives only the generic next step (a finding, or a missing record of a risk)."""
    if r.form in (Form.FINDING, Form.GIVEN, Form.RECORD_SHOWS):
        return True
    return r.form in ASKS_FOR and alarming(r.sentence)


_AMOUNT = re.compile(
    # "does not exceed the recommendation" is within it: no amount over
    r"(?<!\bnot )(?<!\bnever )(?<!n't )(?<!\bnot to )"
    r"\b(?:exceed\w*|in excess of|more than|beyond the (?:recommended|guideline)|additional \d+)",
    re.I,
)


def _about_amount(found: ItemReason, said: list[Restatement], request: str, number: str, rationale: str = "") -> bool:
    """The decision turned on how many: the reason says the request went past the guideline's number, or
    the request asks for more than the number the letter says the guidelines allow."""
    sentences = [r.sentence for r in said] or found.sentences[:1]
    if any(_AMOUNT.search(s) for s in sentences) and not any(is_guideline_passage(s) for s in sentences[:1]):
        return True
    asked = quantity(request)
    allowed = re.match(r"(\d+)(?:(?:-| to )(\d+))? (\w+)", number)
    if asked is None or allowed is None:
        return False
    limit = int(allowed.group(2) or allowed.group(1))
    if allowed.group(3).startswith(asked.unit.rstrip("s")) and asked.value > limit:
        return True
    # the visits the letter says were had already count too: "8 previous sessions were provided", then 6 more
    # asked for where the guidelines allow 10 (a reader: the page left out the limit the request went past). Never
    # when those had already reach the limit: "ask for no more than the guidelines allow" would have nothing left
    had = sessions_had_before(rationale, request)
    return same_unit(allowed.group(3), asked.unit) and 0 < had < limit < asked.value + had


_ELIGIBLE_WHOLE = re.compile(
    rf"{form_phrase('leaving the original request IMR eligible')}|(?:^|\. ){form_phrase('The original request')},"
)


def _whole(item: DisputedItem) -> bool:
    """The review was about the original request as a whole (the claims administrator approved something
    else instead, "leaving the original request IMR eligible"), not only about a remainder."""
    if item.item_heading_text and _ELIGIBLE_WHOLE.search(item.item_heading_text):
        return True
    original = item.original_request
    return original is not None and norm_text(original).casefold() == norm_text(item.request).casefold()


_LINKED_MATCH = 70.0


def _linked_is_safe(record: LetterRecord, i: int, service: str) -> bool:
    """Say "goes with a service that was not approved" only when nothing in the letter contradicts it:
    the item is not itself that service, and no approved item of the letter is it."""
    item = record.disputed_items[i]
    if treatment_kind(item.request) is Kind.SURGERY and not any(
        w in item.request.lower() for w in ("associated", "ancillary", "post", "pre")
    ):
        return False
    if norm_text(service).lower() in norm_text(item.request).lower():
        return False
    surgical = "surg" in service.lower()
    for j, other in enumerate(record.disputed_items):
        if j == i or other.decision == "upheld":
            continue
        same_name = fuzz.partial_ratio(norm_text(service).lower(), norm_text(other.request).lower()) >= _LINKED_MATCH
        if same_name or (surgical and treatment_kind(other.request) is Kind.SURGERY):
            return False  # the letter approved (or could not read) the service this item is said to depend on
    return True
