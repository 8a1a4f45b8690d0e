#!/bin/sh
# Local test registry (Debian's CNCF docker-registry) on 127.0.0.1:5000, filesystem storage.
# Usage: scripts/registry.sh start|stop|status
# Idempotent: start does nothing when our registry already answers; stop only kills the pid
# we recorded. Env: MINIDOCK_REGISTRY_ADDR (default 127.0.0.1:5000),
# MINIDOCK_REGISTRY_DIR (default /var/lib/minidock-test-registry).
set -eu

ADDR="${MINIDOCK_REGISTRY_ADDR:-127.0.0.1:5000}"
DIR="${MINIDOCK_REGISTRY_DIR:-/var/lib/minidock-test-registry}"
CONFIG="$DIR/config.yml"
PIDFILE="$DIR/registry.pid"
LOG="$DIR/registry.log"

answers() {
  # our registry has no auth, so a live one answers /v2/ with 200
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$ADDR/v2/" 2>/dev/null || true)
  [ "$code" = "200" ]
}

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # make sure the pid still is a registry (pids get reused)
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q docker-registry || return 1
  echo "$pid"
}

start() {
  if answers; then echo "registry already running on $ADDR"; return 0; fi
  command -v docker-registry >/dev/null || { echo "docker-registry not installed (apt-get install docker-registry)" >&2; exit 1; }
  mkdir -p "$DIR/data"
  cat > "$CONFIG" <<CFG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
http:
  addr: $ADDR
CFG
  # setsid: the registry must outlive the shell (and the CI step) that started it
  # 9>&-: the registry must not inherit (and so hold forever) the start/stop lock
  setsid docker-registry serve "$CONFIG" >>"$LOG" 2>&1 < /dev/null 9>&- &
  echo $! > "$PIDFILE"
  i=0
  while [ $i -lt 100 ]; do
    if answers; then echo "registry started on $ADDR (pid $(cat "$PIDFILE"))"; return 0; fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then break; fi
    sleep 0.1; i=$((i + 1))
  done
  echo "registry did not answer on http://$ADDR/v2/; log: $LOG" >&2
  tail -n 20 "$LOG" >&2 || true
  exit 1
}

stop() {
  if pid=$(running_pid); then
    kill "$pid"
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" || true
    echo "registry stopped (pid $pid)"
  else
    echo "registry not running (no live pid in $PIDFILE)"
  fi
  rm -f "$PIDFILE"
}

status() {
  if answers; then
    echo "registry running on $ADDR${pid:+ (pid $pid)}"
  else
    echo "registry not running on $ADDR"; exit 1
  fi
}

# start/stop under a lock: parallel test files may all call `start` at once
locked() {
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"
  flock -w 60 9 || { echo "timed out waiting for $DIR/.lock" >&2; exit 1; }
  "$@"
}

case "${1:-}" in
  start) locked start ;;
  stop) locked stop ;;
  status) pid=$(running_pid || true); status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
