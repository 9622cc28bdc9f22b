#!/usr/bin/env bash
# Installs the test dependencies and runs the whole test suite (pytest arguments pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# Two workers; a module's tests stay together (they share its server), so the run is about twice as fast.
exec .venv/bin/python -m pytest -n 2 --dist loadscope "$@"
