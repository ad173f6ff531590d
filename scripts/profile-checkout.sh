#!/usr/bin/env bash
# Where the CPU goes while the ample-stock sale runs: the sale simulator under a system-wide perf
# profile (software clock: this machine's VM has no hardware counters), then the samples by
# process and, for the origin and PostgreSQL, by function. Threads are told apart by name: the
# origin's are tokio-rt-worker, the simulator's sale-buyer, PostgreSQL's postgres.
# Nobody abandons (--abandon-rate 0, which options after it override), so the run ends with the
# sale instead of idling until abandoned holds expire.
#   scripts/profile-checkout.sh <release dir> <database url> <redis url> [stampede-sale options]
set -euo pipefail
release=$1 database=$2 redis=$3
shift 3
out=$(mktemp -d /tmp/stampede-profile.XXXXXX)
perf record -q -e cpu-clock -F 499 -a -o "$out/perf.data" -- \
  "$release/stampede-sale" ample --abandon-rate 0 --server-bin "$release/stampede" --database-url "$database" --redis-url "$redis" "$@"
report() { perf report -i "$out/perf.data" --stdio --percent-limit 1.5 "$@" 2>/dev/null | grep -v '^#' | grep -v '^$' | head -25; }
echo; echo "== CPU samples by thread name (whole machine, whole run)"
report --sort comm
echo; echo "== the origin's hottest functions (% of all samples)"
report --comm tokio-rt-worker --sort dso,sym
echo; echo "== PostgreSQL's hottest functions (% of all samples)"
report --comm postgres --sort dso,sym
echo; echo "(perf data: $out/perf.data)"
