#!/usr/bin/env bash
# Container start latency: `run --rm IMAGE true` (BENCH_RUNS times per tool, tools interleaved
# so drift hits all alike), then BENCH_BATCH detached `run -d ... sleep 600` and their removal.
# Prints markdown; wall-clock ms measured around the CLI process (client + engine + runtime).
source "$(dirname "$0")/lib.sh"
RUNS=${BENCH_RUNS:-20}
BATCH=${BENCH_BATCH:-50}
TOOLS=($(bench_tools))
trap 'cleanup; own_engine_stop; stop_registry_if_ours; stop_dockerd_if_ours' EXIT
# minidock on an engine of this script's own, never the default engine
ensure_registry
own_engine run

cleanup() {
  local t names
  for t in "${TOOLS[@]}"; do
    tool_cmd "$t"
    names=$(seq -f "$BENCH_TAG-$t-%g" 1 "$BATCH")
    # shellcheck disable=SC2086
    "${CMD[@]}" rm -f $names >/dev/null 2>&1 || true
  done
}

for t in "${TOOLS[@]}"; do pull_image "$t"; done

declare -A LAT
for t in "${TOOLS[@]}"; do LAT[$t]=""; done
# warm-up run per tool (first start pays page cache and lazy init)
for t in "${TOOLS[@]}"; do tool_cmd "$t"; tool_run_flags "$t"; "${CMD[@]}" run --rm "${RUNFLAGS[@]}" "$BENCH_IMAGE" true >/dev/null; done
for i in $(seq 1 "$RUNS"); do
  for t in "${TOOLS[@]}"; do
    tool_cmd "$t"; tool_run_flags "$t"
    s=$(now_ms); "${CMD[@]}" run --rm "${RUNFLAGS[@]}" "$BENCH_IMAGE" true >/dev/null; e=$(now_ms)
    LAT[$t]+="$((e - s))"$'\n'
  done
done

echo "### run --rm $BENCH_IMAGE true"
echo
echo "Wall-clock ms per \`run --rm ... true\`, $RUNS runs per tool after one warm-up, tools interleaved."
echo
echo "| tool | min | median | max | median vs docker |"
echo "|---|---|---|---|---|"
dmed=""
[ -n "${LAT[docker]:-}" ] && dmed=$(printf '%s' "${LAT[docker]}" | stats | awk '{print $2}')
for t in "${TOOLS[@]}"; do
  read -r mn md mx n < <(printf '%s' "${LAT[$t]}" | stats)
  echo "| $t | $mn | $md | $mx | $( [ -n "$dmed" ] && ratio "$md" "$dmed" || echo -) |"
done
echo

echo "### $BATCH detached containers (\`run -d ... sleep 600\`), then \`rm -f\` of all"
echo
echo "| tool | per start min | per start median | per start max | total start s | rm -f all s | rm per container ms | start median vs docker |"
echo "|---|---|---|---|---|---|---|---|"
declare -A ROW
for t in "${TOOLS[@]}"; do
  tool_cmd "$t"; tool_run_flags "$t"
  sync; sleep "${BENCH_PAUSE:-15}"   # this disk is slow to create files for a while after mass deletes
  one=""
  s0=$(now_ms)
  for i in $(seq 1 "$BATCH"); do
    s=$(now_ms); "${CMD[@]}" run -d "${RUNFLAGS[@]}" --name "$BENCH_TAG-$t-$i" "$BENCH_IMAGE" sleep 600 >/dev/null; e=$(now_ms)
    one+="$((e - s))"$'\n'
  done
  e0=$(now_ms)
  running=$("${CMD[@]}" ps -q | wc -l)
  s1=$(now_ms)
  # shellcheck disable=SC2046
  "${CMD[@]}" rm -f "${RMFLAGS[@]}" $(seq -f "$BENCH_TAG-$t-%g" 1 "$BATCH") >/dev/null
  e1=$(now_ms)
  read -r mn md mx n < <(printf '%s' "$one" | stats)
  ROW[$t]="$mn $md $mx $(awk -v a=$((e0 - s0)) 'BEGIN{printf "%.1f", a/1000}') $(awk -v a=$((e1 - s1)) 'BEGIN{printf "%.1f", a/1000}') $(awk -v a=$((e1 - s1)) -v b="$BATCH" 'BEGIN{printf "%.0f", a/b}') $running"
done
dmed=""
[ -n "${ROW[docker]:-}" ] && dmed=$(echo "${ROW[docker]}" | awk '{print $2}')
for t in "${TOOLS[@]}"; do
  read -r mn md mx ts rs rper running <<<"${ROW[$t]}"
  echo "| $t | $mn | $md | $mx | $ts | $rs | $rper | $( [ -n "$dmed" ] && ratio "$md" "$dmed" || echo -) |"
done
echo
echo "Running containers seen by \`ps -q\` right after the batch (expect >= $BATCH): $(for t in "${TOOLS[@]}"; do echo -n "$t=$(echo "${ROW[$t]}" | awk '{print $7}') "; done)"
echo
