"""The eval harness: suites, thresholds, compare, rescore, reports; and its metrics recomputed
independently (by hand, from gold and records) on the dev set."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from imr_llm.evals.compare import compare_runs
from imr_llm.evals.runner import RunFile, run_suite, score_run
from imr_llm.evals.suite import load_suite
from tests.cli import run_cli as cli
from tests.conftest import REPO, chromium_render, needs_chromium, needs_shared

SYNTHETIC = REPO / "evals" / "synthetic-rules.toml"
DEV_SUITE = REPO / "evals" / "dev-rules.toml"


@pytest.fixture(scope="module")
def synthetic_run() -> RunFile:
    return run_suite(load_suite(SYNTHETIC))


def test_synthetic_suite_passes_its_thresholds(synthetic_run: RunFile) -> None:
    assert synthetic_run.passed, [t for t in synthetic_run.thresholds if not t.passed]
    assert synthetic_run.metrics["letters"] == 9  # 8 text letters + 1 PDF
    assert synthetic_run.metrics["key_field_accuracy"] == 1.0
    assert synthetic_run.git_commit is None or len(synthetic_run.git_commit) == 40


def test_a_missed_threshold_fails_the_cli(tmp_path: Path) -> None:
    suite = tmp_path / "strict.toml"
    text = SYNTHETIC.read_text().replace('gold = "../samples"', f'gold = "{REPO / "samples"}"')
    suite.write_text(text.replace("[thresholds.max]", "[thresholds.max]\nsummary_grade_median = 1.0"))
    result = cli("eval", str(suite), "--out", str(tmp_path / "run.json"))
    assert result.returncode == 1
    assert "threshold missed" in result.stderr
    assert json.loads((tmp_path / "run.json").read_text())["passed"] is False


def _flip(decision: str) -> str:
    return "overturned" if decision == "upheld" else "upheld"


def test_a_flipped_decision_on_one_letter_fails_the_compare_whatever_the_statistics(
    synthetic_run: RunFile, tmp_path: Path
) -> None:
    worse = copy.deepcopy(synthetic_run)
    record = worse.letters[0].record
    assert record is not None
    record["disputed_items"][0]["decision"] = _flip(record["disputed_items"][0]["decision"])
    worse = score_run(worse, resamples=200)
    comparison = compare_runs(synthetic_run, worse, resamples=200)
    assert comparison.regressed
    flips = [c for c in comparison.always_listed if c.kind == "decision"]
    assert [(c.path, c.change) for c in flips] == [("disputed_items.0.decision", "regressed")]
    assert flips[0].letter.startswith(worse.letters[0].name)
    # one letter of nine: the paired interval of decision accuracy still reaches zero, so no metric regresses
    decision = next(m for m in comparison.metrics if m.metric == "decision_accuracy")
    assert decision.delta is not None and decision.delta < 0 and decision.high == 0.0 and decision.status == "same"
    # the CLI: exit 1 and the letter named; the other way round the flip is an improvement
    base_file, worse_file = tmp_path / "base.json", tmp_path / "worse.json"
    synthetic_run.save(base_file)
    worse.save(worse_file)
    result = cli("eval", "compare", str(base_file), str(worse_file), "--resamples", "200")
    assert result.returncode == 1 and "decision regressed" in result.stderr and worse.letters[0].name in result.stderr
    back = cli("eval", "compare", str(worse_file), str(base_file), "--resamples", "200")
    assert back.returncode == 0 and "decision improved" in back.stderr


def test_one_item_less_is_listed_but_is_not_a_regression(synthetic_run: RunFile, tmp_path: Path) -> None:
    fewer = copy.deepcopy(synthetic_run)
    letter = next(x for x in fewer.letters if x.record and len(x.record["disputed_items"]) > 1)
    assert letter.record is not None
    letter.record["disputed_items"] = letter.record["disputed_items"][:-1]
    fewer = score_run(fewer, resamples=200)
    assert fewer.metrics["item_f1"] < synthetic_run.metrics["item_f1"] - 0.005  # a bare delta would say "regressed"
    comparison = compare_runs(synthetic_run, fewer, resamples=200)
    assert not comparison.regressed and not comparison.regressions
    assert [c.kind for c in comparison.always_listed] == ["item"]
    base_file, fewer_file = tmp_path / "base.json", tmp_path / "fewer.json"
    synthetic_run.save(base_file)
    fewer.save(fewer_file)
    result = cli("eval", "compare", str(base_file), str(fewer_file), "--resamples", "200")
    assert result.returncode == 0, result.stderr
    assert "item regressed" in result.stderr and "no regression beyond tolerance" in result.stderr


def test_a_change_on_every_letter_is_a_regression(synthetic_run: RunFile) -> None:
    """The wrong output the paired interval must catch: a field broken on every letter."""
    worse = copy.deepcopy(synthetic_run)
    for letter in worse.letters:
        assert letter.record is not None
        letter.record["decision_date"] = "1999-01-01"
    worse = score_run(worse, resamples=200)
    comparison = compare_runs(synthetic_run, worse, resamples=200)
    statuses = {m.metric: m.status for m in comparison.metrics}
    assert statuses["field.decision_date"] == "regressed" and statuses["key_field_accuracy"] == "regressed"
    assert comparison.regressed


def test_letters_are_matched_by_identity_not_by_path(synthetic_run: RunFile, tmp_path: Path) -> None:
    moved = copy.deepcopy(synthetic_run)
    for letter in moved.letters:  # the same gold, read from another folder
        letter.input = str(tmp_path / "elsewhere" / Path(letter.input).name)
    record = moved.letters[1].record
    assert record is not None
    record["case_number"] = "CM00-0000000"
    moved = score_run(moved, resamples=100)
    comparison = compare_runs(synthetic_run, moved, resamples=100)
    assert comparison.shared_letters == len(synthetic_run.letters) and not comparison.sets_differ
    assert [(c.path, c.change) for c in comparison.fields] == [("case_number", "regressed")]


def test_different_letter_sets_warn_and_fail_unless_allowed(synthetic_run: RunFile, tmp_path: Path) -> None:
    fewer = copy.deepcopy(synthetic_run)
    fewer.letters = fewer.letters[1:]
    fewer = score_run(fewer, resamples=100)
    base_file, fewer_file = tmp_path / "base.json", tmp_path / "fewer.json"
    synthetic_run.save(base_file)
    fewer.save(fewer_file)
    result = cli("eval", "compare", str(base_file), str(fewer_file), "--resamples", "100")
    assert result.returncode == 1
    assert "different letters" in result.stderr and "1 only in base" in result.stderr
    allowed = cli("eval", "compare", str(base_file), str(fewer_file), "--resamples", "100", "--allow-different-sets")
    assert allowed.returncode == 0, allowed.stderr


def test_every_metric_has_a_reproducible_interval_around_it(synthetic_run: RunFile) -> None:
    noisy = copy.deepcopy(synthetic_run)
    for letter in noisy.letters[::2]:  # half the letters wrong on one field: a metric with real spread
        assert letter.record is not None
        letter.record["case_number"] = "CM00-0000000"
    once, again = score_run(noisy, resamples=300), score_run(noisy, resamples=300)
    assert once.intervals == again.intervals and once.bootstrap is not None
    assert (once.bootstrap.resamples, once.bootstrap.seed, once.bootstrap.letters) == (300, 17, 8)
    low, high = once.intervals["field.case_number"]
    assert low < once.metrics["field.case_number"] < high and high - low > 0.2
    other_seed = score_run(noisy, resamples=300, seed=5)
    assert other_seed.intervals["field.case_number"] != once.intervals["field.case_number"]
    assert set(once.intervals) >= {"key_field_accuracy", "decision_accuracy", "item_f1", "summary_pass_rate"}
    assert all(lo <= once.metrics[m] + 1e-9 and once.metrics[m] - 1e-9 <= hi for m, (lo, hi) in once.intervals.items())
    # the letters that miss a threshold are named, worst first
    assert "field.case_number" not in once.letter_metrics[next(iter(once.letter_metrics))]


def test_the_cli_prints_intervals_and_the_letters_that_miss_a_threshold(tmp_path: Path) -> None:
    suite = tmp_path / "strict.toml"
    text = SYNTHETIC.read_text().replace('gold = "../samples"', f'gold = "{REPO / "samples"}"')
    suite.write_text(text.replace("[thresholds.max]", "[thresholds.max]\nsummary_grade_median = 1.0"))
    result = cli("eval", str(suite), "--out", str(tmp_path / "run.json"), "--resamples", "100")
    assert result.returncode == 1
    assert "95% interval" in result.stderr and "n = 8 letters" in result.stderr
    assert "letters missing summary_grade_median: synth-" in result.stderr


def test_rescore_reproduces_the_metrics(synthetic_run: RunFile, tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    synthetic_run.save(path)
    result = cli("eval", "--rescore", str(path), "--out", str(tmp_path / "again.json"))
    assert result.returncode == 0, result.stderr
    again = json.loads((tmp_path / "again.json").read_text())
    assert again["metrics"] == synthetic_run.metrics
    assert {k: tuple(v) for k, v in again["intervals"].items()} == synthetic_run.intervals


def test_bad_suite_and_run_files_are_one_line_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ngold = "nowhere"\nbackend = "quantum"\n')
    result = cli("eval", str(bad))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "backend" in result.stderr
    result = cli("eval", "compare", str(tmp_path / "none.json"), str(tmp_path / "none.json"))
    assert result.returncode == 2 and "run file not found" in result.stderr


@needs_chromium
def test_html_report_renders_with_evidence_highlighted(synthetic_run: RunFile, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    synthetic_run.save(base)
    page = tmp_path / "report.html"
    result = cli("eval", "--rescore", str(base), "--report-html", str(page))
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert '<mark class="parser"' in html and "synth-2016-partial" in html
    png, dom = chromium_render(page, tmp_path, "1200,1600")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000
    assert "key_field_accuracy" in dom and "thresholds pass" in dom


# -- independent recomputation on the dev set ------------------------------------------


@needs_shared
def test_dev_metrics_agree_with_a_hand_computation() -> None:
    run = run_suite(load_suite(DEV_SUITE).model_copy(update={"inputs": ["txt"]}))
    letters = run.letters
    # decision accuracy, by hand: items in letter order (the parser finds every item)
    decisions = [
        (g["decision"], r["decision"])
        for x in letters
        for g, r in zip(x.gold["disputed_items"], x.record["disputed_items"], strict=True)
    ]  # type: ignore[index]
    assert run.metrics["decision_accuracy"] == round(sum(a == b for a, b in decisions) / len(decisions), 6)
    assert len(decisions) == 114
    # item recall, by hand
    gold_items = sum(len(x.gold["disputed_items"]) for x in letters)
    found = sum(min(len(x.gold["disputed_items"]), len(x.record["disputed_items"])) for x in letters)  # type: ignore[index]
    assert run.metrics["item_recall"] == round(found / gold_items, 6)
    # case_number and decision_date accuracy, by hand
    for field in ("case_number", "decision_date", "patient_age"):
        hits = sum(x.gold[field] == x.record[field] for x in letters)  # type: ignore[index]
        assert run.metrics[f"field.{field}"] == round(hits / len(letters), 6)
    # diagnoses: mean per-letter set F1, by hand
    f1s = []
    for x in letters:
        g, p = set(x.gold["diagnoses"] or []), set(x.record["diagnoses"] or [])  # type: ignore[index]
        if not g and not p:
            f1s.append(1.0)
            continue
        tp = len(g & p)
        f1s.append(0.0 if tp == 0 else 2 * tp / (len(g) + len(p)))
    assert run.metrics["diagnoses_f1"] == round(sum(f1s) / len(f1s), 6)
    # key-field accuracy: the share of key fields right, counted directly
    keys = (
        "case_number",
        "date_of_injury",
        "ur_determination_date",
        "application_received_date",
        "decision_date",
        "date_assigned",
        "priority",
        "patient_age",
        "patient_sex",
    )
    right = total = 0
    for x in letters:
        rec = x.record
        assert rec is not None
        for k in keys:
            total += 1
            right += x.gold[k] == rec[k]
        for k in ("board_certifications", "subspecialties", "licensed_state", "certification_text", "licensure_text"):
            total += 1
            right += x.gold["reviewer"][k] == rec["reviewer"][k]
        for g, p in zip(x.gold["disputed_items"], rec["disputed_items"], strict=True):
            for k in (
                "request",
                "decision",
                "decision_text",
                "medically_necessary",
                "guidelines_cited",
                "maximus_guideline_text",
                "claims_administrator_guideline_text",
                "rationale_first_sentence",
                "item_heading_text",
            ):
                total += 1
                right += " ".join(str(g.get(k)).split()) == " ".join(str(p.get(k)).split())
    assert run.metrics["key_field_accuracy"] == round(right / total, 6)


def test_a_bug_on_one_letter_is_that_letter_s_error_and_the_others_are_kept(
    synthetic_run: RunFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A held-out scan eval once died at letter 149 of 160 on one letter's internal error, losing all 149. Now the
    letter is an error of kind 'internal' (so the run misses its errors gate) and every other letter is scored."""
    import imr_llm.evals.runner as runner

    real = runner._load
    victim = synthetic_run.letters[0].name

    def broken(path: Path):  # type: ignore[no-untyped-def]
        if path.name.startswith(victim + "."):
            raise ValueError("a bug")
        return real(path)

    monkeypatch.setattr(runner, "_load", broken)
    run = run_suite(load_suite(SYNTHETIC))
    failed = [x for x in run.letters if x.error]
    assert [(x.name, x.error_kind) for x in failed] == [(victim, "internal")]
    assert "ValueError: a bug" in (failed[0].error or "")
    assert all(x.record for x in run.letters if x.name != victim)
    assert not run.passed and any(t.metric == "errors" and not t.passed for t in run.thresholds)


def test_eval_out_a_folder_puts_the_run_file_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    run = cli("eval", str(SYNTHETIC), "--out", str(folder))
    assert run.returncode == 0, run.stderr  # never "internal error (IsADirectoryError)" after the whole run
    assert [p.name for p in folder.iterdir()] == ["synthetic-rules-rules.json"]
