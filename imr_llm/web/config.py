"""What a server runs with: the workspace, where it listens, who may connect, which backend reads
letters, and the upload limits. One frozen object, built by `imr-llm serve` (or a test) and handed
to `create_app`, so nothing in the app reads flags or the environment on its own."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from imr_llm.loaders import MAX_BYTES
from imr_llm.loaders.images import MAX_PAGES

TOKEN_ENV = "IMR_LLM_SERVE_TOKEN"
MIN_TOKEN_CHARS = 16


@dataclass(frozen=True)
class Limits:
    """Upload limits, each refused with a message that names it."""

    file_bytes: int = MAX_BYTES  # one file (the loaders refuse more anyway)
    request_bytes: int = 200 * 1024 * 1024  # one upload request, all files together
    files: int = 100  # files in one upload (a batch)
    pages: int = MAX_PAGES  # pages of one letter (PDF pages, TIFF frames, photos)
    paste_chars: int = 300_000  # pasted letter text


@dataclass(frozen=True)
class Settings:
    workspace: Path
    host: str = "127.0.0.1"
    port: int = 8000
    token: str | None = None  # required when `host` is not loopback (see `imr-llm serve --help`)
    backend: str = "rules"  # rules | openai | local
    destination: str = ""  # where letter text goes, in words ("" for rules: nowhere)
    workers: int = 2  # background threads reading letters
    limits: Limits = field(default_factory=Limits)
    reviewer: str = "reviewer"  # default name in the audit log until the reviewer gives theirs

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: only this machine can connect."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
