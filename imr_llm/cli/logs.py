"""`imr-llm logs`: recent model calls from the call log (like simonw/llm's `llm logs`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from imr_llm.cli.common import CacheOpt, fail
from imr_llm.errors import ConfigError
from imr_llm.outputs import visible


def _date(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option}: not a date or time: {value!r} (use YYYY-MM-DD or YYYY-MM-DDTHH:MM)", code=2)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def logs(
    cache: CacheOpt = None,
    model: Annotated[str | None, typer.Option(help="only calls to this model")] = None,
    prompt: Annotated[str | None, typer.Option(help="only this prompt: NAME or NAME@VERSION")] = None,
    status: Annotated[
        str | None, typer.Option(help="only this outcome: ok, cached, or a failure (timeout, invalid_output, ...)")
    ] = None,
    since: Annotated[str | None, typer.Option(help="from this date or time (UTC unless it says)")] = None,
    until: Annotated[str | None, typer.Option(help="before this date or time")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10**9, help="how many calls, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
    summary: Annotated[bool, typer.Option("--summary", help="totals instead of calls")] = False,
    show_text: Annotated[
        bool, typer.Option("--show-text", help="print letter text too, where it was logged with --log-text")
    ] = False,
) -> None:
    """List recent model calls: time, model, prompt, tokens, latency, outcome, retries. Letter text is never
    shown unless it was logged with --log-text and --show-text asks for it."""
    from imr_llm.llm.cache import default_cache_path
    from imr_llm.llm.calllog import CallFilter, read_calls, totals

    path = cache or default_cache_path()
    chosen = CallFilter(model, prompt, status, _date(since, "--since"), _date(until, "--until"), limit)
    try:
        if summary:
            found = totals(path, chosen)
            if as_json:
                print(json.dumps(found))
                return
            print(
                f"{found['calls']} calls ({found['cached']} from the cache), {found['requests']} requests, "
                f"{found['prompt_tokens']} prompt + {found['completion_tokens']} completion tokens, "
                f"{found['latency_s']} s"
            )
            for outcome, count in found["outcomes"].items():
                print(visible(f"  {outcome}: {count}", keep_newlines=False))
            return
        rows = read_calls(path, chosen, with_text=show_text)
    except ConfigError as e:
        fail(str(e), code=1)
    for row in rows:
        if as_json:
            print(json.dumps(row))
            continue
        line = (
            f"{row['time']}  {row['model']}  {row['prompt']}  {row['status']}{' (cached)' if row['cached'] else ''}  "
            f"{row['prompt_tokens'] or 0}+{row['completion_tokens'] or 0} tokens  {row['latency_s'] or 0:.2f} s  "
            f"retries {row['retries']}"
        )
        line += f"  error: {row['error']}" if row.get("error") else ""
        print(visible(line, keep_newlines=False))  # names and errors from servers: no raw escapes
        if show_text and row.get("letter_text"):
            print("    " + visible(row["letter_text"]).replace("\n", "\n    "))
