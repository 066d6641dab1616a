#!/usr/bin/env bash
# Install what the project needs on a fresh Debian machine: node_modules (npm ci),
# and, with --chromium, Debian's chromium (headless WebGPU on SwiftShader for the tests).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "error: Node.js 20.19+ is needed (Debian: apt-get install nodejs npm, or https://nodejs.org)." >&2
  exit 1
fi

if [ "${1:-}" = "--chromium" ] && [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Debian's chromium (WebGPU on SwiftShader for the tests)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: /usr/bin/chromium is missing. Install it as root: apt-get install -y chromium" >&2
    exit 1
  fi
fi

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "==> installing node modules (npm ci)"
  # The lock lists every platform's optional packages (rollup's, esbuild's), so `npm ci`
  # takes it as it is. Should a future npm refuse it, `npm install` honours the same
  # locked versions (it may add entries to package-lock.json; commit them).
  log=$(mktemp)
  if ! npm ci --no-audit --no-fund --loglevel=error >"$log" 2>&1; then
    echo "    npm ci refused the lock file; installing the same locked versions with npm install"
    npm install --no-audit --no-fund --loglevel=error
  fi
  rm -f "$log"
fi
