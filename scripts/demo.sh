#!/usr/bin/env bash
# Try Protected Files in a real VS Code (code-server) in your browser, or record the UI walk-through.
#
# usage: bash scripts/demo.sh             set up, build, start VS Code on a fresh copy of the
#                                         fixture workspace (demo-output/workspace) with the
#                                         extension installed; prints the URL; Ctrl+C stops it
#        bash scripts/demo.sh --headless  set up, build, run the UI walk-through (test/e2e) and
#                                         leave its screenshots in demo-output/screenshots/
# Environment: PORT_DEMO=8080 picks the port (default: any free port). The server listens on
# 127.0.0.1 only; from another machine use e.g. `ssh -L 8080:127.0.0.1:8080 host`.
# The first run installs the toolchain (system packages, npm ci, code-server: ~3-4 min).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
HEADLESS=0
case "${1:-}" in
  "") ;;
  --headless) HEADLESS=1 ;;
  *) echo "usage: $0 [--headless]" >&2; exit 64 ;;
esac

echo "[demo] setting up (system packages, npm dependencies, code-server)"
bash scripts/setup-host.sh apt
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund </dev/null
fi
bash scripts/setup-host.sh >/dev/null
echo "[demo] building the extension"
node scripts/build.mjs

mkdir -p demo-output
export PF_WORKSPACE_DIR=$ROOT/demo-output/workspace
if [ "$HEADLESS" = 1 ]; then
  export PF_SCREENSHOTS_DIR=$ROOT/demo-output/screenshots
  rm -rf "$PF_SCREENSHOTS_DIR"
  rc=0
  bash scripts/run-extension-host.sh e2e || rc=$?
  echo "[demo] screenshots: demo-output/screenshots/ ($(find "$PF_SCREENSHOTS_DIR" -name '*.png' 2>/dev/null | wc -l) files); workspace after the walk-through: demo-output/workspace/"
  exit "$rc"
fi
exec bash scripts/run-extension-host.sh serve
