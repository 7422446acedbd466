#!/usr/bin/env bash
# The runner against a plain Node loop over the seed's JavaScript (benches/node-loop.js), on
# the same `runner gen` events, one core (taskset -c 0), rounds alternating so both see the
# same machine: Manage_Subscription alone, and the default flow.
#
#   cargo xtask build && cargo build --release -p runner
#   bash benches/runner-vs-node.sh [EVENTS (200000)] [ROUNDS (2)]
set -euo pipefail
events=${1:-200000}
rounds=${2:-2}
runner=${RUNNER:-target/release/runner}
node=${NODE:-actions-shim/tools/node_modules/node22/bin/node}
now=2026-12-01T00:00:00.000Z
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$runner" gen --count "$events" --seed 42 --now "$now" > "$tmp/logins.jsonl"

rate() { grep -o '[0-9]* events/s' | cut -d' ' -f1; }
echo "events: $events, runner: $runner, node: $("$node" --version), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| round | run | runner events/s | Node loop events/s | runner / Node |"
echo "|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  for flow in Manage_Subscription Manage_Subscription,Set_Default_Member_Role; do
    r=$(taskset -c 0 "$runner" replay --jobs 1 --now "$now" --flow "$flow" "$tmp/logins.jsonl" | rate)
    n=$(TZ=UTC taskset -c 0 "$node" benches/node-loop.js "$tmp/logins.jsonl" "$flow" "$now" | rate)
    what=$([ "$flow" = Manage_Subscription ] && echo "Manage_Subscription alone" || echo "the default flow")
    awk -v round="$round" -v what="$what" -v r="$r" -v n="$n" 'BEGIN { printf "| %d | %s | %d | %d | %.2f |\n", round, what, r, n, r / n }'
  done
done
