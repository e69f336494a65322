"""The deterministic parser: letter text in, `LetterRecord` out, no LLM."""

from __future__ import annotations

from imr_llm.parser.core import ParsedLetter, letter_text, parse_letter, parse_read, parse_text, read_letter

__all__ = ["ParsedLetter", "letter_text", "parse_letter", "parse_read", "parse_text", "read_letter"]
