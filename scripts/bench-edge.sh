#!/usr/bin/env bash
# Measures the edge on workerd in front of a release origin, on 127.0.0.1:
#   1. requests/s and latency of a cached event page next to the edge's cheapest route
#      (/__edge/health) in the same run;
#   2. how many requests reach the origin while the edge serves BENCH_VIEWS page views (100,000);
#   3. what the waiting room costs an admitted buyer: the same cached page with the event's room on,
#      requested with an admission (scripts/room-admission.py gets one through the queue).
# Usage: scripts/bench-edge.sh   (make bench-edge builds what it needs first)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$HOME/.cache/stampede/target}
origin_port=${BENCH_ORIGIN_PORT:-3910}
edge_port=${BENCH_EDGE_PORT:-8791}
duration=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
views=${BENCH_VIEWS:-100000}
command -v wrk >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }

work=$(mktemp -d)
# /__edge/stats, which counts the origin requests below, answers operators only.
export OPERATOR_TOKEN=${OPERATOR_TOKEN:-bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}
# The key the edge signs admissions with and the origin checks them with.
export WAITING_ROOM_KEY=${WAITING_ROOM_KEY:-bench-room-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}
stats() { curl -fs -H "Authorization: Bearer $OPERATOR_TOKEN" "http://127.0.0.1:$edge_port/__edge/stats"; }
. scripts/bench-stack.sh
page="http://127.0.0.1:$edge_port/e/stampede-live"

run() {
  # Browsers accept gzip, and so does this benchmark. $4: a cookie to send; $5: connections.
  local conns=${5:-$connections} threads=2
  [ "$conns" -ge 2 ] || threads=1
  wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -H "Accept-Encoding: gzip" ${4:+-H "Cookie: $4"} "$1" >"$work/wrk.txt"
  local rps p99 total
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  total=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
  printf '%-44s %10s req/s   p99 %8s   (%s requests)\n' "$2" "$rps" "$p99" "$total"
  echo "$rps" >"$work/$3.rps"
  echo "$p99" >"$work/$3.p99"
}

echo "edge benchmark: wrk -t2 -c$connections -d${duration}s on 127.0.0.1, $(nproc) cores (wrk, workerd and the origin share them)"
run "http://127.0.0.1:$edge_port/__edge/health" "floor: /__edge/health" floor
run "$page" "cached event page" page
python3 -c "import sys; f,p=float(sys.argv[1]),float(sys.argv[2]); print(f'cached page at {p/f*100:.0f}% of the floor')" "$(cat "$work/floor.rps")" "$(cat "$work/page.rps")"
# One connection: the page's own latency, with no queue in front of it (compared with the room's below).
run "$page" "cached event page, one connection" page1 "" 1

before=$(stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["origin_requests"])')
# As long as the cached page rate above needs to serve the views, then count what reached the origin.
seconds=$(python3 -c "import math,sys; print(max(1, math.ceil(float(sys.argv[1]) / float(sys.argv[2]))))" "$views" "$(cat "$work/page.rps")")
started=$(date +%s.%N)
wrk -t2 -c"$connections" -d"${seconds}s" -H "Accept-Encoding: gzip" "$page" >"$work/views.txt"
elapsed=$(python3 -c "import sys,time; print(f'{time.time()-float(sys.argv[1]):.1f}')" "$started")
after=$(stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["origin_requests"])')
served=$(awk '/requests in/ {print $1}' "$work/views.txt")
echo "page views served: $served in ${elapsed}s; origin requests meanwhile: $((after - before))"

# The room's cost to an admitted buyer: the same page, the room on, with an admission.
admission=$(scripts/room-admission.py "http://127.0.0.1:$origin_port" "http://127.0.0.1:$edge_port" stampede-live \
  demo@stampede.example stampede-demo)
run "$page" "cached event page, room on, admitted" room "$admission"
run "$page" "  the same, one connection" room1 "$admission" 1
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
def ms(name):
    text = open(f"{work}/{name}.p99").read().strip()
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
rps = lambda name: float(open(f"{work}/{name}.rps").read())
print(f"waiting room's cost to an admitted buyer's page: p99 {ms('room') - ms('page'):+.2f} ms, "
      f"throughput {rps('room') / rps('page') * 100 - 100:+.1f}%; "
      f"on one connection p99 {ms('room1') - ms('page1'):+.3f} ms")
PY
