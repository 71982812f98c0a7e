#!/usr/bin/env bash
# Makes sure a Chromium for the editor test (test/e2e/editor.test.ts) is installed and prints
# its path. The browser comes from Debian's `chromium` package: playwright-core drives it over
# CDP and never downloads a browser build of its own (no host for that is reachable here).
#
# Exit codes: 0 = ready (path on stdout); 3 = missing and cannot be installed here (not root and
# no password-less sudo, or no apt-get); 1 = the installation itself failed.
# --check only tells, at once and installing nothing: 0 = ready, 4 = missing but installable,
# 3 = missing and not installable.
# CHROMIUM_PATH overrides the binary (e.g. another Chromium already on the machine).
set -euo pipefail

check_only=false
[ "${1:-}" = "--check" ] && check_only=true

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
log() { echo "[chromium] $*" >&2; }

works() { "$CHROMIUM" --version >/dev/null 2>&1; }

if [ -x "$CHROMIUM" ] && works; then
  echo "$CHROMIUM"
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  log "CHROMIUM_PATH=$CHROMIUM_PATH does not run"
  exit 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  log "no $CHROMIUM and no apt-get to install Debian's chromium package"
  exit 3
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  log "no $CHROMIUM, and installing it needs root (or password-less sudo): run 'apt-get install chromium' as root"
  exit 3
fi
if $check_only; then
  exit 4
fi

# Parallel test runs on one machine: one installer at a time (dpkg has its own lock, but a
# second apt-get would fail on it instead of waiting).
lock_dir="${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-ai-phone-agents"
mkdir -p "$lock_dir"
exec 9>"$lock_dir/.chromium.lock"
flock 9
if [ -x "$CHROMIUM" ] && works; then
  echo "$CHROMIUM"
  exit 0
fi

start=$(date +%s)
export DEBIAN_FRONTEND=noninteractive
log "installing Debian's chromium package (apt-get; about a minute) ..."
# The package lists of a fresh machine are empty or stale: update them first.
"${as_root[@]}" apt-get update -qq >&2
"${as_root[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
if ! works; then
  log "chromium was installed but '$CHROMIUM --version' fails"
  exit 1
fi
log "installed $("$CHROMIUM" --version) in $(( $(date +%s) - start )) s"
echo "$CHROMIUM"
