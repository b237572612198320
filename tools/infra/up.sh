#!/usr/bin/env bash
# Starts what the tests and the stack need and is not already there: Postgres (see postgres.sh)
# and, unless KAFKA_BROKERS names a cluster, the local Kafka broker (tools/kafka).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
bash "$ROOT/tools/infra/postgres.sh" start
if [ -n "${KAFKA_BROKERS:-}" ]; then
  echo "Kafka: using KAFKA_BROKERS=$KAFKA_BROKERS"
else
  bash "$ROOT/tools/kafka/kafka.sh" start
fi
