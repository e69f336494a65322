"""Reading figures, checks and reason scores of the offline summaries over a folder of letters.

python -m imr_llm.evals.summary_report [FOLDER ...]      (default: ../shared/letters/dev, else samples/)

Where a letter has a gold file beside it (NAME.gold.json) with reason annotations, the summary's
reasons are scored against it: topic accuracy, sentence hit rate, and plain reasons that contradict
the gold topic (see `imr_llm.evals.metrics`).
"""

from __future__ import annotations

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
    folders = [Path(a) for a in argv] or [default if default.is_dir() else repo / "samples"]
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
    m, _ = compute_metrics(results, ["summary", "reasons"])
    print(
        f"\n{len(results)} letters: English grade median {m['summary_grade_median']:.2f} (target <= 6), "
        f"max {m['summary_grade_max']:.2f} (limit 8); Spanish ease min {m['summary_ease_min']:.1f} (target >= 70); "
        f"summaries failing a check: {int(m['summary_failed'])} of {len(results) * len(codes)}"
    )
    if "reason_items" in m:
        print(
            f"reasons over {int(m['reason_items'])} gold items: topic accuracy {m['reason_topic_accuracy']:.3f}, "
            f"sentence hit rate {m['reason_sentence_hit_rate']:.3f} (precision {m['reason_sentence_precision']:.3f}), "
            f"plain reasons contradicting the gold topic {int(m['reason_contradictions'])}, "
            f"quoted instead of paraphrased {m['reason_quoted_rate']:.1%}"
        )
    return 0 if errors == 0 and m["summary_failed"] == 0 and m["summary_grade_max"] <= 8 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
