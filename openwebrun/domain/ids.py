"""Unguessable identifiers: 128 bits of randomness, hex encoded."""
import secrets


def new_id() -> str:
    return secrets.token_hex(16)
