#!/usr/bin/env bash
# Soak of the crash property test (test/crash/property.test.ts): many random rounds per store.
#   scripts/property-soak.sh [RUNS] [vitest -t filter]
#   ZART_PROPERTY_SEED=... replays a failed soak; ZART_PROPERTY_EXPECT=pass once the engine fix lands.
# Uses ZART_TEST_POSTGRES_URL / ZART_TEST_MYSQL_URL when set (sqlite always runs).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-50}"
filter="${2:-}"
export ZART_PROPERTY_RUNS="$runs"
echo "property soak: $runs round(s) per test, seed ${ZART_PROPERTY_SEED:-random (printed below)}"
exec npx vitest run test/crash/property.test.ts --testTimeout=$((runs * 70000 + 60000)) ${filter:+-t "$filter"}
