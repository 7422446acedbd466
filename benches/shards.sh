#!/usr/bin/env bash
# Sharding's cost per event: one `runner replay` over N generated events against the same
# input replayed as four shards (--shard 1/4 .. 4/4) one after another, all on one core
# (taskset -c 0, --jobs 1), each a fresh process writing its --json report; then the merge of
# the four reports. Rounds alternate the two, so both see the same machine.
#
#   cargo xtask build && cargo build --release -p runner
#   bash benches/shards.sh [EVENTS (200000)] [ROUNDS (5)]
set -euo pipefail
events=${1:-200000}
rounds=${2:-5}
runner=${RUNNER:-target/release/runner}
now=2026-12-01T00:00:00.000Z
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$runner" gen --count "$events" --seed 42 --now "$now" > "$tmp/logins.jsonl"
replay() { taskset -c 0 "$runner" replay --json --jobs 1 --now "$now" "$@" "$tmp/logins.jsonl"; }

# Wall-clock and CPU (user + system) seconds of "$@", as "wall cpu".
timed() {
  local TIMEFORMAT='%R %U %S' out
  out=$( { time "$@" > /dev/null 2>&1; } 2>&1 )
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<< "$out"
}
one_run() { replay > "$tmp/whole.jsonl"; }
four_shards() { for i in 1 2 3 4; do replay --shard "$i/4" > "$tmp/shard-$i.jsonl"; done; }
merge() { taskset -c 0 "$runner" merge "$tmp"/shard-{1,2,3,4}.jsonl --output "$tmp/merged.jsonl"; }

echo "events: $events, rounds: $rounds, runner: $runner, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| round | one run: wall s | cpu s | four shards summed: wall s | cpu s | shards/one (wall) | (cpu) | merge: wall s | cpu s |"
echo "|---|---|---|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  read -r ow oc < <(timed one_run)
  read -r sw sc < <(timed four_shards)
  read -r mw mc < <(timed merge)
  cmp -s <(grep -v '"summary"' "$tmp/whole.jsonl" | sed 's/"micros":[0-9]*//') \
         <(grep -v '"summary"' "$tmp/merged.jsonl" | sed 's/"micros":[0-9]*//') \
    || { echo "the merged report differs from the one run's" >&2; exit 1; }
  awk -v r="$round" -v ow="$ow" -v oc="$oc" -v sw="$sw" -v sc="$sc" -v mw="$mw" -v mc="$mc" \
    'BEGIN { printf "| %d | %.2f | %.2f | %.2f | %.2f | %.3f | %.3f | %.2f | %.2f |\n", r, ow, oc, sw, sc, sw / ow, sc / oc, mw, mc }'
done
