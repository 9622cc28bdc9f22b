"""The in-page scripts, loaded once from the .js files beside this module."""
from __future__ import annotations

from functools import cache
from pathlib import Path

HERE = Path(__file__).parent


@cache
def script(name: str) -> str:
    return (HERE / f"{name}.js").read_text(encoding="utf-8")


# Finds a numbered element of a capture again: null when the capture is gone (new document)
# or from another version, the element when it is still in the document.
RESOLVE = """([version, n]) => {
  const s = window.__owr;
  if (!s || s.v !== version) return "stale";
  const el = s.els[n];
  if (!el) return "missing";
  if (!el.isConnected) return "detached";
  return el;
}"""

# How many numbered elements of the current capture have left the document.
DETACHED = """(version) => {
  const s = window.__owr;
  if (!s || s.v !== version) return -1;
  let gone = 0;
  for (let i = 1; i < s.els.length; i++) if (!s.els[i].isConnected) gone++;
  return gone;
}"""

# The index of an iframe element among the frame slots of its parent's capture.
FRAME_SLOT = "(el) => (window.__owr ? window.__owr.frames.indexOf(el) : -1)"
