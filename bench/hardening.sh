#!/usr/bin/env bash
# What the default hardening (capabilities, no_new_privs handling, masked paths and docker's
# seccomp profile) costs at start (issue 9: under 5 ms). `run --rm IMAGE true` per mode, all
# interleaved: minidock (an engine of this script's own, MINIDOCK_DEBUG=1) with the defaults,
# with `--security-opt seccomp=unconfined` and with `--privileged` (no capability drop, no
# seccomp, no masked or read-only paths); docker with the defaults and seccomp=unconfined.
# Prints markdown: wall-clock medians per tool and mode; for minidock also the engine's own
# time of the start request and its phases (src/engine/phases.ts) per mode, which is where the
# hardening is paid (the shim applies it while the engine waits for its `pid` line).
source "$(dirname "$0")/lib.sh"
RUNS=${BENCH_RUNS:-20}
export BENCH_TOOLS=${BENCH_TOOLS:-"minidock docker"}
TOOLS=($(bench_tools))
trap 'own_engine_stop; stop_registry_if_ours; stop_dockerd_if_ours' EXIT
ensure_registry
own_engine hd
for t in "${TOOLS[@]}"; do pull_image "$t"; done

declare -A LAT ENG PH
modes_of() { [ "$1" = minidock ] && echo "default unconfined privileged" || echo "default unconfined"; }
opts() {
  case "$1" in
    unconfined) echo "--security-opt seccomp=unconfined" ;;
    privileged) echo "--privileged" ;;
  esac
  return 0
}
for t in "${TOOLS[@]}"; do tool_cmd "$t"; tool_run_flags "$t"; "${CMD[@]}" run --rm "${RUNFLAGS[@]}" "$BENCH_IMAGE" true >/dev/null; done
for i in $(seq 1 "$RUNS"); do
  for t in "${TOOLS[@]}"; do
    for m in $(modes_of "$t"); do
      tool_cmd "$t"; tool_run_flags "$t"
      mark=$(wc -l <"$MINIDOCK_LOG")
      # shellcheck disable=SC2046
      s=$(now_ms); "${CMD[@]}" run --rm "${RUNFLAGS[@]}" $(opts "$m") "$BENCH_IMAGE" true >/dev/null; e=$(now_ms)
      LAT[$t.$m]+="$((e - s))"$'\n'
      if [ "$t" = minidock ]; then
        ENG[$m]+="$(engine_ms "$mark" 'POST /[^ ]*containers/[0-9a-f]+/start' | tail -1)"$'\n'
        PH[$m]+="$(tail -n +"$((mark + 1))" "$MINIDOCK_LOG" | grep -o 'phases start [0-9a-f]*: .*' | sed 's/^phases start [0-9a-f]*: //; s/ ms$//' | tail -1)"$'\n'
      fi
    done
  done
done

med() { printf '%s' "$1" | stats | awk '{print $2}'; }
echo "### hardening at start: run --rm $BENCH_IMAGE true, per security mode"
echo
echo "$RUNS runs per tool and mode, interleaved; medians. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| tool | mode | wall ms | default - this mode, wall ms | default vs docker default |"
echo "|---|---|---|---|---|"
dockmed=$(med "${LAT[docker.default]:-}")
for t in "${TOOLS[@]}"; do
  d=$(med "${LAT[$t.default]}")
  for m in $(modes_of "$t"); do
    v=$(med "${LAT[$t.$m]}")
    echo "| $t | $m | $v | $(awk -v a="$d" -v b="$v" 'BEGIN { printf "%.1f", a-b }') | $([ "$m" = default ] && ratio "$d" "$dockmed" || echo -) |"
  done
done
echo
echo "minidock, engine side (the start request's own time, and its phases from the engine log), medians in ms:"
echo
phases=$(printf '%s' "${PH[default]}" | head -1 | tr ' ' '\n' | cut -d= -f1 | tr '\n' ' ')
echo "| mode | start request | $(echo $phases | sed 's/ / | /g') |"
echo "|---|---|$(for _ in $phases; do printf -- '---|'; done)"
for m in default unconfined privileged; do
  row="| $m | $(med "${ENG[$m]}") |"
  for p in $phases; do
    row+=" $(printf '%s' "${PH[$m]}" | tr ' ' '\n' | awk -F= -v k="$p" '$1 == k {print $2}' | stats | awk '{print $2}') |"
  done
  echo "$row"
done
echo
d=$(med "${ENG[default]}"); u=$(med "${ENG[unconfined]}"); p=$(med "${ENG[privileged]}")
echo "Hardening cost at start, engine side: seccomp (default - unconfined) $(awk -v a="$d" -v b="$u" 'BEGIN { printf "%.1f", a-b }') ms; all of it (default - privileged) $(awk -v a="$d" -v b="$p" 'BEGIN { printf "%.1f", a-b }') ms."
echo
