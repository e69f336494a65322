"""The LLM path at archive scale: `batch --via batch-api` against a FAKE Batch API on 127.0.0.1
(statuses, partial and malformed results, kill-and-resume at every step), and the vLLM run_batch
file path (`--write-requests`, `--from-results`)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from imr_llm.parser import parse_text
from tests.cli import run_command
from tests.conftest import SAMPLES, sample_names
from tests.fake_batch_api import FakeBatchAPI, fake_batch_api
from tests.fake_openai_server import MODEL, Behaviour, fake_server
from tests.llm_answers import perfect_answer
from tests.test_batch import letters_folder, read_lines

ENV = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "IMR_LLM_"))}


def answers() -> dict[str, dict[str, Any]]:
    """What a perfect model answers, by the case number in the letter (none: synth-2014)."""
    found = {}
    for name in sample_names():
        record = parse_text((SAMPLES / f"{name}.txt").read_text())
        found[record.case_number or ""] = perfect_answer(record)
    return found


def cmd(folder: Path, out: Path, base_url: str, cache: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "imr_llm",
        "batch",
        str(folder),
        "--out",
        str(out),
        "--backend",
        "openai",
        "--base-url",
        base_url,
        "--model",
        MODEL,
        "--cache",
        str(cache),
        "--no-progress",
        *extra,
    ]


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    """The command's result, its stderr with the terminal's line wrapping undone."""
    assert args[:3] == [sys.executable, "-m", "imr_llm"]
    result = run_command(*args[3:], env=ENV)  # in this process (tests/cli.py)
    result.stderr = " ".join(result.stderr.split()) + ("\n" if result.stderr else "")
    return result


def check_one_record_per_letter(out: Path, letters: list[Path]) -> list[dict[str, Any]]:
    records = read_lines(out)
    keys = [(r["source"]["path"], r["source"]["sha256"]) for r in records]
    assert len(keys) == len(set(keys)) == len(letters), "exactly one record per letter"
    assert {k[0] for k in keys} == set(map(str, letters))
    return records


def check_nothing_sent_twice(api: FakeBatchAPI) -> None:
    assert api.uploads and all(n == 1 for n in api.uploads.values()), api.uploads
    assert api.creates and all(n == 1 for n in api.creates.values()), api.creates


def test_a_request_line_is_the_body_a_live_call_sends(tmp_path: Path) -> None:
    """Same template, same tool schema, same parameters: the batch request is the live request."""
    folder = tmp_path / "in"
    letters_folder(folder, 1)
    with fake_server(Behaviour("ok", perfect_answer(parse_text((SAMPLES / "synth-2016-basic.txt").read_text())))) as s:
        live = run(cmd(folder, tmp_path / "live.jsonl", s.base_url, tmp_path / "c1.sqlite"))
        assert live.returncode in (0, 1), live.stderr
        sent = s.requests[0]
        requests = tmp_path / "requests.jsonl"
        written = run(
            cmd(folder, tmp_path / "out.jsonl", s.base_url, tmp_path / "c2.sqlite", "--write-requests", str(requests))
        )
    assert written.returncode == 0, written.stderr
    assert "to send: 1 requests" in written.stderr and "estimated price" in written.stderr
    lines = [json.loads(x) for x in requests.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["url"] == "/v1/chat/completions" and lines[0]["method"] == "POST"
    assert lines[0]["body"] == sent
    assert sent["tools"] and sent["tool_choice"]  # instructor's tools mode, as live
    assert len(lines[0]["custom_id"]) == 64  # the response-cache key


def test_batch_api_statuses_partial_and_malformed_results_end_in_one_record_each(tmp_path: Path) -> None:
    """Six batch files whose batches complete, expire (half answered), come back partial (some
    requests in the error file), malformed (a garbage line, an invalid answer, a missing line), are
    cancelled, and fail: every letter ends with one record; answers that were missing or invalid got
    one live re-ask; expired, cancelled and failed letters went back to pending and were sent again."""
    folder = tmp_path / "in"
    letters = letters_folder(folder, 24)
    out, cache = tmp_path / "out.jsonl", tmp_path / "cache.sqlite"
    outcomes = ["completed", "expired", "partial", "malformed", "cancelled", "failed"]
    with fake_batch_api(answers(), outcomes) as api:
        args = cmd(folder, out, api.base_url, cache, "--via", "batch-api", "--max-file-requests", "4")
        first = run(args)
        assert first.returncode == 0, first.stderr  # batches out: status, exit 0 (a cron job reruns it)
        assert "submitted 6 batch file(s), 24 requests" in first.stderr
        assert "batches still out: 6 validating" in first.stderr
        assert "estimated price at batch rates" in first.stderr
        assert not out.exists() or out.read_text() == ""
        state = json.loads(out.with_name(out.name + ".batch-api.json").read_text())
        assert len(state["files"]) == 6 and all(f["batch_id"] for f in state["files"])
        again = run(args)  # a cron rerun while nothing is finished: nothing sent twice
        assert again.returncode == 0, again.stderr
        assert len(api.batches) == 6
        done = run([*args, "--wait", "--poll-interval", "0"])
        live_calls = api.live_calls
        assert done.returncode == 0, done.stderr
        check_nothing_sent_twice(api)
        # every answer is in the response cache under the live key: a live run of the same prompt (same
        # endpoint, model and options) makes no calls
        rerun = run(cmd(folder, tmp_path / "live.jsonl", api.base_url, cache))
        assert rerun.returncode == 0, rerun.stderr
        assert api.live_calls == live_calls
    records = check_one_record_per_letter(out, letters)
    assert all(r["extractor"] == "merged" and not r["llm"]["error"] for r in records), [
        r["llm"]["error"] for r in records if r["llm"]["error"]
    ]
    # expired (2 unanswered), cancelled (2) and failed (4) letters went out again in new batches
    assert len(api.batches) > 6
    # partial: 2 error-file lines; malformed: 3 bad -> 5 live re-asks, no more
    assert live_calls == 5, live_calls
    from_batch = [r for r in records if r["llm"]["answer_source"]]
    assert len(from_batch) == 24 - 5
    folder_out = out.with_name(out.name + ".batch-api")
    for record in from_batch:  # traceable: the batch and line hold this letter's answer
        _, batch_id, _, line = record["llm"]["answer_source"].split()
        results = next(folder_out.glob(f"results-*{_file_of(api, batch_id)}*"))
        result = json.loads(results.read_text().splitlines()[int(line) - 1])
        assert result["response"]["status_code"] == 200
    # every answer is in the response cache under the live key: a live run of the same prompt makes no calls
    with fake_batch_api(answers()) as live_api:
        rerun = run(cmd(folder, tmp_path / "live.jsonl", live_api.base_url, cache))
        assert rerun.returncode == 0, rerun.stderr
        assert live_api.live_calls == 0


def _file_of(api: FakeBatchAPI, batch_id: str) -> str:
    name = api.files[api.batches[batch_id]["input_file_id"]]["filename"]
    return str(name)


@pytest.mark.parametrize("kill_at", ["upload", "create", "retrieve", "content", "chat"])
def test_killed_at_any_step_the_rerun_finishes_without_sending_anything_twice(tmp_path: Path, kill_at: str) -> None:
    """The client is killed right after the server acted and before it answered (an upload made, a
    batch created, a status advanced, a result file served, a live re-ask answered): the rerun adopts
    what exists, submits nothing twice, and writes exactly one record per letter."""
    folder = tmp_path / "in"
    letters = letters_folder(folder, 10)
    out, cache = tmp_path / "out.jsonl", tmp_path / "cache.sqlite"
    outcomes = ["malformed", "completed", "completed"]  # malformed: live re-asks, for kill_at=chat
    with fake_batch_api(answers(), outcomes) as api:
        args = cmd(
            folder,
            out,
            api.base_url,
            cache,
            "--via",
            "batch-api",
            "--max-file-requests",
            "4",
            "--wait",
            "--poll-interval",
            "0",
        )
        victim = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, start_new_session=True
        )
        api.victim, api.kill_at = victim.pid, kill_at
        victim.wait(timeout=300)
        assert victim.returncode == -signal.SIGKILL, (kill_at, victim.stderr.read() if victim.stderr else "")
        resumed = run(args)
        assert resumed.returncode == 0, resumed.stderr
        assert "Traceback" not in resumed.stderr
        check_nothing_sent_twice(api)
        assert len(api.batches) == 3
    records = check_one_record_per_letter(out, letters)
    assert all(not r["llm"]["error"] for r in records)


def test_reask_via_batch_api_sends_bad_answers_in_a_follow_up_batch(tmp_path: Path) -> None:
    """With --reask-via batch-api, the answers that were malformed or missing go out in a follow-up
    batch instead of live calls; each record says which batch and line its answer came from."""
    folder = tmp_path / "in"
    letters = letters_folder(folder, 6)
    out = tmp_path / "out.jsonl"
    with fake_batch_api(answers(), ["malformed", "completed"]) as api:
        args = cmd(folder, out, api.base_url, tmp_path / "c.sqlite", "--via", "batch-api", "--reask-via", "batch-api")
        done = run([*args, "--wait", "--poll-interval", "0"])
        assert done.returncode == 0, done.stderr
        assert api.live_calls == 0 and len(api.batches) == 2
    records = check_one_record_per_letter(out, letters)
    sources = [r["llm"]["answer_source"] for r in records]
    assert sum(s.startswith("batch batch_2 ") for s in sources) == 3, sources
    assert sum(s.startswith("batch batch_1 ") for s in sources) == 3, sources


def test_a_vllm_results_file_gives_the_records_live_calls_give(tmp_path: Path) -> None:
    """--write-requests, then a results file in vLLM run_batch's format (the same answers a live
    server gives), then --from-results: the same records as live calls, each traceable to its line;
    a request with no result line keeps the parser's record, with the reason."""
    folder = tmp_path / "in"
    letters = letters_folder(folder, 8)
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    offline = "http://127.0.0.1:9/v1"  # nothing listens: no live call may happen
    written = run(
        cmd(folder, tmp_path / "out.jsonl", offline, tmp_path / "c.sqlite", "--write-requests", str(requests))
    )
    assert written.returncode == 0, written.stderr
    fake = FakeBatchAPI(answers())
    lines = []
    for i, raw in enumerate(requests.read_text().splitlines()):
        request = json.loads(raw)
        body = {"status_code": 200, "request_id": f"vllm-batch-{i}", "body": fake.answer(request["body"])}
        lines.append(
            json.dumps({"id": f"vllm-{i}", "custom_id": request["custom_id"], "response": body, "error": None})
        )
    results.write_text("\n".join(lines[:-1]) + "\n{garbage\n")  # the last request unanswered, a broken line
    out = tmp_path / "out.jsonl"
    made = run(cmd(folder, out, offline, tmp_path / "c.sqlite", "--from-results", str(results)))
    assert made.returncode == 1, made.stderr  # one letter kept the parser's record
    assert "1 result lines unreadable or for no request" in made.stderr
    batch_records = {r["source"]["path"]: r for r in check_one_record_per_letter(out, letters)}
    missing = [r for r in batch_records.values() if r["llm"]["error"]]
    assert len(missing) == 1 and missing[0]["llm"]["error_kind"] == "no_batch_answer"
    assert "no result line" in missing[0]["llm"]["error"] and missing[0]["needs_review"]
    # the same command again, asking for a table and summaries: every letter already has its record, and the
    # rerun still writes them (it skipped both: "rerunning --from-results skips --table and --summaries")
    table, summaries = tmp_path / "t.csv", tmp_path / "s"
    extra = ["--from-results", str(results), "--table", str(table), "--summaries", str(summaries)]
    again = run(cmd(folder, out, offline, tmp_path / "c.sqlite", *extra))
    assert "Traceback" not in again.stderr and len(read_lines(out)) == len(letters)
    assert len(table.read_text().splitlines()) > len(letters) and len(list(summaries.glob("*.md"))) == len(letters)
    with fake_batch_api(answers()) as live_api:  # the same answers, live
        live_out = tmp_path / "live.jsonl"
        live = run(cmd(folder, live_out, live_api.base_url, tmp_path / "live-cache.sqlite"))
        assert live.returncode == 0, live.stderr
    for record in read_lines(live_out):
        from_file = batch_records[record["source"]["path"]]
        if from_file["llm"]["error"]:
            continue
        assert from_file["llm"]["answer_source"].startswith("results results.jsonl line ")
        for side in (record, from_file):
            side.pop("llm")
        assert from_file == record


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--via", "batch-api", "--backend", "rules"], "the Batch API's file format: --backend openai"),
        (["--via", "carrier-pigeon"], "--via 'carrier-pigeon'"),
        (["--write-requests", "r.jsonl", "--from-results", "x.jsonl"], "do not go together"),
        (["--from-results", "absent.jsonl"], "no such file"),
        (["--reask-via", "batch-api"], "needs --via batch-api"),
        (["--write-requests", "o.jsonl"], "must not be the --out file"),
    ],
)
def test_batch_api_usage_errors_are_one_line(
    tmp_path: Path, extra: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    letters_folder(folder, 1)
    monkeypatch.chdir(tmp_path)
    args = [sys.executable, "-m", "imr_llm", "batch", str(folder), "--out", "o.jsonl", "--no-progress"]
    if "--backend" not in extra:
        args += ["--backend", "openai", "--base-url", "http://127.0.0.1:9/v1", "--model", MODEL]
    result = subprocess.run([*args, *extra], capture_output=True, text=True, timeout=120, env=ENV)
    assert result.returncode == 2, result.stderr
    assert message in " ".join(result.stderr.split()) and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_a_damaged_state_file_is_one_line_and_nothing_is_sent(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    letters_folder(folder, 2)
    out = tmp_path / "out.jsonl"
    out.with_name(out.name + ".batch-api.json").write_text("{not json")
    with fake_batch_api(answers()) as api:
        result = run(cmd(folder, out, api.base_url, tmp_path / "c.sqlite", "--via", "batch-api"))
        assert not api.uploads and not api.batches
    assert result.returncode == 2 and "cannot be read" in result.stderr and "move it aside" in result.stderr
    assert "Traceback" not in result.stderr
    # another model's batches: a usage error too (exit 2, one line), the state file left as it is
    state = out.with_name(out.name + ".batch-api.json")
    with fake_batch_api(answers()) as api:
        state.unlink()
        assert run(cmd(folder, out, api.base_url, tmp_path / "c.sqlite", "--via", "batch-api")).returncode == 0
        made = state.read_bytes()
        other = cmd(folder, out, api.base_url, tmp_path / "c.sqlite", "--via", "batch-api", "--prompt", "extract@2")
        refused = run(other)
    assert refused.returncode == 2 and "holds batches for model" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and state.read_bytes() == made


def test_results_for_other_options_match_nothing_and_say_why(tmp_path: Path) -> None:
    """A results file written for another model matches no request: every letter keeps the parser's
    record, and the report says which options must agree."""
    folder = tmp_path / "in"
    letters_folder(folder, 2)
    requests, results = tmp_path / "requests.jsonl", tmp_path / "results.jsonl"
    offline = "http://127.0.0.1:9/v1"
    written = run(cmd(folder, tmp_path / "o.jsonl", offline, tmp_path / "c.sqlite", "--write-requests", str(requests)))
    assert written.returncode == 0, written.stderr
    fake = FakeBatchAPI(answers())
    lines = []
    for raw in requests.read_text().splitlines():
        request = json.loads(raw)
        body = {"status_code": 200, "body": fake.answer(request["body"])}
        lines.append(json.dumps({"custom_id": request["custom_id"], "response": body, "error": None}))
    results.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    other = [*cmd(folder, out, offline, tmp_path / "c.sqlite", "--from-results", str(results))]
    other[other.index("--model") + 1] = "another-model"
    made = run(other)
    assert made.returncode == 1
    assert "2 result lines unreadable or for no request" in made.stderr
    assert "same --model, --base-url and --prompt" in made.stderr
    assert all(r["llm"]["error_kind"] == "no_batch_answer" for r in read_lines(out))


def test_result_lines_and_answers_are_checked_as_live_answers_are() -> None:
    """The wrong outputs a results file can hold: each is caught, with its line, never stored."""
    from imr_llm.errors import LLMInvalidOutput, LLMRefused, LLMTruncated
    from imr_llm.llm.batch_files import parse_answer, read_results
    from imr_llm.llm.config import LLMConfig
    from imr_llm.pipeline.answer import LLMLetter
    from tests.fake_openai_server import completion

    good = completion(json.dumps(answers()["CM16-0900101"]))
    lines = [
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"custom_id": "a", "response": {"status_code": 500, "body": {"error": {"message": "boom"}}}}),
        json.dumps({"custom_id": "b", "response": None, "error": {"code": "expired", "message": "too late"}}),
        json.dumps({"custom_id": "c", "response": {"status_code": 200, "body": {"no": "choices"}}}),
        json.dumps({"custom_id": "d", "response": {"status_code": 200, "body": good}}),
    ]
    read = list(read_results("\n".join(lines)))
    assert [r.line_no for r in read] == [1, 2, 3, 4, 5, 6]
    assert [r.custom_id for r in read] == [None, None, "a", "b", "c", "d"]
    assert all(r.error and r.body is None for r in read[:5])
    assert "boom" in (read[2].error or "") and "expired" in (read[3].error or "")
    assert read[5].error is None and read[5].usage == (1000, 50)

    config = LLMConfig(model="m")
    assert parse_answer(config, good, LLMLetter, 4096).case_number == "CM16-0900101"
    cut = completion('{"case_number": "CM16', finish_reason="length")
    at_cap = completion(json.dumps(answers()["CM16-0900101"]), completion_tokens=512)
    invalid = completion(json.dumps({"date_of_injury": "someday", "disputed_items": []}))
    refused = completion("{}")
    refused["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": "I cannot help"}
    for body, error in (
        (cut, LLMTruncated),
        (at_cap, LLMTruncated),  # as many tokens as max_tokens: cut, whatever finish_reason says
        (invalid, LLMInvalidOutput),
        ({"choices": "none"}, LLMInvalidOutput),
        (refused, LLMRefused),
    ):
        with pytest.raises(error):
            parse_answer(config, body, LLMLetter, 512)


def test_write_requests_never_overwrites_another_file(tmp_path: Path) -> None:
    """`--write-requests` naming an input letter, notes or the cache replaced them with request lines (the
    cache's answers were then lost). A file that is not a request file imr-llm wrote is refused, one line,
    exit 2, left byte for byte; its own request file is written again."""
    folder = tmp_path / "in"
    letters = letters_folder(folder, 2)
    out = tmp_path / "out.jsonl"
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    for victim in (letters[0], notes):
        before = victim.read_bytes()
        result = run(cmd(folder, out, "http://127.0.0.1:9/v1", tmp_path / "c.sqlite", "--write-requests", str(victim)))
        assert result.returncode == 2 and "is not a request file imr-llm wrote" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and victim.read_bytes() == before
    requests = tmp_path / "requests.jsonl"
    args = (folder, out, "http://127.0.0.1:9/v1", tmp_path / "c.sqlite", "--write-requests", str(requests))
    assert run(cmd(*args)).returncode == 0 and requests.stat().st_size > 0
    assert run(cmd(*args)).returncode == 0  # right: its own request file is rewritten
