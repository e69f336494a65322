"""The web app's pure parts: evidence pieces, field labels, correction values, the gold file's shape."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed (pip install 'imr-llm[web]')")

from imr_llm.web.config import Limits, is_loopback
from imr_llm.web.gold import gold_of
from imr_llm.web.highlight import anchor, label, pieces
from imr_llm.web.review import BadValue, FieldSpec, corrected, parse_value, review_fields
from imr_llm.web.sniff import Rejected, sniff


def test_pieces_cover_the_text_and_know_every_field_over_them() -> None:
    text = "Case CM1. Decision rationale: no records. End"
    evidence = {"case_number": {"start": 5, "end": 8}, "rationale": {"start": 10, "end": 41}}
    evidence["reason"] = {"start": 30, "end": 41}
    out = pieces(text, evidence)
    assert "".join(p.text for p in out) == text
    by_text = {p.text: p for p in out}
    assert by_text["CM1"].paths == ("case_number",) and by_text["CM1"].starts == ("case_number",)
    assert by_text["no records."].paths == ("reason", "rationale")  # most specific first
    assert by_text[" End"].paths == ()


def test_spans_out_of_range_are_left_out() -> None:
    out = pieces("abc", {"x": {"start": 2, "end": 9}, "y": {"start": 1, "end": 1}})
    assert [p.paths for p in out] == [()]


def test_labels_and_anchors() -> None:
    assert label("disputed_items.0.reason.sentences.1") == "Item 1 · reason sentence 2"
    assert label("diagnoses.2") == "diagnosis 3"
    assert anchor("disputed_items.0.request") == "disputed_items.0.request"
    assert anchor('a"b <c>') == "a-b--c-"


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        ("date", " 2016-12-30 ", "2016-12-30"),
        ("int", "47", 47),
        ("sex", "Female", "female"),
        ("decision", "OVERTURNED", "overturned"),
        ("lines", "lumbar strain\n\n sleep disturbance \n", ["lumbar strain", "sleep disturbance"]),
        ("topics", "indication, other", ["indication", "other"]),
        ("text", "  MRI   of the  knee ", "MRI of the knee"),
        ("text", "", None),
    ],
)
def test_corrections_are_read_by_kind(kind: str, raw: str, value: object) -> None:
    assert parse_value(FieldSpec("p", "P", kind, "g"), raw) == value  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "raw"), [("date", "12/30/2016"), ("int", "-3"), ("decision", "denied"), ("topics", "money")]
)
def test_bad_corrections_say_what_is_expected(kind: str, raw: str) -> None:
    with pytest.raises(BadValue):
        parse_value(FieldSpec("p", "P", kind, "g"), raw)  # type: ignore[arg-type]


def test_a_corrected_decision_carries_its_finding_and_word() -> None:
    from imr_llm import parse
    from tests.conftest import SAMPLES

    record = parse(SAMPLES / "synth-2016-basic.txt").model_dump(mode="json")
    rows = [{"action": "correct", "path": "disputed_items.0.decision", "new": '"overturned"'}]
    rows.append({"action": "correct", "path": "disputed_items.0.reason.topics", "new": '["other"]'})
    fixed = corrected(record, rows)  # type: ignore[arg-type]
    item = fixed["disputed_items"][0]
    assert (item["decision"], item["medically_necessary"], item["decision_text"]) == ("overturned", True, "Overturned")
    assert item["reason"]["topic"] == "other"
    gold = gold_of(fixed, "n")
    assert gold["disputed_items"][0]["reason_topics"] == ["other"]
    assert [f.path for f in review_fields(record)][:2] == ["case_number", "decision_date"]


def test_sniffing_reads_bytes() -> None:
    limits = Limits()
    assert sniff("x.pdf", b"hello letter text", limits).kind == "text"
    with pytest.raises(Rejected, match="empty"):
        sniff("x.txt", b"", limits)
    with pytest.raises(Rejected, match="cannot open this PDF"):
        sniff("x.txt", b"%PDF-1.4 broken", limits)


def test_loopback_hosts() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.2", "example.org", "::"))


def test_serve_refuses_what_it_cannot_do_in_one_line_before_starting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`serve --port 99999` printed a 37-line traceback; a port in use, uvicorn's four lines; a workspace
    that is a file, an internal error. Each is now one line, exit 2, and nothing is made (run through the
    console-script entry point, as a user runs it)."""
    import socket
    import sys

    from imr_llm.cli import run

    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for args, says in (
            (["--port", "99999"], "imr-llm serve: Invalid value for '--port'"),
            ([str(a_file)], "is a file; give a folder"),
            ([str(tmp_path / "ws"), "--port", str(port)], f"cannot listen on 127.0.0.1 port {port}"),
            ([str(a_file / "ws"), "--port", "0"], "cannot be made or opened"),
            ([str(tmp_path / "ws"), "--workers", "0"], "Invalid value for '--workers'"),
        ):
            monkeypatch.setattr(sys, "argv", ["imr-llm", "serve", *args])
            with pytest.raises(SystemExit) as stop:
                run()
            err = capsys.readouterr().err
            assert stop.value.code == 2, err
            assert len(err.strip().splitlines()) == 1 and says in err
    assert not (tmp_path / "ws").exists() and a_file.read_text() == "x"
