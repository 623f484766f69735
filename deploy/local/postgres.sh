#!/usr/bin/env bash
# PostgreSQL from Debian's packages on loopback, for distributed mode and its tests.
#   deploy/local/postgres.sh install   apt-get install postgresql (once; needs root)
#   deploy/local/postgres.sh start     start the cluster and make the mandate role and database; waits until ready
#   deploy/local/postgres.sh stop      stop the cluster (fast shutdown: running transactions are rolled back)
#   deploy/local/postgres.sh status    exit 0 when it accepts connections
# The connection string for Mandate is printed by `start`: postgres://mandate:mandate@127.0.0.1:5432/mandate
set -euo pipefail
port="${PGPORT:-5432}"

version() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1; }
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

install() {
  if [ -n "$(version)" ] && command -v pg_ctlcluster >/dev/null; then return 0; fi
  echo "postgres.sh: installing PostgreSQL from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
}

cluster() {
  v="$(version)"
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$v main"; then
    pg_createcluster -p "$port" "$v" main >/dev/null
  fi
  echo "$v"
}

ready() { pg_isready -q -h 127.0.0.1 -p "$port"; }

start() {
  install
  v="$(cluster)"
  if ! ready; then
    pg_ctlcluster "$v" main start
    for _ in $(seq 1 150); do ready && break; sleep 0.2; done
    ready || { echo "postgres.sh: PostgreSQL did not accept connections within 30 s" >&2; exit 1; }
  fi
  as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 <<'SQL'
SELECT 'CREATE ROLE mandate LOGIN PASSWORD ''mandate'' CREATEDB'
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mandate')\gexec
SELECT 'CREATE DATABASE mandate OWNER mandate'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mandate')\gexec
SQL
  echo "postgres.sh: PostgreSQL $v up: postgres://mandate:mandate@127.0.0.1:$port/mandate"
}

stop() {
  v="$(version)"
  [ -n "$v" ] || return 0
  pg_ctlcluster "$v" main stop -m fast 2>/dev/null || true
  echo "postgres.sh: PostgreSQL stopped"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) ready ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
