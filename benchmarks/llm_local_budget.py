"""The local backend over the dev letters, as a user runs it: does every letter get a record, and
within its time budget?

Runs `extract --backend local` (the bundled Gemma 3 270M via llama.cpp) letter by letter and reports
letters with a record, letters with a valid model answer, wall time per letter (median, worst) and
tokens per letter. `--before` reproduces the old settings for comparison: a fixed 2048-token cap, no
per-letter time budget, and a model failure dropping the letter (counted as no record).

    python benchmarks/llm_local_budget.py [--limit N] [--before] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.config import LLMConfig
from imr_llm.loaders import load_file
from imr_llm.pipeline.backends import BackendOptions, open_extractor

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "letters" / "dev"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--before", action="store_true", help="old settings: 2048 tokens, no time budget")
    ap.add_argument("--prompt", default="extract@1")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    files = sorted(DEV.glob("*.txt")) if DEV.is_dir() else sorted((REPO / "samples").glob("*.txt"))
    files = files[: args.limit] if args.limit else files
    config = LLMConfig(max_tokens=2048, letter_timeout_s=math.inf) if args.before else LLMConfig()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        cache = ResponseCache(Path(tmp) / "cache.sqlite", enabled=False)
        with open_extractor("local", BackendOptions(config, args.prompt, cache=cache)) as extractor:
            budget = getattr(extractor, "client").config.letter_timeout_s  # noqa: B009
            for path in files:
                started = time.monotonic()
                extraction = extractor.extract(load_file(path))
                seconds = time.monotonic() - started
                run = extraction.run
                assert run is not None
                failed = run.error is not None
                rows.append(
                    {
                        "letter": path.name,
                        "items": len(extraction.parser.disputed_items),
                        "record": not (failed and args.before),  # before: a failed call dropped the letter
                        "valid_answer": not failed,
                        "outcome": run.error_kind or "ok",
                        "seconds": round(seconds, 2),
                        "max_tokens": run.max_tokens,
                        "prompt_tokens": run.prompt_tokens,
                        "completion_tokens": run.completion_tokens,
                        "requests": run.requests,
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    seconds = [float(str(r["seconds"])) for r in rows]
    completion = [int(str(r["completion_tokens"])) for r in rows]
    summary = {
        "settings": "before (2048 tokens, no time budget, failure drops the letter)" if args.before else "after",
        "letter_budget_s": None if args.before else budget,
        "letters": len(rows),
        "with_record": sum(bool(r["record"]) for r in rows),
        "valid_model_answer": sum(bool(r["valid_answer"]) for r in rows),
        "outcomes": {k: sum(r["outcome"] == k for r in rows) for k in sorted({str(r["outcome"]) for r in rows})},
        "seconds_median": round(statistics.median(seconds), 1),
        "seconds_worst": round(max(seconds), 1),
        "completion_tokens_median": statistics.median(completion),
        "completion_tokens_per_letter_mean": round(statistics.mean(completion)),
        "prompt_tokens_per_letter_mean": round(statistics.mean(int(str(r["prompt_tokens"])) for r in rows)),
    }
    print(json.dumps(summary, indent=1))
    if args.out:
        args.out.write_text(json.dumps({"summary": summary, "letters": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
