"""Measured, narrow speed-ups for instructor's per-call overhead and for start-up.

instructor re-checks the response model for async validators on every call (a full walk of
the model's type tree, several times per call): about half of our client's CPU per letter
(benchmarks/llm_overhead.py). Our models are fixed classes, so the answer never changes: we
memoise it per class. If instructor moves the function, nothing is patched and all still works.

The answer schemas are plain pydantic models (`CachedSchemaModel`): instructor's schema base pulls in the
whole OpenAI SDK (about 1 s), which an answer read from the response cache never needs. The class
instructor is given is made from ours once, on the first live request or request file (`for_instructor`);
instructor would otherwise make a new one on every call.
"""

from __future__ import annotations

import copy
import functools
import importlib
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

_MODULES = (
    "instructor.v2.validation.async_validators",
    "instructor.v2.core.patch",
    "instructor.v2.core.client",
    "instructor.v2.core.retry",
)
_patched = False


def memoize_async_validator_check() -> None:
    global _patched
    if _patched:
        return
    _patched = True
    try:
        source = importlib.import_module(_MODULES[0])
    except ImportError:
        return
    original: Callable[[Any], None] | None = getattr(source, "reject_async_validators", None)
    if original is None:
        return
    checked: set[Any] = set()

    @functools.wraps(original)
    def once_per_class(response_model: Any) -> None:
        if isinstance(response_model, type):
            if response_model in checked:
                return
            original(response_model)
            checked.add(response_model)
        else:
            original(response_model)

    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if getattr(module, "reject_async_validators", None) is original:
            module.reject_async_validators = once_per_class  # type: ignore[attr-defined]


_SCHEMAS: dict[Any, dict[str, Any]] = {}


class CachedSchemaModel(BaseModel):
    """A model whose JSON schema is built once per class: instructor asks for it on every call, and building
    it costs more than the rest of our client work together."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        key = (cls, args, tuple(sorted(kwargs.items())))
        if key not in _SCHEMAS:
            _SCHEMAS[key] = super().model_json_schema(*args, **kwargs)
        return copy.deepcopy(_SCHEMAS[key])


@functools.cache
def for_instructor(model: type[Any]) -> type[Any]:
    """`model` with instructor's schema base (the tool's name, description and schema are `model`'s), made
    once per class."""
    import instructor

    return instructor.openai_schema(model)
