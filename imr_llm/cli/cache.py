"""`imr-llm cache`: where the response cache and call log are, and how to clear them."""

from __future__ import annotations

import typer

from imr_llm.cli.common import CacheOpt, fail
from imr_llm.outputs import visible

app = typer.Typer(help="The LLM response cache and call log (medical data: the model's answers about letters).")


@app.command("path")
def path(cache: CacheOpt = None) -> None:
    """Print the cache file's location."""
    from imr_llm.llm.cache import default_cache_path

    print(visible(str(cache or default_cache_path())))


@app.command("clear")
def clear(cache: CacheOpt = None) -> None:
    """Delete the cache file (responses and call log); the next runs call the model again."""
    from imr_llm.errors import ConfigError
    from imr_llm.llm.cache import clear_cache, default_cache_path

    target = cache or default_cache_path()
    try:
        removed = clear_cache(cache)
    except ConfigError as e:
        fail(str(e))  # not a cache: a usage error, exit 2
    print(visible(f"removed {target}" if removed else f"no cache at {target}"))
