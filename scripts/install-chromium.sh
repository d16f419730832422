#!/usr/bin/env bash
# Installs Debian's `chromium` for the browser test (test/browser.test.ts drives it with playwright-core).
# A no-op when it is already there. Needs root (CI images run as root) or sudo.
# Usage: scripts/install-chromium.sh        (from .ci/run before `npm test`)
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "[chromium] present: $(chromium --version 2>/dev/null || echo chromium)"
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "[chromium] not installed, and neither root nor sudo is available: install Debian's 'chromium' package" >&2
  exit 1
fi
echo "[chromium] installing Debian's chromium (apt-get)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
echo "[chromium] installed: $(chromium --version 2>/dev/null || echo chromium)"
