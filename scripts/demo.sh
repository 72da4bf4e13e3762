#!/usr/bin/env bash
# The main job on the embedded default, set up from nothing: `make demo` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/hyperloop demo "$@"
