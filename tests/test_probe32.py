"""The thirty-second hostile probe (47 cases on the round's code): what it found wrong, each tested both ways.

- A decision corrected by hand in the review page against what its rationale plainly concludes ("overturned" over
  "... is not medically necessary") gave the worker "This is approved" with the denial's sentence as the reason, and
  no caution.
- A server's error echoing the API key as hex in groups (as `xxd` prints) or as bits kept it on stderr, in the record
  and in the call log.
- Deleting the workspace while an upload's body was arriving gave that upload a 500 (every other route says 410).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imr_llm import summarize
from imr_llm.llm.config import scrub_error
from imr_llm.parser import parse_text
from imr_llm.schema import LetterRecord
from tests.conftest import SAMPLES

BASIC = (SAMPLES / "synth-2016-basic.txt").read_text(encoding="utf-8")


def _corrected(record: dict[str, Any], value: str | None) -> dict[str, Any]:
    from imr_llm.web.review import corrected

    audit = [{"action": "correct", "path": "disputed_items.0.decision", "new": json.dumps(value)}]
    return corrected(record, audit)  # type: ignore[arg-type]


def test_a_decision_corrected_against_its_rationale_is_cautioned_on_the_workers_page() -> None:
    record = parse_text(BASIC).model_dump(mode="json")
    assert record["disputed_items"][0]["decision"] == "upheld"  # its rationale denies the therapy
    fixed = _corrected(record, "overturned")
    assert fixed["disputed_items"][0]["decision"] == "overturned"  # the person's correction stands
    assert any(w.startswith("item 1: its decision was corrected by hand") for w in fixed["warnings"]), fixed["warnings"]
    assert fixed["needs_review"] is True
    page = summarize(LetterRecord.model_validate(fixed), "en")
    item = page.items[0]
    # wrong before: "This is approved" with the reviewer's denial sentence as its "Why", and nothing said
    assert any("corrected by hand" in w for w in item.warnings), item.warnings
    assert "MTUS guidelines support a short course" not in item.reason.text + (item.reason.quote or "")
    assert page.checks is not None and page.checks.passed


def test_a_correction_that_agrees_with_the_rationale_says_nothing() -> None:
    record = parse_text(BASIC).model_dump(mode="json")
    record["disputed_items"][0]["decision"] = None  # an unread decision, as a scan may leave it
    record["disputed_items"][0]["medically_necessary"] = None
    fixed = _corrected(record, "upheld")  # the rationale's own verdict
    assert not any("corrected by hand" in w for w in fixed["warnings"]), fixed["warnings"]
    assert fixed["disputed_items"][0]["reason"] == record["disputed_items"][0]["reason"]
    # and a decision corrected against it is cautioned the same way from an unread start
    assert any("corrected by hand" in w for w in _corrected(record, "overturned")["warnings"])


KEY = "sk-proj-Zq7TsecretKEY123456"


@pytest.mark.parametrize(
    "echo",
    [
        KEY.encode().hex(" ", 2),  # "736b 2d70 ...", as xxd prints it
        KEY.encode().hex(" ", 4),
        " ".join(format(b, "08b") for b in KEY.encode()),  # bits, a byte at a time
    ],
)
def test_a_key_echoed_as_grouped_hex_or_bits_is_removed(echo: str) -> None:
    out = scrub_error(f"401: key {echo} is not valid", KEY)
    assert "[removed]" in out and "key" in out and "is not valid" in out, out
    assert echo[:14] not in out and echo[-9:] not in out, out


@pytest.mark.parametrize(
    "message",
    [
        "404: model not found (code 404) at 12:30",
        "request id 5f3a 9b2c failed; retry after 30 s",
        "The model answered 2 of 3 fields.",
    ],
)
def test_an_error_with_ordinary_numbers_is_kept_whole(message: str) -> None:
    assert scrub_error(message, KEY) == message


@pytest.fixture
def web_client(tmp_path: Path) -> Iterator[Any]:
    pytest.importorskip("multipart", reason="python-multipart is not installed")
    from starlette.testclient import TestClient

    from imr_llm.web import Settings, create_app

    app: Any = create_app(Settings(workspace=tmp_path / "ws"))  # type: ignore[operator]
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        yield client


def test_an_upload_whose_workspace_is_deleted_while_its_body_arrives_is_told_410(
    web_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from starlette.requests import Request

    from imr_llm.web.pages import state
    from tests.web_support import csrf_of

    csrf = csrf_of(web_client.get("/").text)
    arrive = Request.form

    def form_then_delete(self: Request, **kwargs: Any) -> Any:
        # the body has arrived; the person deleted the workspace meanwhile (a gate the test holds, not a race)
        state(self).workspace.delete()
        return arrive(self, **kwargs)

    monkeypatch.setattr(Request, "form", form_then_delete)
    response = web_client.post(
        "/upload",
        data={"csrf": csrf, "mode": "letters", "text": ""},
        files=[("files", ("letter.txt", BASIC.encode(), "text/plain"))],
        follow_redirects=False,
    )
    # wrong before: a 500 and a traceback in the server's log
    assert response.status_code == 410, response.status_code
    assert not (tmp_path / "ws").exists()  # nothing of the letter made it to disk


def test_an_upload_to_a_live_workspace_is_still_read(web_client: Any) -> None:
    from tests.web_support import csrf_of

    csrf = csrf_of(web_client.get("/").text)
    response = web_client.post(
        "/upload",
        data={"csrf": csrf, "mode": "letters", "text": ""},
        files=[("files", ("letter.txt", BASIC.encode(), "text/plain"))],
        follow_redirects=False,
    )
    assert response.status_code == 303 and "/letters/" in response.headers["location"]
