"""The application pipeline: read -> parse -> ask the model -> ground -> cross-check -> merge.

`backends` is the one place that maps a backend name to a transport and opens the extractor over it;
`extraction` holds what every extractor returns; `llm_extractor` is the LLM path (prepare, the cached
call, finish), imported only when an LLM backend opens.
"""

from __future__ import annotations

from imr_llm.pipeline.backends import (
    BACKENDS,
    Backend,
    BackendOptions,
    get_backend,
    open_extractor,
    open_transport,
    register_backend,
)
from imr_llm.pipeline.extraction import Extraction, Extractor, ExtractorSpec, RulesExtractor

__all__ = [
    "BACKENDS",
    "Backend",
    "BackendOptions",
    "Extraction",
    "Extractor",
    "ExtractorSpec",
    "RulesExtractor",
    "get_backend",
    "open_extractor",
    "open_transport",
    "register_backend",
]
