"""What a backend is: a transport that answers one structured request, and says who answered.

Everything above a transport is shared by every backend: the prompt and the request (`LLMExtractor.prepare`),
the cache and the call log (`ModelCall.generate`), grounding, the cross-check and the merge
(`LLMExtractor.finish`), and, for a backend that speaks OpenAI's Batch API file format (`Backend.batch_files`),
its request files and answers. A backend only moves a request to a model and back, so a new one
(another SDK, an in-house gateway) implements this protocol and registers a `Backend` whose
`open_client` yields it (`imr_llm.pipeline.backends`); nothing else changes.

`LLMClient` (any OpenAI-compatible server, through instructor) and `LocalClient` (llama.cpp's server on
loopback, started on the first live request) are the two built in.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from pydantic import BaseModel

from imr_llm.errors import CallStats
from imr_llm.llm.config import LLMConfig

T = TypeVar("T", bound=BaseModel)


class Transport(Protocol):
    config: LLMConfig  # what the request is sent with (model, endpoint, budgets, retries)

    @property
    def identity(self) -> tuple[str, str]:
        """(model, endpoint) as cache keys, call logs and records name them: stable across runs (the local
        backend's model file, never its loopback port)."""
        ...

    def complete(
        self,
        messages: list[dict[str, str]],
        response_model: type[T],
        max_tokens: int | None = None,
        budget_s: float | None = None,
    ) -> tuple[T, CallStats]:
        """One validated answer and what it cost, or an `LLMCallError` subclass (stats on it)."""
        ...

    def check_server(self) -> list[str]:
        """Fail early (`ConfigError`) with what to fix; the models served, when the server lists them."""
        ...

    def restart(self) -> Transport:
        """After a timeout: stop work nobody waits for (a local server still generating) and return the
        transport to use next (itself when there is nothing to stop)."""
        ...

    def close(self) -> None: ...
