"""The deterministic parser: letter text in, `LetterRecord` out, no LLM."""

from __future__ import annotations

from imr_llm.parser.core import letter_text, parse_letter, parse_text

__all__ = ["letter_text", "parse_letter", "parse_text"]
