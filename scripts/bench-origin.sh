#!/usr/bin/env bash
# Measures the origin serving the event page and the snapshot API: wrk on 127.0.0.1, 10 s each,
# against a release build on a fresh database with the demo event. Prints requests/s and latency.
# Usage: scripts/bench-origin.sh [sqlite|postgres]   (postgres uses $BENCH_DATABASE_URL's server)
set -euo pipefail
cd "$(dirname "$0")/.."
backend=${1:-sqlite}
target=${CARGO_TARGET_DIR:-$HOME/.cache/stampede/target}
port=${BENCH_PORT:-3900}
duration=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-64}
command -v wrk >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }

work=$(mktemp -d)
case "$backend" in
  sqlite) database_url="sqlite://$work/bench.db" ;;
  postgres)
    admin=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
    name="stampede_bench_$$"
    psql "$admin" -qc "CREATE DATABASE $name" >/dev/null
    database_url="${admin%/*}/$name" ;;
  *) echo "usage: $0 [sqlite|postgres]" >&2; exit 2 ;;
esac

SITE_ROOT="$target/site" PORT=$port DATABASE_URL="$database_url" RUST_LOG=warn \
  STAMPEDE_DEMO=true "$target/release/stampede" serve >"$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ "$backend" = postgres ]; then psql "$admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

echo "origin benchmark: $backend, wrk -t2 -c$connections -d${duration}s, $(nproc) cores"
for path in /e/stampede-live /api/events/stampede-live /api/events/stampede-live/availability; do
  wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Accept-Encoding: gzip" "http://127.0.0.1:$port$path" >"$work/wrk.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' "$work/wrk.txt" | tr '\n' ' ')
  printf '%-42s %10s req/s   p50 %8s   p99 %8s %s\n' "$path" "$rps" "$p50" "$p99" "$errors"
done
