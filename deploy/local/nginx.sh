#!/usr/bin/env bash
# Debian's nginx on loopback, run from a config the caller writes (the bench's plain reverse proxy, bench/scenarios/proxy.js).
#   deploy/local/nginx.sh install          apt-get install nginx (once, when the binary is missing; needs root)
#   deploy/local/nginx.sh start <config>   check the config, stop an instance this script started before, start this one
#   deploy/local/nginx.sh stop             stop it (SIGTERM: fast shutdown, then SIGKILL after 10 s)
#   deploy/local/nginx.sh status           exit 0 when the instance this script started is running
# The script owns the pid file and the daemon setting (the config must set neither); its files, the pid file, the
# error log and the temp dirs are under MANDATE_NGINX_HOME (.cache/nginx).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
home="${MANDATE_NGINX_HOME:-$root/.cache/nginx}"
pidfile="$home/nginx.pid"
log="$home/error.log"

binary() { command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true; }

install() {
  if [ -n "$(binary)" ]; then return 0; fi
  echo "nginx.sh: installing nginx from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nginx >/dev/null
  # The package may start its default site on port 80 where an init system lets it; only the bench's instance is wanted.
  if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
    "$(binary)" -s quit 2>/dev/null || true
    echo "nginx.sh: stopped the default site the package started"
  fi
  echo "nginx.sh: installed $("$(binary)" -v 2>&1)"
}

running() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  config="${1:-}"
  [ -n "$config" ] && [ -f "$config" ] || { echo "usage: $0 start <config>" >&2; exit 2; }
  config="$(cd "$(dirname "$config")" && pwd)/$(basename "$config")"
  install
  if running; then stop; fi
  mkdir -p "$home/tmp"
  globals="pid $pidfile; daemon on; error_log $log warn;"
  if ! "$(binary)" -t -q -p "$home/" -c "$config" -g "$globals"; then
    echo "nginx.sh: $config does not pass nginx -t (above)" >&2; exit 1
  fi
  "$(binary)" -p "$home/" -c "$config" -g "$globals"
  for _ in $(seq 1 50); do
    if running; then echo "nginx.sh: nginx up (pid $(cat "$pidfile"), config $config, log $log)"; return 0; fi
    sleep 0.1
  done
  echo "nginx.sh: nginx did not start; see $log" >&2; tail -20 "$log" >&2 || true; exit 1
}

stop() {
  if ! running; then rm -f "$pidfile"; echo "nginx.sh: no nginx started from $home is running"; return 0; fi
  pid="$(cat "$pidfile")"
  # The workers are the master's children: they go with it on SIGTERM, and are killed with it after the grace.
  workers="$(cat "/proc/$pid/task/$pid/children" 2>/dev/null || true)"
  kill -TERM "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" $workers 2>/dev/null || true; fi
  rm -f "$pidfile"
  echo "nginx.sh: nginx stopped (pid $pid)"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop ;;
  status) running ;;
  *) echo "usage: $0 install|start <config>|stop|status" >&2; exit 2 ;;
esac
