"""Snapshot of what the parser and the summaries give, to show a refactor changed nothing.

Writes one SHA-256 per letter (the record's JSON and the English and Spanish summaries' JSON) for every
dev letter (.txt and .pdf, from ../shared/letters when present) and every synthetic sample; with
`--compare OLD.json`, lists the letters whose outputs differ and exits 1 when any does. Only hashes are
written, never the letters' text. Use it across a change:

    python benchmarks/snapshot.py --out /tmp/before.json      # on the old commit
    python benchmarks/snapshot.py --compare /tmp/before.json  # on the new one
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from imr_llm import parse, summarize
from imr_llm.errors import ImrError

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "letters" / "dev"


def letters() -> list[Path]:
    dev = sorted(DEV.glob("*.txt")) + sorted(DEV.glob("*.pdf")) if DEV.is_dir() else []
    return dev + sorted((REPO / "samples").glob("*.txt"))


def fingerprint(path: Path) -> str:
    try:
        record = parse(path)
    except ImrError as e:
        return f"error: {e}"
    parts = [record.model_dump_json()] + [summarize(record, lang=lang).model_dump_json() for lang in ("en", "es")]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="write the snapshot here")
    ap.add_argument("--compare", type=Path, help="a snapshot to compare with")
    args = ap.parse_args()
    snap = {f"{p.parent.name}/{p.name}": fingerprint(p) for p in letters()}
    if args.out:
        args.out.write_text(json.dumps(snap, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(snap)} letters")
    if args.compare:
        old = json.loads(args.compare.read_text(encoding="utf-8"))
        changed = sorted(k for k in snap.keys() | old.keys() if snap.get(k) != old.get(k))
        for name in changed:
            print(f"changed: {name}")
        print("identical" if not changed else f"{len(changed)} of {len(snap)} letters changed")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
