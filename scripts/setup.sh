#!/usr/bin/env bash
# Installs what openwebrun needs on this machine: a virtualenv with the package, and Chromium.
# Usage: scripts/setup.sh [extra]   (extra: "test" also installs the test dependencies)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "test" ]; then
  .venv/bin/python -m pip install --quiet -e '.[test]'
else
  .venv/bin/python -m pip install --quiet -e .
fi

have_chromium() {
  [ -n "${OPENWEBRUN_CHROMIUM_PATH:-}" ] && [ -x "$OPENWEBRUN_CHROMIUM_PATH" ] && return 0
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$name" >/dev/null 2>&1 && return 0
  done
  return 1
}

if ! have_chromium; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium package" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "installing Playwright's Chromium" >&2
    .venv/bin/python -m playwright install chromium
  fi
fi
