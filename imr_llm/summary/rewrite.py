"""LLM-assisted summary: a model rewrites the offline summary's prose from the validated record.

The model sees the record's facts (never the raw letter), returns an opening and
one explanation per item, and the result goes through the same checks as the
offline summary. A rewrite that fails them, or a failed call, is rejected: the
offline summary is used and the reason reported. The legal next steps are never
written by the model.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from imr_llm.errors import ImrError
from imr_llm.llm.client import LLMClient
from imr_llm.llm.output import CachedSchemaModel
from imr_llm.llm.prompts import PromptTemplate
from imr_llm.schema import LetterRecord
from imr_llm.summary.checks import SummaryChecks, check_summary
from imr_llm.summary.model import Summary
from imr_llm.summary.render import Format, render_text


class ItemRewrite(BaseModel):
    number: int = Field(ge=1)
    explanation: str = Field(min_length=10, max_length=400)


class SummaryRewrite(CachedSchemaModel):
    intro: str = Field(min_length=20, max_length=700)
    items: list[ItemRewrite] = Field(max_length=60)


@dataclass
class SummaryOutcome:
    summary: Summary
    checks: SummaryChecks
    rejected: list[str] = field(default_factory=list)  # why an LLM rewrite was not used


_SAYS_APPROVED = re.compile(r"(?<!not )\b(?:was|were|is|are|been) approved\b|\baprobad[oa]s?\b(?<!no aprobado)", re.I)
_SAYS_DENIED = re.compile(r"\bnot approved\b|\bno (?:fue|fueron|está|están) aprobad|\bdenied\b|\bnegad", re.I)


def _intro_contradicts(summary: Summary) -> list[str]:
    """An opening must not claim approval when nothing was approved, or the reverse."""
    decisions = {item.decision for item in summary.items}
    intro = summary.intro or ""
    if decisions == {"upheld"} and _SAYS_APPROVED.search(intro) and not _SAYS_DENIED.search(intro):
        return ["the opening says something was approved, but nothing was"]
    if decisions == {"overturned"} and _SAYS_DENIED.search(intro) and not _SAYS_APPROVED.search(intro):
        return ["the opening says something was denied, but everything was approved"]
    return []


def facts_for_model(record: LetterRecord, offline: Summary) -> str:
    return json.dumps(
        {
            "decision_date": record.decision_date.isoformat() if record.decision_date else None,
            "requests": [
                {
                    "number": item.number,
                    "request": item.request,
                    "kind": item.kind,
                    "decision": item.decision,
                    "reason": item.reason,
                    "reviewer_words": item.reviewer_words,
                }
                for item in offline.items
            ],
        },
        ensure_ascii=False,
        indent=1,
    )


def rewrite_summary(
    record: LetterRecord, offline: Summary, offline_checks: SummaryChecks, client: LLMClient, prompt: PromptTemplate
) -> SummaryOutcome:
    """The LLM rewrite when it passes every check, else the offline summary with the reasons."""
    rendered = prompt.render(facts_for_model(record, offline), lang=offline.lang)
    try:
        answer, _ = client.structured(rendered.messages, SummaryRewrite)
    except ImrError as e:
        return SummaryOutcome(offline, offline_checks, [f"LLM call failed: {e}"])
    by_number = {item.number: item.explanation.strip() for item in answer.items}
    missing = [item.number for item in offline.items if item.number not in by_number]
    extra = sorted(set(by_number) - {item.number for item in offline.items})
    problems = [f"no explanation for item {n}" for n in missing] + [f"explanation for unknown item {n}" for n in extra]
    candidate = offline.model_copy(
        update={
            "source": "llm",
            "intro": answer.intro.strip(),
            "items": [
                item.model_copy(update={"reason": by_number.get(item.number, item.reason)}) for item in offline.items
            ],
        }
    )
    checks = check_summary(render_text(candidate, Format.MD), candidate, record)
    problems += checks.problems + _intro_contradicts(candidate)
    if problems:
        return SummaryOutcome(offline, offline_checks, problems)
    return SummaryOutcome(candidate, checks)
