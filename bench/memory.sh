#!/usr/bin/env bash
# Memory of the engine and its per-container helpers, with 0 and BENCH_N (20) running
# `sleep 600` containers. Counted: the sum of Pss from /proc/PID/smaps_rollup of
#   minidock: the engine (`node .../bin/minidock daemon`) + every minidock-shim
#   docker:   dockerd + containerd + containerd-shim-runc-v2 (+ docker-proxy if any)
#   podman:   conmon per container (no daemon) (+ aardvark-dns if any)
# Container processes themselves (sleep) are NOT counted in the PSS sum; they are in the
# system-wide MemAvailable delta, which also moves with page cache and other tenants.
source "$(dirname "$0")/lib.sh"
N=${BENCH_N:-20}
TOOLS=($(bench_tools))
trap 'cleanup; stop_dockerd_if_ours' EXIT

cleanup() {
  local t
  for t in "${TOOLS[@]}"; do
    tool_cmd "$t"; tool_run_flags "$t"
    # shellcheck disable=SC2046
    "${CMD[@]}" rm -f "${RMFLAGS[@]}" $(seq -f "$BENCH_TAG-m$t-%g" 1 "$N") >/dev/null 2>&1 || true
  done
}

# pids_of TOOL -> pids of the processes counted for TOOL
# (minidock: only the engine of $MINIDOCK_RUN and its shims; other engines on the machine,
# e.g. teammates' test engines with their own MINIDOCK_RUN, are not counted)
MD_RUN=${MINIDOCK_RUN:-/run/minidock}
pids_of() {
  local p comm cmd
  if [ "$1" = minidock ] && [ -f "$MD_RUN/minidock.pid" ]; then echo "$(cat "$MD_RUN/minidock.pid")"; fi
  for p in /proc/[0-9]*; do
    comm=$(cat "$p/comm" 2>/dev/null) || continue
    case "$1:$comm" in
      minidock:minidock-shim)
        cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
        case "$cmd" in *" $MD_RUN/containers/"*) echo "${p#/proc/}" ;; esac ;;
      docker:dockerd|docker:containerd|docker:containerd-shim*|docker:docker-proxy) echo "${p#/proc/}" ;;
      podman:conmon|podman:aardvark-dns) echo "${p#/proc/}" ;;
    esac
  done
}

# pss_kb PIDS... -> sum of Pss in kB
pss_kb() {
  local sum=0 p v
  for p in "$@"; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

mem_available_kb() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k/1024 }'; }

echo "### Memory: engine + per-container helpers, 0 and $N running containers"
echo
echo "PSS = sum of \`Pss\` in /proc/PID/smaps_rollup over: minidock = the engine of $MD_RUN (pid file) + its minidock-shim processes;"
echo "docker = dockerd + containerd + containerd-shim-runc-v2 (+ docker-proxy); podman = conmon (+ aardvark-dns)."
echo "MemAvailable delta = system MemAvailable before starting the $N containers minus after (includes the"
echo "container processes, page cache and anything else on the machine; noisy)."
echo
echo "| tool | procs at 0 | PSS at 0 MiB | procs at $N | PSS at $N MiB | PSS per container KiB | MemAvailable delta MiB | per container KiB |"
echo "|---|---|---|---|---|---|---|---|"
for t in "${TOOLS[@]}"; do
  pull_image "$t"
  tool_cmd "$t"; tool_run_flags "$t"
  # make sure the engine is up (minidock starts it on demand) before the baseline
  "${CMD[@]}" ps -q >/dev/null
  sync; sleep "${BENCH_PAUSE:-5}"
  mapfile -t P0 < <(pids_of "$t")
  pss0=$(pss_kb "${P0[@]}")
  avail0=$(mem_available_kb)
  for i in $(seq 1 "$N"); do
    "${CMD[@]}" run -d "${RUNFLAGS[@]}" --name "$BENCH_TAG-m$t-$i" "$BENCH_IMAGE" sleep 600 >/dev/null
  done
  sleep 3
  mapfile -t P1 < <(pids_of "$t")
  pss1=$(pss_kb "${P1[@]}")
  avail1=$(mem_available_kb)
  # shellcheck disable=SC2046
  "${CMD[@]}" rm -f "${RMFLAGS[@]}" $(seq -f "$BENCH_TAG-m$t-%g" 1 "$N") >/dev/null
  echo "| $t | ${#P0[@]} | $(mib "$pss0") | ${#P1[@]} | $(mib "$pss1") | $(( (pss1 - pss0) / N )) | $(mib $((avail0 - avail1))) | $(( (avail0 - avail1) / N )) |"
done
echo
