#!/usr/bin/env bash
# Load tests of the release binary (docs/reliability.md, "Load"): generated captures far
# larger than the test suite's, streamed through stdin where they would not fit on disk,
# each checked against the sums its generator kept (scripts/gen_load.py) and against the
# memory bound (peak RSS <= 256 MiB, from /usr/bin/time).
#
#   scripts/load.sh [TRADES] [SYMBOLS]    defaults: 50,000,000 trades of one symbol;
#                                         10,000 symbols x 100 trades; and always 8 and
#                                         80 gzip captures of the same period read together
#
# Needs python3 and GNU time (/usr/bin/time). Takes a few minutes (the generator is the
# slow part). Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
trades="${1:-50000000}"
symbols="${2:-10000}"
bound_kib=$((256 * 1024))
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release -q
bin=target/release/tapebar
failed=0
exec 3>&1 # the report, whatever a measured command's stdout is redirected to

# One run: LABEL COMMAND... ; records wall time and peak RSS of tapebar alone.
measure() {
    local label="$1"
    shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@"
    read -r secs kib < "$work/time"
    local status=ok
    if [ "$kib" -gt "$bound_kib" ]; then
        status="OVER THE BOUND"
        failed=1
    fi
    printf '%s: %s s, peak RSS %d MiB (%s)\n' "$label" "$secs" $((kib / 1024)) "$status" >&3
}

echo "== $symbols symbols x 100 trades (a file on disk)"
python3 scripts/gen_load.py symbols "$symbols" 100 "$work/sym.json" > "$work/sym.jsonl"
ls -l "$work/sym.jsonl" | awk '{print "capture:", $5, "bytes"}'
measure "aggregate -o DIR" "$bin" aggregate -q -o "$work/out" "$work/sym.jsonl"
python3 scripts/gen_load.py check "$work/sym.json" "$work"/out/binance/*.csv || failed=1
rm -rf "$work/out" "$work/sym.jsonl"

echo "== $trades trades of one symbol (generated into stdin, never on disk)"
# tapebar is timed alone: the generator writes into a FIFO that tapebar reads.
mkfifo "$work/fifo"
python3 scripts/gen_load.py single "$trades" "$work/single.json" > "$work/fifo" &
gen=$!
measure "aggregate -o - -" "$bin" aggregate -o - - < "$work/fifo" > "$work/single.csv" 2> "$work/err"
wait "$gen"
cat "$work/err"
python3 scripts/gen_load.py check "$work/single.json" "$work/single.csv" || failed=1
dups=$(python3 -c "import json; print(format(json.load(open('$work/single.json'))['BTCUSDT']['duplicates'], ','))")
grep -q " $dups duplicates" "$work/err" || { echo "expected $dups duplicates in the summary"; failed=1; }

echo "== 8 gzip captures of 1,000,000 trades each over the same period (read together)"
mkdir -p "$work/overlap"
python3 scripts/gen_load.py overlap 8 1000000 "$work/overlap" "$work/overlap.json"
measure "aggregate -o - 8 inputs" "$bin" aggregate -q -o - "$work"/overlap/*.jsonl.gz > "$work/overlap.csv"
python3 scripts/gen_load.py check "$work/overlap.json" "$work/overlap.csv" || failed=1

echo "== 80 gzip captures of 100,000 trades each over the same period (past MAX_OPEN_STREAMS)"
mkdir -p "$work/overlap80"
python3 scripts/gen_load.py overlap 80 100000 "$work/overlap80" "$work/overlap80.json"
measure "aggregate -o - 80 inputs" "$bin" aggregate -q -o - "$work"/overlap80/*.jsonl.gz > "$work/overlap80.csv"
python3 scripts/gen_load.py check "$work/overlap80.json" "$work/overlap80.csv" || failed=1

exit "$failed"
