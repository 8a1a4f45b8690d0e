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
