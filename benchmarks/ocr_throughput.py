"""OCR cost on this machine: seconds per page, and `imr-llm batch` throughput on scanned letters.

Uses the scan rendering (image-only PDF, imr_llm/evals/renderings.py) of the dev PDFs
(../shared/letters/dev, else the synthetic samples). Seconds per page are measured in one process
(Tesseract free to use its threads); the batch figure runs `imr-llm batch` with one worker process
per core and one Tesseract thread each (OMP_THREAD_LIMIT=1, set by the workers).

    python benchmarks/ocr_throughput.py [--letters 6]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from imr_llm.evals.renderings import rendering
from imr_llm.loaders import load_file
from imr_llm.parser import parse_letter

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "letters" / "dev"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--letters", type=int, default=6)
    args = ap.parse_args()
    pdfs = sorted(DEV.glob("*.pdf")) if DEV.is_dir() else sorted((REPO / "samples").glob("*.pdf"))
    pdfs = pdfs[: args.letters]
    with tempfile.TemporaryDirectory() as tmp:
        scans = [rendering("scan", pdf, pdf.stem, Path(tmp) / "renderings") for pdf in pdfs]
        per_page = []
        pages = 0
        for scan in scans:
            started = time.perf_counter()
            letter = load_file(scan)
            parse_letter(letter)
            seconds = time.perf_counter() - started
            count = letter.source.pages or 1
            pages += count
            per_page.append(seconds / count)
        print(
            f"OCR + parse, one process: {statistics.median(per_page):.1f} s per page median "
            f"({min(per_page):.1f}-{max(per_page):.1f}; {pages} pages of {len(scans)} scanned letters at 200 dpi)"
        )
        folder = Path(tmp) / "batch"
        folder.mkdir()
        for scan in scans:
            shutil.copy(scan, folder / scan.name)
        exe = Path(sys.executable).with_name("imr-llm")
        started = time.perf_counter()
        subprocess.run(
            [str(exe), "batch", str(folder), "--out", str(Path(tmp) / "out.jsonl"), "--no-progress"],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - started
        print(
            f"imr-llm batch (one process per core, one Tesseract thread each): {len(scans) / seconds * 3600:,.0f} "
            f"letters/hour, {pages / seconds:.2f} pages/s ({len(scans)} letters, {pages} pages, {seconds:.0f} s)"
        )


if __name__ == "__main__":
    main()
