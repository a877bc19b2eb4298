#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when it is missing (puppeteer-core downloads no browser).
# Quiet, and a no-op where it is already there. The overrides exist for test/packaging/ci-chromium.test.ts.
set -euo pipefail

CHROMIUM_BIN="${CHROMIUM_BIN:-/usr/bin/chromium}"
APT_GET="${APT_GET:-apt-get}"
CI_UID="${CI_UID:-$(id -u)}"
SUDO="${SUDO:-sudo}"

if [ -x "$CHROMIUM_BIN" ]; then
  echo "chromium: $CHROMIUM_BIN is there"
  exit 0
fi

as_root=()
if [ "$CI_UID" != 0 ]; then
  if command -v "$SUDO" >/dev/null 2>&1 && "$SUDO" -n true 2>/dev/null; then
    as_root=("$SUDO" -n)
  else
    echo "chromium: $CHROMIUM_BIN is missing and installing it needs root; run: apt-get update && apt-get install -y chromium" >&2
    exit 1
  fi
fi

echo "chromium: installing Debian's chromium package (browser tests need it) …"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! "${as_root[@]}" "$APT_GET" update -qq >"$log" 2>&1 ||
  ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -qq chromium >>"$log" 2>&1; then
  cat "$log" >&2
  echo "chromium: apt-get failed (output above)" >&2
  exit 1
fi
if [ ! -x "$CHROMIUM_BIN" ]; then
  echo "chromium: apt-get succeeded but $CHROMIUM_BIN is still missing" >&2
  exit 1
fi
echo "chromium: installed"
