"""LLM-path client overhead: N requests at once against a loopback server that answers every
request in 100 ms. Ideal throughput is N / 0.1 s (320 letters/s at N = 32); the gap is our
client's cost (prompt rendering, HTTP, instructor + pydantic validation, grounding, parser,
cross-check, JSON output).

    python benchmarks/llm_overhead.py [--concurrency 32] [--letters 960] [--delay 0.1]

The server (a separate process, so it does not share our GIL) is a stand-in, not a model:
it returns the same valid answer to every request.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from imr_llm.batch.run import default_processes, run_batch  # noqa: E402
from imr_llm.llm.cache import ResponseCache  # noqa: E402
from imr_llm.llm.client import LLMClient  # noqa: E402
from imr_llm.llm.config import LLMConfig  # noqa: E402
from imr_llm.llm.prompts import load_prompt  # noqa: E402
from imr_llm.parser import parse_text  # noqa: E402
from imr_llm.pipeline.llm_extractor import LLMExtractor  # noqa: E402
from tests.llm_answers import perfect_answer  # noqa: E402


def serve(port_queue: Any, delay: float, answer: str) -> None:
    body = json.dumps(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "bench",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {"id": "c", "type": "function", "function": {"name": "LLMLetter", "arguments": answer}}
                        ],
                    },
                }
            ],
            "usage": {"prompt_tokens": 1500, "completion_tokens": 300, "total_tokens": 1800},
        }
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # one response = headers + body; no 40 ms delayed-ACK stall

        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    port_queue.put(httpd.server_address[1])
    httpd.serve_forever()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--letters", type=int, default=960)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--processes", type=int, help="client processes (default: as `imr-llm batch`; 0 = threads only)")
    args = ap.parse_args()
    if args.processes is None:
        args.processes = default_processes(False, args.concurrency)
    sample = REPO / "samples" / "synth-2016-basic.txt"
    answer = json.dumps(perfect_answer(parse_text(sample.read_text())))
    queue: Any = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue, args.delay, answer), daemon=True)
    server.start()
    port = queue.get(timeout=30)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "letters"
            folder.mkdir()
            for i in range(args.letters):
                os.link(sample, folder / f"letter-{i:05d}.txt")
            config = LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model="bench", max_tokens=4000)
            cache = ResponseCache(Path(tmp) / "cache.sqlite", enabled=False)
            extractor = LLMExtractor(LLMClient(config), load_prompt("extract"), cache)
            out = Path(tmp) / "out.jsonl"
            report = run_batch([str(folder)], out, extractor, concurrency=args.concurrency, processes=args.processes)
            assert not report.failed, report.failed
            rate = report.inputs / report.seconds
            ideal = args.concurrency / args.delay
            print(
                f"{report.inputs} letters at concurrency {args.concurrency} ({args.processes} processes), "
                f"server {args.delay * 1000:.0f} ms: "
                f"{rate:,.0f} letters/s = {100 * rate / ideal:.0f}% of the ideal {ideal:,.0f}/s "
                f"(client CPU per letter about {1000 * (1 / rate if rate < ideal else 0):.1f} ms wall at the limit)"
            )
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
