"""`imr-llm batch`: resume, torn-line repair, table, and fault injection with kill -9 midway."""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from imr_llm.batch.outfile import repair_and_scan
from imr_llm.batch.table import COLUMNS
from imr_llm.llm.prompts import DEFAULT_PROMPT
from imr_llm.parser import parse_text
from tests.cli import run_command
from tests.conftest import SAMPLES, sample_names
from tests.fake_batch_api import wait_until_dead
from tests.fake_openai_server import MODEL, Behaviour, fake_server
from tests.llm_answers import perfect_answer


def batch_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "imr_llm", "batch", *args, "--no-progress"]


def in_process(cmd: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`cmd` run in this process (tests/cli.py); the kill -9 and Ctrl-C victims stay processes of their own."""
    assert cmd[:3] == [sys.executable, "-m", "imr_llm"]
    return run_command(*cmd[3:], env=env)


def letters_folder(folder: Path, copies: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    texts = [(SAMPLES / f"{n}.txt").read_text() for n in sample_names()]
    for i in range(copies):
        text = texts[i % len(texts)]
        path = folder / f"letter-{i:04d}.txt"
        path.write_text(text + f"\n(copy {i})\n", encoding="utf-8")  # distinct content, same letter
        paths.append(path)
    return paths


def read_lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_rules_batch_resumes_without_duplicates_and_writes_the_table(tmp_path: Path) -> None:
    paths = letters_folder(tmp_path / "in", 40)
    out, table = tmp_path / "out.jsonl", tmp_path / "items.csv"
    first = in_process(
        batch_cmd(str(tmp_path / "in"), "--out", str(out), "--table", str(table), "--summaries", str(tmp_path / "sum"))
    )
    assert first.returncode == 0, first.stderr
    records = read_lines(out)
    assert sorted(r["source"]["path"] for r in records) == sorted(map(str, paths))
    # the table: one row per disputed item, documented columns
    with table.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [c for c, _ in COLUMNS]
    assert len(rows) == sum(len(r["disputed_items"]) for r in records)
    assert {row["decision"] for row in rows} == {"upheld", "overturned"}
    summaries = [p for p in (tmp_path / "sum").iterdir() if not p.name.startswith(".")]  # .imr-llm.lock: the lock
    assert len(summaries) == 40
    # more inputs later: only the new ones are done
    more = letters_folder(tmp_path / "in", 50)
    again = in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out)))
    assert again.returncode == 0, again.stderr
    assert "40 already in" in again.stderr
    assert sorted(r["source"]["path"] for r in read_lines(out)) == sorted(map(str, more))


def test_a_torn_last_line_is_repaired_and_its_input_redone(tmp_path: Path) -> None:
    paths = letters_folder(tmp_path / "in", 10)
    out = tmp_path / "out.jsonl"
    assert in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out))).returncode == 0
    data = out.read_bytes()
    out.write_bytes(data[: len(data) - 500])  # as if killed while writing the last record
    scan = repair_and_scan(out)
    assert scan.repaired_bytes > 0 and len(scan.done) == 9
    again = in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out)))
    assert again.returncode == 0, again.stderr
    assert sorted(r["source"]["path"] for r in read_lines(out)) == sorted(map(str, paths))


def test_fault_injection_kill_9_and_resume(tmp_path: Path) -> None:
    """300 letters through the LLM path against a server failing ~30% of calls in assorted ways
    (429, 500, hangs past the timeout, non-JSON bodies, bodies cut mid-way, malformed tool
    arguments), killed with SIGKILL midway and resumed: one record per input, nothing lost, and
    errors only where retries were exhausted."""
    paths = letters_folder(tmp_path / "in", 300)
    answer = perfect_answer(parse_text((SAMPLES / "synth-2016-basic.txt").read_text()))
    out = tmp_path / "out.jsonl"
    victim: list[int] = []  # the batch's PID, once started
    killed = threading.Event()

    def kill_midway(_: int) -> None:
        """The first request asked for once 60 records are written kills the batch (and its workers): at
        least 60 records before the kill, and this letter (and every later one) not yet written."""
        if victim and not killed.is_set() and out.exists() and out.read_bytes().count(b"\n") >= 60:
            killed.set()
            os.killpg(victim[0], signal.SIGKILL)  # the batch and its worker processes, no clean-up
            wait_until_dead(victim[0])

    with fake_server(Behaviour("ok", answer), chaos=0.3, hook=kill_midway) as server:
        cmd = batch_cmd(
            str(tmp_path / "in"),
            "--out",
            str(out),
            "--backend",
            "openai",
            "--base-url",
            server.base_url,
            "--model",
            MODEL,
            "--concurrency",
            "16",
            "--timeout",
            "1",
            "--no-cache",
            "--cache",
            str(tmp_path / "cache.sqlite"),
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "IMR_LLM_"))}
        started = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True
        )
        victim.append(started.pid)
        started.wait(timeout=600)
        assert killed.is_set() and started.returncode == -signal.SIGKILL
        written_before = out.read_bytes().count(b"\n")
        assert 60 <= written_before < 300, "the kill lands midway"
        resumed = in_process(cmd, env)
        served = dict(server.served)
    assert "Traceback" not in resumed.stderr
    records = read_lines(out)
    keys = [(r["source"]["path"], r["source"]["sha256"]) for r in records]
    assert len(records) == 300 and len(set(keys)) == 300, "exactly one record per input"
    assert {k[0] for k in keys} == set(map(str, paths))
    failures = sum(served.get(k, 0) for k in ("429", "500", "hang", "garbage", "cut", "malformed"))
    assert failures > 0.2 * sum(served.values()), served  # the server really did fail often
    assert all("error" not in r for r in records), "an LLM failure never drops the parser's record"
    for record in records:
        if record["llm"]["error"]:  # only where the retry budget ran out: the parser's record, for review
            assert record["llm"]["error_kind"] in ("transport", "invalid_output"), record
            # requests counted over both retry layers: at least the 5 transport attempts, or 3 answers
            # (1 + 2 re-asks); more when the two kinds of failure mix on one letter
            spent = re.search(r"failed (\d+) time\(s\)|after (\d+) attempt\(s\)", record["llm"]["error"])
            assert spent, record["llm"]["error"]
            assert int(spent.group(1) or 0) >= 5 or int(spent.group(2) or 0) >= 3, record["llm"]["error"]
            assert record["llm"]["requests"] == int(spent.group(1) or spent.group(2)), record["llm"]
            assert record["extractor"] == "rules" and record["needs_review"] is True
            assert "llm_failed" in record["crosscheck"]["reasons"]
        else:
            assert record["extractor"] == "merged" and record["llm"]["requests"] >= 1
    failed = sum(bool(r["llm"]["error"]) for r in records)
    assert (resumed.returncode == 0) == (failed == 0)
    if failed:
        assert "LLM failed, parser record kept" in resumed.stderr


def test_retry_errors_redoes_exactly_the_letters_whose_model_failed(tmp_path: Path) -> None:
    letters_folder(tmp_path / "in", 6)
    answer = perfect_answer(parse_text((SAMPLES / "synth-2016-basic.txt").read_text()))
    out = tmp_path / "out.jsonl"
    table = tmp_path / "items.csv"

    def run(server_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
        cmd = batch_cmd(
            str(tmp_path / "in"),
            "--out",
            str(out),
            "--backend",
            "openai",
            "--base-url",
            server_url,
            "--model",
            MODEL,
            "--no-cache",
            "--concurrency",
            "1",
            "--workers",
            "1",
            "--table",
            str(table),
            *extra,
        )
        return in_process(cmd)

    script = [Behaviour("malformed")] * 3 + [Behaviour("ok", answer)] * 2 + [Behaviour("truncated")]
    with fake_server(Behaviour("ok", answer), script) as server:
        first = run(server.base_url)
    assert first.returncode == 1 and "LLM failed, parser record kept" in first.stderr
    records = read_lines(out)
    assert len(records) == 6 and all("error" not in r for r in records)
    failed = {r["source"]["path"] for r in records if r["llm"]["error"]}
    assert len(failed) == 2
    with table.open(newline="") as f:
        kinds = [row["llm_error"] for row in csv.DictReader(f)]
    expected = sorted(r["llm"]["error_kind"] for r in records if r["llm"]["error"] for _ in r["disputed_items"])
    assert sorted(k for k in kinds if k) == expected and set(expected) == {"invalid_output", "truncated"}
    with fake_server(Behaviour("ok", answer)) as server:
        again = run(server.base_url, "--retry-errors")
        assert len(server.requests) == 2  # exactly the two letters whose model failed
    assert again.returncode == 0, again.stderr
    records = read_lines(out)
    assert len(records) == 6 and not any(r["llm"]["error"] for r in records)


def test_llm_batch_spreads_requests_over_processes_but_never_exceeds_concurrency(tmp_path: Path) -> None:
    paths = letters_folder(tmp_path / "in", 48)
    answer = perfect_answer(parse_text((SAMPLES / "synth-2016-basic.txt").read_text()))
    out = tmp_path / "out.jsonl"
    arrived = threading.Condition()
    first: list[int] = []

    def first_four_together(number: int) -> None:
        """The first four requests are answered only once all four are open: at least 4 at once, on any
        machine (the bound of 7 is the client's to keep)."""
        if number > 4:
            return
        with arrived:
            first.append(number)
            arrived.notify_all()
            arrived.wait_for(lambda: len(first) >= 4, timeout=300)

    with fake_server(Behaviour("hang", answer, hang_s=0.3), hook=first_four_together) as server:
        flags = ["--backend", "openai", "--base-url", server.base_url, "--model", MODEL, "--concurrency", "7"]
        result = in_process(
            batch_cmd(str(tmp_path / "in"), "--out", str(out), *flags, "--no-cache", "--cache", str(tmp_path / "c"))
        )
        most_at_once = server.max_in_flight
    assert result.returncode == 0, result.stderr
    records = read_lines(out)
    assert len(records) == len(paths) and all(r["extractor"] == "merged" for r in records)
    assert 4 <= most_at_once <= 7, most_at_once  # 2 processes x 3 threads: parallel, and within the bound


def test_ctrl_c_stops_cleanly_and_a_rerun_finishes(tmp_path: Path) -> None:
    """Deterministic on any machine: once 5 records are written, the fake server holds every answer until
    the test has sent Ctrl-C, so the batch cannot finish before the signal (and the rerun, with the
    answers free, finishes)."""
    paths = letters_folder(tmp_path / "in", 120)
    answer = perfect_answer(parse_text((SAMPLES / "synth-2016-basic.txt").read_text()))
    out = tmp_path / "out.jsonl"
    holding, signalled = threading.Event(), threading.Event()

    def hold_after_five(_: int) -> None:
        if out.exists() and out.read_bytes().count(b"\n") >= 5:
            holding.set()
            signalled.wait(timeout=600)

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "IMR_LLM_"))}
    with fake_server(Behaviour("ok", answer), hook=hold_after_five) as server:
        flags = ["--backend", "openai", "--base-url", server.base_url, "--model", MODEL, "--no-cache"]
        flags += ["--cache", str(tmp_path / "c"), "--concurrency", "4", "--workers", "2", "--timeout", "600"]
        cmd = batch_cmd(str(tmp_path / "in"), "--out", str(out), *flags)
        # Ctrl-C as a terminal delivers it, whatever this test runs under: a job a non-interactive shell starts
        # in the background inherits SIGINT ignored (bash does that), and Python then never raises on it
        proc = subprocess.Popen(
            cmd,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            assert holding.wait(timeout=600), "the batch never wrote its first 5 records"
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=120)  # returns: no worker process is left holding the pipe
        finally:
            signalled.set()  # the held answers go now, to a batch that is gone
        assert proc.returncode == 130, err
        assert "interrupted" in err and "rerun the same command" in err and "Traceback" not in err
        partial = out.read_bytes().count(b"\n")
        assert 5 <= partial < 120
        server.hook = None
        again = in_process(cmd, env)
    assert again.returncode == 0, again.stderr
    records = read_lines(out)
    assert sorted(r["source"]["path"] for r in records) == sorted(map(str, paths))


def test_a_slow_ocr_input_is_a_task_of_its_own(tmp_path: Path) -> None:
    """A scan's record is written as soon as it is read: never held back in a chunk of 16."""
    from imr_llm.batch.run import _chunks

    names = ["a.txt", "b.pdf", "c.tif", "d.txt", "e.jpg", "f.txt", "g.txt"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF" + b"0" * 400_000)  # an image-only PDF is megabytes
    paths = [tmp_path / n for n in names] + [big, tmp_path / "a.txt"]
    chunks = [[Path(p).name for p in c] for c in _chunks(iter(paths), 16)]
    assert chunks == [["a.txt", "b.pdf"], ["c.tif"], ["d.txt"], ["e.jpg"], ["f.txt", "g.txt"], ["scan.pdf"], ["a.txt"]]
    assert [len(c) for c in _chunks(iter([tmp_path / "a.txt"] * 40), 16)] == [16, 16, 8]


def test_an_output_is_resumed_only_by_the_backend_model_and_prompt_that_made_it(tmp_path: Path) -> None:
    letters_folder(tmp_path / "in", 3)
    out = tmp_path / "out.jsonl"
    answer = perfect_answer(parse_text((SAMPLES / "synth-2016-basic.txt").read_text()))

    def with_model(url: str, model: str = MODEL, *extra: str) -> subprocess.CompletedProcess[str]:
        args = ("--backend", "openai", "--base-url", url, "--model", model, "--no-cache", "--workers", "1", *extra)
        return in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out), *args))

    assert in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out))).returncode == 0
    with out.open("a") as f:
        f.write("a line a person added by hand\n{")  # and a torn last line: a refused run repairs neither
    before = out.read_bytes()
    with fake_server(Behaviour("ok", answer)) as server:
        mixed = with_model(server.base_url)
        assert server.requests == []  # refused before any letter is read
    # wrong: the three rules records skipped as "already in" and the file left to mix two readings
    assert mixed.returncode == 2, mixed.stderr
    assert mixed.stderr.strip().splitlines() == [
        f"imr-llm: {out} holds 3 record(s) made by 'rules', not by this run's 'openai {MODEL} {DEFAULT_PROMPT}'; write "
        "to another --out (a resumed output is only ever continued by the same backend, model and prompt)"
    ]
    assert out.read_bytes() == before  # byte for byte: nothing repaired, compacted or written
    # right: the same backend resumes as before (repairing what it finds); a model's output only with that model
    again = in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out)))
    assert again.returncode == 0 and "3 already in" in again.stderr
    out.unlink()
    with fake_server(Behaviour("ok", answer)) as server:
        assert with_model(server.base_url).returncode == 0
        resumed = with_model(server.base_url)
        assert resumed.returncode == 0 and "3 already in" in resumed.stderr
        prompt = with_model(server.base_url, MODEL, "--prompt", "extract@2")
        assert prompt.returncode == 2 and "extract@2" in prompt.stderr
        assert len(server.requests) == 3  # the first run's three letters only
        lines = read_lines(out)  # as if an older model had made them
        out.write_text("".join(json.dumps({**r, "llm": {**r["llm"], "model": "older-model"}}) + "\n" for r in lines))
        other = with_model(server.base_url)
        assert other.returncode == 2 and f"made by 'openai older-model {DEFAULT_PROMPT}'" in other.stderr
        assert len(server.requests) == 3


def test_an_out_or_table_that_is_another_file_is_never_taken_over(tmp_path: Path) -> None:
    """`--out notes.txt` once replaced a person's notes with records, and `--out` or `--table` naming one of
    the input letters overwrote the letter. A file that holds no record (or a table imr-llm did not write)
    is refused, one line, exit 2, left byte for byte; an output with some damaged lines is still resumed."""
    letters = letters_folder(tmp_path / "in", 2)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\nabout the case\n")
    for args, kept in (
        (["--out", str(notes)], notes),
        (["--out", str(letters[0])], letters[0]),
        (["--out", str(tmp_path / "o.jsonl"), "--table", str(letters[1])], letters[1]),
        (["--out", str(tmp_path / "o.jsonl"), "--table", str(notes)], notes),
    ):
        before = kept.read_bytes()
        result = in_process(batch_cmd(str(tmp_path / "in"), *args))
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "left as it is; choose another" in result.stderr
        assert kept.read_bytes() == before
        assert not (tmp_path / "o.jsonl").exists()
    # right both ways: a real output with a damaged line, and a table it wrote, are resumed and rewritten
    out, table = tmp_path / "out.jsonl", tmp_path / "items.csv"
    assert in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out), "--table", str(table))).returncode == 0
    with out.open("a") as f:
        f.write("not a record\n")
    again = in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out), "--table", str(table)))
    assert again.returncode == 0 and "2 already in" in again.stderr
    assert len(read_lines(out)) == 2 and table.read_text().startswith(COLUMNS[0][0])


def test_a_table_a_person_edited_is_never_rebuilt_over(tmp_path: Path) -> None:
    """A hostile tester: one cell of the table edited ("CHECKED BY ME"), then the same command: exit 0 and
    the edit gone, without a word (the table is rebuilt from the records on every run). Now refused, one
    line, exit 2, the table byte for byte; an unedited table, or one moved aside, is written again."""
    letters_folder(tmp_path / "in", 2)
    out, table = tmp_path / "out.jsonl", tmp_path / "items.csv"
    cmd = batch_cmd(str(tmp_path / "in"), "--out", str(out), "--table", str(table))
    assert in_process(cmd).returncode == 0
    again = in_process(cmd)  # right: the table as the run wrote it is rebuilt, no false alarm
    assert again.returncode == 0 and "2 already in" in again.stderr, again.stderr
    edited = table.read_text(encoding="utf-8").replace("upheld", "CHECKED BY ME", 1)
    table.write_text(edited, encoding="utf-8")
    refused = in_process(cmd)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "changed since imr-llm wrote it" in refused.stderr
    assert table.read_text(encoding="utf-8") == edited
    table.rename(tmp_path / "mine.csv")  # moved aside: the next run writes a new table
    assert in_process(cmd).returncode == 0 and "CHECKED BY ME" not in table.read_text(encoding="utf-8")


def test_a_lock_file_given_as_an_output_is_named_as_one(tmp_path: Path) -> None:
    """A hostile tester: `--table r.jsonl.lock` was refused as "another imr-llm run is writing table ..." (no
    run was), and left r.jsonl.lock.lock behind. The cause is named; a table whose name merely ends in .lock
    is an ordinary table."""
    letters_folder(tmp_path / "in", 1)
    out = tmp_path / "r.jsonl"
    assert in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out))).returncode == 0
    lock = tmp_path / "r.jsonl.lock"
    assert lock.is_file()
    for flag in ("--table", "--out"):
        args = ["--out", str(out), "--table", str(lock)] if flag == "--table" else ["--out", str(lock)]
        result = in_process(batch_cmd(str(tmp_path / "in"), *args))
        assert result.returncode == 2 and "is the lock file of a run's output" in result.stderr, result.stderr
    assert not (tmp_path / "r.jsonl.lock.lock").exists()
    fine = tmp_path / "items.lock"  # right: a new table of that name is written
    assert in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out), "--table", str(fine))).returncode == 0
    assert fine.read_text(encoding="utf-8").startswith(COLUMNS[0][0])


def test_a_file_name_that_is_not_utf8_is_read_written_escaped_and_resumed(tmp_path: Path) -> None:
    """A letter named with a byte that is not UTF-8 (`bad\\xff.txt`, common on old shares) used to stop the
    whole batch with an internal error, 0 records written, and every rerun the same. Its record names it
    with the byte escaped; the others are written; a rerun finds both done."""
    folder = tmp_path / "in"
    folder.mkdir()
    good = folder / "good.txt"
    good.write_bytes((SAMPLES / "synth-2014.txt").read_bytes())
    odd = Path(os.fsdecode(bytes(folder) + b"/bad\xff.txt"))
    odd.write_bytes((SAMPLES / "synth-2016-basic.txt").read_bytes())
    out = tmp_path / "out.jsonl"
    first = in_process(batch_cmd(str(folder), "--out", str(out)))
    assert first.returncode == 0, first.stderr
    assert sorted(r["source"]["path"] for r in read_lines(out)) == [f"{folder}/bad\\xff.txt", str(good)]
    again = in_process(batch_cmd(str(folder), "--out", str(out), "--summaries", str(tmp_path / "s")))
    assert again.returncode == 0 and "2 already in" in again.stderr
    once = sorted(p.name for p in (tmp_path / "s").glob("*.md"))
    in_process(batch_cmd(str(folder), "--out", str(out), "--summaries", str(tmp_path / "s")))
    assert len(once) == 2 and sorted(p.name for p in (tmp_path / "s").glob("*.md")) == once  # no second copy
    printed = run_command("parse", str(good), str(odd))  # parse prints both, in order
    assert printed.returncode == 0 and len(printed.stdout.splitlines()) == 2


def test_an_input_missing_on_a_rerun_keeps_its_earlier_record(tmp_path: Path) -> None:
    """A rerun while one listed letter was moved away replaced its good record with "no such file". Its
    earlier record is kept; a file that never had one still gets its error line."""
    a, b = letters_folder(tmp_path / "in", 2)
    out = tmp_path / "out.jsonl"
    assert in_process(batch_cmd(str(a), str(b), "--out", str(out))).returncode == 0
    before = {r["source"]["path"]: r for r in read_lines(out)}
    a.rename(tmp_path / "moved.txt")
    never = tmp_path / "in" / "never.txt"
    again = in_process(batch_cmd(str(a), str(b), str(never), "--out", str(out)))
    assert again.returncode == 1  # the one that never existed failed
    after = {r["source"]["path"]: r for r in read_lines(out)}
    assert after[str(a)] == before[str(a)] and after[str(b)] == before[str(b)]
    assert after[str(never)]["error"] == "no such file"


def test_a_record_edited_into_another_shape_gives_no_table_row_and_stops_nothing(tmp_path: Path) -> None:
    letters_folder(tmp_path / "in", 2)
    out, table = tmp_path / "out.jsonl", tmp_path / "items.csv"
    assert in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out))).returncode == 0
    lines = read_lines(out)
    edited = {**lines[0], "reviewer": "x"}  # wrong: an internal error, and no table at all
    out.write_text(json.dumps(edited) + "\n" + json.dumps(lines[1]) + "\n")
    again = in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out), "--table", str(table)))
    assert again.returncode == 0, again.stderr
    assert "1 record(s) left out: not a valid letter record" in " ".join(again.stderr.split())  # said
    with table.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(lines[1]["disputed_items"])  # the valid record's items only


def test_a_rerun_that_adds_summaries_writes_them_for_letters_already_done(tmp_path: Path) -> None:
    """Adding --summaries (or another --lang) on a rerun wrote none for the letters already in the output,
    silently. They are now written from the records, without reading the letters again."""
    letters_folder(tmp_path / "in", 3)
    out, folder = tmp_path / "out.jsonl", tmp_path / "sum"
    assert in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out))).returncode == 0
    again = in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out), "--summaries", str(folder)))
    assert again.returncode == 0 and "3 already in" in again.stderr
    assert "summaries written for letters already in the output: 3" in again.stderr
    written = sorted(p.name for p in folder.glob("*.en.md"))
    assert len(written) == 3
    import hashlib

    named = sorted(  # STEM-HASH.LANG.md, as the README says: the hash is the letter's bytes'
        f"{p.stem}-{hashlib.sha256(p.read_bytes()).hexdigest()[:8]}.en.md" for p in (tmp_path / "in").iterdir()
    )
    assert written == named
    spanish = in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out), "--summaries", str(folder), "--lang", "es"))
    assert spanish.returncode == 0 and len(list(folder.glob("*.es.md"))) == 3
    once_more = in_process(batch_cmd(str(tmp_path / "in"), "--out", str(out), "--summaries", str(folder)))
    assert "summaries written for letters already" not in once_more.stderr  # right: none twice
    assert sorted(p.name for p in folder.glob("*.en.md")) == written
