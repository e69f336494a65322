"""`imr-llm extract`: configuration errors are one line that says what to fix (exit 2)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import SAMPLES
from tests.fake_openai_server import Behaviour, fake_server

LETTER = str(SAMPLES / "synth-2016-basic.txt")


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_no_llm_configured_says_how_to_configure_one() -> None:
    line = one_line_error(run_cli("extract", LETTER))
    assert line.startswith("imr-llm: no LLM configured: set OPENAI_API_KEY")
    assert "--backend local" in line and "--backend rules" in line


def test_unreachable_base_url(tmp_path: Path) -> None:
    line = one_line_error(
        run_cli("extract", "--base-url", "http://127.0.0.1:9/v1", "--cache", str(tmp_path / "c"), LETTER)
    )
    assert line.startswith("imr-llm: cannot reach http://127.0.0.1:9/v1")
    assert "--base-url" in line


def test_unknown_model(tmp_path: Path) -> None:
    with fake_server(Behaviour("ok")) as server:
        line = one_line_error(
            run_cli(
                "extract", "--base-url", server.base_url, "--model", "gpt-nope", "--cache", str(tmp_path / "c"), LETTER
            )
        )
    assert line == (
        f"imr-llm: model 'gpt-nope' is not served at {server.base_url}; available: fake-model "
        "(set --model or IMR_LLM_MODEL)"
    )


def test_missing_key_for_a_remote_url() -> None:
    line = one_line_error(run_cli("extract", "--base-url", "https://api.openai.com/v1", LETTER))
    assert line == (
        "imr-llm: no API key for https://api.openai.com/v1: set OPENAI_API_KEY (or point --base-url at a local server)"
    )


def test_model_path_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    line = one_line_error(run_cli("extract", "--backend", "local", "--model-path", str(missing), LETTER))
    assert line.endswith(f"model file not found: {missing} (give a .gguf file to --model-path)")
    not_a_model = tmp_path / "notes.gguf"
    not_a_model.write_text("my notes")  # a file, but no model: a set-up error, never a per-letter failure
    refused = run_cli("extract", "--backend", "local", "--model-path", str(not_a_model), str(LETTER))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip().splitlines() == [
        f"imr-llm: {not_a_model} is not a GGUF model file (no 'GGUF' at its start); give a .gguf file"
    ]


def test_unknown_prompt(tmp_path: Path) -> None:
    with fake_server(Behaviour("ok")) as server:
        line = one_line_error(
            run_cli(
                "extract",
                "--base-url",
                server.base_url,
                "--model",
                "fake-model",
                "--prompt",
                "nope@9",
                "--cache",
                str(tmp_path / "c"),
                LETTER,
            )
        )
    assert line.startswith("imr-llm: unknown prompt 'nope@9'; available: ")
    assert "extract@1" in line


@pytest.mark.parametrize("backend_args", [["--backend", "rules"]])
def test_rules_backend_needs_no_llm(backend_args: list[str]) -> None:
    result = run_cli("extract", *backend_args, LETTER)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["extractor"] == "rules"


@pytest.mark.parametrize(
    ("behaviour", "kind"), [(Behaviour("malformed"), "invalid_output"), (Behaviour("truncated"), "truncated")]
)
def test_a_failed_model_still_prints_the_parsers_record_FAKE_SERVER(
    tmp_path: Path, behaviour: Behaviour, kind: str
) -> None:
    with fake_server(behaviour) as server:
        base = ("extract", "--base-url", server.base_url, "--model", "fake-model", "--no-cache", LETTER)
        strict = run_cli(*base, "--cache", str(tmp_path / "c"))
        lenient = run_cli(*base, "--cache", str(tmp_path / "c"), "--allow-llm-failure")
    for result, code in ((strict, 1), (lenient, 0)):
        assert result.returncode == code, result.stderr
        record = json.loads(result.stdout)
        assert record["extractor"] == "rules" and record["needs_review"] is True
        assert record["llm"]["error_kind"] == kind and "llm_failed" in record["crosscheck"]["reasons"]
        assert [i["decision"] for i in record["disputed_items"]] == ["upheld", "overturned"]
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and f"LLM failed ({kind}:" in lines[0] and "printed the parser's record" in lines[0]


def test_model_options_the_rules_backend_does_not_use_are_named_not_dropped() -> None:
    result = run_cli("extract", "--backend", "rules", "--model", "gpt-x", "--prompt", "extract@2", str(LETTER))
    assert result.returncode == 0 and json.loads(result.stdout)["extractor"] == "rules"
    assert result.stderr.strip().splitlines() == ["imr-llm: --backend rules asks no model: --model, --prompt not used"]
    assert run_cli("extract", "--backend", "rules", str(LETTER)).stderr == ""  # right: nothing said when unused
