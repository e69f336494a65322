"""Record -> offline Summary. Every fact comes from the record; every word from the language.

The reason for each item is the one the parser found in the rationale (the reviewer's
own sentences and their topic, `imr_llm.parser.reasons`). A plain sentence is used
only when the finding is confident and the language has a wording for its topic and
decision; otherwise the summary says so and quotes the reviewer. "Goes with a service
that was not approved" is said only when the rationale names that service and no item
of this letter with that name was approved.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from imr_llm.fields import norm_text
from imr_llm.parser.reasons import agrees, classify_sentence, find_reason
from imr_llm.schema import DisputedItem, ItemReason, LetterRecord
from imr_llm.summary.facts import (
    Kind,
    care_already_given,
    letter_mentions_weaning,
    needs_taper_warning,
    partial_numbers,
    reason_details,
    treatment_kind,
)
from imr_llm.summary.languages import Counts, Language, get_language
from imr_llm.summary.model import EvidenceSpan, ItemSummary, PlainReason, Summary


def build_summary(record: LetterRecord, lang: str = "en") -> Summary:
    language = get_language(lang)
    items = [_item(record, i, item, language) for i, item in enumerate(record.disputed_items)]
    partial = sum(item.authorized_portion is not None for item in record.disputed_items)
    counts = Counts.of([item.decision for item in record.disputed_items], partial)
    return Summary(
        lang=language.code,
        case_number=record.case_number,
        decision_date=record.decision_date,
        date_of_injury=record.date_of_injury,
        case_line=language.case_line(record.case_number, record.decision_date),
        opening=language.opening(counts),
        items=items,
    )


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


def _item(record: LetterRecord, i: int, item: DisputedItem, language: Language) -> ItemSummary:
    kind = treatment_kind(item.request)
    found = item_reason(item)
    linked = found.linked_service if _linked_is_safe(record, i, kind, found) else None
    texts: list[str] = []
    if found.confident:
        for k, topic in enumerate(found.topics[:2]):
            carriers = [s for s in found.sentences if topic in classify_sentence(s)]
            if k > 0 and not (carriers and agrees(carriers[0], item.decision)):
                break  # a second reason only when its own sentence says it the decision's way
            text = language.reason(topic, item.decision, reason_details(topic, carriers), kind, linked)
            if text is None:
                break
            if text not in texts:
                texts.append(text)
    evidence = [
        EvidenceSpan(start=span.start, end=span.end)
        for k in range(len(found.sentences))
        if (span := record.evidence.get(f"disputed_items.{i}.reason.sentences.{k}")) is not None
    ]
    shown = found.sentences[:2]
    reason = PlainReason(
        topic=found.topic,
        sentences=found.sentences,
        evidence=evidence,
        text=" ".join(texts) if texts else language.quoted_reason(bool(found.sentences)),
        quoted=not texts,
        terms=language.terms(" ".join(shown)),
    )
    details = reason_details(found.topic, [s for s in found.sentences if found.topic in classify_sentence(s)])
    care = care_already_given(item.request)
    partial = None
    if item.authorized_portion:
        whole = item.original_request is not None and norm_text(item.original_request) == norm_text(item.request)
        numbers = None if whole else partial_numbers(item.original_request, item.authorized_portion, item.request)
        partial = language.partial(item.authorized_portion, numbers, whole)
    taper = None
    if item.decision == "upheld" and (needs_taper_warning(item.request) or letter_mentions_weaning(item.rationale)):
        taper = language.taper_warning(letter_mentions_weaning(item.rationale))
    bold, meaning = language.decision_line(item.decision, partial is not None)
    return ItemSummary(
        number=i + 1,
        request=item.request,
        kind=language.kind_sentence(kind),
        decision=item.decision,
        decision_line=bold,
        meaning=meaning,
        reason=reason,
        next_label=language.next_labels[item.decision],
        next_step=language.next_step(found.topic, item.decision, details, linked, care),
        taper_warning=taper,
        already_given=language.already_given(care) if care is not None else None,
        partial=partial,
        authorized_portion=item.authorized_portion,
    )


_LINKED_MATCH = 70.0


def _linked_is_safe(record: LetterRecord, i: int, kind: Kind, found: ItemReason) -> bool:
    """Say "goes with a service that was not approved" only when nothing in the letter contradicts it:
    the item is not itself that service, and no approved item of the letter is it."""
    service = found.linked_service
    if not service:
        return False
    item = record.disputed_items[i]
    if kind is Kind.SURGERY and not any(w in item.request.lower() for w in ("associated", "ancillary", "post", "pre")):
        return False
    surgical = "surg" in service.lower()
    for j, other in enumerate(record.disputed_items):
        if j == i or other.decision == "upheld":
            continue
        same_name = fuzz.partial_ratio(norm_text(service).lower(), norm_text(other.request).lower()) >= _LINKED_MATCH
        if same_name or (surgical and treatment_kind(other.request) is Kind.SURGERY):
            return False  # the letter approved (or could not read) the service this item is said to depend on
    return True
