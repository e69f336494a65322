"""Summary languages, by code: one `Language` object each (see `base.py`).

Add a language by writing a `Language` subclass and registering it here (or from your own
code with `register_language`); an unknown code fails loudly, never falls back.
"""

from __future__ import annotations

from imr_llm.errors import ConfigError
from imr_llm.summary.languages.base import Counts, Language, Readability, Section
from imr_llm.summary.languages.en import English
from imr_llm.summary.languages.es import Spanish

LANGUAGES: dict[str, Language] = {}


def register_language(language: Language) -> Language:
    LANGUAGES[language.code] = language
    return language


def get_language(code: str) -> Language:
    try:
        return LANGUAGES[code]
    except KeyError:
        raise ConfigError(f"unknown summary language {code!r}; available: {', '.join(sorted(LANGUAGES))}") from None


register_language(English())
register_language(Spanish())

__all__ = ["LANGUAGES", "Counts", "Language", "Readability", "Section", "get_language", "register_language"]
