#!/usr/bin/env bash
# The rex-tui demo in one command, on a fresh Debian machine: installs what is missing
# (Debian's docker-registry, a .venv with rex-tui), starts a local registry seeded with
# ~30 repositories of demo images, and opens rex-tui on it. Quitting rex-tui stops the
# registry and removes every temporary file. Your own rex config and cache are not used.
#
#   bash scripts/demo.sh               open the TUI on the demo registry
#   bash scripts/demo.sh --no-launch   only start and seed it (Ctrl+C stops it)
#   bash scripts/demo.sh --theme light
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then
    echo "updating the Debian package lists…"
    $sudo apt-get update -qq
    apt_updated=1
  fi
  echo "installing Debian packages: $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

[ -x /usr/bin/docker-registry ] || apt_install docker-registry

# A virtual environment: Debian's python3 refuses system-wide pip installs (PEP 668).
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv…"
  if ! python3 -m venv .venv 2>/dev/null; then
    rm -rf .venv
    apt_install python3-venv
    python3 -m venv .venv
  fi
fi
# Reinstall only when the project's metadata changed (an editable install follows the
# source tree, so code changes need nothing).
stamp=.venv/.rex-demo-installed
wanted="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/rex-tui ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "installing rex-tui into .venv…"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e .
  echo "$wanted" >"$stamp"
fi

exec .venv/bin/python scripts/demo.py "$@"
