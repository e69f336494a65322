"""Letter -> merged record: parser, prompt, cached LLM call, grounding, cross-check.

Backends plug in the way `simonw/llm` plugs in models: each is a name that
yields an `Extractor` with one method, `run(letter) -> LetterRecord`.
- rules:  the deterministic parser alone;
- openai: any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp ...);
- local:  llama.cpp's server started on loopback with a GGUF model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from imr_llm.crosscheck import crosscheck
from imr_llm.grounding import Grounder
from imr_llm.llm.cache import CallLogEntry, ResponseCache, cache_key
from imr_llm.llm.client import LLMCallError, LLMClient, LLMTimeout
from imr_llm.llm.config import DEFAULT_MAX_TOKENS, LETTER_TIMEOUT_S, LLMConfig, answer_token_budget
from imr_llm.llm.local import LocalServer, local_settings
from imr_llm.llm.output import LLMLetter
from imr_llm.llm.prompts import PromptTemplate, load_prompt
from imr_llm.loaders import LoadedLetter
from imr_llm.parser import parse_text
from imr_llm.schema import CrossCheck, LetterRecord, LLMRun
from imr_llm.textnorm import flatten

SCHEMA_HASH = hashlib.sha256(str(LLMLetter.model_json_schema()).encode()).hexdigest()[:16]


class Backend(StrEnum):
    RULES = "rules"
    OPENAI = "openai"
    LOCAL = "local"


@dataclass
class Extraction:
    """Every side of one letter's extraction: evals score the LLM's own record, users get `merged`."""

    parser: LetterRecord
    merged: LetterRecord
    llm: LetterRecord | None = None
    run: LLMRun | None = None


@dataclass(frozen=True)
class ExtractorSpec:
    """What a worker process needs to build the same extractor (picklable)."""

    backend: str = "rules"
    config: LLMConfig | None = None
    prompt: str = "extract"
    cache_path: str | None = None
    cache_enabled: bool = True
    name: str = "openai"
    model_id: str = ""
    log_text: bool = False

    def build(self) -> Extractor:
        if self.backend == "rules" or self.config is None:
            return RulesExtractor()
        cache = ResponseCache(Path(self.cache_path) if self.cache_path else None, enabled=self.cache_enabled)
        return LLMExtractor(
            LLMClient(self.config),
            load_prompt(self.prompt),
            cache,
            name=self.name,
            log_text=self.log_text,
            model_id=self.model_id,
        )


class Extractor(Protocol):
    name: str

    def spec(self) -> ExtractorSpec: ...

    def extract(self, letter: LoadedLetter) -> Extraction: ...

    def run(self, letter: LoadedLetter) -> LetterRecord: ...


class RulesExtractor:
    name = "rules"

    def spec(self) -> ExtractorSpec:
        return ExtractorSpec()

    def extract(self, letter: LoadedLetter) -> Extraction:
        record = parse_text(letter.text, letter.source)
        return Extraction(parser=record, merged=record)

    def run(self, letter: LoadedLetter) -> LetterRecord:
        return self.extract(letter).merged


@dataclass
class LLMExtractor:
    client: LLMClient
    prompt: PromptTemplate
    cache: ResponseCache
    name: str = "openai"
    log_text: bool = False
    model_id: str = ""  # what identifies the model in cache keys and results (the GGUF file for local)
    on_timeout: Callable[[], LLMClient] | None = None  # local backend: restart the server, return a new client
    template_hash: str = field(init=False)

    def __post_init__(self) -> None:
        # the prompt's identity, independent of the letter it is filled with
        self.template_hash = self.prompt.render("{{letter}}").hash
        self.model_id = self.model_id or self.client.config.model

    def spec(self) -> ExtractorSpec:
        return ExtractorSpec(
            backend="llm",
            config=self.client.config,
            prompt=self.prompt.ref,
            cache_path=str(self.cache.path),
            cache_enabled=self.cache.enabled,
            name=self.name,
            model_id=self.model_id,
            log_text=self.log_text,
        )

    def extract(self, letter: LoadedLetter) -> Extraction:
        """The merged record; when the model fails, the parser's record with the failure noted.

        The model assists and never blocks: whatever goes wrong on its side (retries spent, invalid
        or truncated answers, the letter's time budget, the server gone), the parser's record stands,
        with `llm.error`, `llm.error_kind` and what the attempts cost, and needs review. Only a letter
        the parser cannot read raises.
        """
        parser_record = parse_text(letter.text, letter.source)
        budget = self.client.config.max_tokens or answer_token_budget(len(parser_record.disputed_items))
        try:
            output, run = self.ask(letter, budget)
        except LLMCallError as e:
            run = self.failed_run(letter, budget, e)
            if isinstance(e, LLMTimeout) and self.on_timeout is not None:
                self.client = self.on_timeout()  # the local server may still be generating: restart it
            return Extraction(parser=parser_record, merged=degraded(parser_record, run), llm=None, run=run)
        llm_record = output.to_record(parser_record.template, parser_record.source)
        llm_record.llm = run
        merged = crosscheck(parser_record, llm_record, output.grounding)
        merged.llm = run
        return Extraction(parser=parser_record, merged=merged, llm=llm_record, run=run)

    def run(self, letter: LoadedLetter) -> LetterRecord:
        return self.extract(letter).merged

    def failed_run(self, letter: LoadedLetter, budget: int, error: LLMCallError) -> LLMRun:
        config = self.client.config
        return LLMRun(
            backend=self.name,
            model=self.model_id,
            base_url=config.base_url,
            prompt=self.prompt.ref,
            prompt_hash=self.template_hash,
            input_hash=hashlib.sha256(flatten(letter.text).flat.encode()).hexdigest(),
            cached=False,
            requests=error.stats.requests,
            prompt_tokens=error.stats.prompt_tokens,
            completion_tokens=error.stats.completion_tokens,
            latency_s=round(error.stats.latency_s, 3),
            max_tokens=budget,
            error=str(error),
            error_kind=error.kind,
        )

    def ask(self, letter: LoadedLetter, max_tokens: int | None = None) -> tuple[LLMLetter, LLMRun]:
        """The validated, grounded LLM answer for one letter, from the cache when possible."""
        text = flatten(letter.text)
        rendered = self.prompt.render(text.flat)
        config = self.client.config
        max_tokens = max_tokens or config.max_tokens or DEFAULT_MAX_TOKENS
        input_hash = hashlib.sha256(text.flat.encode()).hexdigest()
        params = {
            "temperature": config.temperature,
            "max_tokens": max_tokens,
            "mode": config.mode.value,
            "reasks": config.reasks,
            "schema": SCHEMA_HASH,
        }
        endpoint = "local" if self.name == "local" else config.base_url  # the local port changes every run
        key = cache_key(
            model=self.model_id, base_url=endpoint, prompt_hash=self.template_hash, input_hash=input_hash, params=params
        )
        grounder = Grounder(text)
        run = LLMRun(
            backend=self.name,
            model=self.model_id,
            base_url=config.base_url,
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
            output = LLMLetter.model_validate(hit.response).ground(grounder)
            run.cached = True
            self.cache.log(replace(log, cached=True))
            return output, run
        try:
            output, stats = self.client.structured(rendered.messages, LLMLetter, max_tokens=max_tokens)
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
        self.cache.put(
            key,
            model=self.model_id,
            prompt_hash=self.template_hash,
            input_hash=input_hash,
            params=params,
            response=output.model_dump(mode="json"),
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
        )
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


@contextmanager
def open_extractor(
    backend: Backend,
    config: LLMConfig | None = None,
    prompt: str = "extract",
    model_path: Path | None = None,
    cache: ResponseCache | None = None,
    check_server: bool = True,
) -> Iterator[Extractor]:
    """The extractor for `backend`; for `local`, the llama.cpp server lives as long as the block."""
    if backend is Backend.RULES:
        yield RulesExtractor()
        return
    template = load_prompt(prompt)
    config = config or LLMConfig()
    own_cache = cache is None
    cache = cache or ResponseCache()
    try:
        if config.letter_timeout_s is None:
            config = config.with_(letter_timeout_s=LETTER_TIMEOUT_S[backend.value])
        if backend is Backend.LOCAL:
            with LocalServer(model_path) as server:

                def restarted() -> LLMClient:
                    server.restart()  # an abandoned request would keep the server generating
                    return LLMClient(local_settings(config, server.base_url))

                size = server.model_path.stat().st_size
                yield LLMExtractor(
                    LLMClient(local_settings(config, server.base_url)),
                    template,
                    cache,
                    name="local",
                    log_text=config.log_text,
                    model_id=f"local:{server.model_path.name}:{size}",
                    on_timeout=restarted,
                )
        else:
            config.check()
            client = LLMClient(config)
            if check_server:
                client.check_server()
            yield LLMExtractor(client, template, cache, name="openai", log_text=config.log_text)
    finally:
        if own_cache:
            cache.close()
