#!/usr/bin/env bash
# One command for a newcomer: install everything, build, train the main job on a default,
# and render the quick workbook.
#   main job: Edge-Popup on LeNet-300-100, real MNIST, keepFraction 0.5, 2 epochs;
#   prints test accuracy and the dying ratio, and stores the run under ./runs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
npm ci --no-audit --no-fund
npm run build
node dist/src/cli/main.js info
# The defaults are the main job: EP, lenet300, mnist, keepFraction 0.5, 2 epochs, SGD lr 0.1, batch 64.
node dist/src/cli/main.js run --label "main job"
if [ "${SKIP_WORKBOOK:-0}" != 1 ]; then npm run workbook; fi
