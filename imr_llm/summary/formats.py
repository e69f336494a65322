"""What a summary is rendered as: its own module, so the CLI names the formats without loading the
renderer (jinja2, the reading grades) and the renderer and the summary model share it without a cycle."""

from __future__ import annotations

from enum import StrEnum


class Format(StrEnum):
    MD = "md"
    TXT = "txt"
    HTML = "html"
    JSON = "json"
