"""The shipped LLM gate is passable: a model is scored on the fields its answer schema asks for, so a perfect
stand-in model passes the thresholds of evals/dev-llm.toml and a one-field-wrong one fails them. The stand-in is a
FAKE OpenAI-compatible server (tests/fake_openai_server.py) answering, for each letter in the prompt, exactly what
the parser reads from it (the parser is exact on the synthetic samples); it tests the scoring, not a model."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

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
