"""One structured-output call, done reliably and accounted for.

Two retry layers with different jobs:
- transport (tenacity, here): timeouts, connection errors, 429 and 5xx are
  retried with exponential backoff and jitter, honouring Retry-After;
- content (instructor's re-ask): output that fails validation is sent back with
  the errors, a bounded number of times.
A truncated answer (finish_reason "length", or as many completion tokens as
max_tokens: llama.cpp reports "tool_calls" even then) is a failure, never a
record. Every HTTP attempt's tokens and latency are counted, failed ones too.
"""

from __future__ import annotations

import contextvars
import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from openai import NOT_GIVEN
from openai._utils import is_given
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from imr_llm.errors import ConfigError, ImrError
from imr_llm.llm.config import LLMConfig
from imr_llm.llm.speedups import memoize_async_validator_check

T = TypeVar("T", bound=BaseModel)

# instructor logs every failed attempt at ERROR; we report failures ourselves, in one line
logging.getLogger("instructor").addHandler(logging.NullHandler())
logging.getLogger("instructor").propagate = False


@dataclass
class CallStats:
    """Counted over every HTTP attempt of one logical call."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    transport_retries: int = 0
    reasks: int = 0


class LLMCallError(ImrError):
    """The LLM call failed for good; `kind` says how (for batch failure reports)."""

    def __init__(self, kind: str, message: str, stats: CallStats | None = None) -> None:
        super().__init__(message)
        self.kind = kind  # "transport" | "invalid_output" | "truncated" | "refused"
        self.stats = stats or CallStats()  # what the failed attempts cost


_current_stats: contextvars.ContextVar[CallStats | None] = contextvars.ContextVar("imr_llm_call_stats", default=None)


def _root_cause(error: BaseException) -> BaseException:
    while isinstance(error, InstructorRetryException) and error.__cause__ is not None:
        error = error.__cause__
    return error


def is_transport_error(error: BaseException) -> bool:
    cause = _root_cause(error)
    if isinstance(cause, openai.APIConnectionError | openai.RateLimitError | openai.InternalServerError):
        return True  # APITimeoutError is an APIConnectionError
    return isinstance(cause, openai.APIStatusError) and cause.status_code >= 500


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's Retry-After (seconds or HTTP date; or retry-after-ms), if any."""
    cause = _root_cause(error)
    response = getattr(cause, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    if headers.get("retry-after-ms"):
        try:
            return float(headers["retry-after-ms"]) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else None


def transport_wait(max_wait_s: float) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential_jitter(multiplier=0.5, max=max_wait_s, jitter=0.5)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(error) if error else None
        return min(hinted, max_wait_s) if hinted is not None else float(backoff(state))

    return wait


class LLMClient:
    """An OpenAI-compatible endpoint wrapped by instructor, with our retry and accounting."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self._openai = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "not-needed",
            max_retries=0,  # transport retries are ours (tenacity), so they are counted and capped
            timeout=config.timeout_s,
        )
        completions = self._openai.chat.completions
        client = self._openai

        def counted_create(**kwargs: Any) -> Any:
            stats = _current_stats.get()
            started = time.perf_counter()
            if stats is not None:
                stats.requests += 1
            try:
                response = _post_chat_completion(client, kwargs)
            finally:
                if stats is not None:
                    stats.latency_s += time.perf_counter() - started
            usage = getattr(response, "usage", None)
            if stats is not None and usage is not None:
                stats.prompt_tokens += usage.prompt_tokens or 0
                stats.completion_tokens += usage.completion_tokens or 0
            choices = getattr(response, "choices", None) or []
            limit = kwargs.get("max_tokens")
            hit_limit = bool(limit and usage is not None and (usage.completion_tokens or 0) >= limit)
            if choices and (choices[0].finish_reason == "length" or hit_limit):
                raise IncompleteOutputException(last_completion=response)
            return response

        completions.create = counted_create  # type: ignore[method-assign]
        memoize_async_validator_check()
        self._instructor = instructor.from_openai(self._openai, mode=config.instructor_mode)

    def check_server(self) -> list[str]:
        """Fail early with what to fix: server unreachable, key refused, model not served."""
        try:
            models = [m.id for m in self._openai.with_options(timeout=10.0).models.list()]
        except openai.AuthenticationError as e:
            raise ConfigError(f"{self.config.base_url} refused the API key (401): check OPENAI_API_KEY") from e
        except openai.NotFoundError:
            return []  # some servers do not list models; the first call will tell
        except openai.APIConnectionError as e:
            raise ConfigError(
                f"cannot reach {self.config.base_url} ({_short(e)}): start the server or fix --base-url / "
                "IMR_LLM_BASE_URL"
            ) from e
        except openai.APIStatusError as e:
            raise ConfigError(f"{self.config.base_url} answered {e.status_code} to /models: {_short(e)}") from e
        if models and self.config.model not in models:
            shown = ", ".join(models[:8]) + (" ..." if len(models) > 8 else "")
            raise ConfigError(
                f"model {self.config.model!r} is not served at {self.config.base_url}; available: {shown} "
                "(set --model or IMR_LLM_MODEL)"
            )
        return models

    def structured(self, messages: list[dict[str, str]], response_model: type[T]) -> tuple[T, CallStats]:
        """One validated answer, or LLMCallError. Stats cover every attempt.

        No `context` goes to instructor: it would render our messages (letter text included) as
        Jinja templates. Checks that need the letter run after this returns.
        """
        stats = CallStats()
        token = _current_stats.set(stats)
        config = self.config

        def before_sleep(state: RetryCallState) -> None:
            stats.transport_retries += 1

        retrying = Retrying(
            stop=stop_after_attempt(config.transport_attempts),
            retry=retry_if_exception(is_transport_error),
            wait=transport_wait(config.max_wait_s),
            before_sleep=before_sleep,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    result = self._instructor.chat.completions.create(
                        model=config.model,
                        response_model=response_model,
                        messages=messages,  # type: ignore[arg-type]
                        max_retries=config.reasks,
                        max_tokens=config.max_tokens,
                        temperature=config.temperature,
                    )
                    stats.reasks = max(0, stats.requests - 1 - stats.transport_retries)
                    return result, stats
            raise AssertionError("unreachable")  # pragma: no cover
        except IncompleteOutputException as e:
            raise LLMCallError(
                "truncated", f"answer truncated at max_tokens={config.max_tokens} (raise --max-tokens)", stats
            ) from e
        except InstructorRetryException as e:
            if is_transport_error(e):
                raise LLMCallError(
                    "transport", f"server failed {stats.requests} time(s): {_short(_root_cause(e))}", stats
                ) from e
            raise LLMCallError(
                "invalid_output", f"output still invalid after {stats.requests} attempt(s): {_short(e)}", stats
            ) from e
        except openai.APIError as e:
            kind = "transport" if is_transport_error(e) else "refused"
            raise LLMCallError(kind, f"server error after {stats.requests} attempt(s): {_short(e)}", stats) from e
        finally:
            stats.reasks = max(stats.reasks, 0)
            _current_stats.reset(token)


_OPTION_KEYS = {"extra_headers": "headers", "extra_query": "params", "timeout": "timeout"}


def _post_chat_completion(client: openai.OpenAI, kwargs: dict[str, Any]) -> ChatCompletion:
    """POST /chat/completions through the client's documented `post` for raw bodies.

    Same request as `chat.completions.create`, minus its recursive parameter transform, which
    costs a sizeable share of our client's CPU per letter (benchmarks/llm_overhead.py); instructor has
    already built a plain JSON body. Retries, auth, timeouts and error types are the client's.
    """
    body = {k: v for k, v in kwargs.items() if k not in _OPTION_KEYS and k != "extra_body" and is_given(v)}
    body.update(kwargs.get("extra_body") or {})
    options: Any = {_OPTION_KEYS[k]: kwargs[k] for k in _OPTION_KEYS if is_given(kwargs.get(k, NOT_GIVEN))}
    response: ChatCompletion = client.post("/chat/completions", body=body, cast_to=ChatCompletion, options=options)
    return response


def _short(error: BaseException) -> str:
    """One line about an error; for a failed re-ask, the last validation problem."""
    cause = error.__cause__ if isinstance(error, InstructorRetryException) else None
    if isinstance(cause, ValidationError) and cause.errors():
        first = cause.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "output"
        return f"{where}: {first['msg']}"[:200]
    if cause is not None and not isinstance(error, openai.APIError):
        error = cause
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]
