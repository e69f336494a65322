"""Parse throughput on one core: text letters/s and PDF letters/s.

Uses the real dev letters from ../shared/letters when present, else the
synthetic samples. Run: make bench (or python benchmarks/parse_throughput.py).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from imr_llm.loaders import load_file
from imr_llm.parser import parse_text

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "letters"


def inputs() -> tuple[str, list[Path], list[Path]]:
    if (SHARED / "dev").is_dir():
        texts = sorted((SHARED / "dev").glob("*.txt"))
        pdfs = sorted((SHARED / "dev").glob("*.pdf")) + sorted((SHARED / "unlabeled").glob("*.pdf"))
        return "../shared/letters (dev .txt, dev + unlabeled .pdf)", texts, pdfs
    return (
        "samples/ (synthetic)",
        sorted((REPO / "samples").glob("*.txt")),
        sorted((REPO / "samples").glob("*.pdf")),
    )


def best_rate(fn: object, items: list[object], rounds: int) -> float:
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for item in items:
            fn(item)  # type: ignore[operator]
        rates.append(len(items) / (time.perf_counter() - start))
    return max(rates), statistics.median(rates)  # type: ignore[return-value]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=25, help="copies of each text letter per round")
    args = ap.parse_args()
    source, text_files, pdf_files = inputs()
    texts = [p.read_text(encoding="utf-8") for p in text_files] * args.repeat
    avg_kb = sum(len(t) for t in texts) / len(texts) / 1024
    print(f"inputs: {source}")
    best, median = best_rate(parse_text, texts, args.rounds)  # type: ignore[arg-type]
    print(f"text: {len(texts)} letters/round, {avg_kb:.1f} KB avg: best {best:,.0f} letters/s, median {median:,.0f}")
    print(f"      160,000 letters (a year of IMR) in {160_000 / median:.0f} s on one core")
    if pdf_files:

        def pdf_job(path: Path) -> None:
            loaded = load_file(path)
            parse_text(loaded.text, loaded.source)

        best, median = best_rate(pdf_job, pdf_files, max(1, args.rounds // 2))  # type: ignore[arg-type]
        print(
            f"pdf:  {len(pdf_files)} letters/round: best {best:,.0f} letters/s, median {median:,.0f} (open+text+parse)"
        )


if __name__ == "__main__":
    main()
