"""Shared fixtures. Tests that need the real letters skip when ../shared is absent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imr_llm.summary.translate import available as translation_available

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
# the professional review sample's rationale title reads its outcome ("... IS/WAS NOT MEDICALLY NECESSARY"); a test
# that turns the sample into an approval turns its title with it (a title at odds with the conclusion decides nothing)
_DENYING_TITLE = "IS/WAS NOT\nMEDICALLY NECESSARY:"


def approving_title(review: str) -> str:
    assert _DENYING_TITLE in review
    return review.replace(_DENYING_TITLE, "IS/WAS\nMEDICALLY NECESSARY:")


SHARED = REPO.parent / "shared" / "letters"
DEV = SHARED / "dev"
UNLABELED = SHARED / "unlabeled"

needs_shared = pytest.mark.skipif(
    not DEV.is_dir(), reason=f"real letters not found at {SHARED} (the ../shared checkout is absent)"
)


def _ocr_ready() -> bool:
    from imr_llm.errors import ImrError
    from imr_llm.loaders.ocr import tessdata

    try:
        return bool(tessdata())
    except ImrError:
        return False


# OCR runs in process (tesserocr); what it needs from the system is Tesseract's trained data (.ci/run installs it)
needs_tesseract = pytest.mark.skipif(
    not _ocr_ready(), reason="Tesseract's English data not installed (sudo apt-get install tesseract-ocr-eng)"
)
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler's pdftotext not installed")
needs_apertium = pytest.mark.skipif(
    not translation_available("eng-spa"),
    reason="Apertium's English-Spanish pair not installed (sudo apt-get install apertium-eng-spa)",
)


def sample_names() -> list[str]:
    return sorted(p.name[: -len(".gold.json")] for p in SAMPLES.glob("*.gold.json"))


def load_gold(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="session", autouse=True)
def _isolated_from_the_developer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads the developer's LLM settings or opens their real model-call cache: the session (and every
    process a test starts) gets a cache file of its own and no endpoint, key or prompt folder from the shell."""
    names = (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "IMR_LLM_BASE_URL",
        "IMR_LLM_MODEL",
        "IMR_LLM_API_KEY",
        "IMR_LLM_PROMPTS",
    )
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    before = os.environ.get("IMR_LLM_CACHE")
    os.environ["IMR_LLM_CACHE"] = str(tmp_path_factory.mktemp("llm-cache") / "cache.sqlite")
    try:
        yield
    finally:
        os.environ.update(saved)
        if before is None:
            os.environ.pop("IMR_LLM_CACHE", None)
        else:
            os.environ["IMR_LLM_CACHE"] = before


@pytest.fixture(scope="session")
def renderings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of scan, fax and photo renderings for the whole session: each is made once (they are
    seeded, so every test sees the same bytes) and tests only read them."""
    return tmp_path_factory.mktemp("renderings")


@pytest.fixture
def sample_text() -> str:
    return (SAMPLES / "synth-2016-basic.txt").read_text()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")


def chromium_render(page: Path, workdir: Path, size: str = "1000,1600") -> tuple[bytes, str]:
    """A real render in headless Chromium: (PNG screenshot bytes, DOM text)."""
    assert CHROMIUM is not None
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={workdir / 'chromium-profile'}",
    ]
    shot = workdir / "screenshot.png"
    subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", f"--window-size={size}", page.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = subprocess.run(
        [CHROMIUM, *flags, "--dump-dom", page.as_uri()], check=True, capture_output=True, text=True, timeout=120
    ).stdout
    return shot.read_bytes(), dom
