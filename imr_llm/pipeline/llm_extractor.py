"""The LLM path for one letter: parser, prompt, cached call, grounding, cross-check, merge.

The model assists and never blocks: when it fails on a letter, the parser's record stands,
with the failure noted (`degraded`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from imr_llm.errors import CallStats, ConfigError, LLMCallError, LLMInvalidOutput, LLMTimeout
from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.call import CallRequest, ModelCall
from imr_llm.llm.config import DEFAULT_MAX_TOKENS, answer_token_budget
from imr_llm.llm.prompts import PromptTemplate
from imr_llm.llm.transport import Transport
from imr_llm.loaders import LetterSource, LoadedLetter, as_letter
from imr_llm.parser import ParsedLetter, parse_letter, read_letter
from imr_llm.pipeline.answer import LLMLetter
from imr_llm.pipeline.crosscheck import crosscheck
from imr_llm.pipeline.examples import examples_for
from imr_llm.pipeline.extraction import Extraction, Extractor, ExtractorSpec
from imr_llm.pipeline.grounding import Grounder
from imr_llm.schema import CrossCheck, LetterRecord, LLMRun
from imr_llm.textnorm import FlatText

SCHEMA_HASH = hashlib.sha256(str(LLMLetter.model_json_schema()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class PreparedCall:
    """One letter's request as the live path sends it (messages and max_tokens) and its cache identity."""

    key: str
    request: CallRequest
    text: FlatText

    @property
    def messages(self) -> list[dict[str, str]]:
        return self.request.messages

    @property
    def max_tokens(self) -> int:
        return self.request.max_tokens or DEFAULT_MAX_TOKENS

    @property
    def input_hash(self) -> str:
        return self.request.input_hash


@dataclass
class LLMExtractor:
    """One letter through a model, over any backend's transport: `prepare` (the parser's reading, the
    prompt, the request and its cache key), the cached call, `finish` (grounding, cross-check, merge).
    Live calls, Batch API request files and answers, and vLLM files all go through `prepare`."""

    client: Transport
    prompt: PromptTemplate
    cache: ResponseCache
    name: str = "openai"
    log_text: bool = False
    # how a worker process opens the same backend (set by `open_extractor`): the backend's own transport
    remake: Callable[[ExtractorSpec], Extractor] | None = None
    options: Any = None  # the BackendOptions it was opened with (no cache), for `remake`
    live_calls: bool = True  # False: answers come only from the cache (filled from batch results)
    no_answer_reasons: dict[str, str] = field(default_factory=dict)  # cache key -> why a batch gave none
    closed: bool = False  # set when the `with` block that opened its backend ends: no call after that
    template_hash: str = field(init=False)
    examples: list[dict[str, str]] = field(init=False)

    def __post_init__(self) -> None:
        # the prompt's identity, independent of the letter it is filled with
        self.examples = examples_for(self.prompt)
        self.template_hash = self.prompt.render("{{letter}}", self.examples).hash

    @property
    def model_id(self) -> str:
        """What identifies the model in cache keys and results (the GGUF file for the local backend)."""
        return self.client.identity[0]

    @property
    def calls(self) -> ModelCall:
        """The cached, logged call, with the batch state of the moment (live calls or cache only)."""
        return ModelCall(self.client, self.cache, live=self.live_calls, no_answer_reasons=self.no_answer_reasons)

    def made_by(self) -> str:
        """As `LLMRun` names it in each record: backend, model, prompt."""
        return f"{self.name} {self.model_id} {self.prompt.ref}"

    def spec(self) -> ExtractorSpec:
        """What a worker process needs to open the same backend, cache and batch state."""
        if self.remake is None:
            raise TypeError("this extractor was not opened through a backend (imr_llm.pipeline.open_extractor)")
        return ExtractorSpec(
            self.remake,
            {
                "backend": self.name,
                "options": self.options,
                "cache_path": str(self.cache.path),
                "cache_enabled": self.cache.enabled,
                "live_calls": self.live_calls,
                "no_answer_reasons": self.no_answer_reasons,
            },
        )

    def extract(self, letter: LetterSource) -> Extraction:
        """The merged record; when the model fails, the parser's record with the failure noted.

        The model assists and never blocks: whatever goes wrong on its side (retries spent, invalid
        or truncated answers, the letter's time budget, the server gone), the parser's record stands,
        with `llm.error`, `llm.error_kind` and what the attempts cost, and needs review. Only a letter
        the parser cannot read raises; so does a letter given after the backend was closed.
        """
        if self.closed:
            raise ConfigError(
                "this reader is closed (its `with` block has ended, and with it the backend); open another "
                "with imr_llm.reader(...)"
            )
        letter = as_letter(letter)
        read = read_letter(letter.text, letter.source)  # once: the parser and the prompt read the same text
        parser_record = parse_letter(letter, read=read)
        budget = self.budget(parser_record)
        call = self.prepare(letter, budget, read=read)
        try:
            output, run = self._ask(call)
            llm_record, merged = self.finish(parser_record, output, run, call)
        except LLMCallError as e:
            run = self.failed_run(call, e)
            if isinstance(e, LLMTimeout):
                self.client = self.client.restart()  # a local server may still be generating: stop it
            return Extraction(parser=parser_record, merged=degraded(parser_record, run), llm=None, run=run)
        return Extraction(parser=parser_record, merged=merged, llm=llm_record, run=run)

    def finish(
        self, parser_record: LetterRecord, output: LLMLetter, run: LLMRun, call: PreparedCall
    ) -> tuple[LetterRecord, LetterRecord]:
        """The model's record and the merged one. A value the answer schema let through but the record
        refuses is the answer's problem, never the record's: LLMInvalidOutput (the parser's record stands),
        and the stored answer is dropped, so a rerun asks again instead of failing the same way."""
        try:
            llm_record = output.to_record(parser_record.template, parser_record.source)
            llm_record.llm = run
            merged = crosscheck(parser_record, llm_record, output.grounding, output.proposed_codes)
        except (ValidationError, ValueError, TypeError) as e:
            self.calls.forget(call.request)
            first = e.errors()[0] if isinstance(e, ValidationError) and e.errors() else None
            where = ".".join(str(p) for p in first["loc"]) + ": " + first["msg"] if first else str(e).split("\n")[0]
            stats = CallStats(run.requests, run.prompt_tokens, run.completion_tokens, run.latency_s)
            raise LLMInvalidOutput(f"the answer does not fit the record ({where[:200]})", stats) from e
        merged.llm = run
        return llm_record, merged

    def run(self, letter: LetterSource) -> LetterRecord:
        return self.extract(letter).merged

    def _run(self, call: PreparedCall) -> LLMRun:
        """What the record says about the call, before it is made."""
        return LLMRun(
            backend=self.name,
            model=self.model_id,
            base_url=self.client.identity[1],  # the endpoint as cache keys name it: "local" for the local server
            prompt=self.prompt.ref,
            prompt_hash=self.template_hash,
            input_hash=call.input_hash,
            cached=False,
            max_tokens=call.max_tokens,
        )

    def failed_run(self, call: PreparedCall, error: LLMCallError) -> LLMRun:
        stats = error.stats
        return self._run(call).model_copy(
            update={
                "requests": stats.requests,
                "prompt_tokens": stats.prompt_tokens,
                "completion_tokens": stats.completion_tokens,
                "latency_s": round(stats.latency_s, 3),
                "error": str(error),
                "error_kind": error.kind,
            }
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

    def prepare(
        self, letter: LoadedLetter, max_tokens: int | None = None, read: ParsedLetter | None = None
    ) -> PreparedCall:
        """What the live call for this letter would send, and its cache key: the one place both the
        live path and batch request files get them from."""
        text = (read or read_letter(letter.text, letter.source)).text  # the same text the parser reads
        rendered = self.prompt.render(text.flat, self.examples)
        max_tokens = max_tokens or self.client.config.max_tokens or DEFAULT_MAX_TOKENS
        request = CallRequest(
            prompt_ref=self.prompt.ref,
            prompt_hash=self.template_hash,
            messages=rendered.messages,
            input_hash=hashlib.sha256(text.flat.encode()).hexdigest(),
            params=self.call_params(max_tokens),
            max_tokens=max_tokens,
            logged_text=text.flat if self.log_text else None,
        )
        return PreparedCall(self.calls.key(request), request, text)

    def store(
        self,
        key: str,
        input_hash: str,
        max_tokens: int,
        output: LLMLetter,
        tokens: tuple[int, int],
        source: str | None = None,
    ) -> None:
        """Keep a validated answer from a batch's results in the response cache, under the key it was sent with."""
        request = CallRequest(self.prompt.ref, self.template_hash, [], input_hash, self.call_params(max_tokens))
        self.calls.store(request, output, tokens, source=source, key=key)

    def ask(self, letter: LoadedLetter, max_tokens: int | None = None) -> tuple[LLMLetter, LLMRun]:
        """The validated, grounded LLM answer for one letter, from the cache when possible."""
        return self._ask(self.prepare(letter, max_tokens))

    def _ask(self, call: PreparedCall) -> tuple[LLMLetter, LLMRun]:
        grounder = Grounder(call.text)
        outcome = self.calls.generate(call.request, LLMLetter, accept=lambda answer: answer.ground(grounder))
        stats = outcome.stats
        run = self._run(call).model_copy(
            update={
                "cached": outcome.cached,
                "answer_source": outcome.source,
                "requests": stats.requests,
                "prompt_tokens": stats.prompt_tokens,
                "completion_tokens": stats.completion_tokens,
                "latency_s": round(stats.latency_s, 3),
            }
        )
        return outcome.answer, run


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
