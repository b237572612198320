#!/usr/bin/env bash
# Stops what up.sh started; servers that were already running are left alone.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
if [ -z "${KAFKA_BROKERS:-}" ]; then bash "$ROOT/tools/kafka/kafka.sh" stop || true; fi
bash "$ROOT/tools/infra/postgres.sh" stop || true
