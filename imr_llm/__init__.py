"""imr-llm: typed records and plain-language summaries of California IMR Final Determination letters.

    from pathlib import Path
    from imr_llm import parse, summarize
    record = parse(Path("letter.pdf"))           # the deterministic parser: a LetterRecord (a str is letter text)
    summary = summarize(record, lang="es")       # checked plain-language summary
    print(summary.render("md"), summary.checks.passed)

`extract(source, backend="openai" | "local" | "rules")` adds the LLM path; `reader(backend)` opens a
backend once for many letters (see the README).
"""

from imr_llm.api import extract, parse, reader, summarize
from imr_llm.errors import (
    ConfigError,
    ImrError,
    InputError,
    LLMCallError,
    LLMInvalidOutput,
    LLMRefused,
    LLMTimeout,
    LLMTransportError,
    LLMTruncated,
    NotAnImrLetter,
)
from imr_llm.schema import LetterRecord
from imr_llm.summary.model import Summary
from imr_llm.version import VERSION as __version__

__all__ = [
    "ConfigError",
    "ImrError",
    "InputError",
    "LLMCallError",
    "LLMInvalidOutput",
    "LLMRefused",
    "LLMTimeout",
    "LLMTransportError",
    "LLMTruncated",
    "LetterRecord",
    "NotAnImrLetter",
    "Summary",
    "__version__",
    "extract",
    "parse",
    "reader",
    "summarize",
]
