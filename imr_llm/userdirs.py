"""The user's cache folder, where imr-llm keeps what it makes once per machine (the ICD-10-CM index, the
compiled cue database, the model-response cache): `$XDG_CACHE_HOME/imr-llm`, else `~/.cache/imr-llm`. An
empty XDG_CACHE_HOME counts as unset, as the XDG spec says."""

from __future__ import annotations

import os
from pathlib import Path


def cache_folder() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "imr-llm"
