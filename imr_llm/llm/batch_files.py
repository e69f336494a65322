"""The Batch API file format (OpenAI's, also read and written by vLLM's `run_batch`).

A request line's body is built by instructor's own request builder for the configured mode, so it is
byte for byte the body a live call sends (tools or JSON schema, same parameters); a result line's
answer is parsed and validated by instructor's own response parser, as a live answer is. Nothing here
talks to a server: see `batch_api.py`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from imr_llm.errors import LLMInvalidOutput, LLMRefused, LLMTruncated
from imr_llm.llm.config import LLMConfig
from imr_llm.llm.speedups import for_instructor

T = TypeVar("T", bound=BaseModel)

ENDPOINT: Literal["/v1/chat/completions"] = "/v1/chat/completions"
# OpenAI's limits per input file (platform.openai.com/docs/guides/batch): 50,000 requests, 200 MB
MAX_REQUESTS_PER_FILE = 50_000
MAX_BYTES_PER_FILE = 200 * 1000 * 1000


def request_body(
    config: LLMConfig, messages: list[dict[str, str]], response_model: type[BaseModel], max_tokens: int
) -> dict[str, Any]:
    """The chat-completions body a live call would POST (instructor adds the tool or schema)."""
    from instructor.processing.response import handle_response_model

    seeded: dict[str, Any] = {"seed": config.seed} if config.seed is not None else {}
    _, kwargs = handle_response_model(
        for_instructor(response_model),
        mode=config.instructor_mode,
        model=config.model,
        messages=messages,
        max_tokens=max_tokens,
        temperature=config.temperature,
        **seeded,
    )
    body: dict[str, Any] = json.loads(json.dumps(kwargs))  # plain JSON, as it goes on the wire
    return body


def request_line(custom_id: str, body: dict[str, Any]) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}, ensure_ascii=False)


@dataclass(frozen=True)
class ResultLine:
    """One line of an output or error file: an answer body, or why there is none."""

    line_no: int  # 1-based, in its file
    custom_id: str | None
    body: dict[str, Any] | None = None
    error: str | None = None

    @property
    def usage(self) -> tuple[int, int]:
        """(prompt, completion) tokens the line reports; 0 for a value that is not a count (a string, a
        list, a negative or huge number in a hand-made or broken results file never stops a run)."""
        usage = (self.body or {}).get("usage")
        if not isinstance(usage, dict):
            return 0, 0
        return _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    if value != value or not 0 <= value < 10**9:  # NaN, negative, absurd
        return 0
    return int(value)


def _usage_or_none(usage: object) -> dict[str, int] | None:
    """The usage block as counts (a value that is not one is 0), or None: a usage of the wrong type ("many",
    [1], true) says nothing of the answer, which is read as it is."""
    if not isinstance(usage, dict):
        return None
    prompt, completion = _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def read_results(text: str) -> Iterator[ResultLine]:
    """Every line of a results (or error) file; a malformed line is a ResultLine with an error and, when
    it can be read, its custom_id."""
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            yield ResultLine(number, None, error="not a JSON line")
            continue
        if not isinstance(data, dict):
            yield ResultLine(number, None, error="not a JSON object")
            continue
        custom_id = data.get("custom_id") if isinstance(data.get("custom_id"), str) else None
        response: dict[str, Any] = data["response"] if isinstance(data.get("response"), dict) else {}
        body = response["body"] if isinstance(response.get("body"), dict) else None
        status = response.get("status_code")
        error = data.get("error")
        if error or (status is not None and status != 200) or body is None or "choices" not in body:
            yield ResultLine(number, custom_id, error=_error_text(error, status, body))
        else:
            yield ResultLine(number, custom_id, body=body)


def _error_text(error: object, status: object, body: dict[str, Any] | None) -> str:
    if isinstance(error, dict):
        return f"{error.get('code') or 'error'}: {str(error.get('message') or '')[:200]}"
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return f"HTTP {status}: {str(body['error'].get('message') or '')[:200]}"
    if status is not None and status != 200:
        return f"HTTP {status}"
    return str(error)[:200] if error else "no answer body in the result line"


def parse_answer(config: LLMConfig, body: dict[str, Any], response_model: type[T], max_tokens: int) -> T:
    """The validated answer in a result body, read as a live answer is; LLMTruncated when cut at
    max_tokens, LLMInvalidOutput when it does not validate, LLMRefused when the model declined."""
    from instructor.processing.response import process_response
    from openai.types.chat import ChatCompletion

    try:
        completion = ChatCompletion.model_validate({**body, "usage": _usage_or_none(body.get("usage"))})
    except Exception as e:
        raise LLMInvalidOutput(f"not a chat completion: {_first_line(e)}") from e
    usage = completion.usage
    choice = completion.choices[0] if completion.choices else None
    if choice is None:
        raise LLMInvalidOutput("no choices in the answer")
    if choice.finish_reason == "length" or (usage is not None and (usage.completion_tokens or 0) >= max_tokens):
        raise LLMTruncated(f"answer truncated at max_tokens={max_tokens}")
    if getattr(choice.message, "refusal", None):
        raise LLMRefused(f"the model declined: {str(choice.message.refusal)[:200]}")
    try:
        answer: T = process_response(
            completion, response_model=for_instructor(response_model), stream=False, mode=config.instructor_mode
        )
    except Exception as e:  # instructor raises validation and JSON errors of several types
        raise LLMInvalidOutput(f"answer does not validate: {_first_line(e)}") from e
    return answer


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:200]


def foreign_request_file(path: Path) -> bool:
    """Whether an existing, non-empty `path` is not a request file this tool wrote (its first line is not
    a request with a `custom_id`): `--write-requests` must never overwrite a letter, notes or the cache."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return False
        with path.open("rb") as f:
            first = f.readline(1 << 20)
        line = json.loads(first.decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return True
    return not (isinstance(line, dict) and "custom_id" in line and "body" in line)
