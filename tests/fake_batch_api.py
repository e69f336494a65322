"""A FAKE OpenAI Batch API on 127.0.0.1 for tests of the batch-api client logic (not a model).

Files (upload, list, content), batches (create, list, retrieve, cancel) and chat completions (for live
re-asks). A batch moves validating -> in_progress -> finalizing -> its outcome, one step per retrieve;
outcomes are scripted per batch: completed, failed, expired (half the answers), cancelled, stuck (in progress
for ever, past its window), partial (some requests in the error file), malformed (a garbage line, an answer
that does not validate, one missing). `kill_at` kills the client process right after the server has done an
action and before it answers, the worst moment for a client that must not do anything twice.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.fake_openai_server import MODEL, completion

STEPS = ("validating", "in_progress", "finalizing")
CASE = re.compile(r"CM\d{2}-\d{7}")


def wait_until_dead(pid: int, limit_s: float = 60.0) -> None:
    """Return once process `pid` (a child of this test process) has died: a zombie, or gone. A condition
    polled, never a guess of how long a kill takes."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} still alive {limit_s} s after SIGKILL")


@dataclass
class FakeBatchAPI:
    answers: dict[str, dict[str, Any]]  # case number -> tool arguments
    outcomes: list[str] = field(default_factory=list)  # per batch, in creation order; then "completed"
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcome_of: dict[str, str] = field(default_factory=dict)
    uploads: Counter[str] = field(default_factory=Counter)  # by file name
    creates: Counter[str] = field(default_factory=Counter)  # by input file id
    live_calls: int = 0
    kill_at: str | None = None  # "upload" | "create" | "retrieve" | "content" | "chat"
    victim: int | None = None  # the client's PID (its process group is killed)
    port: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def maybe_kill(self, step: str) -> None:
        if self.kill_at == step and self.victim is not None:
            self.kill_at = None
            os.killpg(self.victim, signal.SIGKILL)
            wait_until_dead(self.victim)  # the client is gone before it could read the answer

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        user = [m for m in body.get("messages", []) if m.get("role") == "user"][-1]["content"]
        found = CASE.findall(user)
        arguments = self.answers.get(found[0] if found else "", {"disputed_items": "not a list"})
        return completion(json.dumps(arguments))

    def finish(self, batch: dict[str, Any]) -> None:
        """Write the output and error files of a batch reaching its outcome."""
        outcome = self.outcome_of[batch["id"]]
        lines = [json.loads(x) for x in self.contents[batch["input_file_id"]].splitlines() if x.strip()]
        out, errors = [], []
        for i, request in enumerate(lines):
            custom_id = request["custom_id"]
            ok = {
                "id": f"batch_req_{i}",
                "custom_id": custom_id,
                "response": {"status_code": 200, "request_id": f"req_{i}", "body": self.answer(request["body"])},
                "error": None,
            }
            if outcome in ("expired", "cancelled") and i % 2:
                continue  # not done in time: no line at all
            if outcome == "failed":
                continue
            if outcome == "partial" and i % 3 == 0:
                errors.append(
                    {
                        "id": f"batch_req_{i}",
                        "custom_id": custom_id,
                        "response": {"status_code": 500, "body": {"error": {"message": "server error"}}},
                        "error": None,
                    }
                )
                continue
            if outcome == "malformed" and i == 0:
                out.append("{this is not json")
                continue
            if outcome == "malformed" and i == 1:
                ok["response"]["body"] = completion(json.dumps({"date_of_injury": "someday", "disputed_items": []}))
            if outcome == "malformed" and i == 2:
                continue
            out.append(json.dumps(ok))
        if outcome == "failed":
            batch["errors"] = {"object": "list", "data": [{"code": "invalid", "message": "scripted failure"}]}
        if out:
            batch["output_file_id"] = self.add_file(f"{batch['id']}_output.jsonl", "batch_output", "\n".join(out))
        if errors:
            batch["error_file_id"] = self.add_file(
                f"{batch['id']}_error.jsonl", "batch_output", "\n".join(json.dumps(e) for e in errors)
            )
        batch["status"] = outcome if outcome in ("failed", "expired", "cancelled") else "completed"
        batch["request_counts"] = {"total": len(lines), "completed": len(out), "failed": len(errors)}

    def add_file(self, name: str, purpose: str, content: str) -> str:
        file_id = f"file-{len(self.files) + 1}"
        data = content.encode()
        self.files[file_id] = {
            "id": file_id,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": name,
            "purpose": purpose,
            "status": "processed",
        }
        self.contents[file_id] = data
        return file_id


def _batch(batch_id: str, file_id: str, metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "id": batch_id,
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "input_file_id": file_id,
        "completion_window": "24h",
        "status": "validating",
        "created_at": int(time.time()),
        "metadata": metadata,
        "output_file_id": None,
        "error_file_id": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
    }


def _handler(api: FakeBatchAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any] | bytes) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

        def do_GET(self) -> None:
            url = urlparse(self.path)
            parts = url.path.rstrip("/").split("/")[2:]  # after /v1
            with api.lock:
                if parts == ["models"]:
                    self._send(200, {"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "x"}]})
                elif parts == ["files"]:
                    purpose = parse_qs(url.query).get("purpose", [None])[0]
                    data = [f for f in api.files.values() if purpose in (None, f["purpose"])]
                    self._send(200, {"object": "list", "data": data, "has_more": False})
                elif len(parts) == 3 and parts[0] == "files" and parts[2] == "content":
                    content = api.contents.get(parts[1])
                    if content is None:
                        self._send(404, {"error": {"message": "no such file"}})
                        return
                    api.maybe_kill("content")
                    self._send(200, content)
                elif parts == ["batches"]:
                    data = sorted(api.batches.values(), key=lambda b: b["id"], reverse=True)
                    self._send(200, {"object": "list", "data": data, "has_more": False})
                elif len(parts) == 2 and parts[0] == "batches" and parts[1] in api.batches:
                    batch = api.batches[parts[1]]
                    if api.outcome_of.get(batch["id"]) == "stuck":  # "in_progress" for ever, its window long closed
                        batch["status"], batch["expires_at"] = "in_progress", 1000
                    elif batch["status"] in STEPS:
                        step = STEPS.index(batch["status"])
                        if step + 1 < len(STEPS):
                            batch["status"] = STEPS[step + 1]
                        else:
                            api.finish(batch)
                    api.maybe_kill("retrieve")
                    self._send(200, batch)
                else:
                    self._send(404, {"error": {"message": f"not found: {url.path}"}})

        def do_POST(self) -> None:
            url = urlparse(self.path)
            parts = url.path.rstrip("/").split("/")[2:]
            raw = self._body()
            with api.lock:
                if parts == ["files"]:
                    message = BytesParser(policy=HTTP).parsebytes(
                        f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + raw
                    )
                    fields = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
                    upload = fields["file"]
                    name = upload.get_filename() or "unnamed.jsonl"
                    payload = upload.get_payload(decode=True)
                    assert isinstance(payload, bytes)
                    api.uploads[name] += 1
                    file_id = api.add_file(name, "batch", payload.decode())
                    api.maybe_kill("upload")
                    self._send(200, api.files[file_id])
                elif parts == ["batches"]:
                    payload = json.loads(raw)
                    api.creates[payload["input_file_id"]] += 1
                    batch_id = f"batch_{len(api.batches) + 1}"
                    api.outcome_of[batch_id] = api.outcomes.pop(0) if api.outcomes else "completed"
                    api.batches[batch_id] = _batch(batch_id, payload["input_file_id"], payload.get("metadata") or {})
                    api.maybe_kill("create")
                    self._send(200, api.batches[batch_id])
                elif parts == ["chat", "completions"]:
                    api.live_calls += 1
                    api.maybe_kill("chat")
                    self._send(200, api.answer(json.loads(raw)))
                else:
                    self._send(404, {"error": {"message": f"not found: {url.path}"}})

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client killed mid-answer (kill_at) breaks the pipe: expected here


@contextmanager
def fake_batch_api(answers: dict[str, dict[str, Any]], outcomes: list[str] | None = None) -> Iterator[FakeBatchAPI]:
    api = FakeBatchAPI(answers=answers, outcomes=list(outcomes or []))
    httpd = _QuietServer(("127.0.0.1", 0), _handler(api))
    api.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        httpd.shutdown()
        httpd.server_close()
