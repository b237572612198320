#!/usr/bin/env bash
# `npm test`: installs what is missing, makes sure Postgres and Kafka run (tools/infra/up.sh),
# builds the services (the e2e tests start them as real processes) and runs every jest project.
# Extra arguments go to jest, e.g. `npm test -- libs/signing` or `npm test -- --json`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
# Installed again when the lock file or a patch to a dependency (patches/) is newer than the
# install, so an old checkout's node_modules does not run without a patch.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
  [ -n "$(find patches -newer node_modules/.package-lock.json 2>/dev/null)" ]; then
  npm ci --no-audit --no-fund
fi
bash tools/infra/up.sh >&2
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:${PGPORT:-5432}/postgres}"
npx nx run-many -t build --output-style=static >&2

# With paths (`npm test -- libs/signing`), or for the fault suite alone: one jest run, as asked.
for arg in "$@"; do
  case "$arg" in
    -*) ;;
    *) exec npx jest "$@" ;;
  esac
done

# Everything: most suites wait on Postgres, Kafka and the services' processes more than they
# compute, so two run side by side; the fault suite then runs alone, since it puts a cluster of
# its own under load and times how the services recover. `--outputFile` gets both runs' results.
out=""
args=()
for arg in "$@"; do
  case "$arg" in
    --outputFile=*) out="${arg#--outputFile=}" ;;
    *) args+=("$arg") ;;
  esac
done
status=0
npx jest --maxWorkers=2 --testPathIgnorePatterns=/node_modules/ --testPathIgnorePatterns=/apps/e2e/src/faults/ \
  "${args[@]}" ${out:+--outputFile="$out.main"} || status=$?
npx jest apps/e2e/src/faults "${args[@]}" ${out:+--outputFile="$out.faults"} || status=$?
if [ -n "$out" ]; then
  node tools/test/merge-jest-results.cjs "$out" "$out.main" "$out.faults" || status=1
fi
exit "$status"
