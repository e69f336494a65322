"""Hardening, round two: each case a hostile tester found (lost records, live links, hangs, secrets in
output), reproduced; and a fuzz pass over CLI paths and options."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from imr_llm.llm.client import retry_after_seconds
from imr_llm.parser import parse_text
from tests.cli import run_command as cli
from tests.conftest import SAMPLES
from tests.fake_openai_server import MODEL, Behaviour, fake_server
from tests.letters import DENIED_PT, Item, make_letter
from tests.llm_answers import perfect_answer

LETTER = SAMPLES / "synth-2016-basic.txt"
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "IMR_LLM_"))}


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def letters(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    text = LETTER.read_text()
    paths = []
    for i in range(n):
        path = folder / f"letter-{i:05d}.txt"
        path.write_text(text.replace("CM16-0900101", f"CM16-09{i:05d}"))
        paths.append(path)
    return paths


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# -- data loss and duplicates ---------------------------------------------------------------


@pytest.mark.parametrize("second", [[], ["--retry-errors"]])
def test_a_second_batch_on_the_same_output_is_refused_while_the_first_runs(tmp_path: Path, second: list[str]) -> None:
    """Deterministic: the fake server holds the first run's answers until the second run has been refused,
    so the first is running (holding its output) whatever the machine's speed."""
    letters(tmp_path / "in", 30)
    out = tmp_path / "out.jsonl"
    holding, refused_already = threading.Event(), threading.Event()

    def hold(_: int) -> None:
        holding.set()
        refused_already.wait(timeout=600)

    answer = perfect_answer(parse_text(LETTER.read_text()))
    with fake_server(Behaviour("ok", answer), hook=hold) as server:
        args = ["batch", str(tmp_path / "in"), "--out", str(out), "--no-progress", "--backend", "openai"]
        args += ["--base-url", server.base_url, "--model", MODEL, "--no-cache", "--cache", str(tmp_path / "c")]
        first = subprocess.Popen(
            [sys.executable, "-m", "imr_llm", *args], stderr=subprocess.PIPE, text=True, env=CLEAN_ENV
        )
        try:
            assert holding.wait(timeout=600), "the first run never asked the model"
            refused = cli(*args, *second)
        finally:
            server.hook = None
            refused_already.set()
        _, first_err = first.communicate(timeout=600)
    assert first.returncode == 0, first_err
    assert refused.returncode == 2
    assert f"another imr-llm run (PID {first.pid}) is writing output {out}" in one_line(refused)
    records = lines(out)
    assert len(records) == 30 and len({r["source"]["path"] for r in records}) == 30  # type: ignore[index]


def test_summaries_of_two_letters_with_the_same_name_do_not_overwrite_each_other(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    (tmp_path / "a" / "letter.txt").write_text(LETTER.read_text())
    (tmp_path / "b" / "letter.txt").write_text((SAMPLES / "synth-2014.txt").read_text())
    out = tmp_path / "out"
    result = cli("summarize", "--out", str(out), str(tmp_path / "a" / "letter.txt"), str(tmp_path / "b" / "letter.txt"))
    assert result.returncode == 0, result.stderr
    summaries = sorted(p for p in out.iterdir() if p.name.endswith(".en.md"))
    assert len(summaries) == 2 and summaries[0].read_text() != summaries[1].read_text()


def test_table_or_summaries_may_not_name_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    line = one_line(cli("batch", str(LETTER), "--out", str(out), "--table", str(out), "--no-progress"))
    assert line == "imr-llm: --table must not be the --out file (the CSV would overwrite the records)"
    assert not out.exists()


def test_a_changed_input_replaces_its_record_and_rows_and_a_corrupt_line_is_dropped(tmp_path: Path) -> None:
    paths = letters(tmp_path / "in", 5)
    out, table = tmp_path / "out.jsonl", tmp_path / "items.csv"
    args = ["batch", str(tmp_path / "in"), "--out", str(out), "--table", str(table), "--no-progress"]
    assert cli(*args).returncode == 0
    # one input changes; a line in the middle of the output is damaged
    paths[2].write_text(paths[2].read_text().replace("CM16-0900002", "CM16-0977777"))
    kept = out.read_text().splitlines()
    kept[3] = kept[3][: len(kept[3]) // 2]
    out.write_text("\n".join(kept) + "\n")
    result = cli(*args)
    assert result.returncode == 0, result.stderr
    assert "dropped 1 unreadable line(s)" in result.stderr and "replaced the records of 1 input(s)" in result.stderr
    records = lines(out)
    assert len(records) == 5 and len({r["source"]["path"] for r in records}) == 5  # type: ignore[index]
    cases = {r["case_number"] for r in records}
    assert "CM16-0977777" in cases and "CM16-0900002" not in cases
    with table.open(newline="") as f:
        table_cases = {row["case_number"] for row in csv.DictReader(f)}
    assert table_cases == cases


# -- injection ---------------------------------------------------------------------------------


def test_csv_cells_that_look_like_formulas_are_neutralised(tmp_path: Path) -> None:
    evil = Item('=HYPERLINK("http://x.test","click")', "Upheld", DENIED_PT.rationale)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(make_letter(evil, Item("+cmd|' /C calc'!A0", "Upheld", DENIED_PT.rationale)))
    table = tmp_path / "items.csv"
    cli("batch", str(tmp_path / "in"), "--out", str(tmp_path / "o.jsonl"), "--table", str(table), "--no-progress")
    with table.open(newline="") as f:
        requests = [row["request"] for row in csv.DictReader(f)]
    assert requests == ['\'=HYPERLINK("http://x.test","click")', "'+cmd|' /C calc'!A0"]


def test_credentials_in_the_base_url_never_reach_the_record(tmp_path: Path) -> None:
    answer = perfect_answer(parse_text(LETTER.read_text()))
    with fake_server(Behaviour("ok", answer)) as server:
        url = server.base_url.replace("http://", "http://alice:s3cret@")
        result = cli("extract", "--base-url", url, "--model", MODEL, "--cache", str(tmp_path / "c"), str(LETTER))
    assert result.returncode == 0, result.stderr
    assert "s3cret" not in result.stdout and "alice" not in result.stdout and "s3cret" not in result.stderr
    assert json.loads(result.stdout)["llm"]["base_url"] == server.base_url


def test_a_server_error_that_echoes_the_prompt_keeps_letter_text_out_of_every_output(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    with fake_server(Behaviour("echo")) as server:
        result = cli("extract", "--base-url", server.base_url, "--model", MODEL, "--cache", str(cache), str(LETTER))
    secret = "positive Neer sign"  # words of the letter's case summary
    assert secret in LETTER.read_text()
    assert result.returncode == 1
    record = json.loads(result.stdout)
    assert "[letter text removed]" in record["llm"]["error"] and secret not in record["llm"]["error"]
    assert secret not in result.stderr
    with sqlite3.connect(cache) as db:
        errors = [row[0] for row in db.execute("SELECT error FROM calls")]
    assert errors and all(secret not in (e or "") for e in errors)
    assert oct(cache.stat().st_mode & 0o777) == "0o600"


def test_the_openai_key_is_not_sent_to_another_server(tmp_path: Path) -> None:
    answer = perfect_answer(parse_text(LETTER.read_text()))
    env = {**CLEAN_ENV, "OPENAI_API_KEY": "sk-private-openai-key"}
    with fake_server(Behaviour("ok", answer)) as server:
        result = cli("extract", "--base-url", server.base_url, "--model", MODEL, "--no-cache", str(LETTER), env=env)
        sent = [h.get("authorization", "") for h in server.headers]
        keyed = cli(
            "extract",
            "--base-url",
            server.base_url,
            "--model",
            MODEL,
            "--no-cache",
            "--api-key",
            "mine",
            str(LETTER),
            env=env,
        )
        sent_keyed = [h.get("authorization", "") for h in server.headers[len(sent) :]]
    assert result.returncode == 0 and keyed.returncode == 0
    assert sent and all("sk-private-openai-key" not in h for h in sent)
    assert sent_keyed and all(h == "Bearer mine" for h in sent_keyed)


# -- crashes and hangs ---------------------------------------------------------------------------


def test_a_very_long_file_name_with_summaries_does_not_stop_the_batch(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    long_name = folder / ("x" * 244 + ".txt")
    long_name.write_text(LETTER.read_text())
    letters(folder, 4)
    out = tmp_path / "out.jsonl"
    result = cli("batch", str(folder), "--out", str(out), "--summaries", str(tmp_path / "s"), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert len(lines(out)) == 5 and len(list((tmp_path / "s").glob("*.md"))) == 5


def test_a_fifo_is_refused_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    line = one_line(cli("parse", str(fifo), timeout=30))
    assert line == f"imr-llm: {fifo}: not a regular file (a FIFO, device or socket); give a letter file"
    out = tmp_path / "out.jsonl"
    result = cli("batch", str(tmp_path), "--out", str(out), "--no-progress", timeout=60)
    assert result.returncode == 1 and str(lines(out)[0]["error"]).startswith("not a regular file")


@pytest.mark.parametrize(("damage", "named"), [("header", False), ("truncate", False), ("text", False)])
def test_a_damaged_cache_is_moved_aside_and_recreated(tmp_path: Path, damage: str, named: bool) -> None:
    """The tool's own cache file (IMR_LLM_CACHE or the default), however damaged, is moved aside and
    started again (a file named with --cache is never moved: see the next test)."""
    answer = perfect_answer(parse_text(LETTER.read_text()))
    cache = tmp_path / "c.sqlite"
    where = ("--cache", str(cache)) if named else ()
    env = {"IMR_LLM_CACHE": str(tmp_path / "elsewhere.sqlite" if named else cache)}
    with fake_server(Behaviour("ok", answer)) as server:
        base = ("extract", "--base-url", server.base_url, "--model", MODEL, *where, str(LETTER))
        assert cli(*base, env=env).returncode == 0
        data = cache.read_bytes()
        damaged = {"header": b"\0" * 100 + data[100:], "truncate": data[: len(data) // 3], "text": b"not sqlite"}
        cache.write_bytes(damaged[damage])
        result = cli(*base, env=env)
        assert result.returncode == 0, result.stderr
        assert "could not be read" in result.stderr and "started a new one" in result.stderr
        assert list(tmp_path.glob("c.sqlite.corrupt-*"))
        before = cache.read_bytes()
        no_cache = ("--no-cache", "--cache", str(cache))
        cli("extract", "--base-url", server.base_url, "--model", MODEL, *no_cache, str(LETTER))
        assert cache.read_bytes() == before  # --no-cache never opens it


def test_a_file_given_as_the_cache_that_is_not_one_is_never_moved_or_written(tmp_path: Path) -> None:
    """`--cache notes.txt` (or an input letter) used to be renamed "notes.txt.corrupt-..." and replaced by a
    database. A file the user names that is not SQLite, or is another program's SQLite database, is now
    refused: one line, exit 2, left byte for byte."""
    import sqlite3

    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE contacts (name TEXT)")
    letter = tmp_path / "letter.txt"
    letter.write_bytes(LETTER.read_bytes())
    cut = tmp_path / "cut.db"  # another program's database, cut short: whose it is cannot be told
    cut.write_bytes(other.read_bytes()[:600])
    marked = tmp_path / "marked.db"  # no table yet, but another program's version mark
    with sqlite3.connect(marked) as db:
        db.execute("PRAGMA user_version = 7")
    for victim in (notes, other, letter, cut, marked):
        before = victim.read_bytes()
        url = "http://127.0.0.1:9/v1"
        result = cli("extract", "--base-url", url, "--model", MODEL, "--cache", str(victim), str(letter))
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "left as it is" in result.stderr
        assert victim.read_bytes() == before and not list(tmp_path.glob("*.corrupt-*"))


def test_a_poisoned_cache_row_is_dropped_and_the_call_made_again(tmp_path: Path) -> None:
    answer = perfect_answer(parse_text(LETTER.read_text()))
    cache = tmp_path / "c.sqlite"
    with fake_server(Behaviour("ok", answer)) as server:
        base = ("extract", "--base-url", server.base_url, "--model", MODEL, "--cache", str(cache), str(LETTER))
        assert cli(*base).returncode == 0
        with sqlite3.connect(cache) as db:
            db.execute('UPDATE responses SET response = \'{"disputed_items": "poison"}\'')
        again = cli(*base)
        assert again.returncode == 0, again.stderr
        assert len(server.requests) == 2  # asked again instead of failing on the stored answer
        assert json.loads(again.stdout)["llm"]["cached"] is False


def test_a_retry_after_that_is_not_a_date_falls_back_to_backoff(tmp_path: Path) -> None:
    class Response:
        headers: ClassVar[dict[str, str]] = {"retry-after": "garbage-date"}

    class Error(Exception):
        response = Response()

    assert retry_after_seconds(Error()) is None
    answer = perfect_answer(parse_text(LETTER.read_text()))
    with fake_server(Behaviour("ok", answer), [Behaviour("429", retry_after="garbage-date")]) as server:
        result = cli("extract", "--base-url", server.base_url, "--model", MODEL, "--no-cache", str(LETTER))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["llm"]["requests"] == 2


def test_globs_and_folders_do_not_follow_symlink_loops_or_links_out(tmp_path: Path) -> None:
    root = tmp_path / "in"
    letters(root / "sub", 2)
    (root / "sub" / "loop").symlink_to(root)
    (root / "parent").symlink_to(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text(LETTER.read_text())
    (root / "out-link.txt").symlink_to(outside)
    for spec in (str(root), str(root / "**" / "*.txt")):
        out = tmp_path / f"out-{len(spec)}.jsonl"
        result = cli("batch", spec, "--out", str(out), "--no-progress", timeout=120)
        assert result.returncode == 0, result.stderr
        assert len(lines(out)) == 2


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--out", "{file}/out.jsonl"], "is a file, not a folder"),
        (["--out", "{tmp}/o.jsonl", "--summaries", "{file}"], "--summaries {file} is a file; give a folder"),
        (["--out", "{tmp}/o.jsonl", "--concurrency", "0"], "--concurrency"),
        (["--out", "/dev/stdout"], "is not a regular file (a device or pipe)"),
        (["--out", "/dev/full"], "is not a regular file (a device or pipe)"),
    ],
)
def test_usage_mistakes_are_one_line_and_exit_2(tmp_path: Path, args: list[str], expected: str) -> None:
    file = tmp_path / "a-file"
    file.write_text("x")
    args = [a.replace("{file}", str(file)).replace("{tmp}", str(tmp_path)) for a in args]
    result = cli("batch", str(LETTER), *args, "--no-progress", timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert expected.replace("{file}", str(file)) in result.stderr


def test_past_the_item_cap_no_item_is_assembled_from_the_wrong_text() -> None:
    many = [Item(f"Physical therapy visit {i}", "Upheld", DENIED_PT.rationale) for i in range(305)]
    record = parse_text(make_letter(*many))
    assert len(record.disputed_items) == 300
    assert [i.request for i in record.disputed_items] == [f"Physical therapy visit {i}" for i in range(300)]
    assert "Physical therapy visit 300" not in (record.disputed_items[-1].rationale or "")
    assert record.needs_review and any("more than 300 disputed items" in w for w in record.warnings)


# -- a fuzz pass over CLI paths and options ----------------------------------------------------

_WORDS = st.sampled_from(
    [
        "parse",
        "summarize",
        "batch",
        "extract",
        "eval",
        "--out",
        "--table",
        "--summaries",
        "--format",
        "--lang",
        "--pages",
        "--save-text",
        "--backend",
        "--concurrency",
        "--workers",
        "-1",
        "0",
        "es",
        "fr",
        "html",
        "rules",
        "",
        " ",
        "..",
        "/",
        "/dev/null",
        "/dev/full",
        str(LETTER),
        str(SAMPLES),
        "nope.txt",
        "x" * 300,
        "\x7f",
        "--",
        "*.txt",
        "**",
        "--retry-errors",
        "--no-progress",
        "--help",
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(st.lists(_WORDS, min_size=1, max_size=6))
def test_fuzzed_command_lines_never_crash(tmp_path: Path, words: list[str]) -> None:
    if words[0] == "extract":
        words = [*words, "--backend", "rules"]
    result = subprocess.run(
        [sys.executable, "-m", "imr_llm", *words],
        capture_output=True,
        text=True,
        timeout=120,
        env=CLEAN_ENV,
        cwd=tmp_path,
    )
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, (words, result.stderr)
    assert result.returncode in (0, 1, 2), (words, result.returncode, result.stderr)
