#!/usr/bin/env bash
# Installs the pinned n8n runtime (n8n + Node 24) into a per-user cache outside
# the checkout and prints its directory. A second run reuses the cache.
# n8n 2.x needs Node >= 24; these machines ship Node 20, so Node 24 comes from
# the npm registry (package node-<platform>-<arch>). n8n installs with
# --ignore-scripts (a Kafka native module would download binaries from outside)
# and only sqlite3 is then rebuilt from source against the Node 24 headers.
set -euo pipefail

N8N_VERSION="${N8N_VERSION:-2.41.1}"
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
CACHE_ROOT="${N8N_RUNTIME_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-ai-phone-agents}"
RUNTIME_DIR="$CACHE_ROOT/n8n-$N8N_VERSION-node-$NODE24_VERSION"
STAMP="$RUNTIME_DIR/.complete"

log() { echo "[n8n-runtime] $*" >&2; }

if [ -f "$STAMP" ]; then
  echo "$RUNTIME_DIR"
  exit 0
fi

mkdir -p "$CACHE_ROOT"
# One installer at a time: parallel test runs on one machine share the cache.
exec 9>"$CACHE_ROOT/.lock"
flock 9
if [ -f "$STAMP" ]; then
  echo "$RUNTIME_DIR"
  exit 0
fi

platform="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac

start=$(date +%s)
rm -rf "$RUNTIME_DIR"
mkdir -p "$RUNTIME_DIR/node24" "$RUNTIME_DIR/n8n"

log "installing Node $NODE24_VERSION (node-$platform-$arch) ..."
(
  cd "$RUNTIME_DIR/node24"
  echo '{"name":"node24-runtime","private":true}' > package.json
  npm install --no-save --ignore-scripts --no-audit --no-fund --loglevel=error \
    "node-$platform-$arch@$NODE24_VERSION" >&2
)
NODE_HOME="$RUNTIME_DIR/node24/node_modules/node-$platform-$arch"
[ -x "$NODE_HOME/bin/node" ] || { log "no node binary in $NODE_HOME"; exit 1; }

log "installing n8n $N8N_VERSION (takes a few minutes) ..."
(
  cd "$RUNTIME_DIR/n8n"
  echo '{"name":"n8n-runtime","private":true}' > package.json
  PATH="$NODE_HOME/bin:$PATH" npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
    "n8n@$N8N_VERSION" >&2
)

log "building sqlite3 against Node $NODE24_VERSION ..."
(
  cd "$RUNTIME_DIR/n8n"
  # Under `npm test` / `npm run bench` npm exports this project's `ignore-scripts=true` as
  # npm_config_ignore_scripts, which would make the rebuild skip the very build it is for.
  unset npm_config_ignore_scripts NPM_CONFIG_IGNORE_SCRIPTS
  PATH="$NODE_HOME/bin:$PATH" npm rebuild sqlite3 --ignore-scripts=false --nodedir="$NODE_HOME" --loglevel=error >&2
  # n8n only says "SQLite package has not been found" much later: check the module loads now.
  "$NODE_HOME/bin/node" -e "require('sqlite3')" >&2 || { log "sqlite3 did not build for Node $NODE24_VERSION"; exit 1; }
)

cat > "$RUNTIME_DIR/env.sh" <<ENV
export N8N_RUNTIME_DIR="$RUNTIME_DIR"
export N8N_NODE_HOME="$NODE_HOME"
export N8N_BIN="$RUNTIME_DIR/n8n/node_modules/n8n/bin/n8n"
ENV
touch "$STAMP"
log "runtime ready in $(( $(date +%s) - start )) s: $RUNTIME_DIR"
echo "$RUNTIME_DIR"
