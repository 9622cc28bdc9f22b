"""What a task costs: LLM tokens from a per-model price table (USD per million tokens), the time
the agent may act at a compute rate, and the bytes it sent through a proxy at a traffic rate."""
from __future__ import annotations

from dataclasses import dataclass

from openwebrun.domain.models import Usage

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


@dataclass(frozen=True)
class Rates:
    """USD per minute of a task's compute time and per GB of proxied traffic (WebRun's prices)."""

    compute_per_minute: float = 0.02
    proxy_per_gb: float = 4.0

    def apply(self, usage: Usage) -> None:
        """Set `usage.cost` from its token cost, compute time and proxied bytes."""
        usage.cost = round(usage.token_cost + usage.compute_time / 60 * self.compute_per_minute
                           + usage.proxy_bytes / 1e9 * self.proxy_per_gb, 6)
