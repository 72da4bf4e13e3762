#!/usr/bin/env bash
# The whole test suite, set up from nothing: `make test` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh --test
exec .venv/bin/python -m pytest -n "${HYPERLOOP_TEST_WORKERS:-2}" "$@"
