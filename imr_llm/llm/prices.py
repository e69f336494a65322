"""Token prices per model (USD per million tokens), live and at Batch API rates."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from imr_llm.errors import ConfigError

Prices = dict[str, dict[str, float]]


def default_prices_file() -> Path:
    return Path(str(resources.files("imr_llm.llm").joinpath("prices.toml")))


def load_prices(path: Path | None = None) -> Prices:
    """The table in `path` (default: the one shipped with the package); {} when the file is absent."""
    path = path or default_prices_file()
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return {str(k): {kk: float(vv) for kk, vv in v.items()} for k, v in data.get("models", {}).items()}
    except (tomllib.TOMLDecodeError, AttributeError, TypeError, ValueError) as e:
        raise ConfigError(f"price table {path}: {e}") from e


def price_usd(prices: Prices, model: str, prompt_tokens: int, completion_tokens: int, batch: bool = False) -> float:
    row = prices.get(model, prices.get("default", {}))
    usd = prompt_tokens / 1e6 * row.get("input_per_million", 0.0)
    usd += completion_tokens / 1e6 * row.get("output_per_million", 0.0)
    return usd * (row.get("batch_discount", 1.0) if batch else 1.0)
