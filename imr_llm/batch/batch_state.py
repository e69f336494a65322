"""What `batch --via batch-api` keeps between runs, and the request files it writes.

The state file (`OUT.batch-api.json`) maps each input to its request (by the response-cache key,
which is also the `custom_id`) and each request to the file and line it was sent in; it is rewritten
atomically (temporary file, fsync, rename) after every step, so a kill never leaves half a state.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field, ValidationError

from imr_llm.errors import ConfigError
from imr_llm.llm.batch_files import request_line
from imr_llm.outputs import write_file

if TYPE_CHECKING:
    from imr_llm.pipeline.llm_extractor import LLMExtractor


# the only names the tool gives request files (the state file names them; any other name was not ours,
# and would let an edited state file upload a file from anywhere: `../../secret.txt`)
REQUEST_FILE_NAME = r"^requests-[0-9a-f]{20}(?:-[0-9]{1,6})?\.jsonl$"


class Entry(BaseModel):
    """One distinct request (letters with the same text share it)."""

    input_hash: str
    max_tokens: int
    status: Literal["pending", "queued", "answered", "failed"] = "pending"
    file: str | None = Field(default=None, pattern=REQUEST_FILE_NAME)  # the request file it was last sent in
    line: int | None = None
    tries: int = 0
    error: str | None = None  # why no valid answer came back
    source: str | None = None  # where its answer came from: "batch ID line N"


class RequestFile(BaseModel):
    name: str = Field(pattern=REQUEST_FILE_NAME)  # requests-<sha256 prefix>.jsonl: also the upload's name
    requests: int
    bytes: int
    estimated_prompt_tokens: int
    max_completion_tokens: int
    file_id: str | None = None
    batch_id: str | None = None
    status: str = "written"  # written | uploaded | submitted | collected
    batch_status: str | None = None  # the Batch API's last word
    prompt_tokens: int = 0
    completion_tokens: int = 0


class BatchState(BaseModel):
    version: int = 1
    model: str
    base_url: str
    prompt: str
    inputs: dict[str, tuple[str, str]] = Field(default_factory=dict)  # path -> (sha256, request key)
    entries: dict[str, Entry] = Field(default_factory=dict)  # request key (= custom_id) -> entry
    files: list[RequestFile] = Field(default_factory=list)


def state_paths(out: Path) -> tuple[Path, Path]:
    return out.with_name(out.name + ".batch-api.json"), out.with_name(out.name + ".batch-api")


def load_state(path: Path, extractor: LLMExtractor) -> BatchState:
    config = extractor.client.config
    fresh = BatchState(model=extractor.model_id, base_url=config.display_url, prompt=extractor.prompt.ref)
    if not path.is_file():
        return fresh
    try:
        state = BatchState.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as e:
        raise ConfigError(f"batch state {path} cannot be read ({str(e).splitlines()[0]}); move it aside") from e
    if (state.model, state.prompt) != (fresh.model, fresh.prompt):
        raise ConfigError(
            f"{path} holds batches for model {state.model!r} and prompt {state.prompt}; this run asks for "
            f"{fresh.model!r} and {fresh.prompt}: use another --out, or the same options"
        )
    return state


def save_state(path: Path, state: BatchState) -> None:
    write_file(path, state.model_dump_json())  # a fresh temporary file, synced, renamed over it


class RequestWriter:
    """Request lines into files within the API's limits, each renamed to its content hash when full."""

    def __init__(self, folder: Path, max_requests: int, max_bytes: int) -> None:
        self.folder, self.max_requests, self.max_bytes = folder, max_requests, max_bytes
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("writing-*.jsonl"):  # a killed run's unfinished file: its letters are pending
            stale.unlink()
        self.finished: list[tuple[RequestFile, list[str]]] = []
        self._open()

    def _open(self) -> None:
        self._path = self.folder / f"writing-{os.getpid()}-{len(self.finished)}.jsonl"
        # created here, never an existing name (a planted link is not followed, a stale file was removed)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        self._sink = os.fdopen(os.open(self._path, flags, 0o600), "wb")
        self._hash = hashlib.sha256()
        self._keys: list[str] = []
        self._bytes = 0
        self._tokens = 0
        self._max_completion = 0

    def add(self, key: str, body: dict[str, object], max_tokens: int) -> None:
        data = (request_line(key, body) + "\n").encode()
        if self._keys and (len(self._keys) >= self.max_requests or self._bytes + len(data) > self.max_bytes):
            self._close()
            self._open()
        self._sink.write(data)
        self._hash.update(data)
        self._keys.append(key)
        self._bytes += len(data)
        self._tokens += estimate_prompt_tokens(body)
        self._max_completion += max_tokens

    def _close(self) -> None:
        self._sink.flush()
        os.fsync(self._sink.fileno())
        self._sink.close()
        if not self._keys:
            self._path.unlink()
            return
        name = f"requests-{self._hash.hexdigest()[:20]}.jsonl"
        os.replace(self._path, self.folder / name)
        self.finished.append(
            (
                RequestFile(
                    name=name,
                    requests=len(self._keys),
                    bytes=self._bytes,
                    estimated_prompt_tokens=self._tokens,
                    max_completion_tokens=self._max_completion,
                ),
                self._keys,
            )
        )

    def close(self) -> list[tuple[RequestFile, list[str]]]:
        self._close()
        return self.finished


def estimate_prompt_tokens(body: dict[str, object]) -> int:
    """About 4 characters per token (OpenAI's rule of thumb for English), messages and schema counted."""
    chars = len(json.dumps(body.get("messages"))) + len(json.dumps(body.get("tools") or body.get("response_format")))
    return chars // 4


@dataclass(frozen=True)
class Estimate:
    """What is about to be sent: requests, input tokens (estimated), output tokens at most."""

    requests: int
    prompt_tokens: int
    max_completion_tokens: int
