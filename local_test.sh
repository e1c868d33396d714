#!/usr/bin/env bash
# The full test suite: backend lint and format (ruff), backend on SQLite (and on PostgreSQL when
# TEST_DATABASE_URL is set or PostgreSQL answers on localhost), frontend unit tests, end-to-end
# tests in Chromium.
# Installs what it needs first (./local_setup.sh, Chromium). Exits non-zero on any failure.
#   ./local_test.sh [--backend-only|--frontend-only] [pytest args...]
set -uo pipefail
. "$(dirname "$0")/scripts/common.sh"
cd "$ROOT"

PART=all
if [ "${1:-}" = "--backend-only" ]; then PART=backend; shift; fi
if [ "${1:-}" = "--frontend-only" ]; then PART=frontend; shift; fi

./local_setup.sh || die "setup failed"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ "$PART" != backend ] && [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM_PATH:-}" ]; then
  if is_root && command -v apt-get >/dev/null; then
    say "Installing Chromium (apt) for the end-to-end tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
      || die "could not install Chromium"
  else
    die "Chromium is needed at /usr/bin/chromium (or set CHROMIUM_PATH) for the end-to-end tests."
  fi
fi

declare -a RESULTS=()
FAILED=0
run() {  # run LABEL COMMAND...
  local label="$1"; shift
  say "=== $label"
  if "$@"; then RESULTS+=("PASS  $label"); else RESULTS+=("FAIL  $label"); FAILED=1; fi
}

if [ "$PART" != frontend ]; then
  cd "$ROOT/backend"
  run "backend lint (ruff check)" "$VENV/bin/ruff" check .
  run "backend format (ruff format --check)" "$VENV/bin/ruff" format --check .
  run "backend (SQLite)" env -u TEST_DATABASE_URL "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
  if [ -z "${TEST_DATABASE_URL:-}" ] && "$VENV/bin/python" - <<'PY' >/dev/null 2>&1
import psycopg
psycopg.connect("postgresql://postgres@localhost/postgres", connect_timeout=2).close()
PY
  then
    export TEST_DATABASE_URL="postgresql+psycopg://postgres@localhost/postgres"
  fi
  if [ -n "${TEST_DATABASE_URL:-}" ]; then
    run "backend (PostgreSQL)" "$VENV/bin/python" -m pytest -q -p no:cacheprovider "$@"
  else
    say "PostgreSQL does not answer on localhost and TEST_DATABASE_URL is unset: PostgreSQL run skipped."
    RESULTS+=("SKIP  backend (PostgreSQL): no server")
  fi
  cd "$ROOT"
fi

if [ "$PART" != backend ]; then
  cd "$ROOT/frontend"
  run "frontend lint (ESLint)" npm run lint --silent
  run "frontend format (Prettier)" npm run format:check --silent
  run "frontend unit tests (Vitest)" npm test --silent
  run "end-to-end tests (Playwright, Chromium)" npm run e2e --silent
  cd "$ROOT"
fi

say "=== summary"
printf '  %s\n' "${RESULTS[@]}"
passed=$(printf '%s\n' "${RESULTS[@]}" | grep -c '^PASS' || true)
failed=$(printf '%s\n' "${RESULTS[@]}" | grep -c '^FAIL' || true)
echo "suites: $passed passed, $failed failed"
exit "$FAILED"
