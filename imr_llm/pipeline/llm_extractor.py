"""The LLM path for one letter: parser, prompt, cached call, grounding, cross-check, merge.

The model assists and never blocks: when it fails on a letter, the parser's record stands,
with the failure noted (`degraded`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from imr_llm.errors import CallStats, LLMCallError, LLMInvalidOutput, LLMNoBatchAnswer, LLMTimeout
from imr_llm.llm.cache import CallLogEntry, ResponseCache, cache_key
from imr_llm.llm.client import LLMClient
from imr_llm.llm.config import DEFAULT_MAX_TOKENS, answer_token_budget
from imr_llm.llm.prompts import PromptTemplate, load_prompt
from imr_llm.loaders import LoadedLetter
from imr_llm.parser import letter_text, parse_letter
from imr_llm.pipeline.answer import LLMLetter
from imr_llm.pipeline.crosscheck import crosscheck
from imr_llm.pipeline.examples import examples_for
from imr_llm.pipeline.extraction import Extraction, ExtractorSpec
from imr_llm.pipeline.grounding import Grounder
from imr_llm.schema import CrossCheck, LetterRecord, LLMRun
from imr_llm.textnorm import FlatText

SCHEMA_HASH = hashlib.sha256(str(LLMLetter.model_json_schema()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PreparedCall:
    """One letter's request as the live path sends it (messages and max_tokens) and its cache identity."""

    key: str
    messages: list[dict[str, str]]
    max_tokens: int
    params: dict[str, Any]
    input_hash: str
    text: FlatText


@dataclass
class LLMExtractor:
    client: LLMClient
    prompt: PromptTemplate
    cache: ResponseCache
    name: str = "openai"
    log_text: bool = False
    model_id: str = ""  # what identifies the model in cache keys and results (the GGUF file for local)
    on_timeout: Callable[[], LLMClient] | None = None  # local backend: restart the server, return a new client
    live_calls: bool = True  # False: answers come only from the cache (filled from batch results)
    no_answer_reasons: dict[str, str] = field(default_factory=dict)  # cache key -> why a batch gave none
    template_hash: str = field(init=False)
    examples: list[dict[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        # the prompt's identity, independent of the letter it is filled with
        self.examples = examples_for(self.prompt)
        self.template_hash = self.prompt.render("{{letter}}", self.examples).hash
        self.model_id = self.model_id or self.client.config.model

    def spec(self) -> ExtractorSpec:
        return ExtractorSpec(
            llm_from_spec,
            {
                "config": self.client.config,
                "prompt": self.prompt.ref,
                "cache_path": str(self.cache.path),
                "cache_enabled": self.cache.enabled,
                "name": self.name,
                "model_id": self.model_id,
                "log_text": self.log_text,
                "live_calls": self.live_calls,
                "no_answer_reasons": self.no_answer_reasons,
            },
        )

    def extract(self, letter: LoadedLetter) -> Extraction:
        """The merged record; when the model fails, the parser's record with the failure noted.

        The model assists and never blocks: whatever goes wrong on its side (retries spent, invalid
        or truncated answers, the letter's time budget, the server gone), the parser's record stands,
        with `llm.error`, `llm.error_kind` and what the attempts cost, and needs review. Only a letter
        the parser cannot read raises.
        """
        parser_record = parse_letter(letter)
        budget = self.budget(parser_record)
        try:
            output, run = self.ask(letter, budget)
            llm_record, merged = self._merge(parser_record, output, run, letter, budget)
        except LLMCallError as e:
            run = self.failed_run(letter, budget, e)
            if isinstance(e, LLMTimeout) and self.on_timeout is not None:
                self.client = self.on_timeout()  # the local server may still be generating: restart it
            return Extraction(parser=parser_record, merged=degraded(parser_record, run), llm=None, run=run)
        return Extraction(parser=parser_record, merged=merged, llm=llm_record, run=run)

    def _merge(
        self, parser_record: LetterRecord, output: LLMLetter, run: LLMRun, letter: LoadedLetter, budget: int
    ) -> tuple[LetterRecord, LetterRecord]:
        """The model's record and the merged one. A value the answer schema let through but the record
        refuses is the answer's problem, never the record's: LLMInvalidOutput (the parser's record stands),
        and the stored answer is dropped, so a rerun asks again instead of failing the same way."""
        try:
            llm_record = output.to_record(parser_record.template, parser_record.source)
            llm_record.llm = run
            merged = crosscheck(parser_record, llm_record, output.grounding, output.proposed_codes)
        except (ValidationError, ValueError, TypeError) as e:
            self.cache.forget(self.prepare(letter, budget).key)
            first = e.errors()[0] if isinstance(e, ValidationError) and e.errors() else None
            where = ".".join(str(p) for p in first["loc"]) + ": " + first["msg"] if first else str(e).split("\n")[0]
            stats = CallStats(run.requests, run.prompt_tokens, run.completion_tokens, run.latency_s)
            raise LLMInvalidOutput(f"the answer does not fit the record ({where[:200]})", stats) from e
        merged.llm = run
        return llm_record, merged

    def run(self, letter: LoadedLetter) -> LetterRecord:
        return self.extract(letter).merged

    def failed_run(self, letter: LoadedLetter, budget: int, error: LLMCallError) -> LLMRun:
        config = self.client.config
        return LLMRun(
            backend=self.name,
            model=self.model_id,
            base_url=config.display_url,
            prompt=self.prompt.ref,
            prompt_hash=self.template_hash,
            input_hash=hashlib.sha256(letter_text(letter.text, letter.source).flat.encode()).hexdigest(),
            cached=False,
            requests=error.stats.requests,
            prompt_tokens=error.stats.prompt_tokens,
            completion_tokens=error.stats.completion_tokens,
            latency_s=round(error.stats.latency_s, 3),
            max_tokens=budget,
            error=str(error),
            error_kind=error.kind,
        )

    def budget(self, parser_record: LetterRecord) -> int:
        """The answer's max_tokens: the user's, or sized from the items the parser found."""
        return self.client.config.max_tokens or answer_token_budget(len(parser_record.disputed_items))

    def call_params(self, max_tokens: int) -> dict[str, Any]:
        """The parameters that, with model, endpoint, prompt and input, identify an answer in the cache."""
        config = self.client.config
        return {
            "temperature": config.temperature,
            **({"seed": config.seed} if config.seed is not None else {}),  # one cache entry per repeat
            "max_tokens": max_tokens,
            "mode": config.mode.value,
            "reasks": config.reasks,
            "schema": SCHEMA_HASH,
        }

    def prepare(self, letter: LoadedLetter, max_tokens: int | None = None) -> PreparedCall:
        """What the live call for this letter would send, and its cache key: the one place both the
        live path and batch request files get them from."""
        text = letter_text(letter.text, letter.source)  # the same text the parser reads
        rendered = self.prompt.render(text.flat, self.examples)
        config = self.client.config
        max_tokens = max_tokens or config.max_tokens or DEFAULT_MAX_TOKENS
        input_hash = hashlib.sha256(text.flat.encode()).hexdigest()
        params = self.call_params(max_tokens)
        endpoint = "local" if self.name == "local" else config.base_url  # the local port changes every run
        key = cache_key(
            model=self.model_id, base_url=endpoint, prompt_hash=self.template_hash, input_hash=input_hash, params=params
        )
        return PreparedCall(key, rendered.messages, max_tokens, params, input_hash, text)

    def store(
        self,
        key: str,
        input_hash: str,
        max_tokens: int,
        output: LLMLetter,
        tokens: tuple[int, int],
        source: str | None = None,
    ) -> None:
        """Keep a validated answer in the response cache (a live call's, or one from a batch)."""
        self.cache.put(
            key,
            model=self.model_id,
            prompt_hash=self.template_hash,
            input_hash=input_hash,
            params=self.call_params(max_tokens),
            response=output.model_dump(mode="json"),
            prompt_tokens=tokens[0],
            completion_tokens=tokens[1],
            source=source,
        )

    def ask(self, letter: LoadedLetter, max_tokens: int | None = None) -> tuple[LLMLetter, LLMRun]:
        """The validated, grounded LLM answer for one letter, from the cache when possible."""
        call = self.prepare(letter, max_tokens)
        key, max_tokens, input_hash, text = call.key, call.max_tokens, call.input_hash, call.text
        config = self.client.config
        grounder = Grounder(text)
        run = LLMRun(
            backend=self.name,
            model=self.model_id,
            base_url=config.display_url,
            prompt=self.prompt.ref,
            prompt_hash=self.template_hash,
            input_hash=input_hash,
            cached=False,
            max_tokens=max_tokens,
        )
        log = CallLogEntry(
            key=key,
            model=self.model_id,
            prompt=self.prompt.ref,
            prompt_hash=self.template_hash,
            input_hash=input_hash,
            cached=False,
            status="ok",
            letter_text=text.flat if self.log_text else None,
        )
        hit = self.cache.get(key)
        if hit is not None:
            try:
                output = LLMLetter.model_validate(hit.response).ground(grounder)
            except ValidationError:
                self.cache.forget(key)  # a stored answer that no longer validates: ask again
            else:
                run.cached, run.answer_source = True, hit.source
                # what the answer cost when it was made (marked cached): a rerun keeps the cost comparison
                run.prompt_tokens, run.completion_tokens = hit.prompt_tokens, hit.completion_tokens
                self.cache.log(replace(log, cached=True))
                return output, run
        if not self.live_calls:
            reason = self.no_answer_reasons.get(key, "no answer in the batch results")
            raise LLMNoBatchAnswer(f"{reason} (no live call made: --retry-errors --reask-via live asks the model)")
        try:
            output, stats = self.client.structured(call.messages, LLMLetter, max_tokens=max_tokens)
        except LLMCallError as e:
            failed = e.stats
            self.cache.log(
                replace(
                    log,
                    status=e.kind,
                    error=str(e),
                    requests=failed.requests,
                    prompt_tokens=failed.prompt_tokens,
                    completion_tokens=failed.completion_tokens,
                    latency_s=failed.latency_s,
                )
            )
            raise
        output.ground(grounder)
        run.requests, run.prompt_tokens, run.completion_tokens = (
            stats.requests,
            stats.prompt_tokens,
            stats.completion_tokens,
        )
        run.latency_s = round(stats.latency_s, 3)
        self.store(key, input_hash, max_tokens, output, (stats.prompt_tokens, stats.completion_tokens))
        self.cache.log(
            replace(
                log,
                requests=stats.requests,
                prompt_tokens=stats.prompt_tokens,
                completion_tokens=stats.completion_tokens,
                latency_s=stats.latency_s,
            )
        )
        return output, run


def degraded(parser_record: LetterRecord, run: LLMRun) -> LetterRecord:
    """The parser's record when the model gave no usable answer: kept, with the failure, for review."""
    reasons = ["llm_failed", f"LLM {run.error_kind}: {run.error}", *_parser_warnings(parser_record)]
    return parser_record.model_copy(
        update={
            "llm": run,
            "needs_review": True,
            "crosscheck": CrossCheck(needs_review=True, reasons=reasons),
        }
    )


def _parser_warnings(record: LetterRecord) -> list[str]:
    return [f"parser warnings: {'; '.join(record.warnings)}"] if record.warnings else []


def llm_from_spec(spec: ExtractorSpec) -> LLMExtractor:
    s = spec.settings
    cache = ResponseCache(Path(s["cache_path"]) if s["cache_path"] else None, enabled=s["cache_enabled"])
    return LLMExtractor(
        LLMClient(s["config"]),
        load_prompt(s["prompt"]),
        cache,
        name=s["name"],
        log_text=s["log_text"],
        model_id=s["model_id"],
        live_calls=s.get("live_calls", True),
        no_answer_reasons=s.get("no_answer_reasons", {}),
    )
