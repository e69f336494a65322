"""Reading-grade and check report of the offline summaries over a folder of letters.

python -m imr_llm.summary.report [FOLDER ...]      (default: ../shared/letters/dev, else samples/)
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from imr_llm.errors import ImrError
from imr_llm.loaders import load_file
from imr_llm.parser import parse_text
from imr_llm.summary.readability import EN_MAX_GRADE, EN_TARGET_GRADE, ES_MIN_EASE, ES_TARGET_EASE
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
    grades: list[float] = []
    eases: list[float] = []
    failures = 0
    print(f"{'letter':<34} {'items':>5} {'EN grade':>8} {'ES ease':>8}  checks")
    for path in letters(folders):
        try:
            record = parse_text(load_file(path).text)
        except ImrError as e:
            print(f"{path.name:<34} error: {e}")
            failures += 1
            continue
        en = summarize(record, "en").checks
        es = summarize(record, "es").checks
        assert en.grade is not None and es.ease is not None
        grades.append(en.grade)
        eases.append(es.ease)
        ok = en.passed and es.passed
        failures += not ok
        problems = "; ".join(en.problems + es.problems)
        print(
            f"{path.stem:<34} {len(record.disputed_items):>5} {en.grade:>8.2f} {es.ease:>8.2f}  "
            f"{'pass' if ok else 'FAIL ' + problems}"
        )
    if not grades:
        print("no letters found")
        return 1
    print(
        f"\n{len(grades)} letters: English Flesch-Kincaid grade median {statistics.median(grades):.2f} "
        f"(target <= {EN_TARGET_GRADE}), max {max(grades):.2f} (limit {EN_MAX_GRADE}); "
        f"Spanish Fernandez Huerta ease median {statistics.median(eases):.1f} (target >= {ES_TARGET_EASE}), "
        f"min {min(eases):.1f} (limit {ES_MIN_EASE}); {len(grades) - failures} of {len(grades)} pass every check"
    )
    ok = failures == 0 and statistics.median(grades) <= EN_TARGET_GRADE and max(grades) <= EN_MAX_GRADE
    return 0 if ok and min(eases) >= ES_MIN_EASE else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
