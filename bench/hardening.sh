#!/usr/bin/env bash
# What the default hardening (capabilities, no_new_privs handling, masked paths and docker's
# seccomp profile) costs at start: `run --rm IMAGE true` with the defaults and with
# `--security-opt seccomp=unconfined`, per tool, all four interleaved. Prints markdown: the
# extra ms of the default over unconfined for each tool, and minidock's default vs docker's.
source "$(dirname "$0")/lib.sh"
RUNS=${BENCH_RUNS:-20}
TOOLS=($(bench_tools))
trap 'stop_dockerd_if_ours' EXIT
for t in "${TOOLS[@]}"; do pull_image "$t"; done

declare -A LAT
MODES=(default unconfined)
for t in "${TOOLS[@]}"; do for m in "${MODES[@]}"; do LAT[$t.$m]=""; done; done
opts() { [ "$1" = unconfined ] && echo "--security-opt seccomp=unconfined"; return 0; }
for t in "${TOOLS[@]}"; do tool_cmd "$t"; tool_run_flags "$t"; "${CMD[@]}" run --rm "${RUNFLAGS[@]}" "$BENCH_IMAGE" true >/dev/null; done
for i in $(seq 1 "$RUNS"); do
  for t in "${TOOLS[@]}"; do
    for m in "${MODES[@]}"; do
      tool_cmd "$t"; tool_run_flags "$t"
      # shellcheck disable=SC2046
      s=$(now_ms); "${CMD[@]}" run --rm "${RUNFLAGS[@]}" $(opts "$m") "$BENCH_IMAGE" true >/dev/null; e=$(now_ms)
      LAT[$t.$m]+="$((e - s))"$'\n'
    done
  done
done

echo "### hardening at start: run --rm $BENCH_IMAGE true, default vs seccomp=unconfined"
echo
echo "Wall-clock ms, $RUNS runs per tool and mode, interleaved."
echo
echo "| tool | default median | unconfined median | hardening cost ms | default vs docker default |"
echo "|---|---|---|---|---|"
read -r _ dockmed _ _ <<<"$(printf '%s' "${LAT[docker.default]:-0}" | stats)"
for t in "${TOOLS[@]}"; do
  read -r _ d _ _ <<<"$(printf '%s' "${LAT[$t.default]}" | stats)"
  read -r _ u _ _ <<<"$(printf '%s' "${LAT[$t.unconfined]}" | stats)"
  echo "| $t | $d | $u | $(awk -v a="$d" -v b="$u" 'BEGIN { printf "%.1f", a-b }') | $(ratio "$d" "$dockmed") |"
done
