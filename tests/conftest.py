"""Shared fixtures. Tests that need the real letters skip when ../shared is absent."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
SHARED = REPO.parent / "shared" / "letters"
DEV = SHARED / "dev"
UNLABELED = SHARED / "unlabeled"

needs_shared = pytest.mark.skipif(
    not DEV.is_dir(), reason=f"real letters not found at {SHARED} (the ../shared checkout is absent)"
)
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext not installed")


def sample_names() -> list[str]:
    return sorted(p.name[: -len(".gold.json")] for p in SAMPLES.glob("*.gold.json"))


def load_gold(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def sample_text() -> str:
    return (SAMPLES / "synth-2016-basic.txt").read_text()
