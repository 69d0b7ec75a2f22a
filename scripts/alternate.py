#!/usr/bin/env python3
"""Time shell commands run alternately, for comparisons on a noisy machine.

    scripts/alternate.py [--runs N] [--warmup N] [--pause PATTERN] [--tsv FILE] [--mb MB]
                         NAME=COMMAND [NAME=COMMAND ...]

Runs the commands in rounds: each round runs every command once, in the order given, N
rounds (default 5) after --warmup rounds (default 0) that are not counted. Alternating
spreads the machine's slow moments over all commands alike, so ratios between them hold
better than those of commands timed one after the other. Per command it prints the median
wall clock, the median user+sys CPU and peak resident set size (from os.wait4: the largest
single process among the command's shell and what it waited for), each with min and max,
and with --mb the throughput of the median wall time in MB/s.
--tsv FILE writes a row per command: name, runs, wall median/min/max, cpu median, peak RSS
median/max (MiB), failed runs (scripts/bench_cli.sh reads it).
--pause PATTERN sends SIGSTOP to processes whose command line matches PATTERN (pkill -f)
for the duration, and SIGCONT after: other jobs on the machine, such as fuzzers.
Output of the commands goes to /dev/null. Exit status 1 when a command exited non-zero.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def run_once(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    return dict(wall=wall, cpu=ru.ru_utime + ru.ru_stime, rss=ru.ru_maxrss / 1024.0,
                rc=os.waitstatus_to_exitcode(status))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=0)
    ap.add_argument("--pause", help="pkill -f pattern of processes to stop meanwhile")
    ap.add_argument("--tsv", help="write a row of figures per command here")
    ap.add_argument("--mb", type=float, help="input size in MB, for MB/s")
    ap.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    a = ap.parse_args()
    if a.runs < 1 or a.warmup < 0:
        ap.error("--runs must be at least 1, --warmup at least 0")
    cmds = []
    for c in a.commands:
        if "=" not in c:
            sys.exit(f"alternate.py: `{c}` is not NAME=COMMAND")
        cmds.append(c.split("=", 1))
    res = {k: [] for k, _ in cmds}
    if a.pause:
        # pkill matches its own command line too; a bracket keeps the pattern from
        # matching itself ("fuzz/targe[t]").
        subprocess.run(["pkill", "-STOP", "-f", a.pause])
        time.sleep(0.3)
    try:
        for r in range(a.warmup + a.runs):
            for k, c in cmds:
                one = run_once(c)
                if r >= a.warmup:
                    res[k].append(one)
    finally:
        if a.pause:
            subprocess.run(["pkill", "-CONT", "-f", a.pause])
    width = max(len(k) for k in res)
    rows = []
    for k, v in res.items():
        w = sorted(x["wall"] for x in v)
        c = sorted(x["cpu"] for x in v)
        m = sorted(x["rss"] for x in v)
        bad = sum(1 for x in v if x["rc"] != 0)
        wmed = statistics.median(w)
        line = (f"{k:{width}s}  wall {wmed:.3f} s ({w[0]:.3f}-{w[-1]:.3f})"
                f"  cpu {statistics.median(c):.3f} s ({c[0]:.3f}-{c[-1]:.3f})"
                f"  peak {statistics.median(m):.1f} MiB ({m[0]:.1f}-{m[-1]:.1f})")
        if a.mb:
            line += f"  {a.mb / wmed:,.0f} MB/s"
        if bad:
            line += f"  FAILED {bad} of {len(v)} runs"
        print(line, flush=True)
        rows.append((k, len(v), wmed, w[0], w[-1], statistics.median(c), statistics.median(m), m[-1], bad))
    if a.tsv:
        with open(a.tsv, "w") as f:
            for r in rows:
                f.write("\t".join(f"{x:.3f}" if isinstance(x, float) else str(x) for x in r) + "\n")
    sys.exit(1 if any(r[-1] for r in rows) else 0)


if __name__ == "__main__":
    main()
