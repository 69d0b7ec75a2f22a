#!/usr/bin/env bash
# Run fuzz targets one after the other, each for SECONDS (default 600), at the lowest CPU
# priority, and print one line per target: runs, coverage, crashes. Logs and crash inputs
# stay in fuzz/logs/ and fuzz/artifacts/<target>/ (neither is committed; copy a crash into
# testdata/hostile/fuzz/ with a test, see docs/reliability.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     (default: every target, envelope and
#                                              differential first)
set -uo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"
shift || true
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo +nightly fuzz list | grep -v -e '^envelope$' -e '^differential$')
    targets=(envelope differential "${targets[@]}")
fi
python3 fuzz/seed.py > /dev/null
mkdir -p fuzz/logs
nice -n 19 cargo +nightly fuzz build -O >/dev/null 2>&1 || { echo "build failed" >&2; exit 1; }
for t in "${targets[@]}"; do
    log="fuzz/logs/$t.log"
    nice -n 19 cargo +nightly fuzz run -O "$t" -- -dict=fuzz/json.dict -max_len=8192 \
        -max_total_time="$secs" -print_final_stats=1 > "$log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    crashes=$(ls "fuzz/artifacts/$t" 2>/dev/null | grep -c -e '^crash-' -e '^oom-' -e '^timeout-' || true)
    echo "$(date -u +%FT%TZ) $t: ${secs}s, ${runs:-?} runs, ${cov:-cov: ?}, exit $rc, crash/oom/timeout files: $crashes"
done
