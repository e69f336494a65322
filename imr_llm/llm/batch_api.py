"""The OpenAI Batch API through the openai client: upload a request file, create a batch, read its
status, download its output and error files. The client's own retries (with backoff) cover transport
errors; the provider schedules the work. Finding an upload or a batch by name lets a run that was
killed between "created" and "recorded" adopt it instead of submitting twice.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from imr_llm.errors import ConfigError
from imr_llm.llm.batch_files import ENDPOINT, MAX_BYTES_PER_FILE
from imr_llm.llm.config import LLMConfig, scrub_error, scrub_secrets
from imr_llm.llm.deadline import bound_requests, request_deadline

if TYPE_CHECKING:
    import openai

TERMINAL = {"completed", "failed", "expired", "cancelled"}
RUNNING = {"validating", "in_progress", "finalizing", "cancelling"}  # the API's documented statuses, not done yet
CALL_S = 120.0  # a status, list or create call, its retries included, ends within this
TRANSFER_S = 3600.0  # an upload or download of up to 200 MB
METADATA_KEY = "imr_llm_request_file"


@dataclass(frozen=True)
class BatchStatus:
    id: str
    status: str  # validating | in_progress | finalizing | completed | failed | expired | cancelling | cancelled
    output_file_id: str | None
    error_file_id: str | None
    completed: int
    failed: int
    total: int
    errors: str = ""  # why a batch failed validation, when it says
    expires_at: float | None = None  # when the provider's completion window ends (Unix seconds), when it says

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


class BatchAPI:
    def __init__(self, config: LLMConfig) -> None:
        import openai

        self._openai = openai
        http_client = openai.DefaultHttpxClient()
        bound_requests(http_client)  # a trickling server cannot hold a call past its deadline
        self.client: openai.OpenAI = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "not-needed",
            max_retries=config.transport_attempts,
            timeout=max(config.timeout_s, 300.0),  # uploads of up to 200 MB
            http_client=http_client,
        )
        self.display_url = config.display_url
        self._secrets = config.secrets
        # a status, list or create call, its retries included: --timeout for each try, never past CALL_S (a server
        # that never answered had held `--timeout 3` for over two minutes)
        self.call_s = min(CALL_S, max(1.0, config.timeout_s) * max(1, config.transport_attempts))

    def _fail(self, doing: str, error: Exception) -> ConfigError:
        said = scrub_error((str(error).splitlines() or [type(error).__name__])[0], *self._secrets)[:200]
        return ConfigError(f"Batch API at {self.display_url}: {doing} failed ({said})")

    def find_file(self, name: str) -> str | None:
        """The id of an uploaded batch file with this name, if one exists (a killed run's upload)."""
        try:
            with request_deadline(self.call_s):
                files = list(self.client.files.list(purpose="batch"))
        except self._openai.APIError as e:
            raise self._fail("listing files", e) from e
        for f in files:
            if f.filename == name:
                return f.id
        return None

    def upload(self, path: Path, name: str) -> str:
        """Upload one request file: a regular file reached without a symbolic link (a link planted in the
        requests folder would upload whatever it points at), whose content is still the content its name was
        made from ("requests-<sha256 prefix>.jsonl"): a file swapped for another under that name (a hard link to
        another file, an edit) is not sent."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError as e:
            raise ConfigError(f"cannot read the request file {path} ({e.strerror or e})") from e
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise ConfigError(f"the request file {path} is not a regular file; it is not sent")
            if info.st_size > MAX_BYTES_PER_FILE:
                raise ConfigError(f"the request file {path} is larger than a request file can be; it is not sent")
            data = f.read(MAX_BYTES_PER_FILE + 1)
        made = re.match(r"requests-([0-9a-f]{20})", name)
        if made is None or hashlib.sha256(data).hexdigest()[:20] != made.group(1):
            raise ConfigError(
                f"the request file {path} is not the file this tool wrote under that name (its content was changed "
                "or replaced); it is not sent: move it and the batch state file aside to start the batch afresh"
            )
        try:
            with request_deadline(TRANSFER_S):
                return self.client.files.create(file=(name, data, "application/jsonl"), purpose="batch").id
        except self._openai.APIError as e:
            raise self._fail(f"uploading {name}", e) from e

    def find_batch(self, name: str) -> BatchStatus | None:
        """A batch created for this request file (by its metadata), if one exists."""
        try:
            with request_deadline(self.call_s):
                batches = list(self.client.batches.list(limit=100))
        except self._openai.APIError as e:
            raise self._fail("listing batches", e) from e
        for b in batches:
            if (b.metadata or {}).get(METADATA_KEY) == name:
                return _status(b)
        return None

    def create(self, file_id: str, name: str) -> BatchStatus:
        try:
            with request_deadline(self.call_s):
                batch = self.client.batches.create(
                    input_file_id=file_id, endpoint=ENDPOINT, completion_window="24h", metadata={METADATA_KEY: name}
                )
        except self._openai.APIError as e:
            raise self._fail(f"creating the batch for {name}", e) from e
        return _status(batch)

    def retrieve(self, batch_id: str) -> BatchStatus:
        try:
            with request_deadline(self.call_s):
                return _status(self.client.batches.retrieve(batch_id))
        except self._openai.APIError as e:
            raise self._fail(f"reading batch {batch_id}", e) from e

    def content(self, file_id: str) -> str:
        try:
            with request_deadline(TRANSFER_S):
                # a results file that echoes the key (a proxy, a server's debug field) never reaches a record
                return scrub_secrets(self.client.files.content(file_id).text, *self._secrets)
        except self._openai.APIError as e:
            raise self._fail(f"downloading file {file_id}", e) from e


def _status(batch: object) -> BatchStatus:
    counts = getattr(batch, "request_counts", None)
    errors = getattr(batch, "errors", None)
    messages = [str(getattr(e, "message", "")) for e in (getattr(errors, "data", None) or [])]
    return BatchStatus(
        id=str(getattr(batch, "id", "")),
        status=str(getattr(batch, "status", "")),
        output_file_id=getattr(batch, "output_file_id", None),
        error_file_id=getattr(batch, "error_file_id", None),
        completed=int(getattr(counts, "completed", 0) or 0),
        failed=int(getattr(counts, "failed", 0) or 0),
        total=int(getattr(counts, "total", 0) or 0),
        errors="; ".join(m for m in messages if m)[:300],
        expires_at=_seconds(getattr(batch, "expires_at", None)),
    )


def _seconds(value: object) -> float | None:
    """A Unix time the provider gave, or None (absent, or not a finite number: never trusted to stop a wait)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
