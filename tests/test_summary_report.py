"""The summary report's command line: a folder that is not there is one clear line and exit 2, not a
traceback; a folder of letters runs (the synthetic samples, whose summaries must pass their checks)."""

from __future__ import annotations

from pathlib import Path

import pytest

from imr_llm.evals.summary_report import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_a_missing_folder_is_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a folder" in err and "Traceback" not in err


def test_the_samples_folder_runs_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SAMPLES)]) == 0
    out = capsys.readouterr().out
    assert "summaries failing a check: 0 of" in out
