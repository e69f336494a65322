"""`imr-llm report` on 10,000 records: aim under a minute (issue 24).

The records are the parser's records of the real dev and unlabeled letters (../shared/letters, else the
synthetic samples), repeated to 10,000 with a new file hash each (so each is its own letter) and decision dates
spread over 24 months. Times the whole report: reading the JSON Lines, the two tables, 1,000 cluster-bootstrap
resamples over the letters for every group, the plots, HTML, Markdown, CSV and Parquet.
Run: make bench (or python benchmarks/report_10k.py [--records N] [--out FILE]).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

from imr_llm.loaders import load_file
from imr_llm.parser import parse_text
from imr_llm.research.report import build_report

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "letters"


def base_records() -> tuple[str, list[dict[str, object]]]:
    if (SHARED / "dev").is_dir():
        paths = sorted((SHARED / "dev").glob("*.txt")) + sorted((SHARED / "unlabeled").glob("*.pdf"))
        where = "../shared/letters (dev .txt + unlabeled .pdf)"
    else:
        paths, where = sorted((REPO / "samples").glob("*.txt")), "samples/ (synthetic)"
    records = []
    for path in paths:
        letter = load_file(path)
        records.append(json.loads(parse_text(letter.text, letter.source).to_json_line()))
    return where, records


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=10_000)
    ap.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = ap.parse_args()
    where, base = base_records()
    start_day = dt.date(2016, 1, 1)
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "records.jsonl"
        with jsonl.open("w", encoding="utf-8") as f:
            for n in range(args.records):
                record = dict(base[n % len(base)])
                record["source"] = dict(record["source"]) | {"sha256": hashlib.sha256(str(n).encode()).hexdigest()}  # type: ignore[arg-type]
                record["decision_date"] = (start_day + dt.timedelta(days=(n * 7) % 730)).isoformat()
                f.write(json.dumps(record) + "\n")
        size = jsonl.stat().st_size
        started = time.perf_counter()
        report = build_report(jsonl, Path(tmp) / "report")
        seconds = time.perf_counter() - started
    figures = {
        "records": args.records,
        "from": where,
        "jsonl_mb": round(size / 1e6, 1),
        "items": report.items,
        "seconds": round(seconds, 2),
        "aim_seconds": 60,
    }
    print(json.dumps(figures))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    return 0 if seconds < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
