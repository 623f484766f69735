#!/usr/bin/env bash
# Starts what distributed mode and its tests need on this machine: PostgreSQL (Debian package) and a single-node Kafka
# (jars from Maven Central). Idempotent: what already runs is left as it is.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/postgres.sh" start
"$here/kafka.sh" start
