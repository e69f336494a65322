"""Errors the CLI turns into one-line messages (never tracebacks)."""

from __future__ import annotations


class ImrError(Exception):
    """Base for every error a user can cause with their input or configuration."""


class InputError(ImrError):
    """The file cannot be read (missing, a folder, encrypted, no text, bad encoding...)."""


class NotAnImrLetter(ImrError):
    """The text is readable but is not an IMR Final Determination letter."""


class ConfigError(ImrError):
    """The LLM backend is not configured or cannot be reached."""
