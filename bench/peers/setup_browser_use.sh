#!/usr/bin/env bash
# Installs the peer measured by bench/page_state.py and bench/prompt_cost.py into its own
# virtualenv (bench/.venv-browser-use, git-ignored), so that its dependencies never mix with ours.
# Idempotent: does nothing when the pinned version is already there.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/../.venv-browser-use"
VERSION="0.13.14"
PY="${PYTHON:-python3}"

if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('browser-use') != '$VERSION')" 2>/dev/null; then
  echo "browser-use $VERSION already in $VENV"
  exit 0
fi
"$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --timeout 60 "browser-use==$VERSION"
echo "browser-use $("$VENV/bin/python" -c "import importlib.metadata as m; print(m.version('browser-use'))") in $VENV"
