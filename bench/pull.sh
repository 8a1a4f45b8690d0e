#!/usr/bin/env bash
# Cold pull: `minidock pull IMAGE` (the real CLI, bin/minidock, against its own engine) vs
# `docker pull IMAGE` (the host's dockerd), same local registry, tools interleaved run by run.
# Before every timed pull the tool's store is emptied (minidock: rmi + its layers dir must be
# empty; docker: rmi + image prune -af) and the pull's own output must show no
# "Already exists", so every run is cold. Then `sync` and a pause: this disk creates files
# slowly for a while after mass deletes, which would otherwise bill the next pull.
# Wall-clock ms around the CLI process. Prints markdown.
#
# Usage: bench/pull.sh            (build first: npx tsc -p . && sh src/runtime/shim/build.sh)
# Env: BENCH_RUNS (5), BENCH_PAUSE seconds (20), BENCH_PULL_IMAGE (localhost:5000/nginx),
#      BENCH_TOOLS ("minidock docker"), BENCH_WARMUP untimed pulls per tool first (1).
# The registry: scripts/registry.sh start && rootfs/build-all.sh.
# docker: uses the running dockerd, or starts the usual one (lib.sh ensure_dockerd, the same
# flags as test/helpers/dockerd.ts) and stops it at the end. Never a private dockerd with
# --bridge=none: starting one deletes the host's docker0. Docker images removed by the prune
# are pulled again (registry ones) or loaded from a `docker save` archive at the end.
source "$(dirname "$0")/lib.sh"
RUNS=${BENCH_RUNS:-5}
PAUSE=${BENCH_PAUSE:-20}
IMAGE=${BENCH_PULL_IMAGE:-localhost:5000/nginx}
WARMUP=${BENCH_WARMUP:-1}
TOOLS=()
for t in ${BENCH_TOOLS:-minidock docker}; do
  case "$t" in
    minidock) TOOLS+=(minidock) ;;
    docker) command -v dockerd >/dev/null && ensure_dockerd && TOOLS+=(docker) ;;
    *) echo "bench/pull.sh measures minidock and docker only, not $t" >&2 ;;
  esac
done

# minidock's own engine: state under /var/tmp, own socket, bridge and nft table.
MD_DIR=${BENCH_MINIDOCK_DIR:-/var/tmp/minidock-bench-pull}
export MINIDOCK_ROOT=$MD_DIR/root MINIDOCK_RUN=$MD_DIR/run MINIDOCK_HOST=$MD_DIR/engine.sock \
  MINIDOCK_LOG=$MD_DIR/engine.log MINIDOCK_CONFIG=$MD_DIR/config.json \
  MINIDOCK_NFT_TABLE=minidock_gb MINIDOCK_BRIDGE=gbr0 \
  MINIDOCK_BRIDGE_SUBNET=${BENCH_BRIDGE_SUBNET:-10.$((16 + RANDOM % 200)).$((16 + RANDOM % 200)).0/24}
MD=("$BENCH_ROOT/bin/minidock")
ENGINE_PID=""
DOCKER_SAVED=""
LOGDIR=$(mktemp -d /tmp/bench-pull.XXXXXX)

fail() { echo "bench/pull.sh: $*" >&2; exit 1; }

start_engine() {
  [ -f "$BENCH_ROOT/dist/cli/main.js" ] && [ -x "$BENCH_ROOT/dist/minidock-shim" ] ||
    fail "build first: npx tsc -p . && sh src/runtime/shim/build.sh"
  [ -S "$MINIDOCK_HOST" ] && "${MD[@]}" version >/dev/null 2>&1 && fail "an engine already serves $MINIDOCK_HOST"
  ip link show gbr0 >/dev/null 2>&1 && fail "bridge gbr0 exists: another minidock_gb engine is running?"
  mkdir -p "$MD_DIR" && chmod 711 "$MD_DIR"
  setsid "${MD[@]}" daemon >>"$MINIDOCK_LOG" 2>&1 &
  ENGINE_PID=$!
  for _ in $(seq 1 100); do "${MD[@]}" version >/dev/null 2>&1 && return 0; sleep 0.1; done
  fail "engine did not start, see $MINIDOCK_LOG"
}

stop_engine() {
  [ -n "$ENGINE_PID" ] || return 0
  kill "$ENGINE_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$ENGINE_PID" 2>/dev/null || break; sleep 0.1; done
  ENGINE_PID=""
  # what this engine created and nothing else: its bridge, its nft table, the forward-accept
  # rules it adds for its bridge when dockerd's FORWARD policy is DROP, its state
  ip link del gbr0 2>/dev/null || true
  nft delete table ip minidock_gb 2>/dev/null || true
  local d ch rule
  for d in -i -o; do
    for ch in DOCKER-USER FORWARD; do
      rule=("$ch" "$d" gbr0 -m comment --comment minidock:bridge -j ACCEPT)
      while iptables -C "${rule[@]}" 2>/dev/null; do iptables -D "${rule[@]}"; done
    done
  done
  rm -rf "$MD_DIR"
}

# docker images before the bench, to put them back afterwards: registry ones are pulled again,
# local-only tags are kept in a `docker save` archive and loaded again.
save_docker_images() {
  DOCKER_SAVED=$LOGDIR/docker-images
  docker images --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>' >"$DOCKER_SAVED" || true
  local locals
  locals=$(grep -Ev '^(localhost|127\.0\.0\.1):5000/' "$DOCKER_SAVED" || true)
  # shellcheck disable=SC2086
  [ -z "$locals" ] || docker save -o "$LOGDIR/local-images.tar" $locals
}

restore_docker_images() {
  [ -n "$DOCKER_SAVED" ] && [ -f "$DOCKER_SAVED" ] || return 0
  local ref
  while read -r ref; do
    case "$ref" in localhost:5000/*|127.0.0.1:5000/*) docker image inspect "$ref" >/dev/null 2>&1 || docker pull -q "$ref" >/dev/null || echo "bench/pull.sh: could not pull $ref again" >&2 ;; esac
  done <"$DOCKER_SAVED"
  [ ! -f "$LOGDIR/local-images.tar" ] || docker load -q -i "$LOGDIR/local-images.tar" >/dev/null || echo "bench/pull.sh: could not load the saved local images" >&2
}

finish() {
  local rc=$?
  stop_engine
  restore_docker_images
  stop_dockerd_if_ours
  rm -rf "$LOGDIR"
  exit $rc
}
trap finish EXIT

# make_cold TOOL: remove the image and everything it could share layers with
make_cold() {
  case "$1" in
    minidock)
      "${MD[@]}" rmi -f "$IMAGE" >/dev/null 2>&1 || true
      local left
      left=$(find "$MINIDOCK_ROOT/image/layers" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
      [ "$left" -eq 0 ] || fail "minidock store not cold: $left entries left in $MINIDOCK_ROOT/image/layers"
      ;;
    docker)
      docker rmi -f "$IMAGE" >/dev/null 2>&1 || true
      docker image prune -af >/dev/null
      ;;
  esac
}

# timed_pull TOOL LOG -> prints ms; fails when the pull reused a layer
timed_pull() {
  local s e
  tool_cmd "$1"
  s=$(now_ms)
  "${CMD[@]}" pull "$IMAGE" >"$2" 2>&1 || { cat "$2" >&2; fail "$1 pull $IMAGE failed"; }
  e=$(now_ms)
  ! grep -q 'Already exists' "$2" || { cat "$2" >&2; fail "$1 pull was not cold (a layer already existed)"; }
  echo $((e - s))
}

curl -s -o /dev/null --max-time 3 "http://${IMAGE%%/*}/v2/" || fail "no registry at ${IMAGE%%/*} (scripts/registry.sh start && rootfs/build-all.sh)"
[[ " ${TOOLS[*]} " == *" minidock "* ]] && start_engine
[[ " ${TOOLS[*]} " == *" docker "* ]] && save_docker_images

declare -A MS
for t in "${TOOLS[@]}"; do
  MS[$t]=""
  for _ in $(seq 1 "$WARMUP"); do make_cold "$t"; timed_pull "$t" "$LOGDIR/warmup-$t.log" >/dev/null; done
done
for i in $(seq 1 "$RUNS"); do
  for t in "${TOOLS[@]}"; do
    make_cold "$t"
    sync; sleep "$PAUSE"
    ms=$(timed_pull "$t" "$LOGDIR/$t-$i.log")
    MS[$t]+="$ms"$'\n'
    echo "run $i $t: $ms ms" >&2
  done
done

echo "### cold pull $IMAGE"
echo
echo "Wall-clock ms per \`pull\` through each CLI, $RUNS runs per tool after $WARMUP untimed warm-up pull(s),"
echo "tools interleaved; before each run the store is emptied, then \`sync\` and a ${PAUSE} s pause."
echo
echo "| tool | min | median | max | runs | median vs docker |"
echo "|---|---|---|---|---|---|"
dmed=""
[ -n "${MS[docker]:-}" ] && dmed=$(printf '%s' "${MS[docker]}" | stats | awk '{print $2}')
for t in "${TOOLS[@]}"; do
  read -r mn md mx n < <(printf '%s' "${MS[$t]}" | stats)
  echo "| $t | $mn | $md | $mx | $(printf '%s' "${MS[$t]}" | paste -sd, -) | $( [ -n "$dmed" ] && ratio "$md" "$dmed" || echo -) |"
done
echo
