"""The deterministic parser: letter text in, `LetterRecord` out, no LLM."""

from __future__ import annotations

from imr_llm.parser.core import parse_text

__all__ = ["parse_text"]
