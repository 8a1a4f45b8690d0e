#!/usr/bin/env bash
# Where a start goes (issue 14): one `run --rm IMAGE true` broken into its phases, on an engine
# of this script's own started with MINIDOCK_DEBUG=1 (its own root, run dir, socket, bridge,
# subnet, nft table and cgroup parent; removed at exit). Prints markdown:
#  - wall-clock ms of `node -e 0`, the CLI's read-only commands and `run --rm ... true`, against
#    docker's in the same run (tools interleaved);
#  - the engine's time per API request of a run (create, attach, start, wait, delete);
#  - inside the start request: spec, etc files, ports+mounts, cgroup, shim (rootfs and
#    namespaces up to the hold before exec), net (cgroup join, veth, addresses, routes), exec,
#    record (src/engine/phases.ts).
source "$(dirname "$0")/lib.sh"
RUNS=${BENCH_RUNS:-15}
export BENCH_TOOLS=${BENCH_TOOLS:-"minidock docker"}
if [[ " $BENCH_TOOLS " == *" docker "* ]] && command -v dockerd >/dev/null; then ensure_dockerd; fi
TOOLS=($(bench_tools))
SUFFIX=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
MD=("$BENCH_ROOT/bin/minidock")
KEEP=ph-keep-$SUFFIX
DETACHED=${BENCH_DETACHED:-15}
HAVE_DOCKER=""; for t in "${TOOLS[@]}"; do [ "$t" = docker ] && HAVE_DOCKER=1; done
cleanup() {
  set +e
  [ -n "$HAVE_DOCKER" ] && docker rm -f "$KEEP" $(seq -f "$KEEP-d%g" 1 "$DETACHED") >/dev/null 2>&1
  own_engine_stop
  stop_registry_if_ours
  stop_dockerd_if_ours
}
trap cleanup EXIT
ensure_registry
own_engine ph
for t in "${TOOLS[@]}"; do pull_image "$t"; done

declare -A W
measure() { # measure KEY CMD... : one wall-clock sample of CMD into W[KEY]
  local key=$1; shift
  local s e; s=$(now_ms); "$@" >/dev/null 2>&1; e=$(now_ms)
  W[$key]+="$((e - s))"$'\n'
}
# one running container for `inspect` (and a non-empty `ps`), in both tools
"${MD[@]}" run -d --name "$KEEP" "$BENCH_IMAGE" sleep 600 >/dev/null
[ -n "$HAVE_DOCKER" ] && docker run -d --name "$KEEP" "$BENCH_IMAGE" sleep 600 >/dev/null
# warm-up
"${MD[@]}" run --rm "$BENCH_IMAGE" true >/dev/null
[ -n "$HAVE_DOCKER" ] && docker run --rm "$BENCH_IMAGE" true >/dev/null
MARK=$(wc -l <"$MINIDOCK_LOG")
for _ in $(seq 1 "$RUNS"); do
  measure node node -e 0
  measure md-version "${MD[@]}" version
  measure md-ps "${MD[@]}" ps
  measure md-images "${MD[@]}" images
  measure md-inspect "${MD[@]}" inspect "$KEEP"
  measure md-run "${MD[@]}" run --rm "$BENCH_IMAGE" true
  if [ -n "$HAVE_DOCKER" ]; then
    measure docker-version docker version
    measure docker-ps docker ps
    measure docker-images docker images
    measure docker-inspect docker inspect "$KEEP"
    measure docker-run docker run --rm "$BENCH_IMAGE" true
  fi
done
MARK2=$(wc -l <"$MINIDOCK_LOG")
# detached starts (`run -d ... sleep 600`), tools interleaved, removed after the loop
for i in $(seq 1 "$DETACHED"); do
  measure md-detached "${MD[@]}" run -d --name "$KEEP-d$i" "$BENCH_IMAGE" sleep 600
  [ -n "$HAVE_DOCKER" ] && measure docker-detached docker run -d --name "$KEEP-d$i" "$BENCH_IMAGE" sleep 600
done
MARK3=$(wc -l <"$MINIDOCK_LOG")

med() { printf '%s' "${W[$1]:-}" | stats | awk '{print $2}'; }
echo "### Where a start goes ($(date -u +%Y-%m-%dT%H:%MZ), $RUNS runs, $DETACHED detached starts, medians)"
echo
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | minidock ms | docker ms | ratio | minidock - node -e 0 |"
echo "|---|---|---|---|---|"
echo "| \`node -e 0\` (Node's floor) | $(med node) | | | |"
for c in version ps images inspect run detached; do
  m=$(med md-$c); d=$(med docker-$c)
  case $c in run) label='`run --rm busybox true`' ;; detached) label='`run -d busybox sleep 600`' ;; *) label="\`$c\`" ;; esac
  echo "| $label | $m | ${d:--} | $([ -n "$d" ] && ratio "$m" "$d" || echo -) | $(awk -v a="$m" -v b="$(med node)" 'BEGIN{printf "%.1f", a-b}') |"
done
echo

# requests FROM TO: engine time per API request between two log line marks
requests() {
  sed -n "$(($1 + 1)),$2p" "$MINIDOCK_LOG" | awk '
  / (POST|GET|DELETE) \/[^ ]* [0-9.]+ms$/ {
    u = $3; sub(/\?.*/, "", u); gsub(/\/v[0-9.]+\//, "/", u); gsub(/[0-9a-f]{64}/, "{id}", u); gsub(/\/containers\/[^\/]+\//, "/containers/{id}/", u)
    if (u ~ /\/containers\/[^\/]+$/ && $2 == "DELETE") u = "/containers/{id}"
    if (u ~ /\/containers\/[^\/]+\/json$/) u = "/containers/{id}/json"
    v = $NF; sub(/ms$/, "", v); print $2 " " u "\t" v
  }' | sort | awk -F'\t' '{ k[$1] = k[$1] " " $2 } END { for (x in k) print x "\t" k[x] }' | while IFS=$'\t' read -r req vals; do
    echo "| $req | $(echo $vals | tr ' ' '\n' | stats | awk '{print $2 " | " $4}') |"
  done
}
# opphases OP FROM TO: inside one operation (start, exit, remove; src/engine/phases.ts)
opphases() {
  sed -n "$(($2 + 1)),$3p" "$MINIDOCK_LOG" | grep -o "phases $1 [0-9a-f]*: .*" | sed "s/^phases $1 [0-9a-f]*: //; s/ ms\$//" | tr ' ' '\n' |
    awk -F= 'NF == 2 { v[$1] = v[$1] " " $2; if (!($1 in seen)) { seen[$1] = ++n; order[n] = $1 } } END { for (i = 1; i <= n; i++) print order[i] "\t" v[order[i]] }' |
    while IFS=$'\t' read -r phase vals; do echo "| $phase | $(echo $vals | tr ' ' '\n' | stats | awk '{print $2}') |"; done
}
for part in "run --rm:$MARK:$MARK2" "run -d:$MARK2:$MARK3"; do
  IFS=: read -r name from to <<<"$part"
  echo "Engine time per request during the \`$name\` loop (from its MINIDOCK_DEBUG log; all requests of the loop, including the read-only commands'):"
  echo
  echo "| request | median ms | n |"
  echo "|---|---|---|"
  requests "$from" "$to"
  echo
  echo "Inside the start request of \`$name\` (src/engine/phases.ts; cgroup-join, net and attach run while the shim holds the process before exec):"
  echo
  echo "| phase | median ms |"
  echo "|---|---|"
  opphases start "$from" "$to"
  if [ "$name" = "run --rm" ]; then
    echo
    echo "After the process ended (\`run --rm\`): the exit's teardown, then the removal the CLI waits for (src/engine/exits.ts, remove.ts):"
    echo
    echo "| exit phase | median ms |"
    echo "|---|---|"
    opphases exit "$from" "$to"
    echo
    echo "| remove phase | median ms |"
    echo "|---|---|"
    opphases remove "$from" "$to"
  fi
  echo
done
