#!/usr/bin/env bash
# TCP throughput with iperf3 (image localhost:5000/iperf3, built by bench/images/iperf3.mjs):
#   c2c: client container -> server container on one user bridge network
#   lan: a "LAN host" netns (veth to the host, 198.19.R.0/24) -> the server's published port
#        on the host's LAN address (DNAT path), plus the same LAN host -> host iperf3 as baseline
# Traffic stays inside namespaces this script made and the bridges of the tools measured.
source "$(dirname "$0")/lib.sh"
IPERF_IMAGE=${BENCH_IPERF_IMAGE:-localhost:5000/iperf3}
DUR=${BENCH_NET_SECONDS:-5}
# iperf3 -c --connect-timeout (ms): a blocked path fails in 3 s instead of the kernel's ~2 min SYN retries
RUNS=${BENCH_NET_RUNS:-3}
TOOLS=($(bench_tools))
OCTET=$((RANDOM % 250 + 1))
LAN_NS="$BENCH_TAG-lan"; LAN_VETH="$BENCH_TAG-lh"; HOST_IP="198.19.$OCTET.1"; LAN_IP="198.19.$OCTET.2"
HOST_IPERF=""
trap 'cleanup; stop_dockerd_if_ours' EXIT

cleanup() {
  local t
  for t in "${TOOLS[@]}"; do
    tool_cmd "$t"; tool_run_flags "$t"
    "${CMD[@]}" rm -f "${RMFLAGS[@]}" "$BENCH_TAG-srv-$t" >/dev/null 2>&1 || true
    "${CMD[@]}" network rm "$BENCH_TAG-net-$t" >/dev/null 2>&1 || true
  done
  [ -n "$HOST_IPERF" ] && kill "$HOST_IPERF" 2>/dev/null || true
  ip link del "$LAN_VETH" 2>/dev/null || true
  ip netns del "$LAN_NS" 2>/dev/null || true
}

# mbits < iperf3 -f m output -> receiver Mbit/s
# (prints nothing when the run failed, so failures are not averaged in as zeros)
mbits() { awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") v = $i } END { if (v != "") print v }'; }
# measure CMD... -> one line with Mbit/s, or nothing (error text goes to stderr)
measure() { { "$@" 2>&1 || true; } | tee -a /tmp/minidock-bench-net.log | mbits; }

[ -f "$BENCH_ROOT/bench/images/iperf3.mjs" ] && node "$BENCH_ROOT/bench/images/iperf3.mjs" >/dev/null

ip netns add "$LAN_NS"
ip link add "$LAN_VETH" type veth peer name "${LAN_VETH}p" netns "$LAN_NS"
ip addr add "$HOST_IP/24" dev "$LAN_VETH"; ip link set "$LAN_VETH" up
ip -n "$LAN_NS" addr add "$LAN_IP/24" dev "${LAN_VETH}p"; ip -n "$LAN_NS" link set "${LAN_VETH}p" up
ip -n "$LAN_NS" link set lo up; ip -n "$LAN_NS" route add default via "$HOST_IP"

# baseline: LAN host -> an iperf3 on the host itself (bound to the veth address only)
iperf3 -s -B "$HOST_IP" -p 5299 >/dev/null 2>&1 & HOST_IPERF=$!
sleep 0.5
base=""
for i in $(seq 1 "$RUNS"); do base+="$(measure ip netns exec "$LAN_NS" iperf3 -c "$HOST_IP" -p 5299 -t "$DUR" --connect-timeout 3000 -f m)"$'\n'; done
kill "$HOST_IPERF"; HOST_IPERF=""

declare -A C2C LAN
for t in "${TOOLS[@]}"; do
  tool_cmd "$t"; tool_run_flags "$t"
  if [ "$t" = podman ]; then "${CMD[@]}" pull -q --tls-verify=false "$IPERF_IMAGE" >/dev/null; else "${CMD[@]}" pull "$IPERF_IMAGE" >/dev/null; fi
  port=$((30000 + RANDOM % 20000))
  "${CMD[@]}" network create "$BENCH_TAG-net-$t" >/dev/null
  "${CMD[@]}" run -d "${RUNFLAGS[@]}" --name "$BENCH_TAG-srv-$t" --network "$BENCH_TAG-net-$t" -p "$port:5201" "$IPERF_IMAGE" iperf3 -s >/dev/null
  srv_ip=$("${CMD[@]}" inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$BENCH_TAG-srv-$t" 2>/dev/null || true)
  [ -n "$srv_ip" ] || srv_ip="$BENCH_TAG-srv-$t"
  sleep 1
  C2C[$t]=""; LAN[$t]=""
  for i in $(seq 1 "$RUNS"); do
    C2C[$t]+="$(measure "${CMD[@]}" run --rm "${RUNFLAGS[@]}" --network "$BENCH_TAG-net-$t" "$IPERF_IMAGE" iperf3 -c "$srv_ip" -t "$DUR" --connect-timeout 3000 -f m)"$'\n'
    LAN[$t]+="$(measure ip netns exec "$LAN_NS" iperf3 -c "$HOST_IP" -p "$port" -t "$DUR" --connect-timeout 3000 -f m)"$'\n'
  done
  "${CMD[@]}" rm -f "${RMFLAGS[@]}" "$BENCH_TAG-srv-$t" >/dev/null
  "${CMD[@]}" network rm "$BENCH_TAG-net-$t" >/dev/null
done

echo "### Network throughput (iperf3, TCP, ${DUR}s per run, $RUNS runs, Mbit/s at the receiver)"
echo
echo "Runs that failed are left out; the n column counts successful runs (of $RUNS). Failure output: /tmp/minidock-bench-net.log."
echo
echo "| path | tool | min | median | max | n | median vs docker |"
echo "|---|---|---|---|---|---|---|"
read -r mn md mx n < <(printf '%s' "$base" | stats)
echo "| LAN host -> host (no container, baseline) | - | $mn | $md | $mx | $n | - |"
for path in c2c lan; do
  dmed=""
  if [ "$path" = c2c ]; then label="container -> container, one user bridge"; else label="LAN host -> published port (DNAT)"; fi
  for t in "${TOOLS[@]}"; do
    if [ "$path" = c2c ]; then vals=${C2C[$t]}; else vals=${LAN[$t]}; fi
    read -r mn md mx n < <(printf '%s' "$vals" | stats)
    [ "$t" = docker ] && dmed=$md
    echo "| $label | $t | $mn | $md | $mx | $n | MED_$t |"
  done | { out=$(cat); d=$(echo "$out" | awk -F'|' '$3 ~ /docker/ {gsub(/ /,"",$5); print $5}'); echo "$out" | while IFS= read -r l; do
      t=$(echo "$l" | awk -F'|' '{gsub(/ /,"",$3); print $3}'); m=$(echo "$l" | awk -F'|' '{gsub(/ /,"",$5); print $5}')
      echo "${l/MED_$t/$( [ -n "$d" ] && ratio "$m" "$d" || echo -)}"; done; }
done
echo
