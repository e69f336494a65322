"""Every kind of bad input in tests/bad_inputs.py: one clear line (or a correct record), never a
traceback; and in a batch, exactly one output line per input, with the run never stopped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bad_inputs import KINDS, BadInput, one_line
from tests.cli import run_cli


def test_the_corpus_has_at_least_twenty_kinds() -> None:
    assert len(KINDS) >= 20


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_parse_handles(kind: BadInput, tmp_path: Path) -> None:
    path = kind.build(tmp_path)
    result = run_cli("parse", str(path))
    assert "Traceback" not in result.stderr
    if kind.error is not None:
        assert result.returncode == 1
        assert result.stdout == ""
        assert one_line(result.stderr), result.stderr
        assert kind.error in result.stderr, result.stderr
        assert str(path) in result.stderr
    else:
        assert kind.check is not None
        assert result.returncode == 0, result.stderr
        assert kind.check(json.loads(result.stdout))


def test_a_folder_given_as_a_file_to_parse(tmp_path: Path) -> None:
    result = run_cli("parse", str(tmp_path))
    assert result.returncode == 1 and one_line(result.stderr)
    assert result.stderr.strip() == f"imr-llm: {tmp_path}: is a folder, not a file"


def test_batch_never_stops_and_writes_one_line_per_input(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    paths = []
    for i, kind in enumerate(KINDS):
        folder = corpus / f"{i:02d}"
        folder.mkdir()
        paths.append(kind.build(folder))
    out = tmp_path / "out.jsonl"
    result = run_cli("batch", *map(str, paths), "--out", str(out), "--no-progress")
    assert "Traceback" not in result.stderr
    assert result.returncode == 1  # some inputs failed, and the exit code says so
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(rec["source"]["path"] for rec in lines) == sorted(map(str, paths))
    by_path = {rec["source"]["path"]: rec for rec in lines}
    for kind, path in zip(KINDS, paths, strict=True):
        rec = by_path[str(path)]
        if kind.error is not None:
            assert kind.error in rec["error"], (kind.name, rec)
        else:
            assert kind.check is not None and kind.check(rec), kind.name
    # a rerun finds everything done and writes nothing
    again = run_cli("batch", *map(str, paths), "--out", str(out), "--no-progress")
    assert "Traceback" not in again.stderr
    assert len(out.read_text().splitlines()) == len(paths)
