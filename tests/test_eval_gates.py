"""The shipped LLM gate is passable: a model is scored on the fields its answer schema asks for, so a perfect
stand-in model passes the thresholds of evals/dev-llm.toml and a one-field-wrong one fails them. The stand-in is a
FAKE OpenAI-compatible server (tests/fake_openai_server.py) answering, for each letter in the prompt, exactly what
the parser reads from it (the parser is exact on the synthetic samples); it tests the scoring, not a model."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from imr_llm.evals.runner import run_suite
from imr_llm.evals.scoring import LLM_SCOPE, PARSER_SCOPE
from imr_llm.evals.suite import Suite
from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.config import LLMConfig
from imr_llm.parser import parse_text
from imr_llm.pipeline.examples import answer_for
from tests.conftest import REPO, SAMPLES
from tests.fake_openai_server import MODEL, Behaviour, fake_server

LETTERS = {p.stem: p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))}
ANSWERS = {name: answer_for(parse_text(text)) for name, text in LETTERS.items()}


def _which(payload: dict[str, Any]) -> str:
    """The sample letter a request is about: the one whose opening lines the prompt carries."""
    users = [m for m in payload.get("messages", []) if m.get("role") == "user"]
    prompt = " ".join(str(users[-1].get("content", "")).split()) if users else ""  # the letter, not an example

    def shown(name: str) -> int:  # how many of this sample's own values the prompt's letter carries
        answer = ANSWERS[name]
        values = [answer["case_number"], *(i["request"] for i in answer["disputed_items"])]
        return sum(" ".join(str(v).split()) in prompt for v in values if v)

    best = max(LETTERS, key=shown)
    assert shown(best) > 0, "the prompt carries none of the sample letters"
    return best


def perfect(payload: dict[str, Any]) -> dict[str, Any]:
    return ANSWERS[_which(payload)]


def one_field_wrong(payload: dict[str, Any]) -> dict[str, Any]:
    answer = ANSWERS[_which(payload)]
    if _which(payload) != "synth-2016-basic":
        return answer
    wrong = copy.deepcopy(answer)
    first = wrong["disputed_items"][0]
    first["decision"] = "overturned" if first["decision"] == "upheld" else "upheld"
    return wrong


def llm_gate(base_url: str) -> Suite:
    """The thresholds and scorers of the shipped dev-llm.toml, over the synthetic samples (stand-in server)."""
    shipped = tomllib.loads((REPO / "evals" / "dev-llm.toml").read_text(encoding="utf-8"))
    return Suite.model_validate(
        {
            **shipped,
            "name": "samples-llm",
            "gold": str(SAMPLES),
            "inputs": ["txt"],
            "base_url": base_url,
            "model": MODEL,
            "concurrency": 1,
            "variants": [],
            "path": str(REPO / "evals" / "dev-llm.toml"),
        }
    )


def run_with(respond: Any, tmp_path: Path) -> Any:
    with fake_server(Behaviour("ok", respond=respond)) as server:
        config = LLMConfig(base_url=server.base_url, model=MODEL, reasks=0, transport_attempts=1)
        cache = ResponseCache(tmp_path / "cache.sqlite")
        try:
            return run_suite(llm_gate(server.base_url), config=config, cache=cache)
        finally:
            cache.close()


def test_the_llm_is_scored_on_its_answers_fields_only() -> None:
    assert "priority" not in LLM_SCOPE.header and "priority" in PARSER_SCOPE.header
    assert "certification_text" not in LLM_SCOPE.reviewer and "item_heading_text" not in LLM_SCOPE.item
    assert LLM_SCOPE.size < PARSER_SCOPE.size


def test_a_perfect_stand_in_passes_the_shipped_llm_gate_FAKE_SERVER(tmp_path: Path) -> None:
    run = run_with(perfect, tmp_path)
    assert not [x.error for x in run.letters if x.error]
    assert run.metrics["key_field_accuracy"] == 1.0 and run.metrics["decision_accuracy"] == 1.0
    assert run.passed, [t for t in run.thresholds if not t.passed]


def test_a_one_field_wrong_stand_in_fails_the_shipped_llm_gate_FAKE_SERVER(tmp_path: Path) -> None:
    run = run_with(one_field_wrong, tmp_path)
    assert run.metrics["decision_accuracy"] < 1.0
    assert not run.passed
    assert [t.metric for t in run.thresholds if not t.passed] == ["decision_accuracy"]


# -- reports a prompt engineer can trust -----------------------------------------------------------------


def _rules_run(tmp_path: Path, **update: Any) -> Any:
    from imr_llm.evals.suite import load_suite

    suite = load_suite(REPO / "evals" / "synthetic-rules.toml").model_copy(
        update={"letters": ["synth-2016-basic", "synth-2014"], "inputs": ["txt"], **update}
    )
    return run_suite(suite)


def test_a_compare_of_a_run_with_itself_lists_every_metric_as_same(tmp_path: Path) -> None:
    from rich.console import Console

    from imr_llm.evals.compare import compare_runs
    from imr_llm.evals.report import print_comparison

    run = _rules_run(tmp_path)
    comparison = compare_runs(run, run, resamples=50)
    assert comparison.metrics and all(m.status in ("same", "cost") for m in comparison.metrics)
    console = Console(record=True, width=200)
    print_comparison(comparison, console)
    shown = console.export_text()
    assert "key_field_accuracy" in shown and "same" in shown and "no regression" in shown


def test_a_lost_diagnosis_is_named_in_the_compare_and_the_report(tmp_path: Path) -> None:
    from imr_llm.evals.compare import compare_runs
    from imr_llm.evals.report import html_report

    base = _rules_run(tmp_path)
    new = base.model_copy(deep=True)
    letter = next(x for x in new.letters if x.record and x.record.get("diagnoses"))
    lost = letter.record["diagnoses"].pop(0)
    comparison = compare_runs(base, new, resamples=50)
    named = [c for c in comparison.always_listed if c.kind == "diagnosis"]
    assert [(c.path, c.before, c.change) for c in named] == [("diagnoses: lost", lost, "regressed")]
    page = html_report(new, comparison, with_text=False)
    assert "diagnoses (missing)" in page and lost in page


def test_letters_that_errored_fail_a_suite_with_no_thresholds_unless_allowed(tmp_path: Path) -> None:
    from imr_llm.evals.runner import score_run
    from imr_llm.evals.suite import Thresholds

    run = _rules_run(tmp_path, thresholds=Thresholds())
    broken = run.model_copy(deep=True)
    broken.letters[0].error, broken.letters[0].record = "cannot read", None
    assert not score_run(broken).passed
    allowed = broken.model_copy(update={"suite": broken.suite.model_copy(update={"allow_errors": True})})
    assert score_run(allowed).passed


def test_an_unknown_model_has_no_price_not_a_zero_one() -> None:
    from imr_llm.llm.prices import load_prices, price_usd

    prices = load_prices()
    assert price_usd(prices, "no-such-model-anywhere", 1000, 100) is None
    assert price_usd(prices, "gpt-4o-mini", 1_000_000, 0) == pytest.approx(0.15)
    assert price_usd(prices, "gpt-4o-mini", 1_000_000, 0, batch=True) == pytest.approx(0.075)
    assert price_usd(prices, "local:gemma.gguf:123", 10_000, 1000) == 0.0


def test_a_cached_rerun_keeps_the_tokens_and_cost_it_compares_FAKE_SERVER(tmp_path: Path) -> None:
    with fake_server(Behaviour("ok", respond=perfect)) as server:
        config = LLMConfig(base_url=server.base_url, model=MODEL, reasks=0, transport_attempts=1)
        cache = ResponseCache(tmp_path / "cache.sqlite")
        try:
            first = run_suite(llm_gate(server.base_url), config=config, cache=cache)
            again = run_suite(llm_gate(server.base_url), config=config, cache=cache)  # every answer from the cache
        finally:
            cache.close()
    assert first.metrics["cached_share"] == 0.0 and again.metrics["cached_share"] == 1.0
    assert again.metrics["prompt_tokens"] == first.metrics["prompt_tokens"] > 0
    assert again.metrics["completion_tokens"] == first.metrics["completion_tokens"] > 0


# -- repeats: the model's own randomness -------------------------------------------------------------------


def coin(payload: dict[str, Any]) -> dict[str, Any]:
    """A stand-in with random answers: each item's decision right or wrong by a coin seeded by the request's
    seed and letter (so a repeat differs, and the same repeat answers the same)."""
    import random

    name = _which(payload)
    answer = copy.deepcopy(ANSWERS[name])
    rng = random.Random(f"{payload.get('seed')}:{name}")
    for item in answer["disputed_items"]:
        if rng.random() < 0.5:
            item["decision"] = "overturned" if item["decision"] == "upheld" else "upheld"
    return answer


def test_repeats_are_cached_apart_and_their_intervals_count_letters_then_repeats_FAKE_SERVER(tmp_path: Path) -> None:
    from imr_llm.evals.uncertainty import bootstrap_intervals

    with fake_server(Behaviour("ok", respond=coin)) as server:
        config = LLMConfig(base_url=server.base_url, model=MODEL, reasks=0, transport_attempts=1)
        cache = ResponseCache(tmp_path / "cache.sqlite")
        try:
            suite = llm_gate(server.base_url).model_copy(update={"epochs": 3, "temperature": 1.0})
            three = run_suite(suite, config=config, cache=cache, resamples=400)
            asked = len(server.requests)
            again = run_suite(suite, config=config, cache=cache, resamples=400)
        finally:
            cache.close()
    letters = len({x.name for x in three.letters})
    assert asked == 3 * letters and len(server.requests) == asked  # one call per repeat, then all from the cache
    assert {x.epoch for x in three.letters} == {0, 1, 2}
    for metric in ("key_field_accuracy", "decision_accuracy", "prompt_tokens"):  # the same answers, from the cache
        assert again.metrics[metric] == three.metrics[metric]
    assert {r.get("seed") for r in server.requests} == {0, 1, 2}
    assert three.bootstrap is not None and three.bootstrap.unit.startswith("letter, then repeat")
    # treating the 3 repeats as 3x as many independent letters would make the interval too narrow
    naive = [
        x.model_copy(
            update={"name": f"{x.name}#{x.epoch}", "epoch": 0, "gold": {**x.gold, "case_number": f"{x.name}#{x.epoch}"}}
        )
        for x in three.letters
    ]
    naive_intervals, _ = bootstrap_intervals(naive, ["fields"], resamples=400)
    low, high = three.intervals["decision_accuracy"]
    nlow, nhigh = naive_intervals["decision_accuracy"]
    assert high - low >= nhigh - nlow


def test_repeat_on_the_command_line_runs_every_letter_n_times_FAKE_SERVER(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from imr_llm.cli import app

    with fake_server(Behaviour("ok", respond=perfect)) as server:
        suite = tmp_path / "two.toml"
        suite.write_text(
            f'name = "two"\ngold = "{SAMPLES}"\ninputs = ["txt"]\nbackend = "openai"\nconcurrency = 1\n'
            f'base_url = "{server.base_url}"\nmodel = "{MODEL}"\nlimit = 2\n',
            encoding="utf-8",
        )
        out = tmp_path / "run.json"
        args = ["eval", str(suite), "--repeat", "2", "--out", str(out), "--cache", str(tmp_path / "c.sqlite")]
        result = CliRunner().invoke(app, args, env={"OPENAI_API_KEY": "x"})
        asked = len(server.requests)
    assert result.exit_code == 0, result.output
    run = json.loads(out.read_text(encoding="utf-8"))
    assert sorted((x["name"], x["epoch"]) for x in run["letters"]) == sorted(
        (name, epoch) for name in {x["name"] for x in run["letters"]} for epoch in (0, 1)
    )
    assert len({x["name"] for x in run["letters"]}) == 2 and asked == 4
    bad = CliRunner().invoke(app, ["eval", str(suite), "--repeat", "0"])
    assert bad.exit_code == 2


def test_a_compare_names_the_letters_whose_gold_changed_and_those_in_one_run_only(tmp_path: Path) -> None:
    """A new user changed two gold diagnoses and compared: diagnoses F1 fell, 'What changed (0)', no letter
    named. The extraction did not change; the answer key did, and the compare now says so, naming them."""
    from rich.console import Console

    from imr_llm.evals.compare import compare_runs
    from imr_llm.evals.report import print_comparison

    base = _rules_run(tmp_path)
    same = compare_runs(base, base, resamples=20)
    assert same.gold_changed == [] and not same.sets_differ  # the right output: nothing to warn about
    new = base.model_copy(deep=True)
    edited = next(x for x in new.letters if x.gold.get("diagnoses"))
    edited.gold = {**edited.gold, "diagnoses": [*edited.gold["diagnoses"][1:], "a diagnosis added to the gold"]}
    dropped = new.letters.pop()
    comparison = compare_runs(base, new, resamples=20)
    assert len(comparison.gold_changed) == 1 and comparison.only_base
    console = Console(record=True, width=80)
    print_comparison(comparison, console)
    shown = " ".join(console.export_text().split())  # the terminal's 80 columns wrap lines
    assert "the gold differs between the runs on 1 letter(s)" in shown
    assert comparison.gold_changed[0] in shown and "only in base:" in shown and dropped.name in shown
    # at 80 columns no two metric rows read the same (long names wrap instead of being cut)
    rows = [line.split("│")[1].strip() for line in console.export_text().splitlines() if line.startswith("│")]
    assert not any(r.endswith("…") for r in rows)


@pytest.mark.parametrize(
    ("table", "refused"),
    [
        ("[threshold.min]", True),  # a typo of "thresholds": never a gate that silently passes
        ("[thresholds.mim]", True),
        ("[thresholds.min]", False),  # the right output kept: the suite loads
    ],
)
def test_a_typo_in_a_suites_gate_is_refused(tmp_path: Path, table: str, refused: bool) -> None:
    from imr_llm.errors import ConfigError
    from imr_llm.evals.suite import load_suite

    (tmp_path / "gold").mkdir()
    path = tmp_path / "s.toml"
    path.write_text(f'name = "s"\ngold = "gold"\n{table}\nkey_field_accuracy = 0.9\n')
    if refused:
        with pytest.raises(ConfigError):
            load_suite(path)
    else:
        assert load_suite(path).thresholds.min == {"key_field_accuracy": 0.9}
