"""The twenty-third hostile probe: each case it found, the wrong outcome it must no longer give and the right one it
must keep. Letters are the synthetic samples."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.fake_openai_server import Behaviour, fake_server
from tests.test_hardening_round3 import LETTER, SAMPLES, cli, letters, llm_flags

# -- data loss ---------------------------------------------------------------------------------------------------


def _records(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8-sig").splitlines() if line.strip()]


def test_a_records_file_saved_with_a_byte_order_mark_keeps_its_first_record(tmp_path: Path) -> None:
    letters(tmp_path / "gone", 1)
    letters(tmp_path / "in", 1, SAMPLES / "synth-2014.txt")
    out = tmp_path / "r.jsonl"
    assert cli("batch", str(tmp_path / "gone"), "--out", str(out), "--no-progress").returncode == 0
    assert cli("batch", str(tmp_path / "in"), "--out", str(out), "--no-progress").returncode == 0
    first = _records(out)[0]["source"]
    for f in (tmp_path / "gone").iterdir():
        f.unlink()
    out.write_bytes(b"\xef\xbb\xbf" + out.read_bytes())  # an editor's byte-order mark
    result = cli("batch", str(tmp_path / "in"), "--out", str(out), "--no-progress")
    # wrong: the first record (a letter no longer at hand, so never redone) dropped as "not a record"
    assert result.returncode == 0 and "unreadable line" not in result.stderr, result.stderr
    assert _records(out)[0]["source"] == first and len(_records(out)) == 2


def test_retrying_errors_leaves_other_inputs_records_alone(tmp_path: Path) -> None:
    letters(tmp_path / "A", 1)
    letters(tmp_path / "B", 1, SAMPLES / "synth-2014.txt")
    out = tmp_path / "r.jsonl"
    with fake_server(Behaviour("500")) as server:
        flags = ["--backend", "openai", *llm_flags(server.base_url, tmp_path / "c.sqlite"), "--no-cache"]
        flags += ["--no-progress", "--letter-timeout", "4", "--timeout", "2"]
        cli("batch", str(tmp_path / "A"), str(tmp_path / "B"), "--out", str(out), *flags)
        assert len(_records(out)) == 2 and all(r.get("llm") for r in _records(out))
        cli("batch", str(tmp_path / "A"), "--out", str(out), *flags, "--retry-errors")
    paths = sorted(str(r["source"]["path"]) for r in _records(out))  # type: ignore[index]
    # wrong: B's record (the parser's, its model call failed) dropped by a run that does not read B, never redone
    assert len(paths) == 2 and any("/B/" in p for p in paths), paths


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_an_input_unreadable_on_a_rerun_keeps_its_record_and_summary(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    letter = tmp_path / "in" / "a.txt"
    letter.write_text(LETTER.read_text())
    out, summaries = tmp_path / "r.jsonl", tmp_path / "sum"
    args = ["batch", str(tmp_path / "in"), "--out", str(out), "--summaries", str(summaries), "--no-progress"]
    assert cli(*args).returncode == 0
    before, pages = out.read_text(), sorted(summaries.iterdir())
    letter.unlink()
    os.mkfifo(letter)  # the same name, now something that cannot be read as a letter
    result = cli(*args)
    # wrong: its good record replaced by an error record "as its content changed", and its summary removed
    assert result.returncode == 1 and "earlier records kept" in " ".join(result.stderr.split()), result.stderr
    assert out.read_text() == before and sorted(summaries.iterdir()) == pages
