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

# Everything CI checks, in CI's order (format, clippy, tests, smoke run).
ci:
    bash .ci/run

# The README's first command: bars of the sample capture, as one CSV on stdout.
sample:
    cargo run --release -- aggregate testdata/sample.jsonl -o -
