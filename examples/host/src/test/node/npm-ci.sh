#!/bin/sh
# Installs examples-host's browser driver (playwright-core) from the committed lock file, once
# per lock file change. Without node/npm the browser test skips; with CI=true this fails.
# playwright-core downloads no browser: the test drives Debian's chromium (/usr/bin/chromium).
set -e
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  if [ "$CI" = "true" ]; then
    echo "[examples-host] node/npm not found and CI=true: the browser test needs them" >&2
    exit 1
  fi
  echo "[examples-host] node/npm not found: skipping npm ci; the browser test will be skipped"
  exit 0
fi
if [ -f node_modules/.caravel-lock ] && cmp -s package-lock.json node_modules/.caravel-lock; then
  exit 0
fi
npm ci --no-audit --no-fund
cp package-lock.json node_modules/.caravel-lock
