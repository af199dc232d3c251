#!/bin/sh
# Installs billing-nwc's interop peers from the committed lock file, once per lock file change.
# Without node/npm the interop tests skip; with CI=true they are required and this fails.
set -e
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  if [ "$CI" = "true" ]; then
    echo "[billing-nwc] node/npm not found and CI=true: the NWC interop tests need them" >&2
    exit 1
  fi
  echo "[billing-nwc] node/npm not found: skipping npm ci; the NWC interop tests will be skipped"
  exit 0
fi
if [ -f node_modules/.caravel-lock ] && cmp -s package-lock.json node_modules/.caravel-lock; then
  exit 0
fi
npm ci --no-audit --no-fund
cp package-lock.json node_modules/.caravel-lock
