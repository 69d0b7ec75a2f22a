#!/usr/bin/env python3
"""Load captures for scripts/load.sh, and the check of tapebar's bars against the sums the
generator kept while writing them (exact: prices in cents, sizes in thousandths).

  gen_load.py single N EXPECT.json        N trades of one symbol on stdout, 1 per ms, every
                                          1000th line written twice (a duplicate)
  gen_load.py symbols S K EXPECT.json     S symbols x K trades, interleaved, on stdout
  gen_load.py overlap N K DIR EXPECT.json N gzip files DIR/oNN.jsonl.gz of K trades each,
                                          one symbol each, all over the same period (so
                                          they are read together)
  gen_load.py check EXPECT.json CSV...    compare bars (long CSV on stdin or files) with
                                          the expected sums; exit 1 on a difference
"""
import json
import sys
from decimal import Decimal

T0 = 1718841600000  # ms, a 10 s bucket start
LINE = b'{"e":"trade","E":%d,"s":"%s","t":%d,"p":"%d.%02d","q":"0.%03d","T":%d,"m":%s}\n'


class Sums:
    def __init__(self):
        self.trades = 0
        self.dups = 0
        self.size = 0  # thousandths
        self.quote = 0  # 1e-5
        self.buy = 0  # thousandths
        self.high = None
        self.low = None
        self.first = None  # (price cents) of the first trade
        self.last = None
        self.buckets = set()

    def add(self, cents, size, buy, t):
        self.trades += 1
        self.size += size
        self.quote += cents * size
        if buy:
            self.buy += size
        self.high = cents if self.high is None else max(self.high, cents)
        self.low = cents if self.low is None else min(self.low, cents)
        if self.first is None:
            self.first = cents
        self.last = cents
        self.buckets.add(t // 10000)

    def to_json(self):
        return {
            "trades": self.trades,
            "duplicates": self.dups,
            "volume": str(Decimal(self.size) / 1000),
            "quote_volume": str(Decimal(self.quote) / 100000),
            "buy_volume": str(Decimal(self.buy) / 1000),
            "high": str(Decimal(self.high) / 100),
            "low": str(Decimal(self.low) / 100),
            "open": str(Decimal(self.first) / 100),
            "close": str(Decimal(self.last) / 100),
            "rows": len(self.buckets),
        }


def single(n, expect):
    out = sys.stdout.buffer
    s = Sums()
    buf = []
    sym = b"BTCUSDT"
    for i in range(n):
        t = T0 + i
        cents = 6000000 + (i * 7919) % 100000
        size = 1 + i % 997
        buy = i % 3 == 0
        line = LINE % (t, sym, i + 1, cents // 100, cents % 100, size, t,
                       b"false" if buy else b"true")
        buf.append(line)
        s.add(cents, size, buy, t)
        if i % 1000 == 999:
            buf.append(line)
            s.dups += 1
        if len(buf) >= 20000:
            out.write(b"".join(buf))
            buf.clear()
    out.write(b"".join(buf))
    with open(expect, "w") as f:
        json.dump({"BTCUSDT": s.to_json()}, f)


def symbols(n_sym, k, expect):
    out = sys.stdout.buffer
    sums = {}
    buf = []
    for j in range(k):
        for sym in range(n_sym):
            name = b"S%05dUSDT" % sym
            t = T0 + j * 100 + sym % 100
            cents = 10000 + (sym * 31 + j * 17) % 5000
            size = 1 + (j + sym) % 13
            buy = (j + sym) % 2 == 0
            buf.append(LINE % (t, name, j + 1, cents // 100, cents % 100, size, t,
                               b"false" if buy else b"true"))
            sums.setdefault(name.decode(), Sums()).add(cents, size, buy, t)
            if len(buf) >= 20000:
                out.write(b"".join(buf))
                buf.clear()
    out.write(b"".join(buf))
    with open(expect, "w") as f:
        json.dump({k: v.to_json() for k, v in sums.items()}, f)


def overlap(n, k, out_dir, expect):
    import gzip
    import os
    sums = {}
    for f in range(n):
        name = b"O%02dUSDT" % f
        s = sums.setdefault(name.decode(), Sums())
        with gzip.open(os.path.join(out_dir, "o%02d.jsonl.gz" % f), "wb", compresslevel=1) as g:
            buf = []
            for i in range(k):
                t = T0 + i * 10 + f
                cents = 10000 + (i * 13 + f) % 5000
                size = 1 + i % 11
                buy = i % 2 == 1
                buf.append(LINE % (t, name, i + 1, cents // 100, cents % 100, size, t,
                                   b"false" if buy else b"true"))
                s.add(cents, size, buy, t)
                if len(buf) >= 20000:
                    g.write(b"".join(buf))
                    buf.clear()
            g.write(b"".join(buf))
    with open(expect, "w") as fh:
        json.dump({k: v.to_json() for k, v in sums.items()}, fh)


def check(expect, paths):
    want = json.load(open(expect))
    got = {}
    streams = [open(p) for p in paths] if paths else [sys.stdin]
    for f in streams:
        header = f.readline().rstrip("\n").split(",")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split(",")))
            sym = row.get("symbol") or f.name.rsplit("/", 1)[-1][: -len(".csv")]
            g = got.setdefault(sym, {"trades": 0, "volume": Decimal(0),
                                     "quote_volume": Decimal(0), "buy_volume": Decimal(0),
                                     "high": None, "low": None, "open": None, "close": None,
                                     "rows": 0, "ts": []})
            g["trades"] += int(row["trades"])
            for k in ("volume", "quote_volume", "buy_volume"):
                g[k] += Decimal(row[k])
            hi, lo = Decimal(row["high"]), Decimal(row["low"])
            g["high"] = hi if g["high"] is None else max(g["high"], hi)
            g["low"] = lo if g["low"] is None else min(g["low"], lo)
            if g["open"] is None:
                g["open"] = Decimal(row["open"])
            g["close"] = Decimal(row["close"])
            g["rows"] += 1
            g["ts"].append(int(row["ts"]))
    bad = 0
    if set(got) != set(want):
        print(f"symbols differ: {len(got)} got, {len(want)} expected")
        bad += 1
    for sym, w in want.items():
        g = got.get(sym)
        if g is None:
            continue
        if g["ts"] != sorted(g["ts"]) or len(set(g["ts"])) != len(g["ts"]):
            print(f"{sym}: rows out of order or repeated")
            bad += 1
        for k in ("trades", "rows"):
            if g[k] != w[k]:
                print(f"{sym}: {k} {g[k]} != {w[k]}")
                bad += 1
        for k in ("volume", "quote_volume", "buy_volume", "high", "low", "open", "close"):
            if g[k] != Decimal(w[k]):
                print(f"{sym}: {k} {g[k]} != {w[k]}")
                bad += 1
        if bad > 20:
            break
    n = sum(w["trades"] for w in want.values())
    print(f"check: {len(want)} symbols, {n} trades, {sum(g['rows'] for g in got.values())} rows: "
          + ("OK" if bad == 0 else f"{bad} differences"))
    return 1 if bad else 0


def main():
    cmd = sys.argv[1]
    if cmd == "single":
        single(int(sys.argv[2]), sys.argv[3])
    elif cmd == "symbols":
        symbols(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif cmd == "overlap":
        overlap(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif cmd == "check":
        sys.exit(check(sys.argv[2], sys.argv[3:]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
