#!/usr/bin/env bash
# Distributed mode on one machine: PostgreSQL and Kafka (up.sh), the four services as separate processes and the front
# door on http://127.0.0.1:8080. Logs go to .cache/distributed/<service>.log; Ctrl-C stops the five processes (the
# database and the broker keep running: deploy/local/down.sh stops them). Needs a build (`npm run build`).
# Any setting can be overridden from the environment (DATABASE_URL, KAFKA_BROKERS, MANDATE_ADMIN_KEY, ...).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$here/up.sh"
[ -f "$root/dist/apps/gateway/src/main.js" ] || (cd "$root" && npm run build)
state="${MANDATE_DISTRIBUTED_DIR:-$root/.cache/distributed}"
mkdir -p "$state"
export MANDATE_STORE=postgres MANDATE_STREAM=kafka
export DATABASE_URL="${DATABASE_URL:-postgres://mandate:mandate@127.0.0.1:5432/mandate}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export MANDATE_KEYS_DIR="${MANDATE_KEYS_DIR:-$state/keys}"
export MANDATE_ISSUER="${MANDATE_ISSUER:-http://127.0.0.1:8080}"
# The services sit behind the front door on loopback: its X-Forwarded-For names the client the rate limits count.
export MANDATE_TRUSTED_PROXIES="${MANDATE_TRUSTED_PROXIES:-127.0.0.1}"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait; echo "run-distributed: stopped"' EXIT INT TERM
port=8081
for service in passport intent detector audit; do
  PORT=$port MANDATE_DATA_DIR="$state/$service" node "$root/dist/apps/$service/src/main.js" >>"$state/$service.log" 2>&1 &
  pids+=($!)
  declare "url_$service=http://127.0.0.1:$port"
  port=$((port + 1))
  # The first service creates the schema and the topics; the others start once it answers.
  if [ "$service" = passport ]; then
    for _ in $(seq 1 300); do curl -sf "$url_passport/healthz" >/dev/null && break; sleep 0.2; done
  fi
done
MANDATE_PASSPORT_URL=$url_passport MANDATE_INTENT_URL=$url_intent MANDATE_DETECTOR_URL=$url_detector MANDATE_AUDIT_URL=$url_audit \
  PORT=8080 node "$root/dist/apps/gateway/src/main.js" >>"$state/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do curl -sf http://127.0.0.1:8080/readyz >/dev/null && break; sleep 0.2; done
curl -sf http://127.0.0.1:8080/readyz >/dev/null || { echo "run-distributed: not ready; see $state/*.log" >&2; exit 1; }
echo "run-distributed: Mandate on http://127.0.0.1:8080 (passport :8081, intent :8082, detector :8083, audit :8084); logs in $state"
[ -n "${MANDATE_ADMIN_KEY:-}" ] || echo "run-distributed: the instance admin key is in $MANDATE_KEYS_DIR/admin-key"
wait
