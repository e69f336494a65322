"""Record -> offline Summary. Every fact comes from the record; wording from plain.py."""

from __future__ import annotations

from imr_llm.schema import LetterRecord
from imr_llm.summary.model import ItemSummary, Lang, Summary
from imr_llm.summary.plain import plain_reason, reviewer_words, treatment_kind


def build_summary(record: LetterRecord, lang: Lang = "en") -> Summary:
    items = [
        ItemSummary(
            number=i,
            request=item.request,
            kind=treatment_kind(item.request, lang),
            decision=item.decision,
            reason=plain_reason(item, lang),
            reviewer_words=reviewer_words(item),
            authorized_portion=item.authorized_portion,
        )
        for i, item in enumerate(record.disputed_items, 1)
    ]
    return Summary(
        lang=lang,
        case_number=record.case_number,
        decision_date=record.decision_date,
        date_of_injury=record.date_of_injury,
        items=items,
    )
