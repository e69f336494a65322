"""Rules-backend batch throughput: letters/s through `run_batch` with 1 and N worker processes,
over text letters and over PDFs, and the ratio to one core.

    python benchmarks/batch_throughput.py [--copies 20]

Text: the dev .txt letters (else samples/) hard-linked --copies times into a temp folder.
PDF: ../shared/letters/unlabeled/*.pdf (else samples/*.pdf), hard-linked likewise.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from imr_llm.batch.run import run_batch
from imr_llm.pipeline.extraction import RulesExtractor

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "letters"


def corpus(files: list[Path], copies: int, folder: Path) -> int:
    n = 0
    for c in range(copies):
        sub = folder / f"copy{c:03d}"
        sub.mkdir()
        for f in files:
            os.link(f, sub / f.name)
            n += 1
    return n


def rate(folder: Path, processes: int, out: Path) -> float:
    if out.exists():
        out.unlink()
    report = run_batch([str(folder)], out, RulesExtractor(), processes=processes)
    assert not report.failed, report.failed
    return report.inputs / report.seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--copies", type=int, default=20)
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    dev = SHARED / "dev"
    texts = sorted(dev.glob("*.txt")) if dev.is_dir() else sorted((REPO / "samples").glob("*.txt"))
    pdfs = sorted((SHARED / "unlabeled").glob("*.pdf")) if dev.is_dir() else sorted((REPO / "samples").glob("*.pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for label, files, copies in (("text", texts, args.copies), ("pdf", pdfs, max(1, args.copies // 5))):
            folder = base / label
            folder.mkdir()
            n = corpus(files, copies, folder)
            one = rate(folder, 1, base / f"{label}-1.jsonl")
            many = rate(folder, cores, base / f"{label}-n.jsonl")
            print(
                f"{label}: {n} letters; 1 process {one:,.0f}/s; {cores} processes {many:,.0f}/s "
                f"(x{many / one:.2f} of one process, ideal x{cores})"
            )


if __name__ == "__main__":
    main()
