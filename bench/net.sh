#!/usr/bin/env bash
# TCP throughput with iperf3 (image localhost:5000/iperf3, built by bench/images/iperf3.mjs):
#   c2c: client container -> server container on one user bridge network (by IP, both tools)
#   lan: a "LAN host" netns (veth to the host, 198.19.R.0/24) -> the server's published port
#        on the host's LAN address (in-kernel DNAT path for every tool), plus the same
#        LAN host -> host iperf3 as baseline
# Method, chosen because this 2-CPU machine is shared and its load drifts over minutes:
#   - servers and a long-running client container per tool are set up first; each c2c
#     measurement is an `exec` in that client, so container start/removal work of the
#     engine never overlaps a measurement (that is start latency, measured in run.sh);
#   - runs are interleaved: round i measures baseline, then every tool's c2c and lan, with
#     the tool order rotated per round, so load drift hits every tool alike;
#   - iperf3 -O (omit) drops the first second(s) (slow start, ARP, cache warm-up);
#   - medians are compared; min/max show the noise.
# Traffic stays inside namespaces this script made and the bridges of the tools measured.
source "$(dirname "$0")/lib.sh"
IPERF_IMAGE=${BENCH_IPERF_IMAGE:-localhost:5000/iperf3}
DUR=${BENCH_NET_SECONDS:-5}
OMIT=${BENCH_NET_OMIT:-1}
RUNS=${BENCH_NET_RUNS:-5}
STREAMS=${BENCH_NET_STREAMS:-1}
TOOLS=($(bench_tools))
OCTET=$((RANDOM % 250 + 1))
LAN_NS="$BENCH_TAG-lan"; LAN_VETH="$BENCH_TAG-lh"; HOST_IP="198.19.$OCTET.1"; LAN_IP="198.19.$OCTET.2"
HOST_IPERF=""
trap 'cleanup; own_engine_stop; stop_registry_if_ours; stop_dockerd_if_ours' EXIT
# minidock on an engine of this script's own, never the default engine
ensure_registry
own_engine net

cleanup() {
  local t
  for t in "${TOOLS[@]}"; do
    tool_cmd "$t"; tool_run_flags "$t"
    "${CMD[@]}" rm -f "${RMFLAGS[@]}" "$BENCH_TAG-srv-$t" "$BENCH_TAG-cli-$t" >/dev/null 2>&1 || true
    "${CMD[@]}" network rm "$BENCH_TAG-net-$t" >/dev/null 2>&1 || true
  done
  [ -n "$HOST_IPERF" ] && kill "$HOST_IPERF" 2>/dev/null || true
  ip link del "$LAN_VETH" 2>/dev/null || true
  ip netns del "$LAN_NS" 2>/dev/null || true
}

# mbits < iperf3 -f m output -> receiver Mbit/s (the SUM line with -P > 1)
# (prints nothing when the run failed, so failures are not averaged in as zeros)
mbits() { awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") v = $i } END { if (v != "") print v }'; }
# measure CMD... -> one line with Mbit/s, or nothing (error text goes to stderr)
measure() { { "$@" 2>&1 || true; } | tee -a /tmp/minidock-bench-net.log | mbits; }
IPERF_ARGS=(-t "$DUR" -O "$OMIT" -P "$STREAMS" --connect-timeout 3000 -f m)

# container_ip TOOL NAME -> the container's address on its (single) network; the JSON form
# works with both docker's and minidock's inspect templates
container_ip() {
  tool_cmd "$1"
  "${CMD[@]}" inspect -f '{{json .NetworkSettings.Networks}}' "$2" | grep -o '"IPAddress":"[0-9.]*"' | head -1 | cut -d'"' -f4
}

[ -f "$BENCH_ROOT/bench/images/iperf3.mjs" ] && node "$BENCH_ROOT/bench/images/iperf3.mjs" >/dev/null

ip netns add "$LAN_NS"
ip link add "$LAN_VETH" type veth peer name "${LAN_VETH}p" netns "$LAN_NS"
ip addr add "$HOST_IP/24" dev "$LAN_VETH"; ip link set "$LAN_VETH" up
ip -n "$LAN_NS" addr add "$LAN_IP/24" dev "${LAN_VETH}p"; ip -n "$LAN_NS" link set "${LAN_VETH}p" up
ip -n "$LAN_NS" link set lo up; ip -n "$LAN_NS" route add default via "$HOST_IP"

# baseline: LAN host -> an iperf3 on the host itself (bound to the veth address only)
iperf3 -s -B "$HOST_IP" -p 5299 >/dev/null 2>&1 & HOST_IPERF=$!

declare -A PORT SRV_IP CLI_IP C2C LAN
for t in "${TOOLS[@]}"; do
  tool_cmd "$t"; tool_run_flags "$t"
  if [ "$t" = podman ]; then "${CMD[@]}" pull -q --tls-verify=false "$IPERF_IMAGE" >/dev/null; else "${CMD[@]}" pull "$IPERF_IMAGE" >/dev/null; fi
  PORT[$t]=$((30000 + RANDOM % 20000))
  "${CMD[@]}" network create "$BENCH_TAG-net-$t" >/dev/null
  "${CMD[@]}" run -d "${RUNFLAGS[@]}" --name "$BENCH_TAG-srv-$t" --network "$BENCH_TAG-net-$t" -p "${PORT[$t]}:5201" "$IPERF_IMAGE" iperf3 -s >/dev/null
  "${CMD[@]}" run -d "${RUNFLAGS[@]}" --name "$BENCH_TAG-cli-$t" --network "$BENCH_TAG-net-$t" "$IPERF_IMAGE" sleep 3600 >/dev/null
  SRV_IP[$t]=$(container_ip "$t" "$BENCH_TAG-srv-$t"); CLI_IP[$t]=$(container_ip "$t" "$BENCH_TAG-cli-$t")
  C2C[$t]=""; LAN[$t]=""
done
sleep 1
load0=$(cut -d' ' -f1-3 /proc/loadavg)

base=""
for i in $(seq 1 "$RUNS"); do
  base+="$(measure ip netns exec "$LAN_NS" iperf3 -c "$HOST_IP" -p 5299 "${IPERF_ARGS[@]}")"$'\n'
  # rotate the tool order each round
  n=${#TOOLS[@]}
  for k in $(seq 0 $((n - 1))); do
    t=${TOOLS[$(( (k + i) % n ))]}
    tool_cmd "$t"
    C2C[$t]+="$(measure "${CMD[@]}" exec "$BENCH_TAG-cli-$t" iperf3 -c "${SRV_IP[$t]}" "${IPERF_ARGS[@]}")"$'\n'
    LAN[$t]+="$(measure ip netns exec "$LAN_NS" iperf3 -c "$HOST_IP" -p "${PORT[$t]}" "${IPERF_ARGS[@]}")"$'\n'
  done
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
kill "$HOST_IPERF"; HOST_IPERF=""

echo "### Network throughput (iperf3, TCP, ${DUR}s per run after ${OMIT}s omitted, $STREAMS stream(s), $RUNS interleaved rounds, Mbit/s at the receiver)"
echo
echo "Each round measures the baseline, then every tool's two paths (tool order rotated per round). The c2c client"
echo "is \`exec\` in a running container, so no container start or removal overlaps a measurement. Both paths have the"
echo "same shape for every tool: c2c = veth -> one Linux bridge -> veth (server addressed by IP); lan = LAN netns veth"
echo "-> host routing with in-kernel DNAT (docker: iptables DOCKER chain; minidock: nft dnat map) -> bridge -> veth."
echo "Load average before/after: $load0 / $load1 (other work on this machine adds noise; compare medians)."
echo "Runs that failed are left out; the n column counts successful runs (of $RUNS). Failure output: /tmp/minidock-bench-net.log."
echo
for t in "${TOOLS[@]}"; do echo "- $t: server ${SRV_IP[$t]}, client ${CLI_IP[$t]}, published port ${PORT[$t]}"; done
echo
echo "| path | tool | min | median | max | n | median vs docker | lan / c2c |"
echo "|---|---|---|---|---|---|---|---|"
read -r mn md mx n < <(printf '%s' "$base" | stats)
echo "| LAN host -> host (no container, baseline) | - | $mn | $md | $mx | $n | - | - |"
declare -A MED_C2C MED_LAN
for t in "${TOOLS[@]}"; do
  read -r _ MED_C2C[$t] _ _ < <(printf '%s' "${C2C[$t]}" | stats)
  read -r _ MED_LAN[$t] _ _ < <(printf '%s' "${LAN[$t]}" | stats)
done
for path in c2c lan; do
  if [ "$path" = c2c ]; then label="container -> container, one user bridge"; else label="LAN host -> published port (DNAT)"; fi
  for t in "${TOOLS[@]}"; do
    if [ "$path" = c2c ]; then vals=${C2C[$t]}; d=${MED_C2C[docker]:-}; else vals=${LAN[$t]}; d=${MED_LAN[docker]:-}; fi
    read -r mn md mx n < <(printf '%s' "$vals" | stats)
    vs="-"; [ -n "$d" ] && vs=$(ratio "$md" "$d")
    lc="-"; [ "$path" = lan ] && lc=$(ratio "$md" "${MED_C2C[$t]}")
    echo "| $label | $t | $mn | $md | $mx | $n | $vs | $lc |"
  done
done
echo
