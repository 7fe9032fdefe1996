#!/usr/bin/env bash
# Runs Protected Files in a real VS Code: code-server (VS Code's server build, installed by
# scripts/setup-host.sh) with Debian's Chromium as the client.
#
# usage: bash scripts/run-extension-host.sh integration   mocha suite (out/test/integration) in the extension host
#        bash scripts/run-extension-host.sh integration-multiroot
#                                                          the same entry with PF_MULTIROOT=1 (only *.multiroot.test.js)
#                                                          in the multi-root workspace test/fixtures/multiroot/shop.code-workspace
#        bash scripts/run-extension-host.sh integration-restricted
#                                                          the same entry with PF_RESTRICTED=1 (only *.restricted.test.js)
#                                                          with workspace trust on and the folder NOT trusted (Restricted Mode)
#        bash scripts/run-extension-host.sh e2e           UI tests (test/e2e/*.test.js) against the workbench
#        bash scripts/run-extension-host.sh e2e-restricted
#                                                          UI tests of Restricted Mode (test/e2e/*.restricted.test.js) with
#                                                          workspace trust on and the folder untrusted until a test trusts it
#        bash scripts/run-extension-host.sh serve         start for a person to open; wait for Ctrl+C
# Build first: node scripts/build.mjs --tests.
#
# Every run gets a fresh temp dir: user data, extensions dir, config, HOME, XDG_*, TMPDIR, and a
# fresh git-initialised copy of test/fixtures/workspace (integration-multiroot: of test/fixtures/multiroot,
# each folder of it a git repository of its own; integration: then changed by test/integration/beforeLaunch.sh,
# as if written while VS Code was closed). The last output line of integration, integration-multiroot
# and e2e is "N passed, N failed"; the exit code is non-zero when anything failed or did not run.
#
# Environment:
#   PF_TEST_TIMEOUT_MS   integration: give up after this long (default 300000 = 5 min)
#   PF_TEST_GREP         integration: only tests whose full title matches this regexp
#   PF_E2E_TESTS         e2e: space-separated test files to run (default: test/e2e/**/*.test.js, one after another)
#   PF_E2E_TEST_TIMEOUT_MS  e2e: per-test limit (default 180000); PF_E2E_TOTAL_TIMEOUT_S: whole part (1200)
#   PF_SCREENSHOTS_DIR   e2e: where screenshots go (default .test-runs/e2e/screenshots)
#   PF_UPDATE_MEDIA=1    e2e: also copy the screenshots to media/screenshots/ (for the README)
#   PF_WORKSPACE_DIR     e2e/serve: put the workspace copy here (replaced) instead of in the temp dir
#   PORT_DEMO            serve: port to listen on (default 0 = any free port)
#   PF_FIXTURE_DIR       integration: copy this folder as the workspace instead of test/fixtures/workspace
#                        (the scale benchmark's generated workspace; test/integration/beforeLaunch.sh is then not run)
#   PF_KEEP_RUN=1        keep the run's temp dir (logs are always copied to .test-runs/<mode>/)
set -euo pipefail

MODE=${1:-}
case "$MODE" in integration|integration-multiroot|integration-restricted|e2e|e2e-restricted|serve) ;; *) echo "usage: $0 integration|integration-multiroot|integration-restricted|e2e|e2e-restricted|serve" >&2; exit 64 ;; esac
# The integration modes share everything but the workspace and which test files the entry loads.
INTEGRATION=0
case "$MODE" in integration|integration-multiroot|integration-restricted) INTEGRATION=1 ;; esac
# integration-restricted: workspace trust stays on and the folder is never trusted (no prompt either).
RESTRICTED=0
case "$MODE" in integration-restricted|e2e-restricted) RESTRICTED=1 ;; esac
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

say() { printf '[%s] %s\n' "$MODE" "$*"; }
# For integration*/e2e: a part that cannot run is reported as one failure, never as zero tests.
cannot_run() {
  say "could not run: $*"
  echo "0 passed, 1 failed"
  exit 3
}

# --- toolchain -------------------------------------------------------------------------------
ENV_FILE=$ROOT/test/vscode-host/env.sh
if [ ! -f "$ENV_FILE" ]; then
  bash "$ROOT/scripts/setup-host.sh" >/dev/null || cannot_run "scripts/setup-host.sh failed"
fi
# Hold a shared lock while we use the host, so that scripts/setup-host.sh does not reinstall it
# under our feet (the lock fd is inherited by code-server and released when the run ends).
if command -v flock >/dev/null; then
  mkdir -p "$ROOT/.test-runs"
  exec 9>"$ROOT/.test-runs/vscode-host.lock"
  flock -s 9
fi
# shellcheck disable=SC1090
source "$ENV_FILE"
[ -x "$PF_HOST_NODE" ] && [ -f "$PF_CODE_SERVER_ENTRY" ] || cannot_run "the test host is not installed: run bash scripts/setup-host.sh"
export PF_PLAYWRIGHT
[ -f "$ROOT/dist/extension.js" ] || cannot_run "dist/extension.js is missing: run node scripts/build.mjs --tests"
if [ "$INTEGRATION" = 1 ] && [ ! -f "$ROOT/out/test/integration/index.js" ]; then
  cannot_run "out/test/integration/index.js is missing: run node scripts/build.mjs --tests"
fi

# --- fresh run directory ---------------------------------------------------------------------
# (named pf-multiroot, not pf-integration-multiroot: Chromium's profile, and in it a unix socket, lives under
# $RUN/tmp, and a socket path longer than 107 bytes makes Chromium abort)
RUN_TAG=$MODE
[ "$MODE" = integration-multiroot ] && RUN_TAG=multiroot
[ "$MODE" = integration-restricted ] && RUN_TAG=restricted
[ "$MODE" = e2e-restricted ] && RUN_TAG=e2e-r
RUN=$(mktemp -d "${TMPDIR:-/tmp}/pf-$RUN_TAG.XXXXXX")
RUN=$(cd "$RUN" && pwd -P)
LOGS=$ROOT/.test-runs/$MODE
rm -rf "$LOGS"
mkdir -p "$LOGS" "$RUN/data/User" "$RUN/extensions" "$RUN/home" "$RUN/xdg/config" "$RUN/xdg/data" "$RUN/xdg/cache" "$RUN/xdg/state" "$RUN/tmp"

# --- the workspace: a fresh copy of the fixture, as a real git repository ---------------------
# integration-multiroot: a copy of test/fixtures/multiroot, in which every folder the .code-workspace
# lists is a git repository of its own (as each folder of a real multi-root workspace usually is).
WS=${PF_WORKSPACE_DIR:-$RUN/workspace}
if [ -n "${PF_WORKSPACE_DIR:-}" ]; then rm -rf "$WS"; fi
mkdir -p "$(dirname "$WS")"
FIXTURE=workspace
[ "$MODE" = integration-multiroot ] && FIXTURE=multiroot
cp -R "${PF_FIXTURE_DIR:-$ROOT/test/fixtures/$FIXTURE}" "$WS"
WS=$(cd "$WS" && pwd -P)
git_init() {
  (
    cd "$1"
    export HOME=$RUN/home GIT_CONFIG_NOSYSTEM=1
    git init -q -b main
    git config user.name "Test User"
    git config user.email "test@example.com"
    git config commit.gpgsign false
    git add -A
    git commit -q -m "Initial commit"
  )
}
OPEN=$WS # what the workbench opens: a folder, or a .code-workspace file
if [ "$MODE" = integration-multiroot ]; then
  OPEN=$WS/shop.code-workspace
  [ -f "$OPEN" ] || cannot_run "test/fixtures/multiroot/shop.code-workspace is missing"
  for d in "$WS"/*/; do
    git_init "$d" || cannot_run "git init of ${d%/} failed"
  done
else
  git_init "$WS" || cannot_run "git init of the workspace copy failed"
fi
# integration: changes made before the window opens, for the check at start (test/integration/beforeLaunch.sh).
if [ "$MODE" = integration ] && [ -z "${PF_FIXTURE_DIR:-}" ] && [ -f "$ROOT/test/integration/beforeLaunch.sh" ]; then
  (cd "$WS" && HOME=$RUN/home GIT_CONFIG_NOSYSTEM=1 bash "$ROOT/test/integration/beforeLaunch.sh") || cannot_run "test/integration/beforeLaunch.sh failed"
fi

# --- user settings (user scope, not the workspace's) ------------------------------------------
cat > "$RUN/data/User/settings.json" <<'JSON'
{
  "telemetry.telemetryLevel": "off",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "chat.disableAIFeatures": true,
  "extensions.autoUpdate": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "security.workspace.trust.enabled": false,
  "update.mode": "none",
  "git.openRepositoryInParentFolders": "never",
  "workbench.secondarySideBar.defaultVisibility": "hidden"
}
JSON
if [ "$MODE" != serve ]; then
  # Tests type into editors: no completions accepted by Enter, no auto-closing or auto-indent.
  "$PF_HOST_NODE" -e '
    const f = process.argv[1], s = JSON.parse(require("fs").readFileSync(f, "utf8"));
    Object.assign(s, {
      "editor.quickSuggestions": { other: false, comments: false, strings: false },
      "editor.suggestOnTriggerCharacters": false, "editor.acceptSuggestionOnEnter": "off",
      "editor.autoClosingBrackets": "never", "editor.autoClosingQuotes": "never", "editor.autoIndent": "none",
      "editor.formatOnSave": false, "files.autoSave": "off", "editor.parameterHints.enabled": false,
    });
    require("fs").writeFileSync(f, JSON.stringify(s, null, 2));' "$RUN/data/User/settings.json"
fi
if [ "$RESTRICTED" = 1 ]; then
  "$PF_HOST_NODE" -e '
    const f = process.argv[1], s = JSON.parse(require("fs").readFileSync(f, "utf8"));
    Object.assign(s, { "security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never",
      "security.workspace.trust.banner": "never", "security.workspace.trust.untrustedFiles": "open" });
    require("fs").writeFileSync(f, JSON.stringify(s, null, 2));' "$RUN/data/User/settings.json"
fi

# --- the extension ----------------------------------------------------------------------------
# integration loads the repository as a development extension with the test entry (browser-side
# patch, see scripts/host/browser.js). e2e and serve install it as a user has it: a link named
# <publisher>.<name>-<version> to the repository (package.json + dist/) in the run's extensions
# dir, which the server picks up when it scans that dir at start.
if [ "$INTEGRATION" = 0 ]; then
  EXT_ID=$("$PF_HOST_NODE" -p 'const p=require("./package.json"); `${p.publisher}.${p.name}-${p.version}`')
  ln -s "$ROOT" "$RUN/extensions/$EXT_ID"
fi

# --- start code-server in its own process group ------------------------------------------------
export HOME=$RUN/home TMPDIR=$RUN/tmp
export XDG_CONFIG_HOME=$RUN/xdg/config XDG_DATA_HOME=$RUN/xdg/data XDG_CACHE_HOME=$RUN/xdg/cache XDG_STATE_HOME=$RUN/xdg/state
unset PORT CODE_SERVER_HOST VSCODE_PROXY_URI # these override --bind-addr / proxy settings
export PF_TEST_WORKSPACE=$OPEN                 # the extension host inherits the server's environment
PF_MULTIROOT=0                                 # test/integration/index.ts: 1 loads only *.multiroot.test.js
[ "$MODE" = integration-multiroot ] && PF_MULTIROOT=1
export PF_MULTIROOT
export PF_RESTRICTED=$RESTRICTED              # test/integration/index.ts: 1 loads only *.restricted.test.js
TRUST_ARG=--disable-workspace-trust
[ "$RESTRICTED" = 1 ] && TRUST_ARG=
export PF_TEST_RESULTS=$RUN/integration-results.json
export PF_TEST_GREP=${PF_TEST_GREP:-}
PORT_ARG=0
[ "$MODE" = serve ] && PORT_ARG=${PORT_DEMO:-0}

setsid "$PF_HOST_NODE" "$PF_CODE_SERVER_ENTRY" \
  --bind-addr "127.0.0.1:$PORT_ARG" --auth none \
  --user-data-dir "$RUN/data" --extensions-dir "$RUN/extensions" --config "$RUN/config.yaml" \
  --disable-telemetry --disable-update-check $TRUST_ARG --disable-getting-started-override \
  --ignore-last-opened \
  >"$RUN/server.log" 2>&1 &
SERVER_PID=$!

CHILD_PID= # the test process (run under `timeout`, which puts it in a process group of its own)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$CHILD_PID" ]; then kill -TERM "$CHILD_PID" 2>/dev/null || true; fi
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM -- "-$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 -- "-$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  fi
  cp "$RUN/server.log" "$LOGS/" 2>/dev/null || true
  [ -d "$RUN/data/logs" ] && cp -R "$RUN/data/logs" "$LOGS/vscode-logs" 2>/dev/null || true
  if [ "${PF_KEEP_RUN:-}" = 1 ]; then echo "[$MODE] run dir kept: $RUN"; else rm -rf "$RUN"; fi
  exit "$rc"
}
trap cleanup EXIT
if [ "$MODE" = serve ]; then trap 'echo; echo "[serve] stopped"; exit 0' INT; else trap 'exit 130' INT; fi
trap 'exit 143' TERM

URL=
for _ in $(seq 1 600); do # up to 60 s
  URL=$(grep -o 'HTTP server listening on http://[0-9.:]*' "$RUN/server.log" | awk '{print $5}' || true)
  [ -n "$URL" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$URL" ] || ! "$PF_HOST_NODE" -e 'fetch(process.argv[1] + "/healthz").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$URL"; then
  tail -30 "$RUN/server.log"
  cannot_run "code-server did not start (log: .test-runs/$MODE/server.log)"
fi
export PF_BASE_URL=$URL PF_EXTENSION_DIR=$ROOT
say "code-server $("$PF_HOST_NODE" -p 'require(process.argv[1]).version' "$PF_HOST_DIR/node_modules/code-server/package.json") at $URL, workspace $WS"

case "$MODE" in
integration|integration-multiroot|integration-restricted)
  export PF_TESTS_ENTRY=$ROOT/out/test/integration/index.js
  export PF_SCREENSHOT=$LOGS/workbench-at-end.png
  rc=0
  # (the driver gives up after PF_TEST_TIMEOUT_MS; `timeout` only guards against a stuck browser)
  timeout --kill-after=10 $(( ${PF_TEST_TIMEOUT_MS:-300000} / 1000 + 120 )) \
    "$PF_HOST_NODE" "$ROOT/scripts/host/driveTests.js" &
  CHILD_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=
  if [ -f "$PF_TEST_RESULTS" ]; then
    cp "$PF_TEST_RESULTS" "$LOGS/results.json"
    read -r PASSES FAILURES TESTS FINISHED < <("$PF_HOST_NODE" -p 'const r = require(process.argv[1]); `${r.passes} ${r.failures} ${r.tests} ${r.finished}`' "$PF_TEST_RESULTS")
    if [ "$FINISHED" != true ]; then
      say "the suite did not finish (timeout or crash): counting that as one more failure"
      FAILURES=$((FAILURES + 1))
    elif [ "$TESTS" = 0 ] && [ "$FAILURES" = 0 ]; then
      say "no tests ran"; FAILURES=1
    elif [ "$rc" = 2 ] && [ "$FAILURES" = 0 ]; then
      FAILURES=1 # the suite finished but VS Code never reported back
    fi
    if [ "$FAILURES" != 0 ]; then
      rc=1
      "$PF_HOST_NODE" -e 'for (const f of require(process.argv[1]).failed || []) console.log(`[${process.argv[2]}] FAILED: ${f.title}\n    ${f.error.trim().split("\n").join("\n    ")}`)' "$PF_TEST_RESULTS" "$MODE"
    fi
    echo "$PASSES passed, $FAILURES failed"
  else
    say "no results file: the suite did not run to the end (logs: .test-runs/$MODE/)"
    tail -20 "$RUN/server.log"
    echo "0 passed, 1 failed"
    [ "$rc" != 0 ] || rc=1
  fi
  exit "$rc"
  ;;
e2e|e2e-restricted)
  export PF_SCREENSHOTS_DIR=${PF_SCREENSHOTS_DIR:-$LOGS/screenshots}
  mkdir -p "$PF_SCREENSHOTS_DIR"
  TAP=$RUN/e2e.tap # parsed from the run dir: another run in the same tree may replace .test-runs/e2e
  if [ -n "${PF_E2E_TESTS:-}" ]; then read -r -a E2E_FILES <<<"$PF_E2E_TESTS"
  elif [ "$RESTRICTED" = 1 ]; then mapfile -t E2E_FILES < <(find "$ROOT/test/e2e" -name '*.restricted.test.js' | sort)
  else mapfile -t E2E_FILES < <(find "$ROOT/test/e2e" -name '*.test.js' ! -name '*.restricted.test.js' | sort); fi
  [ ${#E2E_FILES[@]} -gt 0 ] || cannot_run "no test/e2e/*.test.js"
  rc=0
  # One file at a time: they share this server and this workspace. No test may hang the run.
  timeout --kill-after=10 "${PF_E2E_TOTAL_TIMEOUT_S:-1200}" \
  "$PF_HOST_NODE" --test --test-concurrency=1 --test-timeout="${PF_E2E_TEST_TIMEOUT_MS:-180000}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$TAP" \
    "${E2E_FILES[@]}" &
  CHILD_PID=$!
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=
  cp "$TAP" "$LOGS/" 2>/dev/null || true
  PASSES=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$TAP" 2>/dev/null | tail -1)
  FAILURES=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$TAP" 2>/dev/null | tail -1)
  CANCELLED=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$TAP" 2>/dev/null | tail -1)
  [ -z "$FAILURES" ] || FAILURES=$((FAILURES + ${CANCELLED:-0}))
  if [ -z "$PASSES" ] || [ -z "$FAILURES" ]; then
    say "the UI tests did not report (exit $rc)"
    PASSES=${PASSES:-0}; FAILURES=$(( ${FAILURES:-0} + 1 ))
  elif [ $((PASSES + FAILURES)) = 0 ]; then
    say "no UI tests ran"; FAILURES=1
  elif [ "$rc" != 0 ] && [ "$FAILURES" = 0 ]; then
    FAILURES=1 # e.g. a failing before/after hook
  fi
  if [ "${PF_UPDATE_MEDIA:-}" = 1 ]; then
    mkdir -p "$ROOT/media/screenshots"
    cp "$PF_SCREENSHOTS_DIR"/*.png "$ROOT/media/screenshots/" 2>/dev/null && say "screenshots copied to media/screenshots/"
  fi
  say "screenshots in ${PF_SCREENSHOTS_DIR#"$ROOT"/}"
  echo "$PASSES passed, $FAILURES failed"
  [ "$FAILURES" = 0 ] || exit 1
  exit 0
  ;;
serve)
  echo
  echo "  Protected Files demo is running: open $URL/?folder=$WS"
  echo "  Workspace: $WS (a git repository; .protection/manifest.jsonc protects"
  echo "  src/booking/** at tier 1 and supabase/migrations/** at tier 2; src/utils/ is not protected)."
  echo "  Press Ctrl+C to stop."
  echo
  wait "$SERVER_PID" || true
  ;;
esac
