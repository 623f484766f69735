#!/usr/bin/env bash
# Stops the local Kafka broker and PostgreSQL started by up.sh. Their data stays (.cache/kafka, the Debian cluster).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/kafka.sh" stop
"$here/postgres.sh" stop
