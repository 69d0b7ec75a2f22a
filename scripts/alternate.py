#!/usr/bin/env python3
"""Time shell commands run alternately, for A/B comparisons on a noisy machine.

    scripts/alternate.py [--runs N] [--pause PATTERN] NAME=COMMAND [NAME=COMMAND ...]

Runs the commands one after the other, N times round (default 5), and prints per command
the median wall clock and the median user+sys CPU of the command's processes, with the
min and max. Alternating spreads the machine's slow moments over all commands alike.
--pause PATTERN sends SIGSTOP to processes whose command line matches PATTERN (pkill -f)
for the duration, and SIGCONT after: other jobs on the machine, such as fuzzers.
Output of the commands goes to /dev/null. For one command's median, CPU and peak RSS,
scripts/bench_cli.sh uses ../shared/bench/timeit_cmd.py; this script is for comparing
builds or options against each other.
"""
import argparse
import resource
import statistics
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pause", help="pkill -f pattern of processes to stop meanwhile")
    ap.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    a = ap.parse_args()
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
        for _ in range(a.runs):
            for k, c in cmds:
                t0 = time.monotonic()
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(c, shell=True, stdout=subprocess.DEVNULL)
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                wall = time.monotonic() - t0
                cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
                res[k].append((wall, cpu))
    finally:
        if a.pause:
            subprocess.run(["pkill", "-CONT", "-f", a.pause])
    width = max(len(k) for k in res)
    for k, v in res.items():
        w = sorted(x[0] for x in v)
        c = sorted(x[1] for x in v)
        print(
            f"{k:{width}s}  wall {statistics.median(w):.3f} s ({w[0]:.3f}-{w[-1]:.3f})"
            f"  cpu {statistics.median(c):.3f} s ({c[0]:.3f}-{c[-1]:.3f})"
        )


if __name__ == "__main__":
    main()
