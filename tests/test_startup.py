"""Start-up: the commands that need no model never import the LLM stack (openai, instructor, llama.cpp),
so `imr-llm parse one.txt` and `--help` start fast. Checked in a clean interpreter per command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES

HEAVY = ("openai", "instructor", "llama_cpp", "httpx")
PROBE = """
import json, sys
from imr_llm.cli import app
sys.argv = ["imr-llm", *json.loads(sys.argv[1])]
try:
    app()
except SystemExit:
    pass
print("LOADED:" + json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy})), file=sys.stderr)
"""


def loaded_after(args: list[str], cwd: Path, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    code = PROBE.replace("{heavy}", repr(set(heavy)))
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True, timeout=300, cwd=cwd
    )
    line = [x for x in result.stderr.splitlines() if x.startswith("LOADED:")]
    assert line, result.stderr
    loaded: list[str] = json.loads(line[-1].removeprefix("LOADED:"))
    return loaded


LETTER = str(SAMPLES / "synth-2016-basic.txt")


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["parse", LETTER],
        ["summarize", LETTER, "--format", "html"],
        ["schema"],
        ["prompts"],
        ["eval", str(SAMPLES.parent / "evals" / "synthetic-rules.toml"), "--out", "{tmp}/run.json"],
        ["batch", LETTER, "--out", "{tmp}/out.jsonl", "--no-progress", "--workers", "1"],
    ],
)
def test_no_llm_stack_on_paths_without_a_model(args: list[str], tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert loaded_after(args, tmp_path) == []


def test_the_probe_sees_the_llm_stack_when_it_is_used(tmp_path: Path) -> None:
    # the same probe on a command that needs the model: it must report openai (or the check is blind)
    loaded = loaded_after(["extract", "--base-url", "http://127.0.0.1:9/v1", "--no-cache", LETTER], tmp_path)
    assert "openai" in loaded and "instructor" in loaded


RENDERING = ("jinja2", "textstat")  # the summary's renderer and reading grades


def test_parse_never_loads_the_summary_renderer(tmp_path: Path) -> None:
    assert loaded_after(["parse", LETTER], tmp_path, RENDERING) == []
    # the same probe on a command that renders: it must see them (or the check is blind)
    assert set(loaded_after(["summarize", LETTER, "--format", "html"], tmp_path, RENDERING)) >= {"jinja2", "textstat"}


def test_library_parse_and_summarize_stay_light() -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom imr_llm import parse, summarize\n"
        f"summarize(parse(Path({LETTER!r})), 'es')\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {set(HEAVY)!r}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[]", result.stderr
