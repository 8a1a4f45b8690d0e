#!/usr/bin/env bash
# What a NetworkPolicy costs per packet (issue 15): container -> container TCP throughput
# (iperf3) on one user network of an engine of this script's own, in the same run:
#   free:     client -> server A while no policy exists at all;
#   unsel:    client -> server A while a policy exists that does not select A;
#   selected: client -> server B, selected by a NetworkPolicy (podSelector app=srv) that lets
#             in the client (podSelector role=client) on TCP 5201.
# Rounds interleave the three (the policy is removed before `free` and applied again after),
# so load drift hits all alike; medians are compared. A container without role=client is
# checked to be refused by B (the policy is in force), and the client to reach B again once
# the policy is gone. Traffic stays inside the engine's own network.
source "$(dirname "$0")/lib.sh"
IPERF_IMAGE=${BENCH_IPERF_IMAGE:-localhost:5000/iperf3}
DUR=${BENCH_NET_SECONDS:-5}
OMIT=${BENCH_NET_OMIT:-1}
RUNS=${BENCH_NET_RUNS:-5}
MD=("$BENCH_ROOT/bin/minidock")
NET=pnet$BENCH_TAG
POLICY_FILE=""
trap 'own_engine_stop; [ -n "$POLICY_FILE" ] && rm -f "$POLICY_FILE"' EXIT
own_engine pol

[ -f "$BENCH_ROOT/bench/images/iperf3.mjs" ] && node "$BENCH_ROOT/bench/images/iperf3.mjs" >/dev/null
"${MD[@]}" pull "$IPERF_IMAGE" >/dev/null
"${MD[@]}" network create "$NET" >/dev/null
"${MD[@]}" run -d --name srv-a --network "$NET" "$IPERF_IMAGE" iperf3 -s >/dev/null
"${MD[@]}" run -d --name srv-b --network "$NET" --label app=srv "$IPERF_IMAGE" iperf3 -s >/dev/null
"${MD[@]}" run -d --name client --network "$NET" --label role=client "$IPERF_IMAGE" sleep 3600 >/dev/null
"${MD[@]}" run -d --name stranger --network "$NET" "$IPERF_IMAGE" sleep 3600 >/dev/null
ip_of() { "${MD[@]}" inspect -f '{{json .NetworkSettings.Networks}}' "$1" | grep -o '"IPAddress":"[0-9.]*"' | head -1 | cut -d'"' -f4; }
A=$(ip_of srv-a); B=$(ip_of srv-b)

POLICY_FILE=$(mktemp)
cat >"$POLICY_FILE" <<YAML
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: srv-from-client
  namespace: $NET
spec:
  podSelector:
    matchLabels:
      app: srv
  policyTypes: [Ingress]
  ingress:
  - from:
    - podSelector:
        matchLabels:
          role: client
    ports:
    - protocol: TCP
      port: 5201
YAML
apply() { "${MD[@]}" policy apply -f "$POLICY_FILE" >/dev/null; }
unapply() { "${MD[@]}" policy rm "$NET/srv-from-client" >/dev/null; }

mbits() { awk '/receiver/ { for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") v = $i } END { if (v != "") print v }'; }
measure() { { "$@" 2>&1 || true; } | tee -a /tmp/minidock-bench-policy.log | mbits; }
IPERF_ARGS=(-t "$DUR" -O "$OMIT" --connect-timeout 3000 -f m)

# the policy is in force: the stranger is refused by B, the client gets in
apply
refused=$("${MD[@]}" exec stranger iperf3 -c "$B" -t 1 --connect-timeout 1500 >/dev/null 2>&1 && echo no || echo yes)
allowed=$("${MD[@]}" exec client iperf3 -c "$B" -t 1 --connect-timeout 1500 >/dev/null 2>&1 && echo yes || echo no)
sleep 1
load0=$(cut -d' ' -f1-3 /proc/loadavg)
FREE=""; UNSEL=""; SEL=""
for i in $(seq 1 "$RUNS"); do
  unapply
  FREE+="$(measure "${MD[@]}" exec client iperf3 -c "$A" "${IPERF_ARGS[@]}")"$'\n'
  apply
  if [ $((i % 2)) = 1 ]; then
    SEL+="$(measure "${MD[@]}" exec client iperf3 -c "$B" "${IPERF_ARGS[@]}")"$'\n'
    UNSEL+="$(measure "${MD[@]}" exec client iperf3 -c "$A" "${IPERF_ARGS[@]}")"$'\n'
  else
    UNSEL+="$(measure "${MD[@]}" exec client iperf3 -c "$A" "${IPERF_ARGS[@]}")"$'\n'
    SEL+="$(measure "${MD[@]}" exec client iperf3 -c "$B" "${IPERF_ARGS[@]}")"$'\n'
  fi
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
unapply
after=$("${MD[@]}" exec stranger iperf3 -c "$B" -t 1 --connect-timeout 1500 >/dev/null 2>&1 && echo yes || echo no)

read -r fmn fmd fmx fn < <(printf '%s' "$FREE" | stats)
read -r umn umd umx un < <(printf '%s' "$UNSEL" | stats)
read -r smn smd smx sn < <(printf '%s' "$SEL" | stats)
echo "### NetworkPolicy cost on container -> container throughput (iperf3, TCP, ${DUR}s per run after ${OMIT}s omitted, $RUNS interleaved rounds, Mbit/s at the receiver)"
echo
echo "One user network of the script's own engine; client labelled role=client; server A unlabelled; server B labelled"
echo "app=srv and selected by a NetworkPolicy that allows ingress from role=client on TCP 5201. Policy in force: stranger"
echo "refused by B: $refused, client let in: $allowed; stranger reaches B once the policy is removed: $after."
echo "Load average before/after: $load0 / $load1."
echo
echo "| path | min | median | max | n | median vs no policy |"
echo "|---|---|---|---|---|---|"
echo "| client -> A, no policy exists | $fmn | $fmd | $fmx | $fn | 1.00 |"
echo "| client -> A, a policy exists, A not selected | $umn | $umd | $umx | $un | $(ratio "$umd" "$fmd") |"
echo "| client -> B, B selected, client allowed | $smn | $smd | $smx | $sn | $(ratio "$smd" "$fmd") |"
echo
