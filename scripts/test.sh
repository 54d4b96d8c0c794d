#!/usr/bin/env bash
# Runs the suite on SQLite; then on PostgreSQL when CI is set or DATABASE_URL points there.
# pytest exit code 5 ("no tests collected") counts as a failure: an empty suite proves nothing.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PYTEST_ARGS=("$@")

run_suite() {
  local label=$1
  echo "=== tests on ${label} ==="
  "$BIN/pytest" -q -p no:cacheprovider -n 2 "${PYTEST_ARGS[@]}"
  local rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "no tests were collected on ${label}: failing deliberately" >&2
    return 1
  fi
  return "$rc"
}

status=0
pg_url=""
if [[ "${DATABASE_URL:-}" == postgres* ]]; then
  pg_url=$DATABASE_URL
elif [ -n "${CI:-}" ]; then
  pg_url="postgres://postgres@127.0.0.1:5432/tousu"
fi

DATABASE_URL="" run_suite "SQLite" || status=1
if [ -n "$pg_url" ]; then
  DATABASE_URL="$pg_url" run_suite "PostgreSQL" || status=1
fi
exit $status
