"""One structured-output call, done reliably and accounted for.

Two retry layers with different jobs:
- transport (tenacity, here): timeouts, connection errors, 429 and 5xx are
  retried with exponential backoff and jitter, honouring Retry-After;
- content (instructor's re-ask): output that fails validation is sent back with
  the errors, a bounded number of times.
A truncated answer (finish_reason "length", or as many completion tokens as
max_tokens: llama.cpp reports "tool_calls" even then) is a failure, never a
record. Every HTTP attempt's tokens and latency are counted, failed ones too.

The OpenAI SDK's client and instructor's around it are built on the first live request, not with the
client: an answer served from the response cache never builds them (a cached rerun of
`extract --backend local` is the command's start-up), and this module imports the SDKs only then.
"""

from __future__ import annotations

import contextvars
import email.utils
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from imr_llm.errors import (
    CallStats,
    ConfigError,
    LLMCallError,
    LLMInvalidOutput,
    LLMRefused,
    LLMTimeout,
    LLMTransportError,
    LLMTruncated,
)
from imr_llm.llm.config import DEFAULT_MAX_TOKENS, LLMConfig, scrub_error, scrub_secrets
from imr_llm.llm.deadline import IDENTITY, ResponseTooLarge, bound_requests, refuse_compressed, request_deadline
from imr_llm.llm.speedups import for_instructor

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletion

T = TypeVar("T", bound=BaseModel)

# instructor logs every failed attempt at ERROR; we report failures ourselves, in one line
logging.getLogger("instructor").addHandler(logging.NullHandler())
logging.getLogger("instructor").propagate = False


MAX_ANSWER_BYTES = 16 * 2**20  # a valid answer (the schema bounds every string) is a few hundred KB at most


class _BudgetSpent(Exception):
    """Raised inside a call when the letter's deadline has passed (never retried)."""


_current_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("imr_llm_deadline", default=None)


_current_stats: contextvars.ContextVar[CallStats | None] = contextvars.ContextVar("imr_llm_call_stats", default=None)


def _root_cause(error: BaseException) -> BaseException:
    from instructor.core.exceptions import InstructorRetryException

    while isinstance(error, InstructorRetryException) and error.__cause__ is not None:
        error = error.__cause__
    return error


def _too_large(error: BaseException) -> ResponseTooLarge | None:
    """The size bound's refusal behind `error` (the SDK reports it as a connection error), if it was one."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, ResponseTooLarge):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def is_transport_error(error: BaseException) -> bool:
    import openai

    if _too_large(error) is not None:
        return False  # asking again would read the same flood
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
        pass
    try:  # an HTTP date; anything else (garbage) means exponential backoff
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return max(0.0, when.timestamp() - time.time()) if when else None


def transport_wait(max_wait_s: float) -> Callable[[RetryCallState], float]:
    backoff = wait_exponential_jitter(multiplier=0.5, max=max_wait_s, jitter=0.5)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(error) if error else None
        seconds = min(hinted, max_wait_s) if hinted is not None else float(backoff(state))
        deadline = _current_deadline.get()
        if deadline is not None:  # never sleep past the letter's budget
            seconds = max(0.0, min(seconds, deadline - time.monotonic()))
        return seconds

    return wait


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


class LLMClient:
    """An OpenAI-compatible endpoint wrapped by instructor, with our retry and accounting."""

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self._sdk: tuple[openai.OpenAI, Any] | None = None  # made on the first live request
        self._sdk_lock = threading.Lock()  # a batch's threads share one client

    @property
    def _openai(self) -> openai.OpenAI:
        return self._clients()[0]

    @property
    def _instructor(self) -> Any:
        return self._clients()[1]

    def _clients(self) -> tuple[openai.OpenAI, Any]:
        with self._sdk_lock:
            if self._sdk is None:
                self._sdk = _sdk_clients(self.config)
            return self._sdk

    def scrub(self, message: str) -> str:
        """An error message without the API key or credentials in it (servers echo request headers)."""
        return scrub_error(message, *self.config.secrets)

    @property
    def identity(self) -> tuple[str, str]:
        """(model, endpoint) as cache keys and call logs name them: one identity for every caller."""
        return self.config.model, self.config.display_url

    def check_server(self) -> list[str]:
        """Fail early with what to fix: server unreachable, key refused, model not served."""
        import openai

        try:
            with request_deadline(10.0, MAX_ANSWER_BYTES):
                models = [m.id for m in self._openai.with_options(timeout=10.0).models.list()]
        except openai.AuthenticationError as e:
            raise ConfigError(f"{self.config.display_url} refused the API key (401): check OPENAI_API_KEY") from e
        except openai.NotFoundError:
            return []  # some servers do not list models; the first call will tell
        except openai.APIConnectionError as e:
            too_large = _too_large(e)
            if too_large is not None:
                raise ConfigError(f"{self.config.display_url} listing its models: {too_large}") from e
            raise ConfigError(
                f"cannot reach {self.config.display_url} ({self.scrub(_short(e))}): start the server or fix "
                "--base-url / IMR_LLM_BASE_URL"
            ) from e
        except openai.APIStatusError as e:
            raise ConfigError(
                f"{self.config.display_url} answered {e.status_code} to /models: {self.scrub(_short(e))}"
            ) from e
        if models and self.config.model not in models:
            shown = ", ".join(models[:8]) + (" ..." if len(models) > 8 else "")
            raise ConfigError(
                f"model {self.config.model!r} is not served at {self.config.display_url}; available: {shown} "
                "(set --model or IMR_LLM_MODEL)"
            )
        return models

    def restart(self) -> LLMClient:
        """Nothing to stop on a remote server: an abandoned request ends with its connection."""
        return self

    def close(self) -> None:
        """The SDK's connections close with the process; nothing is started here."""

    def complete(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        max_tokens: int | None = None,
        budget_s: float | None = None,
    ) -> tuple[T, CallStats]:
        """One validated answer, or an LLMCallError subclass. Stats cover every attempt.

        `max_tokens` caps each answer (default: the config's); `budget_s` bounds the wall time of all
        attempts together (transport retries, re-asks, waits): when it runs out, LLMTimeout.
        No `context` goes to instructor: it would render our messages (letter text included) as
        Jinja templates. Checks that need the letter run after this returns.
        """
        stats = CallStats()
        token = _current_stats.set(stats)
        config = self.config
        max_tokens = max_tokens or config.max_tokens or DEFAULT_MAX_TOKENS
        budget_s = budget_s if budget_s is not None else config.letter_timeout_s
        deadline = time.monotonic() + budget_s if budget_s else None
        deadline_token = _current_deadline.set(deadline)

        def before_sleep(state: RetryCallState) -> None:
            stats.transport_retries += 1

        stop: stop_base = stop_after_attempt(config.transport_attempts)
        if budget_s:
            stop = stop | stop_after_delay(budget_s)
        retrying = Retrying(
            stop=stop,
            retry=retry_if_exception(lambda e: is_transport_error(e) and not _expired(deadline)),
            wait=transport_wait(config.max_wait_s),
            before_sleep=before_sleep,
            reraise=True,
        )
        seeded: dict[str, Any] = {"seed": config.seed} if config.seed is not None else {}
        try:
            for attempt in retrying:
                with attempt:
                    result = self._instructor.chat.completions.create(
                        model=config.model,
                        response_model=for_instructor(response_model),
                        messages=messages,
                        max_retries=config.reasks,
                        max_tokens=max_tokens,
                        temperature=config.temperature,
                        **seeded,
                    )
                    stats.reasks = max(0, stats.requests - 1 - stats.transport_retries)
                    return result, stats
            raise AssertionError("unreachable")  # pragma: no cover
        except Exception as e:
            error = _classify(e, stats, max_tokens, budget_s, deadline)
            if isinstance(error, LLMCallError):
                message = str(error) if config.log_text else redact(str(error), messages)  # no letter text
                error = type(error)(self.scrub(message), error.stats)  # never the key a server echoed
            raise error from e
        finally:
            stats.reasks = max(stats.reasks, 0)
            _current_stats.reset(token)
            _current_deadline.reset(deadline_token)


def _sdk_clients(config: LLMConfig) -> tuple[openai.OpenAI, Any]:
    """The OpenAI SDK's client for `config`, counting every request, and instructor's around it."""
    import instructor
    import openai
    from instructor.core.exceptions import IncompleteOutputException

    from imr_llm.llm.speedups import memoize_async_validator_check

    # the SDK's own defaults (limits, redirects); an answer as it is, so the size bound counts its bytes
    http_client = openai.DefaultHttpxClient(headers=IDENTITY, event_hooks={"response": [refuse_compressed]})
    bound_requests(http_client)  # --timeout bounds a whole request, not each read (a trickling server)
    sdk = openai.OpenAI(
        base_url=config.base_url,
        api_key=config.api_key or "not-needed",
        max_retries=0,  # transport retries are ours (tenacity), so they are counted and capped
        timeout=config.timeout_s,
        http_client=http_client,
    )
    completions = sdk.chat.completions

    def counted_create(**kwargs: Any) -> Any:
        stats = _current_stats.get()
        remaining = _remaining(_current_deadline.get())
        request_s = float(kwargs.get("timeout") or config.timeout_s)
        if remaining is not None:
            if remaining <= 0:
                raise _BudgetSpent()
            # no single request may outlive the letter's budget
            request_s = min(request_s, remaining)
            kwargs["timeout"] = request_s
        started = time.perf_counter()
        if stats is not None:
            stats.requests += 1  # a server error seen before is kept: the budget may end during the next request
        try:
            # the whole request, however slowly the answer comes, and no bigger than an answer can be
            with request_deadline(request_s, MAX_ANSWER_BYTES):
                response = _post_chat_completion(sdk, kwargs)
        except openai.APIStatusError as e:  # the server answered, with an error: said if the budget then ends
            if stats is not None:
                stats.server_error = _short(e)
            raise
        finally:
            if stats is not None:
                stats.latency_s += time.perf_counter() - started
        _scrub_answer(response, config.secrets)
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
    return sdk, instructor.from_openai(sdk, mode=config.instructor_mode)


def _scrub_answer(response: Any, secrets: tuple[str, ...]) -> None:
    """A server (or a proxy) that echoes the API key inside a normal answer: the key is removed from the
    answer's text and its tool-call arguments before anything reads, checks, caches or shows them."""
    if not secrets:
        return
    for choice in getattr(response, "choices", None) or []:
        message = getattr(choice, "message", None)
        if message is None:
            continue
        if isinstance(getattr(message, "content", None), str):
            message.content = scrub_secrets(message.content, *secrets)
        for call in getattr(message, "tool_calls", None) or []:
            function = getattr(call, "function", None)
            if function is not None and isinstance(getattr(function, "arguments", None), str):
                function.arguments = scrub_secrets(function.arguments, *secrets)


_WINDOW = 24  # a run of this many characters of the prompt inside an error message is letter text


def redact(message: str, messages: list[dict[str, str]]) -> str:
    """`message` cut where it starts quoting the prompt (a server that echoes its input): letters are
    medical records, and error messages go to stderr, the batch output and the call log."""
    prompt = " ".join(" ".join(m.get("content", "").split()) for m in messages)
    flat = " ".join(message.split())[:2000]
    windows = {prompt[i : i + _WINDOW] for i in range(max(0, len(prompt) - _WINDOW + 1))}
    for start in range(0, max(0, len(flat) - _WINDOW) + 1):
        if flat[start : start + _WINDOW] in windows:
            return flat[:start].rstrip(" :'\"") + " [letter text removed]"
    return message


def _expired(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() >= deadline


def _classify(
    error: Exception, stats: CallStats, max_tokens: int, budget_s: float | None, deadline: float | None
) -> Exception:
    """The LLMCallError subclass for what went wrong (other exceptions pass through)."""
    import openai
    from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException

    cause = _root_cause(error)
    if isinstance(cause, _BudgetSpent) or (_expired(deadline) and is_transport_error(error)):
        if stats.server_error:
            # the server answered with errors until the budget ran out: a failing server, not a hang, whether the
            # budget ended between two attempts or during the last one (on a busy machine a quick 500 can still be
            # in flight then: which of the two it was is timing, and must not change the kind)
            return LLMTransportError(
                f"server failed {stats.requests} time(s) within the letter's time budget ({budget_s:.0f} s): "
                f"{stats.server_error}",
                stats,
            )
        return LLMTimeout(f"no valid answer within the letter's time budget ({budget_s:.0f} s)", stats)
    too_large = _too_large(error)
    if too_large is not None:
        return LLMTransportError(f"{too_large} (at most {MAX_ANSWER_BYTES // 2**20} MB)", stats)
    if isinstance(cause, IncompleteOutputException) or isinstance(error, IncompleteOutputException):
        return LLMTruncated(f"answer truncated at max_tokens={max_tokens} (raise --max-tokens)", stats)
    if isinstance(error, InstructorRetryException):
        if is_transport_error(error):
            return LLMTransportError(f"server failed {stats.requests} time(s): {_short(cause)}", stats)
        if isinstance(cause, openai.APIStatusError):
            # a 401, 403, 404 or 400 from the server is its refusal, not a model's answer that failed to validate
            return LLMRefused(f"server refused the request ({cause.status_code}): {_short(cause)}", stats)
        return LLMInvalidOutput(f"output still invalid after {stats.requests} attempt(s): {_short(error)}", stats)
    if isinstance(error, openai.APIError):
        kind = LLMTransportError if is_transport_error(error) else LLMRefused
        return kind(f"server error after {stats.requests} attempt(s): {_short(error)}", stats)
    return error


_OPTION_KEYS = {"extra_headers": "headers", "extra_query": "params", "timeout": "timeout"}


def _post_chat_completion(client: openai.OpenAI, kwargs: dict[str, Any]) -> ChatCompletion:
    """POST /chat/completions through the client's documented `post` for raw bodies.

    Same request as `chat.completions.create`, minus its recursive parameter transform, which
    costs a sizeable share of our client's CPU per letter (benchmarks/llm_overhead.py); instructor has
    already built a plain JSON body. Retries, auth, timeouts and error types are the client's.
    """
    from openai import NOT_GIVEN
    from openai._utils import is_given
    from openai.types.chat import ChatCompletion

    body = {k: v for k, v in kwargs.items() if k not in _OPTION_KEYS and k != "extra_body" and is_given(v)}
    body.update(kwargs.get("extra_body") or {})
    options: Any = {_OPTION_KEYS[k]: kwargs[k] for k in _OPTION_KEYS if is_given(kwargs.get(k, NOT_GIVEN))}
    response: ChatCompletion = client.post("/chat/completions", body=body, cast_to=ChatCompletion, options=options)
    return response


def _short(error: BaseException) -> str:
    """One line about an error; for a failed re-ask, the last validation problem."""
    import openai
    from instructor.core.exceptions import InstructorRetryException

    cause = error.__cause__ if isinstance(error, InstructorRetryException) else None
    if isinstance(cause, ValidationError) and cause.errors():
        first = cause.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "output"
        return f"{where}: {first['msg']}"[:200]
    if cause is not None and not isinstance(error, openai.APIError):
        error = cause
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]
