#!/usr/bin/env bash
# Sets a fresh machine up and starts the server on SQLite (data in ./data unless OPENWEBRUN_DATA_DIR is set).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/openwebrun serve "$@"
