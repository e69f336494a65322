"""Record -> checked summary, offline or with LLM-written reasons (loaded only when a client is given)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imr_llm.schema import LetterRecord
from imr_llm.summary.build import build_summary
from imr_llm.summary.checks import check_summary
from imr_llm.summary.formats import Format
from imr_llm.summary.model import SummaryOutcome
from imr_llm.summary.render import render_text

if TYPE_CHECKING:
    from imr_llm.llm.cache import ResponseCache
    from imr_llm.llm.prompts import PromptTemplate
    from imr_llm.llm.transport import Transport

__all__ = ["SummaryOutcome", "summarize"]


def summarize(
    record: LetterRecord,
    lang: str = "en",
    client: Transport | None = None,
    prompt: PromptTemplate | None = None,
    cache: ResponseCache | None = None,
) -> SummaryOutcome:
    """The offline summary and its checks; with a client and a prompt, the model writes the reasons
    (through `cache` and its call log) and the result is used only if it passes every check."""
    offline = build_summary(record, lang)
    checks = check_summary(render_text(offline, Format.MD), offline, record)
    if client is None or prompt is None:
        return SummaryOutcome(offline, checks)
    from imr_llm.summary.rewrite import rewrite_summary

    return rewrite_summary(record, offline, checks, client, prompt, cache)
