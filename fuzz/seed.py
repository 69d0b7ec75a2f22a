#!/usr/bin/env python3
"""Seed the fuzz corpora (fuzz/corpus/<target>/, not committed) from the repository's test
captures and, when present, the real recordings in ../shared/captures/cryptofeed.

Venue targets get single JSON messages (binary frames decoded as tapebar does), each
prefixed with the byte that picks the connection URL (0: none); the envelope target gets
pieces of whole captures. Usage: python3 fuzz/seed.py (from anywhere)."""
import ast
import glob
import gzip
import hashlib
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURES = os.path.join(ROOT, "..", "shared", "captures", "cryptofeed")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
MAX = 8192

# venue module -> (testdata/venues prefixes, recording name prefixes)
VENUES = {
    "ascendex": (["ascendex"], ["ASCENDEX"]),
    "binance": (["binance_tr"], ["BINANCE."]),
    "bitcom": (["bitcom"], ["BIT.COM"]),
    "bitfinex": (["bitfinex"], ["BITFINEX"]),
    "bithumb": (["bithumb"], ["BITHUMB"]),
    "bitflyer": (["bitflyer"], ["BITFLYER"]),
    "bitget": (["bitget"], ["BITGET"]),
    "bitmex": (["bitmex"], ["BITMEX"]),
    "bitstamp": (["bitstamp"], ["BITSTAMP"]),
    "bybit": (["bybit"], ["BYBIT"]),
    "coinbase": (["coinbase"], ["COINBASE"]),
    "deribit": (["deribit"], []),
    "dydx": (["dydx"], ["DYDX"]),
    "gateio": (["gateio"], ["GATEIO"]),
    "gemini": (["gemini"], ["GEMINI"]),
    "hitbtc": (["hitbtc"], ["BEQUANT", "FMFW"]),
    "huobi": ([], ["HUOBI"]),
    "hyperliquid": (["hyperliquid"], []),
    "kraken": (["kraken.", "kraken_v2"], ["KRAKEN.ws"]),
    "kraken_futures": (["kraken_futures"], ["KRAKEN_FUTURES"]),
    "kucoin": (["kucoin"], ["KUCOIN"]),
    "okx": (["okx"], ["OKX"]),
    "phemex": (["phemex"], ["PHEMEX"]),
    "poloniex": (["poloniex"], ["POLONIEX"]),
    "probit": (["probit"], ["PROBIT"]),
    "upbit": ([], ["UPBIT"]),
}


def payload(line):
    """The received message of a capture line, or None."""
    line = line.rstrip(b"\r\n")
    if line[:1] in (b"{", b"["):
        p = line
    elif line[:1].isdigit() and b": " in line:
        p = line.split(b": ", 1)[1]
    elif line[:1].isdigit() and b" " in line:
        p = line.split(b" ", 1)[1]
    else:
        return None
    if p[:2] in (b"b'", b'b"'):
        try:
            p = ast.literal_eval(p.decode("latin-1"))
        except (ValueError, SyntaxError):
            return None
        if p[:2] == b"\x1f\x8b":
            try:
                p = gzip.decompress(p)
            except OSError:
                return None
    return p


def put(target, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def lines_of(paths, limit):
    for p in paths:
        with open(p, "rb") as f:
            for i, line in enumerate(f):
                if i >= limit:
                    break
                yield line


def main():
    for venue, (mine, recs) in VENUES.items():
        paths = [p for pre in mine for p in glob.glob(os.path.join(ROOT, "testdata/venues", pre + "*"))]
        paths += [p for pre in recs for p in glob.glob(os.path.join(CAPTURES, pre + "*"))]
        n = 0
        for line in lines_of(sorted(paths), 300):
            p = payload(line)
            if p and len(p) < MAX:
                # The first byte picks the URL (tests/common/agree.rs, URLS): none, or
                # Bitfinex's, whose connection has a channel map.
                put("venue_" + venue, bytes([12 if venue == "bitfinex" else 0]) + p)
                n += 1
        print(f"venue_{venue}: {n} seeds")
    n = 0
    for line in lines_of(sorted(glob.glob(os.path.join(ROOT, "testdata/binance/*"))), 1000):
        p = payload(line)
        if p and len(p) < MAX:
            for url in (0, 1, 2, 5):
                put("differential", bytes([url]) + p)
                n += 1
    print(f"differential: {n} seeds")
    files = sorted(glob.glob(os.path.join(ROOT, "testdata/*/*")))
    files += sorted(glob.glob(os.path.join(CAPTURES, "*")))
    # Folders among them (testdata/hostile/fuzz/) hold the replayed crash inputs, seeded
    # into their own targets' corpora by libFuzzer's artifacts, not here.
    files = [f for f in files if os.path.isfile(f)]
    n = 0
    for path in files:
        with open(path, "rb") as f:
            data = f.read(64 << 10)
        piece = b""
        for line in data.splitlines(keepends=True):
            if len(piece) + len(line) > MAX:
                if piece:
                    put("envelope", piece)
                    n += 1
                piece = b""
                if len(line) > MAX:
                    continue
            piece += line
        if piece:
            put("envelope", piece)
            n += 1
    print(f"envelope: {n} seeds")


if __name__ == "__main__":
    main()
