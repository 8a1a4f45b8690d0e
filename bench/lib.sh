# Shared helpers for the benchmark scripts (sourced, not run).
# Tools: minidock (this tree's bin/minidock), docker (Debian's dockerd, started here if not
# running and stopped again at exit), podman (if installed; runc, since crun refuses this
# host's hybrid cgroups). BENCH_TOOLS="minidock docker" restricts the set.
set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_IMAGE=${BENCH_IMAGE:-localhost:5000/busybox}
BENCH_TAG=${BENCH_TAG:-eb$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')}
BENCH_DOCKERD_LOG=/tmp/minidock-bench-dockerd.log
BENCH_STARTED_DOCKERD=""

# tool_cmd TOOL -> prints nothing; sets the array CMD to the command prefix of TOOL
tool_cmd() {
  case "$1" in
    # the launcher itself, as npm's bin link runs it (it starts node without NODE_EXTRA_CA_CERTS)
    minidock) CMD=("$BENCH_ROOT/bin/minidock") ;;
    docker) CMD=(docker) ;;
    podman) CMD=(podman --runtime runc) ;;
    *) echo "unknown tool: $1" >&2; return 1 ;;
  esac
}

# run flags a tool needs on this host for every `run`
tool_run_flags() {
  case "$1" in
    podman) RUNFLAGS=(--ulimit nofile=20000:20000 --ulimit nproc=32768:32768) ;;
    *) RUNFLAGS=() ;;
  esac
  # podman's rm -f waits the stop timeout (10 s) before SIGKILL; docker's and minidock's kill at once
  case "$1" in
    podman) RMFLAGS=(-t 0) ;;
    *) RMFLAGS=() ;;
  esac
}

ensure_dockerd() {
  if docker info >/dev/null 2>&1; then return 0; fi
  dockerd --data-root /var/lib/docker --exec-root /run/docker -H unix:///run/docker.sock \
    --exec-opt native.cgroupdriver=cgroupfs --iptables=true >>"$BENCH_DOCKERD_LOG" 2>&1 &
  BENCH_STARTED_DOCKERD=$!
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
  echo "dockerd did not start, see $BENCH_DOCKERD_LOG" >&2
  return 1
}

stop_dockerd_if_ours() {
  if [ -n "$BENCH_STARTED_DOCKERD" ]; then
    kill "$BENCH_STARTED_DOCKERD" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$BENCH_STARTED_DOCKERD" 2>/dev/null || break; sleep 0.2; done
    BENCH_STARTED_DOCKERD=""
  fi
}

# Which tools can run here, in the order they are measured.
bench_tools() {
  local want=${BENCH_TOOLS:-"minidock docker podman"} t out=()
  for t in $want; do
    case "$t" in
      minidock) [ -f "$BENCH_ROOT/dist/cli/main.js" ] || [ -f "$BENCH_ROOT/dist/cli/index.js" ] || [ -d "$BENCH_ROOT/dist/cli" ] && out+=(minidock) ;;
      docker) command -v dockerd >/dev/null && ensure_dockerd && out+=(docker) ;;
      podman) command -v podman >/dev/null && out+=(podman) ;;
    esac
  done
  echo "${out[@]}"
}

pull_image() {
  tool_cmd "$1"
  if [ "$1" = podman ]; then "${CMD[@]}" pull -q --tls-verify=false "$BENCH_IMAGE" >/dev/null
  else "${CMD[@]}" pull "$BENCH_IMAGE" >/dev/null; fi
}

# now_ms: wall clock in milliseconds
now_ms() { date +%s%3N; }

# stats < numbers -> "min median max n"
stats() {
  sort -n | awk '$1 ~ /^[0-9]+(\.[0-9]+)?$/ {a[++n]=$1} END {if (n==0) {print "- - - 0"; exit}
    m = (n%2) ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2; printf "%.1f %.1f %.1f %d\n", a[1], m, a[n], n}'
}

# ratio A B -> A/B with two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 == 0 || a !~ /^[0-9.]+$/) print "-"; else printf "%.2f\n", a/b }'; }

machine_info() {
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- kernel: $(uname -r), cpus: $(nproc)"
  echo "- memory: $(free -h | awk '/^Mem:/ {print $2 " total, " $7 " available"}')"
  echo "- image: $BENCH_IMAGE"
}

# own_engine TAG: a minidock engine of the calling script's own (its own root, run dir, socket,
# bridge, subnet, nft table and cgroup parent, MINIDOCK_DEBUG=1 so it logs each request's time
# and each start's phases), never the default engine at /run/minidock.sock. Exports the
# MINIDOCK_* variables, so tool_cmd minidock and bin/minidock talk to it. own_engine_stop
# removes its containers and networks, stops it and removes everything it made.
OWN_ENGINE_PID=""
own_engine() {
  local suffix; suffix=$1$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
  OWN_ENGINE_DIR=/tmp/Db$suffix
  export MINIDOCK_ROOT=$OWN_ENGINE_DIR/root MINIDOCK_RUN=$OWN_ENGINE_DIR/r MINIDOCK_HOST=$OWN_ENGINE_DIR/engine.sock \
    MINIDOCK_LOG=$OWN_ENGINE_DIR/engine.log MINIDOCK_CONFIG=$OWN_ENGINE_DIR/config.json \
    MINIDOCK_BRIDGE=db$suffix MINIDOCK_BRIDGE_SUBNET=10.$((16 + RANDOM % 200)).$((RANDOM % 250)).0/24 \
    MINIDOCK_NFT_TABLE=minidock_b$suffix MINIDOCK_CGROUP_PARENT=minidock-b$suffix MINIDOCK_DEBUG=1
  mkdir -p "$OWN_ENGINE_DIR" && chmod 711 "$OWN_ENGINE_DIR"
  "$BENCH_ROOT/bin/minidock" daemon >>"$MINIDOCK_LOG" 2>&1 &
  OWN_ENGINE_PID=$!
  for _ in $(seq 1 100); do "$BENCH_ROOT/bin/minidock" version >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "own engine did not start, see $MINIDOCK_LOG" >&2
  return 1
}

own_engine_stop() {
  [ -n "$OWN_ENGINE_PID" ] || return 0
  local md=("$BENCH_ROOT/bin/minidock") c
  set +e
  "${md[@]}" ps -aq 2>/dev/null | xargs -r "${md[@]}" rm -f >/dev/null 2>&1
  "${md[@]}" policy ls -q 2>/dev/null | xargs -r "${md[@]}" policy rm >/dev/null 2>&1
  "${md[@]}" network ls -q 2>/dev/null | xargs -rn1 "${md[@]}" network rm >/dev/null 2>&1
  kill "$OWN_ENGINE_PID" 2>/dev/null && wait "$OWN_ENGINE_PID" 2>/dev/null
  OWN_ENGINE_PID=""
  ip link del "$MINIDOCK_BRIDGE" 2>/dev/null
  nft delete table ip "$MINIDOCK_NFT_TABLE" 2>/dev/null
  nft delete table ip "${MINIDOCK_NFT_TABLE}_policy" 2>/dev/null
  node --input-type=module -e "const { removeBridgeAccepted } = await import('$BENCH_ROOT/dist/network/iptables.js');
    const errs = await removeBridgeAccepted('$MINIDOCK_BRIDGE', 'bridge'); if (errs.length) console.error(errs.join('\n'));"
  for c in /sys/fs/cgroup/*/"$MINIDOCK_CGROUP_PARENT" /sys/fs/cgroup/"$MINIDOCK_CGROUP_PARENT"; do [ -d "$c" ] && rmdir "$c" 2>/dev/null; done
  rm -rf "$OWN_ENGINE_DIR"
  set -e
}

# engine_ms FROM_LINE REGEX: the engine's logged times (ms) of requests matching REGEX (e.g.
# 'POST /[^ ]*containers/[^ /]*/start'), from its log after line FROM_LINE, one a line
engine_ms() {
  tail -n +"$(($1 + 1))" "$MINIDOCK_LOG" | grep -E " $2 [0-9.]+ms\$" | awk '{ v = $NF; sub(/ms$/, "", v); print v }'
}

# ensure_registry: the shared test registry on 127.0.0.1:5000 (scripts/registry.sh, the images
# of rootfs/build-all.sh), started if it does not answer; stop_registry_if_ours stops it again
# only if this script started it (tests start and stop it the same way, under the itest lock).
BENCH_STARTED_REGISTRY=""
ensure_registry() {
  if curl -s -o /dev/null --max-time 2 http://127.0.0.1:5000/v2/; then return 0; fi
  "$BENCH_ROOT/scripts/registry.sh" start >/dev/null
  BENCH_STARTED_REGISTRY=1
  curl -s -o /dev/null -f --max-time 5 -I -H "Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json" http://127.0.0.1:5000/v2/busybox/manifests/latest || "$BENCH_ROOT/rootfs/build-all.sh" >/dev/null
}
stop_registry_if_ours() {
  if [ -n "$BENCH_STARTED_REGISTRY" ]; then "$BENCH_ROOT/scripts/registry.sh" stop >/dev/null || true; BENCH_STARTED_REGISTRY=""; fi
}
