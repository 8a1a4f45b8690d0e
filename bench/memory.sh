#!/usr/bin/env bash
# Memory of the engine and its per-container helpers, with 0 and BENCH_N (20) running
# `sleep 600` containers. Counted, from /proc/PID/smaps_rollup, over:
#   minidock: the engine (`node .../bin/minidock daemon`) + every minidock-shim
#   docker:   dockerd + containerd + containerd-shim-runc-v2 (+ docker-proxy if any)
#   podman:   conmon per container (no daemon) (+ aardvark-dns if any)
# Two sums: PSS (private pages + a share of the pages mapped by other processes too) and
# USS (private pages only: what exiting the processes would free). PSS of a node engine
# moves by megabytes when other node processes on the machine start or exit (they share
# the node binary's pages), so USS is the stable number; PSS is kept for comparison.
# Method: BENCH_WARMUP containers are started and removed first (one-time growth: JIT code,
# heap sizing, caches), each measurement waits BENCH_SETTLE seconds and is the median of
# BENCH_SAMPLES samples 1 s apart. Container processes themselves (sleep) are NOT counted;
# they are in the system-wide MemAvailable delta, which also moves with page cache and
# other tenants.
source "$(dirname "$0")/lib.sh"
N=${BENCH_N:-20}
WARMUP=${BENCH_WARMUP:-5}
SETTLE=${BENCH_SETTLE:-10}
SAMPLES=${BENCH_SAMPLES:-5}
TOOLS=($(bench_tools))
trap 'cleanup; own_engine_stop; stop_registry_if_ours; stop_dockerd_if_ours' EXIT
# minidock on an engine of this script's own, never the default engine
ensure_registry
own_engine mem

cleanup() {
  local t
  for t in "${TOOLS[@]}"; do
    tool_cmd "$t"; tool_run_flags "$t"
    # shellcheck disable=SC2046
    "${CMD[@]}" rm -f "${RMFLAGS[@]}" $(seq -f "$BENCH_TAG-m$t-%g" 1 "$N") $(seq -f "$BENCH_TAG-w$t-%g" 1 "$WARMUP") >/dev/null 2>&1 || true
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

# mem_kb PIDS... -> "PSS USS" summed in kB (a process that vanished counts 0)
mem_kb() {
  local p
  for p in "$@"; do cat "/proc/$p/smaps_rollup" 2>/dev/null || true; done |
    awk '/^Pss:/ {p += $2} /^Private_(Clean|Dirty):/ {u += $2} END {printf "%d %d\n", p, u}'
}

# median < numbers -> the median (integer)
median() { sort -n | awk '{a[++n] = $1} END {if (n == 0) {print 0; exit}; print (n % 2) ? a[(n + 1) / 2] : int((a[n / 2] + a[n / 2 + 1]) / 2)}'; }

# sample TOOL -> sets NPROC, PSS, USS (medians over SAMPLES samples, after SETTLE seconds)
sample() {
  local k p u pss="" uss="" pids
  sleep "$SETTLE"
  for k in $(seq 1 "$SAMPLES"); do
    mapfile -t pids < <(pids_of "$1")
    NPROC=${#pids[@]}
    read -r p u < <(mem_kb "${pids[@]}")
    pss+="$p"$'\n'; uss+="$u"$'\n'
    [ "$k" -lt "$SAMPLES" ] && sleep 1
  done
  PSS=$(printf '%s' "$pss" | median); USS=$(printf '%s' "$uss" | median)
}

mem_available_kb() { awk '/^MemAvailable:/ {print $2}' /proc/meminfo; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k/1024 }'; }

echo "### Memory: engine + per-container helpers, 0 and $N running containers"
echo
echo "Processes: minidock = the engine of $MD_RUN (pid file) + its minidock-shim processes;"
echo "docker = dockerd + containerd + containerd-shim-runc-v2 (+ docker-proxy); podman = conmon (+ aardvark-dns)."
echo "USS = private pages (Private_Clean + Private_Dirty): the memory these processes alone hold; stable."
echo "PSS = USS + a share of pages mapped by several processes: moves when unrelated processes sharing the same"
echo "binaries (other node or Go programs on this machine) come and go."
echo "Each tool first starts and removes $WARMUP containers (one-time growth), then each figure is the median of"
echo "$SAMPLES samples taken after ${SETTLE}s of quiet. Per container = (figure at $N - figure at 0) / $N."
echo "MemAvailable delta = system MemAvailable at 0 minus at $N (includes the container processes, page cache and"
echo "anything else on the machine; noisy)."
echo
echo "| tool | procs at 0 | USS at 0 MiB | PSS at 0 MiB | procs at $N | USS at $N MiB | PSS at $N MiB | USS per container KiB | PSS per container KiB | MemAvailable per container KiB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for t in "${TOOLS[@]}"; do
  pull_image "$t"
  tool_cmd "$t"; tool_run_flags "$t"
  # make sure the engine is up (minidock starts it on demand) before the warm-up
  "${CMD[@]}" ps -q >/dev/null
  for i in $(seq 1 "$WARMUP"); do
    "${CMD[@]}" run -d "${RUNFLAGS[@]}" --name "$BENCH_TAG-w$t-$i" "$BENCH_IMAGE" sleep 600 >/dev/null
  done
  # shellcheck disable=SC2046
  "${CMD[@]}" rm -f "${RMFLAGS[@]}" $(seq -f "$BENCH_TAG-w$t-%g" 1 "$WARMUP") >/dev/null
  sync
  sample "$t"; n0=$NPROC; pss0=$PSS; uss0=$USS
  avail0=$(mem_available_kb)
  for i in $(seq 1 "$N"); do
    "${CMD[@]}" run -d "${RUNFLAGS[@]}" --name "$BENCH_TAG-m$t-$i" "$BENCH_IMAGE" sleep 600 >/dev/null
  done
  sample "$t"; n1=$NPROC; pss1=$PSS; uss1=$USS
  avail1=$(mem_available_kb)
  # shellcheck disable=SC2046
  "${CMD[@]}" rm -f "${RMFLAGS[@]}" $(seq -f "$BENCH_TAG-m$t-%g" 1 "$N") >/dev/null
  echo "| $t | $n0 | $(mib "$uss0") | $(mib "$pss0") | $n1 | $(mib "$uss1") | $(mib "$pss1") | $(( (uss1 - uss0) / N )) | $(( (pss1 - pss0) / N )) | $(( (avail0 - avail1) / N )) |"
done
echo
