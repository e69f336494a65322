"""Peak memory of `imr-llm batch` (rules backend) for many inputs: flat, not growing with the count.

    python benchmarks/batch_memory.py [--counts 10000 100000]

Inputs are hard links to the dev letters (else samples/), 1,000 per folder, in a temp folder;
each run writes its JSON Lines output there too (about 12 KB per letter). Reports wall time,
letters/s and the peak RSS of the largest process (the main one or a worker).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "letters" / "dev"


def make_inputs(root: Path, count: int) -> None:
    letters = sorted(DEV.glob("*.txt")) if DEV.is_dir() else sorted((REPO / "samples").glob("*.txt"))
    for i in range(count):
        folder = root / f"{i // 1000:04d}"
        if i % 1000 == 0:
            folder.mkdir(parents=True)
        src = letters[i % len(letters)]
        os.link(src, folder / f"{i:06d}-{src.name}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--counts", type=int, nargs="+", default=[10_000, 100_000])
    args = ap.parse_args()
    for count in args.counts:
        with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_TMP")) as tmp:
            root = Path(tmp)
            make_inputs(root / "in", count)
            out = root / "out.jsonl"
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            started = time.monotonic()
            result = subprocess.run(
                [sys.executable, "-m", "imr_llm", "batch", str(root / "in"), "--out", str(out), "--no-progress"],
                capture_output=True,
                text=True,
            )
            seconds = time.monotonic() - started
            peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            lines = out.read_bytes().count(b"\n")
            status = "ok" if result.returncode == 0 and lines == count else f"FAILED: {result.stderr[-300:]}"
            print(
                f"{count:,} inputs: {lines:,} lines in {seconds:.0f} s ({count / seconds:,.0f}/s); "
                f"peak RSS of the largest process {max(peak_kb, before) / 1024:.0f} MB; "
                f"output {out.stat().st_size / 1e9:.2f} GB; {status}"
            )


if __name__ == "__main__":
    main()
