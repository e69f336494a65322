"""Eval suites: a small TOML file naming letters with gold, a backend and prompt, scorers, thresholds.

name = "dev-rules"
gold = "../../shared/letters/dev"     # a folder in the gold format, relative to this file
inputs = ["txt", "pdf"]               # which versions of each letter to run (see "Inputs" below)
letters = []                          # optional subset by name; [] = all
backend = "rules"                     # rules | openai | local
prompt = "extract@1"
model = ""                            # openai backend (else IMR_LLM_MODEL)
concurrency = 4
scorers = ["fields", "items", "diagnoses", "guidelines", "grounding", "agreement", "summary", "cost"]
[[variants]]                          # optional: a matrix, every variant over the same letters
name = "p1"                           # each may set prompt, model, backend, base_url, mode,
prompt = "extract@1"                  # max_tokens, temperature
[[variants]]
name = "p2"
prompt = "extract@2"
[thresholds.min]                      # metric >= value
key_field_accuracy = 0.98
[thresholds.max]                      # metric <= value
summary_grade_median = 6.0

Inputs: which version of each letter is read.

- "txt", "pdf": NAME.txt / NAME.pdf beside NAME.gold.json.
- A rendering of NAME.pdf made by our own deterministic code (imr_llm/evals/renderings.py), read by OCR:
  "scan", "fax", "photo" and the seeded variants ("scan-b", "fax-fine", "photo-curl", ...). The variants
  come in two groups, `RENDERING_GROUPS` there: "development" (evals/dev-scans.toml; tune on these) and
  "held-out" (evals/dev-scans-heldout.toml; report only, nobody tunes on them).
- Your own scans, kept beside the gold file and read by OCR (a letter without one is left out):
    "image":       NAME.tif, .tiff, .png, .jpg, .jpeg, .webp, .gif or .bmp (imr_llm.suffixes; a multi-page
                   TIFF is one letter); each such file present is one input;
    "scanned-pdf": NAME.scan.pdf, a scanned PDF (pages as images, no text layer; one with a text layer is
                   read like any PDF, from that text);
    "pages":       a folder NAME.pages/ of photos or scans of the pages of ONE letter (.jpg, .jpeg, .png,
                   .tif, .tiff, .webp), read in name order with numbers compared as numbers (IMG_9 before
                   IMG_10); other files in it are ignored.
  e.g. NAME.gold.json with NAME.tif, NAME.scan.pdf and NAME.pages/p1.jpg, p2.jpg, and in the suite
  inputs = ["image", "scanned-pdf", "pages"]: three inputs of that letter. Suffixes match in any case.
An input name that is none of these fails when the suite is loaded, with the list of known ones.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from imr_llm.errors import ConfigError
from imr_llm.llm.prompts import DEFAULT_PROMPT
from imr_llm.regular import read_text

TEXT_INPUTS = ("txt", "pdf")
KEPT_INPUTS = ("image", "scanned-pdf", "pages")  # your own scans beside the gold (see the module docstring)
SCANNED_PDF_SUFFIX = ".scan.pdf"

DEFAULT_SCORERS = ("fields", "items", "diagnoses", "guidelines", "grounding", "agreement", "summary", "reasons", "cost")


def input_kinds() -> tuple[str, ...]:
    """Every input a suite may name: text and PDF, your own scans, and every registered rendering."""
    from imr_llm.evals.renderings import RENDERERS

    return (*TEXT_INPUTS, *KEPT_INPUTS, *RENDERERS)


def _known_backend(name: str) -> str:
    from imr_llm.pipeline.backends import BACKENDS

    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; available: {', '.join(BACKENDS)}")
    return name


class Variant(BaseModel):
    """One cell of a matrix run: what differs from the suite (prompt, model, backend, server, mode...)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.@-]+$")
    prompt: str | None = None
    model: str | None = None
    backend: str | None = None
    base_url: str | None = None
    mode: Literal["auto", "tools", "json_schema", "json"] | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)

    def overrides(self) -> dict[str, object]:
        """The Suite fields this variant replaces."""
        fields = ("prompt", "model", "backend", "base_url", "max_tokens")
        return {f: getattr(self, f) for f in fields if getattr(self, f) is not None}


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")  # "[thresholds.mim]" is a typo, never a gate that silently passes

    min: dict[str, float] = Field(default_factory=dict)
    max: dict[str, float] = Field(default_factory=dict)


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")  # "[threshold.min]" is a typo, never a gate that silently passes

    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,99}$")  # a file name (run files): never a path
    description: str = ""
    gold: str
    inputs: list[str] = Field(default=["txt"])  # see "Inputs" in the module docstring
    letters: list[str] = Field(default_factory=list)
    limit: int = Field(default=0, ge=0)
    backend: str = "rules"
    prompt: str = DEFAULT_PROMPT
    model: str = ""
    base_url: str = ""
    max_tokens: int = 0
    concurrency: int = Field(default=4, ge=1, le=256)
    scorers: list[str] = Field(default_factory=lambda: list(DEFAULT_SCORERS))
    thresholds: Thresholds = Field(default_factory=Thresholds)
    variants: list[Variant] = Field(default_factory=list)  # a matrix: every variant over the same letters
    allow_errors: bool = False  # True: letters that errored do not fail the run by themselves
    epochs: int = Field(default=1, ge=1, le=50)  # repeats of every letter (a model's own randomness), `--repeat`
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    seed: int | None = None  # the first repeat's seed (each repeat adds one)
    variant: str | None = None  # in a run file: which variant this run was
    prices: str = ""  # price table, relative to this file (default: the package's, imr_llm/llm/prices.toml)
    path: str = ""  # where the suite was loaded from (filled in by load_suite)

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, name: str) -> str:
        return _known_backend(name)

    @field_validator("inputs")
    @classmethod
    def _known_inputs(cls, names: list[str]) -> list[str]:
        from imr_llm.evals.renderings import RENDERERS

        unknown = [n for n in names if n not in input_kinds()]
        if unknown:
            raise ValueError(
                f"unknown input(s) {', '.join(map(repr, unknown))}; available: {', '.join(TEXT_INPUTS)}; "
                f"your own scans: {', '.join(KEPT_INPUTS)}; renderings: {', '.join(RENDERERS)}"
            )
        if len(set(names)) != len(names):
            raise ValueError("inputs must not repeat")
        return names

    @field_validator("scorers")
    @classmethod
    def _known_scorers(cls, names: list[str]) -> list[str]:
        from imr_llm.evals.metrics import SCORERS

        unknown = [n for n in names if n not in SCORERS]
        if unknown:
            raise ValueError(f"unknown scorer(s) {', '.join(unknown)}; available: {', '.join(SCORERS)}")
        return names

    @field_validator("variants")
    @classmethod
    def _unique_variants(cls, variants: list[Variant]) -> list[Variant]:
        names = [v.name for v in variants]
        if len(set(names)) != len(names):
            raise ValueError("variant names must be unique")
        for v in variants:
            if v.backend is not None:
                _known_backend(v.backend)
        return variants

    def gold_dir(self) -> Path:
        return (Path(self.path).parent / self.gold).resolve()

    def prices_file(self) -> Path | None:
        return (Path(self.path).parent / self.prices).resolve() if self.prices else None


def load_suite(path: Path) -> Suite:
    try:
        data = tomllib.loads(read_text(path))
    except FileNotFoundError as e:
        raise ConfigError(f"suite not found: {path}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"cannot read suite {path}: not UTF-8 text") from e
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"cannot read suite {path}: {e}") from e
    try:
        suite = Suite.model_validate({**data, "path": str(path.resolve())})
    except ValidationError as e:
        first = e.errors()[0]
        raise ConfigError(f"suite {path}: {'.'.join(map(str, first['loc']))}: {first['msg']}") from e
    if not suite.gold_dir().is_dir():
        raise ConfigError(f"suite {suite.name}: gold folder not found: {suite.gold_dir()}")
    return suite
