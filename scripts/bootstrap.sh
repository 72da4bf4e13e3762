#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine, idempotently:
#   scripts/bootstrap.sh          a virtual environment in .venv with the project installed
#   scripts/bootstrap.sh --test   the same with the dev extras, plus the Debian packages the
#                                 test suite uses for real: Chromium (site tests) and a
#                                 single-node Slurm (slurm backend tests)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv" >&2
  "$python" -m venv .venv
fi

extras=""
[ $want_test = 1 ] && extras="[dev]"
stamp=".venv/.hyperloop-installed${extras}"
digest=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "bootstrap: installing hyperloop-gitops${extras} into .venv" >&2
  # pip warns about each missing local index folder this machine's pip.conf names: noise
  quiet_pip() { .venv/bin/python -m pip "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }; }
  quiet_pip install --quiet --upgrade pip >/dev/null
  quiet_pip install --quiet -e ".${extras}"
  echo "$digest" > "$stamp"
fi

if [ $want_test = 1 ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurmctld slurmd slurm-client munge)
  # colour emoji, so the status marks show in the site's screenshots (tests pass without)
  [ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "bootstrap: installing Debian packages: ${missing[*]}" >&2
      export DEBIAN_FRONTEND=noninteractive
      apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
      apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      echo "bootstrap: not root or no apt-get; tests needing ${missing[*]} will be skipped" >&2
    fi
  fi
fi
