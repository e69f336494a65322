"""Summary languages, by code: one catalogue file each (`en.toml`, `es.toml`), worded by `base.Language`.

A language is added by a catalogue: a TOML file beside these, or one a plugin package ships and
registers (`register_language(load_language(text, origin))`, or the `imr_llm.languages` entry point,
see `imr_llm.registry`). An unknown code fails loudly, never falls back.
"""

from __future__ import annotations

from importlib import resources

from imr_llm.registry import Registry
from imr_llm.summary.languages.base import Counts, Language, Readability, Section
from imr_llm.summary.languages.catalogue import Catalogue, load_catalogue

LANGUAGES: Registry[Language] = Registry("imr_llm.languages", "summary language")


def load_language(text: str, origin: str) -> Language:
    return Language(load_catalogue(text, origin))


def register_language(language: Language) -> Language:
    return LANGUAGES.register(language.code, language)


def get_language(code: str) -> Language:
    return LANGUAGES.get_or_fail(code)


for _file in sorted(resources.files(__name__).iterdir(), key=lambda p: p.name):
    if _file.name.endswith(".toml"):
        register_language(load_language(_file.read_text(encoding="utf-8"), f"imr_llm/summary/languages/{_file.name}"))

__all__ = [
    "LANGUAGES",
    "Catalogue",
    "Counts",
    "Language",
    "Readability",
    "Section",
    "get_language",
    "load_language",
    "register_language",
]
