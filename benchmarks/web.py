"""The web app's figures (issue 22): a text PDF to its page, the review queue of 1,000 letters, and 20 PDFs
uploaded as one batch against the batch runner's rate on the same files.

- page:  POST one text PDF, wait for the background reader (polling its status, as the page does), GET
         the letter page: wall time, median of --runs (aim: <= 1 s). The app is warmed first, as a
         running server is.
- queue: a workspace of 1,000 read letters; GET /review (every letter listed, most in need first):
         median of 7 (aim: <= 300 ms).
- batch: one POST with 20 PDFs (the dev PDFs when ../shared is present, else copies of the synthetic
         one), until every letter is read and summarized in English and Spanish; letters/s, beside
         `imr-llm batch DIR --summaries` on the same files (records plus one summary each, 2 processes).

    python benchmarks/web.py [--runs 10] [--out benchmarks/results-web.json]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from imr_llm.web import Settings, create_app
from imr_llm.web.app import warm_up

REPO = Path(__file__).resolve().parent.parent
PDF = REPO / "samples" / "synth-2016-basic.pdf"
DEV = REPO.parent / "shared" / "letters" / "dev"


def csrf(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
    assert found
    return found.group(1)


def wait(client: TestClient, url: str, key: str) -> dict[str, Any]:
    while True:
        status: dict[str, Any] = client.get(url).json()
        if status[key]:
            return status
        time.sleep(0.01)


def page_time(client: TestClient, token: str, data: bytes) -> float:
    started = time.perf_counter()
    sent = client.post(
        "/upload", data={"csrf": token, "mode": "letters"}, files={"files": ("l.pdf", data)}, follow_redirects=False
    )
    letter = sent.headers["location"]
    status = wait(client, f"{letter}/status.json", "finished")
    html = client.get(letter).text
    elapsed = time.perf_counter() - started
    assert status["status"] == "done" and 'id="decisions"' in html
    return elapsed


def queue_time(workspace: Path, letters: int) -> tuple[float, int]:
    from imr_llm import parse
    from imr_llm.web.workspace import Workspace

    record = parse(PDF).model_dump_json()
    ws = Workspace(workspace)
    db = ws.db
    with db.connect() as c:
        for n in range(letters):
            cur = c.execute(
                "INSERT INTO letters(name, kind, status, created, case_number, priority, priority_reasons, record, "
                "text) VALUES(?, 'pdf', 'done', '2026-01-01', ?, ?, ?, ?, '')",
                (f"letter-{n}.pdf", f"CM16-{n:07d}", (n * 7919) % 1300, json.dumps(["parser warnings"]), record),
            )
            assert cur.lastrowid
    db.close()
    app = create_app(Settings(workspace=workspace, workers=1))
    times = []
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        for _ in range(7):
            started = time.perf_counter()
            html = client.get("/review").text
            times.append(time.perf_counter() - started)
        rows = html.count('<a href="/review/')
    return statistics.median(times), rows


def batch_files(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    sources = sorted(DEV.glob("*.pdf"))[:count] if DEV.is_dir() else []
    out = []
    for n in range(count):
        target = folder / f"letter-{n:02d}.pdf"
        if n < len(sources):
            shutil.copyfile(sources[n], target)
        else:  # the synthetic PDF, made distinct by a trailing comment (a PDF reader ignores it)
            target.write_bytes(PDF.read_bytes() + f"\n% copy {n}\n".encode())
        out.append(target)
    return out


def batch_rate(client: TestClient, token: str, files: list[Path]) -> tuple[float, int]:
    started = time.perf_counter()
    sent = client.post(
        "/upload",
        data={"csrf": token, "mode": "letters"},
        files=[("files", (f.name, f.read_bytes())) for f in files],
        follow_redirects=False,
    )
    status = wait(client, sent.headers["location"] + "/status.json", "done")
    elapsed = time.perf_counter() - started
    return len(files) / elapsed, int(status["failed"])


def runner_rate(folder: Path, scratch: Path) -> float:
    exe = Path(sys.executable).with_name("imr-llm")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "imr_llm"]
    out = scratch / "records.jsonl"
    started = time.perf_counter()
    subprocess.run(
        [*command, "batch", str(folder), "--out", str(out), "--summaries", str(scratch / "s"), "--no-progress"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return len(list(folder.glob("*.pdf"))) / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--queue", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        warm_up()
        app = create_app(Settings(workspace=scratch / "ws", workers=2))
        with TestClient(app, base_url="http://127.0.0.1:8000") as client:
            token = csrf(client)
            page_time(client, token, PDF.read_bytes())  # the first letter after start
            times = [page_time(client, token, PDF.read_bytes() + f"\n% {n}\n".encode()) for n in range(args.runs)]
            results["pdf_to_page_s"] = {"median": statistics.median(times), "max": max(times), "runs": len(times)}
            print(f"text PDF to its page: median {statistics.median(times):.3f} s, max {max(times):.3f} s (aim <= 1 s)")
            files = batch_files(scratch / "batch", args.batch)
            rate, failed = batch_rate(client, token, files)
            results["batch_upload_letters_per_s"] = rate
            results["batch_failed"] = failed
        runner = runner_rate(scratch / "batch", scratch)
        results["batch_runner_letters_per_s"] = runner
        source = "dev PDFs" if DEV.is_dir() else "copies of the synthetic PDF"
        print(
            f"{args.batch} PDFs ({source}) uploaded as one batch: {rate:.1f} letters/s read and summarized in 2 "
            f"languages ({failed} failed); imr-llm batch --summaries on the same files: {runner:.1f} letters/s"
        )
        median, rows = queue_time(scratch / "queue", args.queue)
        results["queue_list_s"] = {"median": median, "letters": rows}
        print(f"review queue of {rows} letters: {median * 1000:.0f} ms (median of 7; aim <= 300 ms)")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
