"""Errors the CLI turns into one-line messages (never tracebacks), and what a failed LLM call cost."""

from __future__ import annotations

from dataclasses import dataclass


class ImrError(Exception):
    """Base for every error a user can cause with their input, their configuration or their model."""


class InputError(ImrError):
    """The file cannot be read (missing, a folder, encrypted, no text, bad encoding...)."""


class NotAnImrLetter(ImrError):
    """The text is readable but is not an IMR Final Determination letter."""


class ConfigError(ImrError):
    """The LLM backend is not configured or cannot be reached, or an option is wrong."""


@dataclass
class CallStats:
    """Counted over every HTTP attempt of one logical LLM call."""

    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    transport_retries: int = 0
    reasks: int = 0
    server_error: str | None = None  # the last HTTP error status the server answered, in one line (None: none)


class LLMCallError(ImrError):
    """The LLM call failed for good. Each way it fails is a subclass; `kind` names it in reports."""

    kind = "error"

    def __init__(self, message: str, stats: CallStats | None = None) -> None:
        super().__init__(message)
        self.stats = stats or CallStats()  # what the failed attempts cost


class LLMTransportError(LLMCallError):
    """Timeouts, connection errors, 429 and 5xx, after every retry."""

    kind = "transport"


class LLMInvalidOutput(LLMCallError):
    """The answer still failed validation after the re-asks."""

    kind = "invalid_output"


class LLMNoBatchAnswer(LLMCallError):
    """A batch gave no valid answer for this letter and no live call was allowed."""

    kind = "no_batch_answer"


class LLMTruncated(LLMCallError):
    """The answer was cut at max_tokens."""

    kind = "truncated"


class LLMRefused(LLMCallError):
    """The server refused the request (4xx other than 429)."""

    kind = "refused"


class LLMTimeout(LLMCallError):
    """The letter's time budget ran out before a valid answer came."""

    kind = "timeout"


class ProviderError(ImrError):
    """A model provider answered something the tool cannot act on (an undocumented batch status): the run
    stops with what it has kept; not the user's setting to fix (exit 1, not 2)."""


class OutputError(ImrError):
    """An output could not be written (disk full, a read-only folder): what was written so far is kept."""


class Terminated(KeyboardInterrupt):
    """SIGTERM (`kill PID`): the run stops as it does on Ctrl-C, keeping what is done (the CLI exits 143)."""
