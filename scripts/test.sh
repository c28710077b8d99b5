#!/usr/bin/env bash
# Install everything the test suite needs on a fresh Debian machine, then run
# the linters, the type checker and the tests. Safe to run again: it installs
# only what is missing. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(docker-registry skopeo fzf tmux redis-server)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A virtual environment keeps this working on a Debian python3 (PEP 668) too.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv 2>/dev/null || {
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv .venv
  }
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"; ruff check . && ruff format --check .
echo "== mypy"; mypy
echo "== pytest"; pytest -q -p no:cacheprovider "$@"
