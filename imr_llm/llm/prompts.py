"""Versioned Jinja2 prompt templates: prompts/NAME/VERSION/{system.j2,user.j2,prompt.toml}.

`--prompt NAME[@VERSION]` picks one (the highest version when none is given). The
hash of the rendered messages is stored with every result, so evals can tell
prompt versions apart even when a template is edited in place.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import resource
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from imr_llm.errors import ConfigError

DEFAULT_PROMPT = "extract@1"


def prompts_dir() -> Path:
    """$IMR_LLM_PROMPTS, else the prompts shipped with the package (the top-level prompts/ folder of
    the repository, installed as the package `imr_llm.prompts`)."""
    env = os.environ.get("IMR_LLM_PROMPTS")
    if env and not Path(env).is_dir():
        raise ConfigError(f"IMR_LLM_PROMPTS {env}: no such folder (it holds the prompt templates NAME/VERSION/)")
    return Path(env) if env else Path(str(resources.files("imr_llm.prompts")))


@dataclass(frozen=True)
class RenderedPrompt:
    name: str
    version: str
    messages: list[dict[str, str]]
    hash: str  # sha256 of the rendered messages


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    version: str
    folder: Path
    description: str = ""
    variables: dict[str, Any] = field(default_factory=dict)
    examples: tuple[Path, ...] = ()  # few-shot example letters (answers built by the parser)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def render(self, letter: str, examples: list[dict[str, str]] | None = None, **extra: Any) -> RenderedPrompt:
        """The messages for one letter. `examples` ([{letter, answer}]) fill a few-shot prompt's loop:
        the pipeline builds them from `self.examples` (imr_llm.pipeline.examples)."""
        env = _environment(self.folder)
        values = {**self.variables, **extra, "letter": letter, "examples": examples or []}
        try:
            messages = [
                {"role": role, "content": _bounded(env.get_template(f"{role}.j2"), values).strip()}
                for role in ("system", "user")
            ]
        except (
            jinja2.TemplateError,
            OverflowError,
            ArithmeticError,
            TypeError,
            ValueError,
            RecursionError,
            MemoryError,
        ) as e:
            # SecurityError (the sandbox said no), syntax, undefined names; a range or a product past the sandbox's
            # bounds, or more steps than a prompt takes; an operation on the wrong type; a macro calling itself; a
            # string too large to make at all
            raise ConfigError(f"prompt {self.ref}: the template cannot be rendered ({type(e).__name__}: {e})") from e
        too_long = [m["role"] for m in messages if len(m["content"]) > MAX_PROMPT_CHARS]
        if too_long:
            raise ConfigError(
                f"prompt {self.ref}: the template renders a {too_long[0]} message longer than {MAX_PROMPT_CHARS:,} "
                "characters (a letter and its prompt are far shorter); it is not sent"
            )
        digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).hexdigest()
        return RenderedPrompt(self.name, self.version, messages, digest)


@functools.lru_cache(maxsize=64)
def _environment(folder: Path) -> jinja2.Environment:
    """One environment per template folder: templates compile once, not on every letter. Sandboxed
    (jinja2.sandbox): a template cannot reach Python internals (`''.__class__.__mro__`, `os.environ`
    through an object's globals), so a prompt folder from elsewhere cannot read secrets into a prompt."""
    return _BoundedSandbox(
        loader=_ConfinedLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
        auto_reload=False,
    )


MAX_PRODUCT = 1_000_000  # the longest string or list a template's "*" or "**" may make (a prompt is a few pages)
MAX_STEPS = 2_000_000  # lines of a template's own code one render may run (a prompt takes a few thousand)
MAX_RENDER_S = 20.0  # one render's time (a prompt renders in milliseconds)
MAX_RENDER_GROWTH = 512 << 20  # more memory at its peak than one render may add (a prompt is a few pages)
# the longest message a prompt may render: a letter is cut at 250,000 characters, and a few-shot prompt holds a few
MAX_PROMPT_CHARS = 4_000_000


class _TooManySteps(OverflowError):
    pass


def _bounded(template: jinja2.Template, values: dict[str, Any]) -> str:
    """`template` rendered, stopped after MAX_STEPS lines of the template's own code, MAX_RENDER_S seconds or
    MAX_RENDER_GROWTH more memory: loops within the sandbox's bounds can still nest ("range(100000)" in
    "range(100000)" ran past every budget), a string or list doubled in a loop took 24 GB, and `range(99999)|sum` in
    each step ran past `--letter-timeout`. Checked from the interpreter's trace hook, which works in any thread (a web
    app's render is not in the main thread), at each line of the template and each call it makes; the hook that was
    set (a coverage tool's) is put back."""
    left = [MAX_STEPS]
    name = template.filename
    until = time.monotonic() + MAX_RENDER_S
    peak = _peak_memory() + MAX_RENDER_GROWTH

    def check() -> None:
        if time.monotonic() > until:
            raise _TooManySteps(f"the template runs past {MAX_RENDER_S:.0f} s")
        if _peak_memory() > peak:
            raise _TooManySteps(f"the template takes more than {MAX_RENDER_GROWTH >> 20:,} MB")

    def step(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            left[0] -= 1
            if left[0] < 0:
                raise _TooManySteps(f"the template runs past {MAX_STEPS:,} steps")
            check()
        return step

    def call(frame: Any, event: str, arg: Any) -> Any:
        check()
        return step if frame.f_code.co_filename == name else None

    before = sys.gettrace()
    sys.settrace(call)
    try:
        return template.render(**values)
    finally:
        sys.settrace(before)


def _peak_memory() -> int:
    """The process's peak resident memory, in bytes (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


_UNBOUNDED_FILTERS = ("center", "format", "indent", "wordwrap")


def _bounded_join(join: Callable[..., str]) -> Callable[..., str]:
    """Jinja's `join`, refused before it joins past MAX_PROMPT_CHARS: one call (`range(100000)|list|join("x" * 999)`)
    made a 100 MB prompt, or a MemoryError, with no line of the template run in between to check."""

    @jinja2.pass_eval_context
    def bounded(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
        items = list(value)
        size = len(str(d)) * max(0, len(items) - 1)
        if size > MAX_PROMPT_CHARS or sum(len(str(x)) for x in items) + size > MAX_PROMPT_CHARS:
            raise OverflowError(f"a join past {MAX_PROMPT_CHARS:,} characters in a template")
        return join(eval_ctx, items, d, attribute)

    return bounded


class _BoundedSandbox(SandboxedEnvironment):
    """Jinja's sandbox, with its documented hook for operators (`intercepted_binops`, `call_binop`) bounding
    "*", "**" and "%": `"a" * 10**10` in a template would take all memory before any check of the prompt's size."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name in _UNBOUNDED_FILTERS:  # each pads to a width the template gives: no prompt needs them
            self.filters.pop(name, None)
        self.filters["join"] = _bounded_join(self.filters["join"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(left, (int, float)) and isinstance(right, (int, float)) and abs(right) > 64:
                raise OverflowError("a power past 64 in a template")
        elif operator == "%" and isinstance(left, str):
            if any(int(width) > MAX_PRODUCT for width in re.findall(r"%[-+ #0]*(\d+)", left)):
                raise OverflowError(f"a format width past {MAX_PRODUCT:,} in a template")
        elif operator == "*":
            sizes = [len(x) for x in (left, right) if isinstance(x, (str, list, tuple))]
            counts = [x for x in (left, right) if isinstance(x, int) and not isinstance(x, bool)]
            if sizes and counts and sizes[0] * max(counts[0], 0) > MAX_PRODUCT:
                raise OverflowError(f"a repeated string or list past {MAX_PRODUCT:,} items in a template")
        return super().call_binop(context, operator, left, right)


class _ConfinedLoader(jinja2.FileSystemLoader):
    """Templates of one prompt folder only: an `{% include %}` of a file that is a link out of it (to a secret)
    is refused, as an `examples` entry that leaves the folder is."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.folder = folder

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        if not _inside(Path(filename), self.folder):
            raise jinja2.TemplateNotFound(f"{template} (it leads out of the prompt's folder)")
        return source, filename, uptodate


_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")  # a NAME or a VERSION: one folder, never ".."


def _versions(root: Path, name: str) -> list[str]:
    if not _PART.match(name):
        return []
    folder = root / name
    if not folder.is_dir() or not _inside(folder, root):
        return []
    found = [p.name for p in folder.iterdir() if _PART.match(p.name) and (p / "prompt.toml").is_file()]
    return sorted(found, key=lambda v: (len(v), v))


def _inside(path: Path, root: Path) -> bool:
    """Whether `path` stays inside `root` once links are resolved (a prompt is read only from its folder)."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):
        return False


def available_prompts(root: Path | None = None) -> list[str]:
    root = root or prompts_dir()
    return sorted(f"{p.name}@{v}" for p in root.iterdir() if p.is_dir() for v in _versions(root, p.name))


def _meta(path: Path, ref: str) -> dict[str, Any]:
    """A prompt's prompt.toml, its fields of the types the loader reads; ConfigError naming what is wrong."""
    try:
        meta = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"prompt {ref}: prompt.toml cannot be read ({type(e).__name__}: {e})") from None
    kinds: dict[str, type | tuple[type, ...]] = {
        "variables": dict,
        "examples": list,
        "description": str,
        "templates_from": str,
    }
    for key, kind in kinds.items():
        if key in meta and not isinstance(meta[key], kind):
            raise ConfigError(f"prompt {ref}: prompt.toml's {key!r} has the wrong type")
    if not all(isinstance(e, str) for e in meta.get("examples", [])):
        raise ConfigError(f"prompt {ref}: prompt.toml's 'examples' must be file names")
    return meta


def load_prompt(ref: str = DEFAULT_PROMPT, root: Path | None = None, _depth: int = 0) -> PromptTemplate:
    """The template for NAME or NAME@VERSION; ConfigError naming the choices when unknown."""
    root = root or prompts_dir()
    name, _, version = ref.partition("@")
    versions = _versions(root, name)
    if version and not _PART.match(version):
        raise ConfigError(f"unknown prompt '{ref}': a version is a folder name (letters, digits, '.', '_', '-')")
    if not versions or (version and version not in versions):
        choices = ", ".join(available_prompts(root)) if root.is_dir() else f"none ({root} not found)"
        raise ConfigError(f"unknown prompt '{ref}'; available: {choices}")
    version = version or versions[-1]
    folder = root / name / version
    meta = _meta(folder / "prompt.toml", f"{name}@{version}")
    variables = dict(meta.get("variables", {}))
    examples = tuple((folder / e).resolve() for e in meta.get("examples", []))  # beside the prompt
    outside = [str(e) for e in examples if not _inside(e, folder)]
    if outside:
        raise ConfigError(f"prompt {name}@{version}: example letters must be in its own folder: {', '.join(outside)}")
    templates_from = meta.get("templates_from")
    if templates_from:
        if _depth >= 8:
            raise ConfigError(f"prompt {name}@{version}: templates_from goes round in a circle ({templates_from})")
        base = load_prompt(str(templates_from), root, _depth + 1)
        folder = base.folder
        variables = {**base.variables, **variables}
        examples = examples if "examples" in meta else base.examples
    missing = [str(p) for p in examples if not p.is_file()]
    if missing:
        raise ConfigError(f"prompt {name}@{version}: example letter not found: {', '.join(missing)}")
    return PromptTemplate(name, version, folder, meta.get("description", ""), variables, examples)
