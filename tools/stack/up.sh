#!/usr/bin/env bash
# `npm start`: the whole stack on this machine. Installs what is missing, then hands over to
# stack.cjs (Postgres, Kafka, migrations, the three services; Ctrl-C stops what it started).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] ||
  [ -n "$(find patches -newer node_modules/.package-lock.json 2>/dev/null)" ]; then
  npm ci --no-audit --no-fund
fi
exec node tools/stack/stack.cjs
