# tapebar's everyday commands. `just` is optional: every recipe is a plain command you can
# type yourself, and CI (`.ci/run`) does not use just.

# List the recipes.
default:
    @just --list

# Formatting check and lints with warnings as errors, as CI runs them.
lint:
    cargo fmt --check
    cargo clippy --all-targets -- -D warnings

# All tests: unit, property and integration tests (README's test command, as CI runs it).
test:
    cargo test

# Rewrite the golden CSVs in testdata/golden/ from the current output (review the diff).
bless:
    TAPEBAR_BLESS=1 cargo test

# Benchmarks in benches/ (criterion).
bench:
    cargo bench

# Whole-process benchmark of the release binary: scripts/bench_cli.sh, arguments passed on.
bench-cli *ARGS:
    bash scripts/bench_cli.sh {{ARGS}}

# Fuzz one target (cargo-fuzz, nightly) for SECONDS (default 600); `just fuzz-list` names them.
# Seeds fuzz/corpus/ from the test captures first. Runs are recorded in docs/reliability.md.
fuzz TARGET SECONDS="600":
    python3 fuzz/seed.py > /dev/null
    cargo +nightly fuzz run -O {{TARGET}} -- -dict=fuzz/json.dict -max_len=8192 -max_total_time={{SECONDS}}

# The fuzz targets.
fuzz-list:
    cargo +nightly fuzz list

# Load tests in release (scripts/load.sh): 10,000 symbols, 50 million trades of one symbol.
load *ARGS:
    bash scripts/load.sh {{ARGS}}

# Everything CI checks, in CI's order (format, clippy, tests, smoke run).
ci:
    bash .ci/run

# The README's first command: bars of the sample capture, as one CSV on stdout.
sample:
    cargo run --release -- aggregate testdata/sample.jsonl -o -
