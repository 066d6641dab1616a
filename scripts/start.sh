#!/usr/bin/env bash
# Install what is needed and start the playground's dev server (prints its URL).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
echo "==> starting the playground: open the URL below in Chrome or Edge (WebGPU)"
exec npx vite --host "${HOST:-127.0.0.1}" --port "${PORT:-5173}"
