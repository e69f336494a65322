"""Record -> checked summary, offline or LLM-assisted."""

from __future__ import annotations

from imr_llm.llm.client import LLMClient
from imr_llm.llm.prompts import PromptTemplate
from imr_llm.schema import LetterRecord
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import check_summary
from imr_llm.summary.render import Format, render_text
from imr_llm.summary.rewrite import SummaryOutcome, rewrite_summary


def summarize(
    record: LetterRecord, lang: str = "en", client: LLMClient | None = None, prompt: PromptTemplate | None = None
) -> SummaryOutcome:
    offline = build_summary(record, lang)
    checks = check_summary(render_text(offline, Format.MD), offline, record)
    if client is None or prompt is None:
        return SummaryOutcome(offline, checks)
    return rewrite_summary(record, offline, checks, client, prompt)
