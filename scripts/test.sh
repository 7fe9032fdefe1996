#!/usr/bin/env bash
# THE test command (`npm test`). From a fresh clone it installs what it needs, builds, typechecks,
# lints, and runs every test part; it keeps going after a failing part so that every part reports.
#
# usage: bash scripts/test.sh              everything: typecheck, lint, unit, integration, e2e
#        bash scripts/test.sh unit         only the unit tests (node --test over out/test/unit)
#        bash scripts/test.sh integration  only the integration suite in a real VS Code extension host: the
#                                          single-folder part, the multi-root part (integration-multiroot) and
#                                          the Restricted Mode part (integration-restricted: an untrusted folder)
#        bash scripts/test.sh integration-multiroot  only the multi-root part
#        bash scripts/test.sh integration-restricted only the Restricted Mode part
#        bash scripts/test.sh e2e          only the UI tests (Chromium driving the VS Code workbench), then
#                                          those of Restricted Mode (e2e-restricted: an untrusted folder, trusted by the test)
#
# The last line of output is "N passed, N failed", summed over all parts that ran. A typecheck,
# lint or build failure and a test part that could not run each count as one failure (never as
# zero tests). The exit code is 0 only when nothing failed.
# Logs and reports: .test-runs/ (git-ignored).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WHAT=${1:-all}
case "$WHAT" in all|unit|integration|integration-multiroot|integration-restricted|e2e|e2e-restricted) ;; *) echo "usage: $0 [all|unit|integration|integration-multiroot|integration-restricted|e2e|e2e-restricted]" >&2; exit 64 ;; esac
exec </dev/null # never wait for input (CI has no stdin)

T_START=$SECONDS
PASSED=0
FAILED=0
SUMMARY=()
mkdir -p .test-runs
# Reports are parsed from this invocation's own temp dir (another run in the same tree may be
# rewriting .test-runs/), then copied to .test-runs/ for people to read.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pf-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

banner() { printf '\n==== %s ====\n' "$*"; }
note() { SUMMARY+=("$(printf '%-21s %s' "$1" "$2")"); }
# A step that is not a test (install, build, typecheck, lint): a failure counts as one failed check.
step_failed() { FAILED=$((FAILED + 1)); note "$1" "FAILED ($2)"; }

# Runs a test part whose last output line is "N passed, N failed" and adds it to the totals.
run_part() {
  local name=$1; shift
  local out=$WORK/$name.out t0=$SECONDS rc=0
  banner "$name"
  "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  cp "$out" ".test-runs/$name.out" 2>/dev/null || true
  local last p f
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
  if [ -z "$last" ]; then
    echo "[$name] did not report its results (exit code $rc): counted as 1 failure"
    FAILED=$((FAILED + 1))
    note "$name" "COULD NOT RUN (exit $rc, $((SECONDS - t0)) s)"
    return
  fi
  p=${last%% passed*}
  f=${last#*, }; f=${f%% failed}
  if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi # a non-zero exit is never a clean pass
  PASSED=$((PASSED + p))
  FAILED=$((FAILED + f))
  note "$name" "$p passed, $f failed ($((SECONDS - t0)) s)"
}

# --- unit tests: node's test runner over the bundled out/test/unit/**/*.test.js ----------------
unit_tests() {
  local dir=$WORK/unit files
  mkdir -p "$dir" .test-runs/unit
  mapfile -t files < <(find out/test/unit -name '*.test.js' 2>/dev/null | sort)
  if [ ${#files[@]} -eq 0 ]; then
    echo "[unit] no out/test/unit/**/*.test.js (build failed, or no unit tests?)"
    echo "0 passed, 1 failed"
    return 1
  fi
  local rc=0
  timeout --kill-after=10 900 node --test --test-timeout=120000 --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$dir/unit.tap" "${files[@]}" || rc=$?
  cp "$dir/unit.tap" .test-runs/unit/ 2>/dev/null || true
  local pass fail cancelled
  pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$dir/unit.tap" | tail -1)
  fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$dir/unit.tap" | tail -1)
  cancelled=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$dir/unit.tap" | tail -1)
  if [ -z "$pass" ] || [ -z "$fail" ]; then
    echo "[unit] the test runner did not finish its report (exit $rc)"
    echo "${pass:-0} passed, $(( ${fail:-0} + 1 )) failed"
    return 1
  fi
  fail=$((fail + ${cancelled:-0}))
  if [ "$rc" != 0 ] && [ "$fail" = 0 ]; then fail=1; fi
  echo "$pass passed, $fail failed"
  [ "$fail" = 0 ]
}

# --- set-up: system packages, project dependencies, test host ---------------------------------
banner "set-up"
t0=$SECONDS
if ! bash scripts/setup-host.sh apt; then
  step_failed "apt" "system packages could not be installed"
fi
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[set-up] npm ci (node_modules missing or older than package-lock.json)"
  npm ci --no-audit --no-fund || step_failed "npm ci" "see the output above"
else
  echo "[set-up] node_modules up to date"
fi
HOST_OK=1
if [ "$WHAT" != unit ]; then
  if ! bash scripts/setup-host.sh >/dev/null; then
    HOST_OK=0
    step_failed "test host" "scripts/setup-host.sh failed; log: test/vscode-host/install.log"
  fi
fi
echo "[set-up] done in $((SECONDS - t0)) s"

# --- build ------------------------------------------------------------------------------------
banner "build"
t0=$SECONDS
rm -rf out/test # stale bundles of deleted tests must not run
BUILD_OK=1
if node scripts/build.mjs --tests; then
  echo "[build] done in $((SECONDS - t0)) s"
else
  BUILD_OK=0
  step_failed "build" "node scripts/build.mjs --tests"
fi

# --- typecheck and lint (full run only) ----------------------------------------------------------
if [ "$WHAT" = all ]; then
  banner "typecheck"
  t0=$SECONDS
  if npm run --silent typecheck; then note typecheck "ok ($((SECONDS - t0)) s)"; else step_failed typecheck "npm run typecheck"; fi
  banner "lint"
  t0=$SECONDS
  if npm run --silent lint; then note lint "ok ($((SECONDS - t0)) s)"; else step_failed lint "npm run lint"; fi
fi

# --- the test parts -----------------------------------------------------------------------------
if [ "$WHAT" = all ] || [ "$WHAT" = unit ]; then
  run_part unit unit_tests
fi
# integration-multiroot: the same mocha entry in a multi-root workspace (one manifest per folder);
# integration-restricted: in an untrusted folder. Both are part of `integration`.
for part in integration integration-multiroot integration-restricted e2e e2e-restricted; do
  if [ "$WHAT" = all ] || [ "$WHAT" = "$part" ] || { [ "$WHAT" = integration ] && [[ "$part" == integration-* ]]; } || { [ "$WHAT" = e2e ] && [ "$part" = e2e-restricted ]; }; then
    if [ "$HOST_OK" = 1 ] && [ "$BUILD_OK" = 1 ]; then
      run_part "$part" bash scripts/run-extension-host.sh "$part"
    else
      # (unit tests still run after a failed build: whatever bundles were written are fresh)
      why="the test host is not installed"; [ "$BUILD_OK" = 1 ] || why="the build failed, dist/ may be stale"
      banner "$part"
      echo "[$part] could not run: $why"
      echo "0 passed, 1 failed"
      FAILED=$((FAILED + 1)); note "$part" "COULD NOT RUN ($why)"
    fi
  fi
done

banner "summary ($((SECONDS - T_START)) s)"
for line in "${SUMMARY[@]}"; do echo "  $line"; done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
