#!/usr/bin/env bash
# Everything the page-state and prompt-cost benches need: the token counter's rank file, the
# MiniWoB++ task pages, and the peer (browser-use) in its own virtualenv.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="${PYTHON:-python3}"
"$PY" -m pip install --quiet --disable-pip-version-check --timeout 60 -r "$HERE/requirements.txt"
"$PY" -m pip install --quiet --disable-pip-version-check --timeout 60 --no-deps "miniwob==1.1.0"
bash "$HERE/setup_browser_use.sh"
