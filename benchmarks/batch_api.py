"""The archive-scale LLM path on the client side: how fast request files are written and results turned
into records, how large the request files are, and what 160,000 letters would cost at batch rates.

    python benchmarks/batch_api.py [--copies 10] [--out benchmarks/results-batch-api.json]

Letters: the dev .txt letters (else samples/), each copied --copies times with a distinct last line
(distinct requests). No server is involved: requests are written with `--write-requests`'s code path,
results are built from the parser's record of each letter (a complete, valid answer, as a good model
would give) in vLLM run_batch's format and read back with `--from-results`'s code path (validation,
grounding, cross-check, merge, one output line per letter, with 2 worker processes).
Token figures are estimates at 4 characters a token (the README says how they compare with a real
tokenizer); output per letter is the size of that complete answer.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the tests' fake answers

from imr_llm.batch.deferred import records_from_results, write_request_file  # noqa: E402
from imr_llm.batch.run import run_held  # noqa: E402
from imr_llm.llm.cache import ResponseCache  # noqa: E402
from imr_llm.llm.client import LLMClient  # noqa: E402
from imr_llm.llm.config import LLMConfig  # noqa: E402
from imr_llm.llm.prices import load_prices, price_usd  # noqa: E402
from imr_llm.llm.prompts import DEFAULT_PROMPT, load_prompt  # noqa: E402
from imr_llm.loaders import load_file  # noqa: E402
from imr_llm.parser import parse_text  # noqa: E402
from imr_llm.pipeline.examples import answer_for  # noqa: E402
from imr_llm.pipeline.llm_extractor import LLMExtractor  # noqa: E402
from tests.fake_openai_server import completion  # noqa: E402 - the same answer shape the tests serve

SHARED = REPO.parent / "shared" / "letters"
YEAR = 160_000


def corpus(files: list[Path], copies: int, folder: Path) -> list[Path]:
    paths = []
    for c in range(copies):
        for f in files:
            target = folder / f"{f.stem}-{c:03d}.txt"
            target.write_text(f.read_text(encoding="utf-8") + f"\n(copy {c})\n", encoding="utf-8")
            paths.append(target)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    dev = SHARED / "dev"
    files = sorted(dev.glob("*.txt")) if dev.is_dir() else sorted((REPO / "samples").glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        paths = corpus(files, args.copies, root / "in")
        config = LLMConfig(base_url="https://api.openai.com/v1", model="gpt-4o-mini", api_key="unused")
        extractor = LLMExtractor(LLMClient(config), load_prompt(DEFAULT_PROMPT), ResponseCache(root / "cache.sqlite"))
        out, requests = root / "out.jsonl", root / "requests.jsonl"

        started = time.perf_counter()
        report = write_request_file([str(root / "in")], out, extractor, requests)
        prepare_s = time.perf_counter() - started
        assert report.queued == len(paths), (report.queued, len(paths))

        answers: dict[str, str] = {}
        output_tokens = []
        for path in paths:
            letter = load_file(path)
            record = parse_text(letter.text, letter.source)
            call = extractor.prepare(letter, extractor.budget(record))
            answers[call.key] = json.dumps(answer_for(record))
            output_tokens.append(len(answers[call.key]) // 4)
        results = root / "results.jsonl"
        with results.open("w", encoding="utf-8") as sink, requests.open(encoding="utf-8") as source:
            for i, line in enumerate(source):
                custom_id = json.loads(line)["custom_id"]
                arguments = answers[custom_id]
                answer = completion(arguments, completion_tokens=len(arguments) // 4)
                body = {"status_code": 200, "request_id": str(i), "body": answer}
                sink.write(json.dumps({"id": str(i), "custom_id": custom_id, "response": body, "error": None}) + "\n")

        def run(paths: list[str], ex: LLMExtractor):  # type: ignore[no-untyped-def]
            return run_held(paths, out, ex, 2, 8, None, "en", False, None, None)

        started = time.perf_counter()
        made = records_from_results([str(root / "in")], out, extractor, results, run)
        results_s = time.perf_counter() - started
        assert made.records is not None and made.records.written == len(paths) and made.answers == len(paths)
        assert not made.records.llm_failed, made.records.llm_failed

        n = len(paths)
        request_bytes = requests.stat().st_size
        prompt_per_letter = report.estimated_prompt_tokens / n
        output_per_letter = statistics.fmean(output_tokens)
        prices = load_prices()
        cost = {
            model: {
                "batch_usd": round(
                    price_usd(prices, model, int(prompt_per_letter * YEAR), int(output_per_letter * YEAR), True), 2
                ),
                "live_usd": round(
                    price_usd(prices, model, int(prompt_per_letter * YEAR), int(output_per_letter * YEAR)), 2
                ),
            }
            for model in prices
            if model != "default"
        }
        figures = {
            "letters": n,
            "cores": os.cpu_count(),
            "prepare_letters_per_s": round(n / prepare_s, 1),
            "results_to_records_letters_per_s": round(n / results_s, 1),
            "request_file_mb_per_1000_letters": round(request_bytes / n * 1000 / 1e6, 2),
            "estimated_prompt_tokens_per_letter": round(prompt_per_letter),
            "estimated_output_tokens_per_letter": round(output_per_letter),
            "price_for_160000_letters": cost,
            "request_files_for_160000_letters": max(
                1, -(-YEAR // 50_000), -(-int(request_bytes / n * YEAR) // 200_000_000)
            ),
        }
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
