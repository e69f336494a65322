"""Scans of letters no rule was written from: the OCR path against the same letter's text layer.

The 109 unlabeled PDFs in ../shared/letters/unlabeled have no gold, and no scan rule was tuned on them.
Each is rendered as an image (a rendering of `imr_llm/evals/renderings.py`), read by OCR, and its record
compared, key field by key field, with the parser's record of the PDF's own text layer (the reference:
the parser reads text letters it was not written from at about 0.99 key-field accuracy). A disagreement is
an OCR-path error or, rarely, a text-path one; both are worth a look. What is counted:

- agreement on the key values the scan stated (header, reviewer, each item's request and decision);
- decisions the scan stated differently from the text (must be 0), and decisions it left unread;
- header dates the scan stated with another label's date (must be 0);
- records not flagged `needs_review` that disagree somewhere.

    python benchmarks/scan_agreement.py --renderings scan-c fax-std-b --letters 20

Report-only: nobody tunes a rule on what it shows (write the rule on a dev rendering instead).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from imr_llm.errors import ImrError
from imr_llm.evals.renderings import rendering
from imr_llm.fields import HEADER_FIELDS, align_items, dates_from_another_label, values_equal
from imr_llm.loaders import load_file, load_pages
from imr_llm.parser import parse_letter

REPO = Path(__file__).resolve().parent.parent
UNLABELED = REPO.parent / "shared" / "letters" / "unlabeled"


def read(path: Path) -> dict[str, Any]:
    letter = load_pages(sorted(path.iterdir())) if path.is_dir() else load_file(path)
    return parse_letter(letter).model_dump(mode="json")


def compare(text: dict[str, Any], scan: dict[str, Any], tally: Counter[str], show: list[str]) -> bool:
    """Count agreements into `tally` (and each difference into `show`); True when the scan disagrees
    anywhere it stated a value."""
    differs = False

    def check(name: str, reference: Any, value: Any) -> None:
        nonlocal differs
        if value in (None, "", []):
            tally[f"{name}: unread"] += 1
            return
        same = values_equal(reference, value)
        tally[f"{name}: {'agree' if same else 'differ'}"] += 1
        if not same:
            show.append(f"{name}: text {reference!r} / scan {value!r}")
        differs = differs or not same

    for field in HEADER_FIELDS:
        check("header", text.get(field), scan.get(field))
    tally["header date from another label"] += dates_from_another_label(scan, text)
    for field in ("board_certifications", "licensed_state"):
        check("reviewer", (text.get("reviewer") or {}).get(field), (scan.get("reviewer") or {}).get(field))
    items_text, items_scan = text.get("disputed_items") or [], scan.get("disputed_items") or []
    pairs = align_items(items_text, items_scan)
    tally["items missed"] += len(pairs.missed)
    tally["items extra"] += len(pairs.extra)
    for g, p in pairs.pairs:
        check("request", items_text[g].get("request"), items_scan[p].get("request"))
        decided = items_scan[p].get("decision")
        if decided is None:
            tally["decision: unread"] += 1
        elif decided == items_text[g].get("decision"):
            tally["decision: agree"] += 1
        else:
            tally["decision: WRONG"] += 1
            differs = True
    return differs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--renderings", nargs="+", default=["scan-c", "fax-std-b"])
    ap.add_argument("--letters", type=int, default=20, help="how many unlabeled letters (a seeded sample)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--show", action="store_true", help="print each difference")
    args = ap.parse_args()
    if not UNLABELED.is_dir():
        print(f"{UNLABELED} not found: nothing to measure", file=sys.stderr)
        return 0
    pdfs = sorted(UNLABELED.glob("*.pdf"))
    sample = sorted(random.Random(args.seed).sample(pdfs, min(args.letters, len(pdfs))))
    print(f"{len(sample)} unlabeled letters (seed {args.seed}), renderings: {', '.join(args.renderings)}")
    for kind in args.renderings:
        tally: Counter[str] = Counter()
        records = flagged = unflagged_differ = 0
        started = time.perf_counter()
        for pdf in sample:
            try:
                text = read(pdf)
                scan = read(rendering(kind, pdf, pdf.stem))
            except ImrError as e:
                tally["letters not read"] += 1
                print(f"  {kind} {pdf.name}: {e}", file=sys.stderr)
                continue
            records += 1
            show: list[str] = []
            differs = compare(text, scan, tally, show)
            if args.show:
                flag = "flagged" if scan.get("needs_review") else "NOT flagged"
                print("\n".join(f"  {kind} {pdf.stem} ({flag}) {line}" for line in show))
            flagged += bool(scan.get("needs_review"))
            unflagged_differ += differs and not scan.get("needs_review")
        stated = {k.split(":")[0] for k in tally if ":" in k}
        parts = []
        for name in sorted(stated):
            agree, differ = tally[f"{name}: agree"], tally[f"{name}: differ"] + tally[f"{name}: WRONG"]
            unread = tally[f"{name}: unread"]
            parts.append(f"{name} {agree}/{agree + differ} agree, {unread} unread")
        print(f"{kind}: {records} records in {time.perf_counter() - started:.0f} s; " + "; ".join(parts))
        print(
            f"  decisions stated wrong: {tally['decision: WRONG']}; header dates from another label: "
            f"{tally['header date from another label']}; items missed {tally['items missed']}, extra "
            f"{tally['items extra']}; flagged {flagged}/{records}; not flagged yet differing: {unflagged_differ}; "
            f"not read: {tally['letters not read']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
