"""Cost of tokens from a per-model price table (USD per million tokens)."""
from __future__ import annotations

DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "claude-sonnet-4-5": (3.00, 15.00),
    "claude-haiku-4-5": (1.00, 5.00),
}


def cost_usd(prices: dict[str, tuple[float, float]], model: str, input_tokens: int, output_tokens: int) -> float:
    """Unknown models cost nothing (local models); prefixes match dated variants."""
    price = prices.get(model)
    if price is None:
        candidates = [name for name in prices if model.startswith(name)]
        if candidates:
            price = prices[max(candidates, key=len)]
    if price is None:
        return 0.0
    return (input_tokens * price[0] + output_tokens * price[1]) / 1_000_000
