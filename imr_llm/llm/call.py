"""One model call, cached and logged: the one place a structured answer is asked for.

Extraction, the summary rewrite and the Batch API path all ask through `ModelCall.generate`, so the
cache key (one model identity: the model file for the local backend, never its loopback port), the
call-log row, the answers a batch stored (their source), and what a call cost are built once. The
shape is inspect_ai's `Model.generate(cache=...)` and simonw/llm's `log_to_db`: the caller says what
it sends and how an answer is checked; this object decides whether the model is asked at all.
A cache hit never touches the client, so it never starts a local server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from imr_llm.errors import CallStats, LLMCallError, LLMInvalidOutput, LLMNoBatchAnswer, LLMTransportError
from imr_llm.llm.cache import CallLogEntry, ResponseCache, cache_key
from imr_llm.llm.transport import Transport

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class CallRequest:
    """What one call sends and what identifies it in the cache: the prompt's identity (its template,
    independent of the input), the input's hash and the parameters that change the answer."""

    prompt_ref: str  # name@version, as logged
    prompt_hash: str
    messages: list[dict[str, str]]
    input_hash: str
    params: dict[str, Any]
    max_tokens: int | None = None
    logged_text: str | None = None  # the input, in the call log only when the user asked for it


@dataclass
class CallOutcome(Generic[T]):
    answer: T
    key: str
    cached: bool
    stats: CallStats
    source: str | None = None  # where a stored answer came from when not a live call ("batch ID line N")


@dataclass
class ModelCall:
    """The cached, logged structured call for one client. `live=False`: answers come only from the cache
    (filled from Batch API results); a request without one raises LLMNoBatchAnswer with its reason."""

    client: Transport
    cache: ResponseCache | None
    live: bool = True
    no_answer_reasons: dict[str, str] = field(default_factory=dict)  # cache key -> why a batch gave none

    @property
    def model(self) -> str:
        return self.client.identity[0]

    def key(self, request: CallRequest) -> str:
        model, endpoint = self.client.identity
        return cache_key(
            model=model,
            base_url=endpoint,
            prompt_hash=request.prompt_hash,
            input_hash=request.input_hash,
            params=request.params,
        )

    def generate(self, request: CallRequest, schema: type[T], accept: Callable[[T], T] | None = None) -> CallOutcome[T]:
        """The answer from the cache when a stored one still validates (and passes `accept`), else from
        the model. Every call is logged, hit or miss, with what it cost; a failed call raises its
        LLMCallError after logging it; a live answer is stored only after `accept` passed it."""
        accept = accept or (lambda answer: answer)
        key = self.key(request)
        log = CallLogEntry(
            key=key,
            model=self.model,
            prompt=request.prompt_ref,
            prompt_hash=request.prompt_hash,
            input_hash=request.input_hash,
            cached=False,
            status="ok",
            letter_text=request.logged_text,
        )
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is not None and self.cache is not None:
            try:
                answer = accept(schema.model_validate(hit.response))
            except ValidationError:
                self.cache.forget(key)  # a stored answer that no longer validates: ask again
            else:
                self.cache.log(replace(log, cached=True))
                # what the answer cost when it was made (marked cached): a rerun keeps the cost comparison
                stats = CallStats(prompt_tokens=hit.prompt_tokens, completion_tokens=hit.completion_tokens)
                return CallOutcome(answer, key, cached=True, stats=stats, source=hit.source)
        if not self.live:
            reason = self.no_answer_reasons.get(key, "no answer in the batch results")
            raise LLMNoBatchAnswer(f"{reason} (no live call made: --retry-errors --reask-via live asks the model)")
        try:
            answer, stats = self.client.complete(request.messages, schema, max_tokens=request.max_tokens)
            if not isinstance(answer, schema) or not isinstance(stats, CallStats):
                raise LLMInvalidOutput(f"the transport answered {type(answer).__name__}, not {schema.__name__}")
        except LLMCallError as e:
            self._log(replace(log, status=e.kind, error=str(e)), e.stats)
            raise
        except Exception as e:  # a transport's own failure (a plugin's bug, a library error): the model failed
            failed = LLMTransportError(f"the transport failed ({type(e).__name__}: {str(e)[:200]})")
            self._log(replace(log, status=failed.kind, error=str(failed)), failed.stats)
            raise failed from e
        answer = accept(answer)
        self.store(request, answer, (stats.prompt_tokens, stats.completion_tokens))
        self._log(log, stats)
        return CallOutcome(answer, key, cached=False, stats=stats)

    def store(
        self,
        request: CallRequest,
        answer: BaseModel,
        tokens: tuple[int, int],
        source: str | None = None,
        key: str | None = None,
    ) -> None:
        """Keep a validated answer in the response cache (a live call's, or one from a batch, under the key
        its request was sent with)."""
        if self.cache is None:
            return
        self.cache.put(
            key or self.key(request),
            model=self.model,
            prompt_hash=request.prompt_hash,
            input_hash=request.input_hash,
            params=request.params,
            response=answer.model_dump(mode="json"),
            prompt_tokens=tokens[0],
            completion_tokens=tokens[1],
            source=source,
        )

    def forget(self, request: CallRequest) -> None:
        """Drop a stored answer (one the caller found unusable), so the next run asks again."""
        if self.cache is not None:
            self.cache.forget(self.key(request))

    def _log(self, entry: CallLogEntry, stats: CallStats) -> None:
        if self.cache is not None:
            self.cache.log(
                replace(
                    entry,
                    requests=stats.requests,
                    prompt_tokens=stats.prompt_tokens,
                    completion_tokens=stats.completion_tokens,
                    latency_s=stats.latency_s,
                )
            )
