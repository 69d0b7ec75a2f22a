#!/usr/bin/env bash
# Whole-process benchmark of the release binary against the floor (cat, zstd -dc, gzip -dc)
# and the peers in ../shared/bench (DuckDB, polars, pandas), with correctness checks.
#
#   scripts/bench_cli.sh [--sizes "100 1000 4000"] [--seed 7] [--runs 3] [--warmup 1]
#                        [--data-dir /tmp/tapebar-bench] [--out DIR] [--peers|--no-peers]
#                        [--bin PATH]
#   just bench-cli --sizes 100,1000,4000 --runs 3     (commas: just does not keep quotes)
#
# Options (environment variables of the same meaning in brackets):
#   --sizes "S ..."   capture sizes in MB (10^6 bytes), by spaces or commas [SIZES, default 1000]
#   --seed N          gen_capture.py seed                               [SEED, default 7]
#   --runs N          counted rounds (each runs every command once)  [RUNS, default 3]
#   --warmup N        warm-up rounds before them (page cache, clocks)   [WARMUP, default 1]
#   --data-dir DIR    captures are generated (and reused) here          [DATA_DIR, /tmp/tapebar-bench]
#   --out DIR         outputs, logs, results.tsv, summary.md            [OUT_DIR, DATA_DIR/out]
#   --peers / --no-peers  run ../shared/bench/run_peers.sh and time DuckDB [PEERS: 1, 0, auto]
#                     (default auto: when duckdb, polars, pandas, pyarrow import in python3)
#   --bin PATH        time this binary instead of building one           [TAPEBAR_BIN]
#
# Per size it:
#   1. generates DATA_DIR/cap-SIZE-sSEED.jsonl with gen_capture.py, and .zst (zstd -3) and
#      .gz (gzip -6) copies of it; each is reused when already there (a capture only if its
#      size is what the generator writes for SIZE), and written under a temporary name first;
#   2. times, in rounds (scripts/alternate.py: each round runs every command once, so a slow
#      stretch of a shared machine falls on all of them alike; median of --runs rounds after
#      --warmup rounds; wall clock, user+sys CPU and peak RSS from wait4): cat > /dev/null;
#      tapebar aggregate -o DIR --force -q with --threads 2 and --threads 1; zstd -dc /
#      gzip -dc > /dev/null (and zstd --no-asyncio -dc where zstd has that option: the
#      decompressor without its output thread) and tapebar on the .zst / .gz (--threads 2);
#      DuckDB (peers on: ../shared/bench/peer_duckdb.py);
#   3. with peers: run_peers.sh FILE DIR (one run of each peer, GNU time; polars and pandas
#      figures in the table are that one run) and compares tapebar's candles with DuckDB's
#      (compare.py: exact decimal values);
#   4. checks that tapebar -o - writes the same bytes for --threads 1, --threads 2, .zst, .gz.
# Then prints a markdown table (also in OUT_DIR/summary.md) with the ratios and their targets:
# tapebar/DuckDB throughput >= 5x, --threads 2 / --threads 1 >= 1.7x, tapebar .zst / zstd -dc
# <= 1.3x wall, and peak RSS at the largest size <= 1.25x the 1000 MB figure (when both ran).
#
# Exit status: 0 when every check passed (a missed speed target is reported, not an error);
# 1 when a command failed, tapebar's candles differ from DuckDB's, or outputs that must be
# identical are not; 2 on a usage error.
# Needs: cargo, python3 with numpy (generator), zstd, gzip, md5sum; peers need duckdb polars
# pandas pyarrow. The 1000 MB capture takes ~15 s to generate, its .zst and .gz ~1 min;
# with them it needs ~1.2 GB of disk per 1000 MB; the peers need ~2.2 GiB RAM per GB of capture.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
    exit 2
}

sizes=${SIZES:-1000}
seed=${SEED:-7}
runs=${RUNS:-3}
warmup=${WARMUP:-1}
data_dir=${DATA_DIR:-/tmp/tapebar-bench}
out_dir=${OUT_DIR:-}
peers=${PEERS:-auto}
bin=${TAPEBAR_BIN:-}
while [ $# -gt 0 ]; do
    case $1 in
    --sizes) sizes=${2:?--sizes needs a value}; shift 2 ;;
    --sizes=*) sizes=${1#*=}; shift ;;
    --seed) seed=${2:?--seed needs a value}; shift 2 ;;
    --seed=*) seed=${1#*=}; shift ;;
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --runs=*) runs=${1#*=}; shift ;;
    --warmup) warmup=${2:?--warmup needs a value}; shift 2 ;;
    --warmup=*) warmup=${1#*=}; shift ;;
    --data-dir) data_dir=${2:?--data-dir needs a value}; shift 2 ;;
    --data-dir=*) data_dir=${1#*=}; shift ;;
    --out) out_dir=${2:?--out needs a value}; shift 2 ;;
    --out=*) out_dir=${1#*=}; shift ;;
    --peers) peers=1; shift ;;
    --no-peers) peers=0; shift ;;
    --bin) bin=${2:?--bin needs a value}; shift 2 ;;
    --bin=*) bin=${1#*=}; shift ;;
    -h | --help) usage ;;
    *) echo "bench_cli.sh: unknown argument \`$1\` (--help for usage)" >&2; exit 2 ;;
    esac
done
sizes=${sizes//,/ } # "100,1000" too: just's {{ARGS}} does not keep quotes
for s in $sizes; do
    [[ $s =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "bench_cli.sh: bad size \`$s\`" >&2; exit 2; }
done
[[ $peers =~ ^(auto|0|1)$ ]] || { echo "bench_cli.sh: PEERS is auto, 0 or 1" >&2; exit 2; }
[ -n "$sizes" ] || { echo "bench_cli.sh: no sizes" >&2; exit 2; }
[[ $seed =~ ^[0-9]+$ && $runs =~ ^[1-9][0-9]*$ && $warmup =~ ^[0-9]+$ ]] ||
    { echo "bench_cli.sh: --seed, --runs, --warmup take integers (--runs >= 1)" >&2; exit 2; }

repo=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$repo/../shared/bench" 2>/dev/null && pwd) ||
    { echo "bench_cli.sh: ../shared/bench not found beside $repo" >&2; exit 1; }
py=${PYTHON:-python3}
out_dir=${out_dir:-$data_dir/out}
mkdir -p "$data_dir" "$out_dir"
data_dir=$(cd "$data_dir" && pwd)
out_dir=$(cd "$out_dir" && pwd)
for tool in zstd gzip md5sum "$py"; do
    command -v "$tool" >/dev/null || { echo "bench_cli.sh: \`$tool\` not found" >&2; exit 1; }
done

say() { printf '\n== %s\n' "$*" >&2; }
failures=()
fail() {
    echo "bench_cli.sh: FAILED: $*" >&2
    failures+=("$*")
}

# ----- binary ----------------------------------------------------------------------------
if [ -z "$bin" ]; then
    say "cargo build --release"
    (cd "$repo" && cargo build --release)
    target_dir=$(cd "$repo" && cargo metadata --format-version 1 --no-deps |
        "$py" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
    bin=$target_dir/release/tapebar
fi
[ -x "$bin" ] || { echo "bench_cli.sh: no executable at $bin" >&2; exit 1; }
version=$("$bin" --version)
commit=$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(cd "$repo" && git status --porcelain --untracked-files=no -- src Cargo.toml Cargo.lock 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes in src/"
fi

# ----- peers -----------------------------------------------------------------------------
if [ "$peers" = auto ]; then
    if "$py" -c 'import duckdb, polars, pandas, pyarrow, numpy' 2>/dev/null; then
        peers=1
    else
        peers=0
        echo "bench_cli.sh: peers skipped: python3 cannot import duckdb, polars, pandas, pyarrow, numpy" >&2
    fi
elif [ "$peers" = 1 ]; then
    "$py" -c 'import duckdb, polars, pandas, pyarrow, numpy' ||
        { echo "bench_cli.sh: --peers needs duckdb polars pandas pyarrow numpy in $py" >&2; exit 1; }
fi

# ----- measuring -------------------------------------------------------------------------
results=$out_dir/results.tsv
log=$out_dir/timings.log
checks=$out_dir/checks.tsv
printf 'size\tmb\tkey\twhat\truns\twall_med\twall_min\twall_max\tcpu_med\trss_med\trss_max\n' >"$results"
: >"$log"
: >"$checks"

# timed: KEY, WHAT and the shell command of each command timed for one size.
q() { printf '%q' "$1"; }
# rounds SIZE MB: time the commands in `timed` in rounds, append a row each to results.tsv.
rounds() {
    local size=$1 mb=$2 t key rest what cmd args=() tsv=$out_dir/rounds-$1.tsv
    declare -A whats=()
    for t in "${timed[@]}"; do
        key=${t%%|*} rest=${t#*|}
        what=${rest%%|*} cmd=${rest#*|}
        whats[$key]=$what
        args+=("$key=$cmd")
    done
    echo "-- $size MB: ${#timed[@]} commands, $runs rounds after $warmup warm-up round(s)" >&2
    printf '%s MB:\n' "$size" >>"$log"
    if ! "$py" "$repo/scripts/alternate.py" --runs "$runs" --warmup "$warmup" --mb "$mb" \
        --tsv "$tsv" "${args[@]}" | tee -a "$log" >&2; then
        fail "$size MB: a timed command exited non-zero (FAILED in $log)"
    fi
    # alternate.py: name runs wall_med wall_min wall_max cpu_med rss_med rss_max failed
    while IFS=$'\t' read -r key n wmed wmin wmax cmed rmed rmax bad; do
        [ "$bad" = 0 ] || continue
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$mb" "$key" \
            "${whats[$key]}" "$n" "$wmed" "$wmin" "$wmax" "$cmed" "$rmed" "$rmax" >>"$results"
    done <"$tsv"
}

# capture SIZE: generate (or reuse) the plain capture and its compressed copies.
capture() {
    local size=$1 f=$data_dir/cap-$1-s$seed.jsonl lo hi have
    lo=$("$py" -c "print(int(float('$size') * 1e6))")
    hi=$((lo + 4096)) # the generator stops at the first line that reaches the target
    have=$(stat -c %s "$f" 2>/dev/null || echo -1)
    if [ "$have" -lt "$lo" ] || [ "$have" -ge "$hi" ]; then
        say "generating $f (gen_capture.py --seed $seed --target-mb $size)"
        rm -f "$f.zst" "$f.gz"
        "$py" "$shared/gen_capture.py" --seed "$seed" --target-mb "$size" -o "$f.tmp" --quiet
        mv "$f.tmp" "$f"
    else
        echo "reusing $f" >&2
    fi
    # zstd gives its output the input's mtime: reuse unless the capture is newer.
    if ! [ -s "$f.zst" ] || [ "$f" -nt "$f.zst" ]; then
        say "zstd -3 $f"
        zstd -3 -q -f -T0 "$f" -o "$f.zst.tmp"
        mv "$f.zst.tmp" "$f.zst"
    fi
    if ! [ -s "$f.gz" ] || [ "$f" -nt "$f.gz" ]; then
        say "gzip $f"
        gzip -c "$f" >"$f.gz.tmp"
        mv "$f.gz.tmp" "$f.gz"
    fi
}

for size in $sizes; do
    capture "$size"
    f=$data_dir/cap-$size-s$seed.jsonl
    mb=$("$py" -c "import os; print(os.path.getsize('$f') / 1e6)")
    work=$out_dir/$size
    mkdir -p "$work"
    say "$size MB: $f ($mb MB; .zst $(($(stat -c %s "$f.zst") / 1000000)) MB, .gz $(($(stat -c %s "$f.gz") / 1000000)) MB)"

    tb=$(q "$bin") bars=$(q "$work/bars") fq=$(q "$f")
    timed=(
        "cat|cat > /dev/null|cat $fq > /dev/null"
        "tb2|tapebar --threads 2|$tb aggregate $fq -o $bars --force -q --threads 2"
        "tb1|tapebar --threads 1|$tb aggregate $fq -o $bars --force -q --threads 1"
        "zstd|zstd -dc > /dev/null|zstd -dc $fq.zst > /dev/null"
    )
    # zstd 1.5.x writes through a second thread by default; on a busy VM that mode was up
    # to 1.7x slower than the decompressor alone (docs/performance.md), so time both.
    if zstd --help 2>&1 | grep -q asyncio; then
        timed+=("zstdna|zstd --no-asyncio -dc > /dev/null|zstd --no-asyncio -dc $fq.zst > /dev/null")
    fi
    timed+=(
        "tbzst|tapebar .zst --threads 2|$tb aggregate $fq.zst -o $bars --force -q --threads 2"
        "gzip|gzip -dc > /dev/null|gzip -dc $fq.gz > /dev/null"
        "tbgz|tapebar .gz --threads 2|$tb aggregate $fq.gz -o $bars --force -q --threads 2"
    )
    if [ "$peers" = 1 ]; then
        timed+=("duckdb|DuckDB|$(q "$py") $(q "$shared/peer_duckdb.py") $fq $(q "$work/duckdb-timed.csv")")
    fi
    rounds "$size" "$mb"

    # Same bytes whatever the thread count and the compression.
    say "$size MB: tapebar -o - outputs (threads 1/2, plain/zst/gz)"
    "$bin" aggregate "$f" -o - -q --threads 2 >"$work/tb-long.csv" || fail "$size MB: tapebar -o - exited non-zero"
    ref=$(md5sum <"$work/tb-long.csv" | cut -d' ' -f1)
    echo "tapebar -o - --threads 2: $ref ($(($(wc -l <"$work/tb-long.csv") - 1)) rows)" >&2
    identical=yes
    for variant in "$f|1" "$f.zst|2" "$f.gz|2"; do
        input=${variant%|*} threads=${variant#*|}
        sum=$("$bin" aggregate "$input" -o - -q --threads "$threads" | md5sum | cut -d' ' -f1) ||
            fail "$size MB: tapebar $input --threads $threads exited non-zero"
        echo "tapebar -o - $(basename "$input") --threads $threads: $sum" >&2
        if [ "$sum" != "$ref" ]; then
            identical=no
            fail "$size MB: \`tapebar -o - $(basename "$input") --threads $threads\` differs from --threads 2 on the plain file"
        fi
    done
    printf '%s\t%s\tcheck_identical\t%s\n' "$size" "$mb" "$identical" >>"$checks"

    if [ "$peers" = 1 ]; then
        say "$size MB: peers (run_peers.sh, one run each)"
        peer_dir=$work/peers
        if ! "$shared/run_peers.sh" "$f" "$peer_dir" >&2; then
            fail "$size MB: the peers disagree with each other (run_peers.sh)"
        fi
        # times.txt: "<tool> wall_s=1.23 cpu_s=U+S max_rss_kb=N", one run each
        awk -v size="$size" -v mb="$mb" '
            {
                tool = $1; split($2, w, "="); split($3, c, "="); split($4, r, "=")
                split(c[2], us, "+"); rss = r[2] / 1024
                printf "%s\t%s\tpeer_%s\t%s (1 run)\t1\t%s\t%s\t%s\t%.3f\t%.1f\t%.1f\n", size, mb, tool, tool, w[2], w[2], w[2], us[1] + us[2], rss, rss
            }' "$peer_dir/times.txt" >>"$results"

        # tapebar's candles, cut to the peers' columns, compared value by value.
        header=$(head -1 "$work/tb-long.csv")
        want=venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume
        if [ "$header" != "$want" ]; then
            fail "$size MB: tapebar's long header is \`$header\`, expected \`$want\`: cut -f2-9 would be wrong"
            agree=no
        else
            cut -d, -f2-9 "$work/tb-long.csv" >"$work/tb.csv"
            if "$py" "$shared/compare.py" "$peer_dir/duckdb.csv" "$work/tb.csv" >&2; then
                agree=yes
            else
                agree=no
                fail "$size MB: tapebar's candles differ from DuckDB's (compare.py $peer_dir/duckdb.csv $work/tb.csv)"
            fi
        fi
        printf '%s\t%s\tcheck_peers\t%s\n' "$size" "$mb" "$agree" >>"$checks"
    fi
done

# ----- summary ---------------------------------------------------------------------------
"$py" - "$results" "$checks" "$runs" "$warmup" "$seed" "$version" "$commit" \
    >"$out_dir/summary.md" <<'EOF'
import csv, sys

results, checks, runs, warmup, seed, version, commit = sys.argv[1:8]
# A row without figures (the timer itself failed) is left out; its failure is reported.
rows = [r for r in csv.DictReader(open(results), delimiter="\t") if r["wall_med"] and r["rss_med"]]
chk = {}
for line in open(checks):
    size, _, key, val = line.rstrip("\n").split("\t")
    chk[(size, key)] = val
sizes = list(dict.fromkeys(r["size"] for r in rows))
by = {(r["size"], r["key"]): r for r in rows}
wall = lambda s, k: float(by[(s, k)]["wall_med"]) if (s, k) in by else None
rss = lambda s, k: float(by[(s, k)]["rss_med"]) if (s, k) in by else None

def ok(good):
    return "ok" if good else "**MISSED**"

def ratio(a, b):
    return a / b if a is not None and b else None

print(f"tapebar bench_cli: {version} ({commit}); captures gen_capture.py --seed {seed}; "
      f"median of {runs} rounds after {warmup} warm-up round(s), each round every command once "
      "(scripts/alternate.py; peers' polars/pandas rows: one run); "
      "MB = 10^6 bytes of the uncompressed capture, MB/s = that / median wall.\n")
print("| size | what | wall s (min-max) | MB/s | CPU s | peak RSS MiB |")
print("|---|---|---|---|---|---|")
# DuckDB's one run in run_peers.sh is in results.tsv; the table shows the timed median.
order = ["cat", "tb2", "tb1", "zstd", "zstdna", "tbzst", "gzip", "tbgz", "duckdb", "peer_polars", "peer_pandas"]
for s in sizes:
    for k in order:
        r = by.get((s, k))
        if not r:
            continue
        w = float(r["wall_med"])
        rng = f"{w:.3f}" if r["runs"] == "1" else f"{w:.3f} ({float(r['wall_min']):.3f}-{float(r['wall_max']):.3f})"
        mbs = float(r["mb"]) / w if w > 0 else float("inf")
        print(f"| {s} MB | {r['what']} | {rng} | {mbs:,.0f} | {float(r['cpu_med']):.2f} | {float(r['rss_med']):,.0f} |")
print()
print("Ratios (of median wall times):\n")
for s in sizes:
    tb2 = wall(s, "tb2")
    lines = []
    x = ratio(wall(s, "duckdb"), tb2)
    if x is not None:
        lines.append(f"DuckDB: tapebar throughput / DuckDB's = {x:.2f}x (target >= 5x) {ok(x >= 5)}")
    for p in ("polars", "pandas"):
        x = ratio(wall(s, "peer_" + p), tb2)
        if x is not None:
            lines.append(f"{p}: tapebar throughput / {p}'s = {x:.2f}x (one {p} run; no target)")
    x = ratio(wall(s, "tb1"), tb2)
    if x is not None:
        lines.append(f"threads: --threads 2 throughput / --threads 1 = {x:.2f}x (target >= 1.7x) {ok(x >= 1.7)}")
    x = ratio(wall(s, "tbzst"), wall(s, "zstd"))
    if x is not None:
        lines.append(f"zstd: tapebar .zst / zstd -dc = {x:.2f}x wall (target <= 1.3x) {ok(x <= 1.3)}")
    x = ratio(wall(s, "tbzst"), wall(s, "zstdna"))
    if x is not None:
        lines.append(f"zstd: tapebar .zst / zstd --no-asyncio -dc = {x:.2f}x wall (the decompressor alone; no target)")
    x = ratio(wall(s, "tbgz"), wall(s, "gzip"))
    if x is not None:
        lines.append(f"gzip: tapebar .gz / gzip -dc = {x:.2f}x wall (no target)")
    ident = chk.get((s, "check_identical"))
    lines.append("identical output bytes for --threads 1 / 2, plain / .zst / .gz: "
                 + ("yes" if ident == "yes" else "**NO**"))
    peer = chk.get((s, "check_peers"))
    lines.append("candles equal DuckDB's (compare.py, exact values): "
                 + {"yes": "yes", "no": "**NO**"}.get(peer, "not checked (no peers)"))
    print(f"- {s} MB:")
    for l in lines:
        print(f"  - {l}")
nums = sorted(sizes, key=float)
if "1000" in sizes and float(nums[-1]) > 1000:
    big = nums[-1]
    print(f"- peak RSS, {big} MB / 1000 MB (target <= 1.25x):")
    for k, name in (("tb2", "--threads 2"), ("tb1", "--threads 1"), ("tbzst", ".zst"), ("tbgz", ".gz")):
        x = ratio(rss(big, k), rss("1000", k))
        if x is None:
            continue
        print(f"  - tapebar {name}: {rss(big, k):,.0f} / {rss('1000', k):,.0f} MiB = {x:.2f}x {ok(x <= 1.25)}")
else:
    print("- peak RSS rule (largest size vs 1000 MB, <= 1.25x): not applicable (needs 1000 and a larger size)")
EOF
say "summary ($out_dir/summary.md)"
cat "$out_dir/summary.md"
if [ ${#failures[@]} -gt 0 ]; then
    echo >&2
    echo "bench_cli.sh: ${#failures[@]} check(s) FAILED:" >&2
    printf '  - %s\n' "${failures[@]}" >&2
    exit 1
fi
