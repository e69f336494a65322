"""`imr-llm logs` (the call log's reader), `imr-llm prompts show/diff`, and the documented GitHub
Actions workflow for prompt authors (parsed, and the Markdown it posts tested in test_evals)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from imr_llm.parser import parse_text
from tests.cli import run_cli as cli
from tests.conftest import REPO, SAMPLES
from tests.fake_openai_server import MODEL, Behaviour, fake_server
from tests.llm_answers import perfect_answer

LETTER = SAMPLES / "synth-2016-basic.txt"


def test_logs_lists_filters_and_totals_calls_without_letter_text(tmp_path: Path) -> None:
    cache = tmp_path / "cache.sqlite"
    answer = perfect_answer(parse_text(LETTER.read_text()))
    with fake_server(Behaviour("ok", answer), [Behaviour("500"), Behaviour("ok", answer)]) as server:
        base = ("extract", "--base-url", server.base_url, "--model", MODEL, "--cache", str(cache), str(LETTER))
        assert cli(*base).returncode == 0  # one retry (a 500), then ok
        assert cli(*base).returncode == 0  # from the cache
        again = tmp_path / "same-letter.txt"  # another input (one more line at the end): a fresh call
        again.write_text(LETTER.read_text() + "\nCopy received by the worker.\n")
        assert cli(*base[:-1], str(again), "--log-text").returncode == 0  # letter text logged on request
    listed = cli("logs", "--cache", str(cache))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 3 and all(MODEL in line and "extract@1" in line for line in lines)
    assert "retries 1" in lines[-1] and "(cached)" in lines[1]  # newest first
    assert "Case Number" not in listed.stdout and "CM16-" not in listed.stdout
    rows = [json.loads(line) for line in cli("logs", "--cache", str(cache), "--json").stdout.splitlines()]
    assert [r["cached"] for r in rows] == [False, True, False] and "letter_text" not in rows[0]
    assert rows[-1]["retries"] == 1 and rows[-1]["prompt_tokens"] > 0
    assert len(cli("logs", "--cache", str(cache), "--status", "cached").stdout.splitlines()) == 1
    assert cli("logs", "--cache", str(cache), "--model", "another-model").stdout == ""
    assert len(cli("logs", "--cache", str(cache), "--prompt", "extract").stdout.splitlines()) == 3
    assert cli("logs", "--cache", str(cache), "--since", "2999-01-01").stdout == ""
    totals = json.loads(cli("logs", "--cache", str(cache), "--summary", "--json").stdout)
    assert (totals["calls"], totals["cached"]) == (3, 1) and totals["requests"] >= 3
    # letter text only where it was logged, and only when asked
    shown = cli("logs", "--cache", str(cache), "--show-text").stdout
    assert shown.count("Case Number") == 1
    # a missing log and a bad date are one-line errors
    missing = cli("logs", "--cache", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 1 and "no call log" in missing.stderr and not (tmp_path / "none.sqlite").exists()
    bad = cli("logs", "--cache", str(cache), "--since", "last week")
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1


def test_prompts_show_and_diff() -> None:
    shown = cli("prompts", "show", "extract@2")
    assert shown.returncode == 0
    assert "==> prompt.toml <==" in shown.stdout and "==> system.j2 (from extract@1) <==" in shown.stdout
    assert "==> example example-1.txt <==" in shown.stdout
    same = cli("prompts", "diff", "extract@1", "extract@1")
    assert same.returncode == 0 and same.stdout == ""
    changed = cli("prompts", "diff", "extract@1", "extract-no-guidelines@1")
    assert changed.returncode == 1
    assert changed.stdout.startswith("--- extract@1/prompt.toml") and "\n-guidelines = true" in changed.stdout
    unknown = cli("prompts", "show", "extract@99")
    assert unknown.returncode == 2 and len(unknown.stderr.splitlines()) == 1
    listed = cli("prompts")
    assert listed.returncode == 0 and "extract@3" in listed.stdout


def test_the_documented_workflow_is_valid_yaml_and_runs_the_compare() -> None:
    workflow = yaml.safe_load((REPO / "docs" / "eval-pr-comment.yml").read_text())
    steps = workflow["jobs"]["eval"]["steps"]
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "imr-llm eval compare base.json new.json --report-md report.md" in commands
    assert any("createComment" in (step.get("with") or {}).get("script", "") for step in steps)
    assert workflow["permissions"]["pull-requests"] == "write"


def test_a_prompts_folder_that_does_not_exist_is_one_line() -> None:
    result = cli("prompts", env={"IMR_LLM_PROMPTS": "/no/such/folder"})
    assert result.returncode == 2 and "internal error" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "imr-llm: IMR_LLM_PROMPTS /no/such/folder: no such folder (it holds the prompt templates NAME/VERSION/)"
    ]
    assert cli("prompts").returncode == 0  # the shipped prompts, as before


def test_logs_limit_out_of_range_is_a_usage_error() -> None:
    """A hostile tester's --limit 10^22 was an internal error (an integer SQLite cannot hold)."""
    from typer.testing import CliRunner

    from imr_llm.cli import app

    result = CliRunner().invoke(app, ["logs", "--limit", "99999999999999999999999"])
    assert result.exit_code == 2 and "Traceback" not in result.output
