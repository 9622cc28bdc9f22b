"""The agent's action set (catalog) and the handlers that carry actions out."""
