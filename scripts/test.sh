#!/usr/bin/env bash
# Installs the test dependencies and runs the whole test suite (pytest arguments pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
exec .venv/bin/python -m pytest "$@"
