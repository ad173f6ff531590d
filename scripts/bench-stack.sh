# Sourced by the benchmarks that need the whole stack (bench-edge.sh, bench-phone.sh): starts a
# release origin on a fresh SQLite database with the demo event, and the edge on workerd in front
# of it, both on 127.0.0.1; waits until both answer and the demo's event page is cached at the
# edge; stops both and removes $work on exit. Reads $target, $origin_port, $edge_port and $work.
SITE_ROOT="$target/site" PORT=$origin_port DATABASE_URL="sqlite://$work/bench.db" RUST_LOG=warn \
  STAMPEDE_DEMO=true "$target/release/stampede" serve >"$work/origin.log" 2>&1 &
origin=$!
scripts/run-edge.sh "127.0.0.1:$edge_port" "http://127.0.0.1:$origin_port" >"$work/edge.log" 2>&1 &
edge=$!
trap 'kill $edge $origin 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$origin_port/readyz" >/dev/null && break; sleep 0.1; done
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$edge_port/__edge/health" >/dev/null && break; sleep 0.1; done
curl -fs -o /dev/null "http://127.0.0.1:$edge_port/e/stampede-live"
