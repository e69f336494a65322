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
    except (tomllib.TOMLDecodeError, AttributeError, TypeError, ValueError, OSError) as e:
        raise ConfigError(f"price table {path}: {e}") from e


def price_usd(
    prices: Prices, model: str, prompt_tokens: int, completion_tokens: int, batch: bool = False
) -> float | None:
    """What the tokens cost in USD, or None when no price is known for `model`.

    A row of the price table for the model (`[models."NAME"]`) sets its price; otherwise the price comes
    from genai-prices, a maintained table of the providers' published prices that ships with its data
    (no network). Local models (`local:...`) cost nothing per token. At Batch API rates the table's
    `batch_discount` applies (the model's row, else `[models.default]`).
    """
    row = prices.get(model) or {}
    if "input_per_million" in row or "output_per_million" in row:
        usd: float | None = prompt_tokens / 1e6 * row.get("input_per_million", 0.0)
        usd = (usd or 0.0) + completion_tokens / 1e6 * row.get("output_per_million", 0.0)
    elif model.startswith("local:"):
        usd = 0.0
    else:
        usd = _published_price(model, prompt_tokens, completion_tokens)
    if usd is None:
        return None
    discount = row.get("batch_discount", prices.get("default", {}).get("batch_discount", 1.0))
    return usd * (discount if batch else 1.0)


def _published_price(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    if not model:
        return None
    try:
        from genai_prices import Usage, calc_price
    except ImportError:  # pragma: no cover - a dependency of the package
        return None
    try:
        usage = Usage(input_tokens=prompt_tokens, output_tokens=completion_tokens)
        return float(calc_price(usage, model_ref=model).total_price)
    except (LookupError, ValueError):
        return None
