"""Tokens per letter with an LLM backend, and the prompt's overhead over the letter itself.

Default: the local llama.cpp backend with the bundled Gemma 3 270M over the dev letters
(../shared/letters/dev, else samples/). One call per letter, no re-ask, no cache, so
each figure is one request. The letter's own tokens come from the server's tokenizer.

    python benchmarks/llm_tokens.py [--limit N] [--max-tokens 1024] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import urllib.request
from pathlib import Path

from imr_llm.errors import LLMCallError
from imr_llm.llm.cache import ResponseCache
from imr_llm.llm.client import LLMClient
from imr_llm.llm.config import LLMConfig
from imr_llm.llm.local import LocalServer, local_settings
from imr_llm.llm.prompts import load_prompt
from imr_llm.loaders import load_file
from imr_llm.pipeline.llm_extractor import LLMExtractor
from imr_llm.textnorm import flatten

REPO = Path(__file__).resolve().parent.parent
DEV = REPO.parent / "shared" / "letters" / "dev"


def count_tokens(base_url: str, text: str) -> int:
    root = base_url.removesuffix("/v1")
    request = urllib.request.Request(
        f"{root}/extras/tokenize",
        data=json.dumps({"input": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return len(json.load(response)["tokens"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--max-tokens", type=int, default=1024)
    ap.add_argument("--prompt", default="extract@1")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    files = sorted(DEV.glob("*.txt")) if DEV.is_dir() else sorted((REPO / "samples").glob("*.txt"))
    files = files[: args.limit] if args.limit else files
    rows = []
    with LocalServer() as server, tempfile.TemporaryDirectory() as tmp:
        config = local_settings(LLMConfig(max_tokens=args.max_tokens, reasks=0), server.base_url)
        extractor = LLMExtractor(LLMClient(config), load_prompt(args.prompt), ResponseCache(Path(tmp) / "c.sqlite"))
        for path in files:
            letter = load_file(path)
            try:
                letter_tokens = count_tokens(server.base_url, flatten(letter.text).flat)
            except OSError as e:
                print(json.dumps({"letter": path.name, "outcome": f"tokenizer failed: {e}"}), flush=True)
                continue
            row: dict[str, object] = {"letter": path.name, "letter_tokens": letter_tokens}
            try:
                _, run = extractor.ask(letter)
                row.update(
                    outcome="ok",
                    prompt_tokens=run.prompt_tokens,
                    completion_tokens=run.completion_tokens,
                    latency_s=run.latency_s,
                )
            except LLMCallError as e:  # tokens of the failed attempt count too
                row.update(
                    outcome=e.kind,
                    prompt_tokens=e.stats.prompt_tokens,
                    completion_tokens=e.stats.completion_tokens,
                    latency_s=round(e.stats.latency_s, 3),
                )
            rows.append(row)
            print(json.dumps(row), flush=True)
    ok = [r for r in rows if r.get("prompt_tokens")]
    if ok:
        prompt = [int(str(r["prompt_tokens"])) for r in ok]
        completion = [int(str(r["completion_tokens"])) for r in ok]
        letter = [int(str(r["letter_tokens"])) for r in ok]
        overhead = [p - t for p, t in zip(prompt, letter, strict=True)]
        valid = sum(r["outcome"] == "ok" for r in rows)
        print(f"{valid}/{len(rows)} letters gave a valid answer in one call")
        print(
            f"prompt tokens per call: median {statistics.median(prompt):.0f} (letter alone "
            f"{statistics.median(letter):.0f}; prompt overhead median {statistics.median(overhead):.0f})"
        )
        print(f"completion tokens per call: median {statistics.median(completion):.0f}, max {max(completion)}")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
