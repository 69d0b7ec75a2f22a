#!/usr/bin/env python3
"""An independent, spec-literal reference for `tapebar aggregate -o -` on Binance captures.

usage:
  python3 testdata/ref_bars.py [--interval-ms N] [--fill forward|none] [--keep-pre-capture] FILE...
      prints the long CSV (venue,symbol,ts,open,...,buy_volume) tapebar should print
  python3 testdata/ref_bars.py --write-goldens   regenerate testdata/golden/*.csv
  python3 testdata/ref_bars.py --check-goldens   compare testdata/golden/*.csv (exit 1 if any differs)

It shares no code with tapebar: plain `json` + `decimal`, written from the rules in the
task description / docs (stdlib only, slow, for small files). Plain files only (no gzip or
zstd), and only what the fixtures use: Binance `trade`/`aggTrade` (combined-stream wrapper
or bare), envelopes raw / cryptofeed / tardis.dev / JSON wrapper.

Rules implemented:
  * a line is: blank (a disconnect: the next receive time starts a new recording),
    `URL <-> ts` (a recording starts at ts, its URL names the venue), `URL <- ...`,
    `URL -> ...`, `configuration: ...` (ignored), `ISO json` (tardis.dev), `ts: json`
    (cryptofeed), `{...}` (bare JSON, maybe a {"time","raw"} / {"localTimestamp","message"}
    wrapper carrying a receive time); anything else is malformed;
  * a recording's start: its connection line's time, else its first receive time;
  * trades: data.e == "trade" (id t, stream 0) or "aggTrade" (id a, stream 1); futures
    trades with X other than MARKET are skipped; venue from the connection URL host;
  * a trade older than its recording's start by more than 5 s is skipped unless
    --keep-pre-capture;
  * one trade per (venue, symbol, stream, id), the first one read;
  * per (venue, symbol) only the lowest stream present is used (trade over aggTrade);
  * bucket = floor(T / interval) * interval; open/close by (T, id, input, line);
    volume, quote volume (sum of p*q) and buy volume (m false) are exact sums;
  * forward fill between a series' first and last traded bucket.
"""

import argparse
import datetime
import decimal
import json
import os
import sys
from decimal import Decimal

decimal.getcontext().prec = 400

NS_PER_MS = 1_000_000
SLACK_NS = 5_000_000_000


def plain(d):
    """Plain decimal text, trailing zeros stripped, never an exponent."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s or "0"


def decimal_seconds_ns(text):
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > 9:
        raise ValueError(text)
    return int(whole) * 10**9 + int((frac + "0" * 9)[:9])


def iso_ns(text):
    t = text[:-1] if text.endswith("Z") else text
    main, _, frac = t.partition(".")
    d = datetime.datetime.strptime(main, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 10**9 + int((frac + "0" * 9)[:9])


def venue_of(url):
    if url is None:
        return "binance"
    host = url.split("://", 1)[1].split("/")[0].split(":")[0].split("?")[0]
    if host.endswith("binance.us"):
        return "binance-us"
    if host.startswith("fstream"):
        return "binance-futures"
    if host.startswith("dstream"):
        return "binance-delivery"
    return "binance"


def classify(line):
    """-> ('blank',) | ('connect', url, ns) | ('ignored',) | ('msg', recv_ns|None, text) | ('bad',)"""
    if line.strip() == "":
        return ("blank",)
    if line[0] in "{[":
        return ("msg", None, line)
    if line.startswith(("wss://", "ws://", "https://", "http://")):
        url, _, rest = line.partition(" ")
        if rest.startswith("<-> "):
            return ("connect", url, decimal_seconds_ns(rest[4:].strip()))
        if rest.startswith(("<- ", "-> ")):
            return ("ignored",)
        return ("bad",)
    if line.startswith("configuration: "):
        return ("ignored",)
    if line[0].isdigit():
        if len(line) > 20 and line[4] == "-" and line[10] == "T":
            ts, _, rest = line.partition(" ")
            return ("msg", iso_ns(ts), rest)
        ts, sep, rest = line.partition(": ")
        if not sep:
            return ("bad",)
        return ("msg", decimal_seconds_ns(ts), rest)
    return ("bad",)


def read_trades(paths, keep_pre_capture):
    """All admitted, deduplicated trades: dicts with venue, symbol, stream, id, T, p, q, buy, order."""
    seen = set()
    trades = []
    for ii, path in enumerate(paths):
        url, start, pending = None, None, True
        with open(path, encoding="utf-8") as f:
            text = f.read()
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        for ln, line in enumerate(lines, start=1):
            line = line.rstrip("\r")
            try:
                c = classify(line)
            except ValueError:
                continue
            if c[0] == "blank":
                start, pending = None, True
                continue
            if c[0] == "connect":
                url, start, pending = c[1], c[2], False
                continue
            if c[0] != "msg":
                continue
            recv, payload = c[1], c[2]
            try:
                msg = json.loads(payload)
            except ValueError:
                continue
            if isinstance(msg, dict):
                for tk, mk in (("time", "raw"), ("localTimestamp", "message")):
                    if tk in msg and isinstance(msg.get(mk), (dict, list)):
                        recv = iso_ns(msg[tk]) if isinstance(msg[tk], str) else msg[tk] * NS_PER_MS
                        msg = msg[mk]
                        break
            if recv is not None and pending:
                start, pending = recv, False
            if not isinstance(msg, dict):
                continue
            d = msg["data"] if isinstance(msg.get("stream"), str) and isinstance(msg.get("data"), dict) else msg
            e = d.get("e")
            if e == "trade":
                stream, tid = 0, d.get("t")
            elif e == "aggTrade":
                stream, tid = 1, d.get("a")
            else:
                continue
            try:
                p, q = Decimal(d["p"]), Decimal(d["q"])
                T = int(d["T"])
            except (KeyError, ValueError, TypeError, decimal.InvalidOperation):
                continue  # malformed
            if not (p > 0 and q > 0) or not isinstance(tid, int):
                continue  # malformed
            if stream == 0 and "X" in d and d["X"] != "MARKET":
                continue  # skipped: futures fill that is not a market trade
            T_ns = T * NS_PER_MS if len(str(T)) <= 15 else T * 1000
            if not keep_pre_capture and start is not None and T_ns < start - SLACK_NS:
                continue  # skipped: pre-capture
            venue = venue_of(url)
            key = (venue, d["s"], stream, tid)
            if key in seen:
                continue  # duplicate
            seen.add(key)
            trades.append(
                {"venue": venue, "symbol": d["s"], "stream": stream, "id": tid, "T": T_ns, "p": p, "q": q,
                 "buy": d.get("m") is False, "order": (T_ns, tid, ii, ln)}
            )
    return trades


def bars(trades, interval_ns, fill):
    best = {}
    for t in trades:
        k = (t["venue"], t["symbol"])
        best[k] = min(best.get(k, 9), t["stream"])
    series = {}
    for t in trades:
        if t["stream"] != best[(t["venue"], t["symbol"])]:
            continue  # skipped: the symbol's trade stream is in the capture
        b = t["T"] // interval_ns * interval_ns
        series.setdefault((t["venue"], t["symbol"]), {}).setdefault(b, []).append(t)
    out = ["venue,symbol,ts,open,high,low,close,volume,trades,quote_volume,buy_volume"]
    for (venue, symbol) in sorted(series):
        buckets = series[(venue, symbol)]
        keys = sorted(buckets)
        prev = None
        b = keys[0]
        while b <= keys[-1]:
            ts = b // NS_PER_MS
            if b in buckets:
                ts_ = sorted(buckets[b], key=lambda t: t["order"])
                ps = [t["p"] for t in ts_]
                row = [ps[0], max(ps), min(ps), ps[-1], sum(t["q"] for t in ts_), len(ts_),
                       sum(t["p"] * t["q"] for t in ts_), sum(t["q"] for t in ts_ if t["buy"])]
                prev = ps[-1]
                out.append(",".join([venue, symbol, str(ts)] + [plain(x) if isinstance(x, Decimal) else str(x) for x in row]))
            elif fill:
                out.append(",".join([venue, symbol, str(ts)] + [plain(prev)] * 4 + ["0", "0", "0", "0"]))
            b += interval_ns
    return "\n".join(out) + "\n"


def run(paths, interval_ms=10_000, fill=True, keep_pre_capture=False):
    return bars(read_trades(paths, keep_pre_capture), interval_ms * NS_PER_MS, fill)


# golden name -> (inputs relative to testdata/, interval ms, fill, keep pre-capture)
# Keep in step with the CASES table of tests/golden.rs.
HERE = os.path.dirname(os.path.abspath(__file__))
FIX = "binance"
GOLDENS = {
    "sample": (["sample.jsonl"], 10_000, True, False),
    "duplicates": ([f"{FIX}/duplicates.jsonl"], 10_000, True, False),
    "out_of_order": ([f"{FIX}/out_of_order.jsonl"], 10_000, True, False),
    "same_millisecond": ([f"{FIX}/same_millisecond.jsonl"], 10_000, True, False),
    "fill": ([f"{FIX}/fill.jsonl"], 10_000, True, False),
    "fill_none": ([f"{FIX}/fill.jsonl"], 10_000, False, False),
    "fill_1m": ([f"{FIX}/fill.jsonl"], 60_000, True, False),
    "fill_2500ms": ([f"{FIX}/fill.jsonl"], 2_500, True, False),
    "multi_symbol": ([f"{FIX}/multi_symbol.jsonl"], 10_000, True, False),
    "trade_and_aggtrade": ([f"{FIX}/trade_and_aggtrade.jsonl"], 10_000, True, False),
    "futures_x": ([f"{FIX}/futures_x.ws"], 10_000, True, False),
    "envelope_raw": ([f"{FIX}/envelope_raw.jsonl"], 10_000, True, False),
    "envelope_cryptofeed": ([f"{FIX}/envelope_cryptofeed.ws"], 10_000, True, False),
    "envelope_tardis": ([f"{FIX}/envelope_tardis.txt"], 10_000, True, False),
    "envelope_tardis_keep": ([f"{FIX}/envelope_tardis.txt"], 10_000, True, True),
    "envelope_wrapper": ([f"{FIX}/envelope_wrapper.jsonl"], 10_000, True, False),
    "malformed": ([f"{FIX}/malformed.jsonl"], 10_000, True, False),
    "pre_capture": ([f"{FIX}/pre_capture.ws"], 10_000, True, False),
    "pre_capture_keep": ([f"{FIX}/pre_capture.ws"], 10_000, True, True),
    "venue_us": ([f"{FIX}/venue_us.ws"], 10_000, True, False),
    "venue_delivery": ([f"{FIX}/venue_delivery.ws"], 10_000, True, False),
    "exact_sums": ([f"{FIX}/exact_sums.jsonl"], 10_000, True, False),
    "all_binance": (None, 10_000, True, False),  # every file of testdata/binance, sorted
}


def golden_inputs(name):
    inputs = GOLDENS[name][0]
    if inputs is None:
        d = os.path.join(HERE, FIX)
        return [os.path.join(d, n) for n in sorted(os.listdir(d)) if not n.startswith(".")]
    return [os.path.join(HERE, p) for p in inputs]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*")
    ap.add_argument("--interval-ms", type=int, default=10_000)
    ap.add_argument("--fill", choices=["forward", "none"], default="forward")
    ap.add_argument("--keep-pre-capture", action="store_true")
    ap.add_argument("--write-goldens", action="store_true")
    ap.add_argument("--check-goldens", action="store_true")
    a = ap.parse_args()
    if a.write_goldens or a.check_goldens:
        bad = 0
        for name, (_, iv, fill, keep) in GOLDENS.items():
            text = run(golden_inputs(name), iv, fill, keep)
            path = os.path.join(HERE, "golden", name + ".csv")
            if a.write_goldens:
                with open(path, "w", newline="\n") as f:
                    f.write(text)
            else:
                try:
                    with open(path, newline="") as f:
                        old = f.read()
                except FileNotFoundError:
                    old = None
                if old != text:
                    bad += 1
                    print(f"DIFFERS: golden/{name}.csv", file=sys.stderr)
        if a.check_goldens:
            print(f"{len(GOLDENS) - bad}/{len(GOLDENS)} goldens agree with ref_bars.py")
            sys.exit(1 if bad else 0)
        return
    sys.stdout.write(run(a.files, a.interval_ms, a.fill == "forward", a.keep_pre_capture))


if __name__ == "__main__":
    main()
