#!/usr/bin/env bash
# Every test: lint, type check, kernel tests in Node (Dawn), CLI tests, the built app
# end to end in headless Chromium (SwiftShader WebGPU). Installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh --chromium
mkdir -p test-results
echo "==> lint";       npx eslint .
echo "==> typecheck";  npx tsc --noEmit -p tsconfig.json
echo "==> build";      npx vite build --logLevel warn
echo "==> tests (node kernels + CLI, and end to end in Chromium)"
status=0
bash scripts/with-webgpu.sh npx vitest run --reporter=default --reporter=json \
  --outputFile.json=test-results/vitest.json || status=$?
node scripts/summarize-tests.mjs test-results/vitest.json || status=1
exit $status
