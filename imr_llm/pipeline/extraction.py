"""What every extractor gives back, and the rules extractor (the parser alone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from imr_llm.loaders import LetterSource, as_letter
from imr_llm.parser import parse_letter
from imr_llm.schema import LetterRecord, LLMRun


@dataclass
class Extraction:
    """Every side of one letter's extraction: evals score the LLM's own record, users get `merged`."""

    parser: LetterRecord
    merged: LetterRecord
    llm: LetterRecord | None = None
    run: LLMRun | None = None


@dataclass(frozen=True)
class ExtractorSpec:
    """What a worker process needs to build the same extractor: a module-level factory (picklable by
    reference) and its settings."""

    factory: Callable[[ExtractorSpec], Extractor]
    settings: dict[str, Any] = field(default_factory=dict)

    def build(self) -> Extractor:
        return self.factory(self)


class Extractor(Protocol):
    name: str

    def spec(self) -> ExtractorSpec: ...

    def made_by(self) -> str:
        """What made its records, as a resumed batch output checks it: "rules", or "BACKEND MODEL PROMPT"."""
        ...

    def extract(self, letter: LetterSource) -> Extraction:
        """Every side of the letter's extraction; `letter` as `imr_llm.loaders.as_letter` takes it."""
        ...

    def run(self, letter: LetterSource) -> LetterRecord: ...


class RulesExtractor:
    """The deterministic parser alone."""

    name = "rules"
    local_work = True  # no server: a stopped batch waits for the letters it has begun (batch.run)

    def spec(self) -> ExtractorSpec:
        return ExtractorSpec(rules_from_spec)

    def made_by(self) -> str:
        return self.name

    def extract(self, letter: LetterSource) -> Extraction:
        record = parse_letter(as_letter(letter))
        return Extraction(parser=record, merged=record)

    def run(self, letter: LetterSource) -> LetterRecord:
        return self.extract(letter).merged


def rules_from_spec(spec: ExtractorSpec) -> Extractor:
    return RulesExtractor()
