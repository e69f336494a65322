"""Background reading: a fax is read page by page and the page count reaches the letter's status; the
OCR step the progress hook wraps still exists (if it is renamed, this fails and says so)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed (pip install 'imr-llm[web]')")

from starlette.testclient import TestClient

from imr_llm.web import Settings, create_app
from tests.conftest import SAMPLES
from tests.web_support import Gate, csrf_of, wait_until


def test_the_ocr_step_the_progress_hook_wraps_exists() -> None:
    from imr_llm.web import progress

    assert progress.install(), (
        "imr_llm.loaders.ocr._read_page is gone: per-page progress in imr-llm serve needs a per-page hook "
        "(update imr_llm/web/progress.py)"
    )


def test_a_fax_shows_each_page_as_it_is_read(tmp_path: Path) -> None:
    gate = Gate("reading page 2 of 2")
    app = create_app(Settings(workspace=tmp_path / "ws", workers=1), step_hook=gate)
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        token = csrf_of(client.get("/").text)
        tif = (SAMPLES / "synth-2016-basic.tif").read_bytes()
        sent = client.post(
            "/upload",
            data={"csrf": token, "mode": "letters"},
            files={"files": ("fax.tif", tif)},
            follow_redirects=False,
        )
        letter = sent.headers["location"]
        assert gate.reached.wait(120), gate.stages
        held = client.get(f"{letter}/status.json").json()
        assert held["status"] == "reading" and held["stage"] == "reading page 2 of 2 (OCR)"
        assert held["pages_total"] == 2 and held["pages_done"] == 1
        page = client.get(letter).text  # the page answers at once while the letter is being read
        assert "reading page 2 of 2 (OCR)" in page and "1 of 2 page(s) read" in page
        gate.release.set()
        done = wait_until(lambda: (s := client.get(f"{letter}/status.json").json())["finished"] and s, "the fax")
        assert done["status"] == "done"
        assert gate.stages[:3] == ["reading the letter", "reading page 1 of 2 (OCR)", "read page 1 of 2"]
        assert "read page 2 of 2" in gate.stages and gate.stages[-1] == "writing the summaries"
        html = client.get(letter).text
        assert "read as ocr, 2 page(s)" in html
        assert "Upheld: not approved" in html and "Overturned: approved" in html
