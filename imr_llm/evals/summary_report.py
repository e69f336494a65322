"""Reading figures, checks and reason scores of the offline summaries over a folder of letters.

python -m imr_llm.evals.summary_report [FOLDER ...]      (default: ../shared/letters/dev, else samples/)

Where a letter has a gold file beside it (NAME.gold.json) with reason annotations, the summary's
reasons are scored against it: topic accuracy, sentence hit rate, and plain reasons that contradict
the gold topic (see `imr_llm.evals.metrics`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from imr_llm.errors import ImrError
from imr_llm.evals.metrics import LetterResult, compute_metrics
from imr_llm.loaders import load_file
from imr_llm.parser import parse_text
from imr_llm.summary.languages import LANGUAGES
from imr_llm.summary.summarize import summarize


def letters(folders: list[Path]) -> list[Path]:
    found: list[Path] = []
    for folder in folders:
        found += sorted(
            p for p in folder.iterdir() if p.suffix in (".txt", ".pdf") and not p.name.endswith(".gold.json")
        )
    # one file per letter: prefer the .txt when both exist
    by_stem: dict[str, Path] = {}
    for p in found:
        by_stem.setdefault(p.stem, p)
    return sorted(by_stem.values())


def main(argv: list[str]) -> int:
    repo = Path(__file__).resolve().parents[2]
    default = repo.parent / "shared" / "letters" / "dev"
    ap = argparse.ArgumentParser(prog="python -m imr_llm.evals.summary_report", description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="*", type=Path, help="folders of letters (.txt/.pdf, gold beside them)")
    folders = ap.parse_args(argv).folders or [default if default.is_dir() else repo / "samples"]
    missing = [f for f in folders if not f.is_dir()]
    if missing:
        print(f"summary_report: not a folder: {missing[0]}", file=sys.stderr)
        return 2
    results: list[LetterResult] = []
    errors = 0
    codes = list(LANGUAGES)
    print(f"{'letter':<34} {'items':>5} " + " ".join(f"{c:>8}" for c in codes) + "  checks")
    for path in letters(folders):
        try:
            record = parse_text(load_file(path).text)
        except ImrError as e:
            print(f"{path.name:<34} error: {e}")
            errors += 1
            continue
        outcomes = [summarize(record, code).checks for code in codes]
        scores = " ".join(f"{(c.grade if c.grade is not None else c.ease):>8.2f}" for c in outcomes)
        problems = "; ".join(p for c in outcomes for p in c.problems)
        print(
            f"{path.stem:<34} {len(record.disputed_items):>5} {scores}  "
            f"{'pass' if not problems else 'FAIL ' + problems}"
        )
        gold_path = path.with_name(path.stem + ".gold.json")
        gold = json.loads(gold_path.read_text(encoding="utf-8")) if gold_path.is_file() else {}
        results.append(LetterResult(name=path.stem, input=str(path), gold=gold, record=record.model_dump(mode="json")))
    if not results:
        print("no letters found")
        return 1
    halves = {"all": results}
    if any(r.gold for r in results):  # rules were written on the odd letters; the even ones are held out
        halves["tuning (odd)"] = results[1::2]
        halves["held out (even)"] = results[0::2]
    ok = errors == 0
    for label, part in halves.items():
        m, _ = compute_metrics(part, ["summary", "reasons"])
        print(
            f"\n{label}: {len(part)} letters: English grade of our prose median {m['summary_grade_median']:.2f} "
            f"(target <= 6), max {m['summary_grade_max']:.2f} (limit 8); whole page, quotes included, median "
            f"{m.get('summary_page_grade_median', 0):.2f}, max {m.get('summary_page_grade_max', 0):.2f}; Spanish "
            f"ease min {m['summary_ease_min']:.1f} (target >= 70); summaries failing a check: "
            f"{int(m['summary_failed'])} of {len(part) * len(codes)}"
        )
        if "reason_items" in m:
            plain = ", ".join(f"{c} {m[f'reason_plain_rate.{c}']:.1%}" for c in codes)
            print(
                f"  reasons over {int(m['reason_items'])} gold items: the sentence the Why rests on is a gold "
                f"sentence {m['reason_chosen_hit_rate']:.3f} (any shown {m['reason_sentence_hit_rate']:.3f}); "
                f"plain (not quote-only): {plain}; plain restatements of a non-gold sentence "
                f"{int(m['reason_plain_not_gold'])}; parser topic accuracy {m['reason_topic_accuracy']:.3f}"
            )
        ok = ok and m["summary_failed"] == 0 and m["summary_grade_max"] <= 8
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
