"""The one cached, logged model call (imr_llm.llm.call.ModelCall), used by extraction, the summary rewrite
and the Batch API path. The client here is a FAKE (a stand-in for the HTTP client, named as such): these
tests are about the cache and log logic around a call, not about a model; the real-server paths are in
test_llm_local.py and the fake-OpenAI-server tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from imr_llm.errors import CallStats, LLMInvalidOutput, LLMNoBatchAnswer, LLMTransportError
from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.call import CallRequest, ModelCall
from imr_llm.llm.config import LLMConfig


class Answer(BaseModel):
    value: int


class FakeClient:
    """Counts calls; answers `answers` in turn (an exception is raised); its identity is fixed."""

    def __init__(self, *answers: Any, identity: tuple[str, str] = ("local:m.gguf:1", "local")) -> None:
        self.answers = list(answers)
        self.calls = 0
        self.identity = identity
        self.config = LLMConfig(base_url="http://127.0.0.1:9/v1", model="m")

    def complete(self, messages: Any, schema: Any, max_tokens: int | None = None) -> tuple[Any, CallStats]:
        self.calls += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer, CallStats(requests=1, prompt_tokens=10, completion_tokens=3, latency_s=0.5)


REQUEST = CallRequest("extract@2", "p", [{"role": "user", "content": "x"}], "i", {"temperature": 0.0})


def call(client: FakeClient, cache: ResponseCache | None, **kw: Any) -> ModelCall:
    return ModelCall(client, cache, **kw)  # type: ignore[arg-type]


def test_a_hit_never_touches_the_client_and_keeps_what_the_answer_cost(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    first = call(FakeClient(Answer(value=1)), cache).generate(REQUEST, Answer)
    assert not first.cached and first.answer.value == 1 and first.stats.prompt_tokens == 10
    untouched = FakeClient()  # no answers: a call would fail
    again = call(untouched, cache).generate(REQUEST, Answer)
    assert again.cached and again.answer.value == 1 and untouched.calls == 0
    assert (again.stats.prompt_tokens, again.stats.completion_tokens, again.stats.requests) == (10, 3, 0)
    assert [row["cached"] for row in cache.calls()] == [0, 1]
    assert cache.calls()[0]["model"] == "local:m.gguf:1" and cache.calls()[0]["latency_s"] == 0.5


def test_the_key_is_the_model_identity_never_a_changing_port(tmp_path: Path) -> None:
    one = call(FakeClient(identity=("local:m.gguf:1", "local")), None).key(REQUEST)
    same = call(FakeClient(identity=("local:m.gguf:1", "local")), None).key(REQUEST)
    other = call(FakeClient(identity=("local:n.gguf:1", "local")), None).key(REQUEST)
    assert one == same != other
    assert one != call(FakeClient(), None).key(CallRequest("extract@2", "p", [], "i", {"temperature": 0.5}))


def test_a_stored_answer_that_no_longer_passes_is_asked_again(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    call(FakeClient(Answer(value=-1)), cache).generate(REQUEST, Answer)

    def positive(answer: Answer) -> Answer:
        if answer.value < 0:
            raise ValidationError.from_exception_data("Answer", [])
        return answer

    client = FakeClient(Answer(value=2))
    outcome = call(client, cache).generate(REQUEST, Answer, accept=positive)
    assert not outcome.cached and outcome.answer.value == 2 and client.calls == 1
    assert call(FakeClient(), cache).generate(REQUEST, Answer, accept=positive).answer.value == 2


def test_a_failed_call_is_logged_with_its_cost_and_nothing_is_stored(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    failure = LLMInvalidOutput("bad json", CallStats(requests=3, prompt_tokens=30, completion_tokens=9))
    with pytest.raises(LLMInvalidOutput):
        call(FakeClient(failure), cache).generate(REQUEST, Answer)
    row = cache.calls()[-1]
    assert (row["status"], row["requests"], row["prompt_tokens"]) == ("invalid_output", 3, 30)
    assert cache.get(call(FakeClient(), cache).key(REQUEST)) is None


def test_cache_only_mode_says_why_a_batch_gave_no_answer_and_makes_no_call(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")
    client = FakeClient(Answer(value=1))
    key = call(client, cache).key(REQUEST)
    with pytest.raises(LLMNoBatchAnswer, match="expired twice"):
        call(client, cache, live=False, no_answer_reasons={key: "expired twice"}).generate(REQUEST, Answer)
    assert client.calls == 0
    call(client, cache).store(REQUEST, Answer(value=7), (5, 1), source="batch_1 line 3")
    stored = call(client, cache, live=False).generate(REQUEST, Answer)
    assert stored.cached and stored.answer.value == 7 and stored.source == "batch_1 line 3"


def test_without_a_cache_every_call_is_asked(tmp_path: Path) -> None:
    client = FakeClient(Answer(value=1), Answer(value=2))
    assert call(client, None).generate(REQUEST, Answer).answer.value == 1
    assert call(client, None).generate(REQUEST, Answer).answer.value == 2 and client.calls == 2


def test_a_transport_that_breaks_or_answers_garbage_is_a_failed_call_never_a_crash(tmp_path: Path) -> None:
    """A plugin transport's own exception, or an answer of the wrong type, is the model failing (logged
    LLMCallError, so the extractor keeps the parser's record); a right answer still passes."""
    cache = ResponseCache(tmp_path / "c.sqlite")
    with pytest.raises(LLMTransportError, match=r"the transport failed \(ConnectionResetError: peer reset"):
        call(FakeClient(ConnectionResetError("peer reset")), cache).generate(REQUEST, Answer)
    with pytest.raises(LLMInvalidOutput, match="answered str, not Answer"):
        call(FakeClient("garbage"), cache).generate(REQUEST, Answer)
    assert [row["status"] for row in cache.calls()] == ["transport", "invalid_output"]
    assert call(FakeClient(Answer(value=3)), cache).generate(REQUEST, Answer).answer.value == 3
