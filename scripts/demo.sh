#!/usr/bin/env bash
# `npm run demo`: the README's data-pipeline walkthrough, end to end, on the default
# database ($ZART_HOME/zart.db, ~/.zart/zart.db unless set): start a worker in the
# background, schedule the pipeline, see it wait for approval, approve it, wait for the
# result, then stop the worker.
set -euo pipefail
cd "$(dirname "$0")/.."

zart() { node bin/zart.js "$@"; }
# Prints the command as a user would type it (quoting JSON), then runs it.
show() {
  local line='$ zart' arg
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=@-]+$ ]]; then line+=" $arg"; else line+=" '$arg'"; fi
  done
  printf '\n%s\n' "$line"
  zart "$@"
}

id="${1:-pipeline-001}"
# A second run finds pipeline-001 completed; give it a fresh id so the demo works again.
if zart status "$id" >/dev/null 2>&1; then
  id="pipeline-$(date +%Y%m%d-%H%M%S)"
fi

printf '$ zart worker &   # runs the workflows; logs at ZART_LOG_LEVEL=warn here\n'
ZART_LOG_LEVEL="${ZART_LOG_LEVEL:-warn}" node bin/zart.js worker &
worker=$!
stop_worker() {
  kill -TERM "$worker" 2>/dev/null || true
  wait "$worker" 2>/dev/null || true
}
trap stop_worker EXIT

show schedule data-pipeline --id "$id"

# extract → transform → load take a moment; look until the pipeline waits at the approval.
for _ in $(seq 1 50); do
  if zart status "$id" | grep -q '"status": "waiting"'; then break; fi
  sleep 0.2
done
show status "$id"
show event "$id" approval --data '{"approved":true}'
show wait "$id" --timeout 30

printf '\n$ kill %%1   # SIGTERM: the worker finishes what runs, releases its leases, exits 0\n'
stop_worker
trap - EXIT
