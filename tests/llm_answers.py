"""What a perfect model would answer for a letter (the package's few-shot answer builder)."""

from __future__ import annotations

from imr_llm.pipeline.examples import answer_for as perfect_answer

__all__ = ["perfect_answer"]
