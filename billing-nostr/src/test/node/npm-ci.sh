#!/bin/sh
# Installs the interop peers from the committed lock file, once per lock file change.
# Without npm the interop tests skip (they fail instead when CI=true).
set -e
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  if [ "$CI" = "true" ]; then
    echo "[billing-nostr] node/npm not found and CI=true: the interop tests need them" >&2
    exit 1
  fi
  echo "[billing-nostr] node/npm not found: skipping npm ci; interop tests will be skipped"
  exit 0
fi
if [ -f node_modules/.caravel-lock ] && cmp -s package-lock.json node_modules/.caravel-lock; then
  exit 0
fi
npm ci --no-audit --no-fund
cp package-lock.json node_modules/.caravel-lock
