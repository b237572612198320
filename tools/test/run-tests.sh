#!/usr/bin/env bash
# `npm test`: installs what is missing, makes sure Postgres and Kafka run (tools/infra/up.sh),
# builds the services (the e2e tests start them as real processes) and runs every jest project.
# Extra arguments go to jest, e.g. `npm test -- libs/signing` or `npm test -- --json`.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund
bash tools/infra/up.sh >&2
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:${PGPORT:-5432}/postgres}"
npx nx run-many -t build --output-style=static >&2
npx jest "$@"
