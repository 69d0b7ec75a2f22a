#!/usr/bin/env python3
"""Write the focused Binance fixtures in testdata/binance/ (stdlib only).

usage: python3 testdata/make_fixtures.py [OUTDIR]   (default: testdata/binance next to this script)

Every fixture is small enough to check by hand; testdata/README.md says what each one
covers and what its bars must be. Message shapes follow docs/formats.md section 2.1 (and
the real recordings in ../shared/captures/cryptofeed/): spot `trade`/`aggTrade` in the
combined-stream wrapper with prices and sizes as strings with 8 decimals, futures
`trade` with `X` and unpadded decimals. Values are synthetic.

Trade ids and symbols are chosen so no two fixtures share a (venue, symbol, id) unless
they describe the same trade (the envelope fixtures do, on purpose): the whole folder can
be aggregated in one run (testdata/golden/all_binance.csv).

The output is deterministic; rerun after editing and regenerate the goldens with
`python3 testdata/ref_bars.py --write-goldens` (then review the diff).
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "binance")  # main() may point it elsewhere (tests regenerate into a temp dir)

# 2024-06-20T00:00:00Z in epoch ms: every fixture's trades are near it, so 10 s buckets
# start at T0, T0 + 10000, ...
T0 = 1718841600000


def pad8(s):
    """Binance spot writes prices and sizes with exactly 8 decimals."""
    whole, _, frac = s.partition(".")
    return whole + "." + (frac + "00000000")[:8]


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"))


def spot_trade(sym, t, p, q, T, m, E=None):
    """Spot `<symbol>@trade` event (bare, as on a /ws/ raw stream)."""
    return {
        "e": "trade",
        "E": T + 2 if E is None else E,
        "s": sym,
        "t": t,
        "p": pad8(p),
        "q": pad8(q),
        "T": T,
        "m": m,
        "M": True,
    }


def spot_agg(sym, a, p, q, f, l, T, m, E=None):
    """Spot `<symbol>@aggTrade` event."""
    return {
        "e": "aggTrade",
        "E": T + 3 if E is None else E,
        "s": sym,
        "a": a,
        "p": pad8(p),
        "q": pad8(q),
        "f": f,
        "l": l,
        "T": T,
        "m": m,
        "M": True,
    }


def fut_trade(sym, t, p, q, T, m, X):
    """USD-M futures `<symbol>@trade` event (carries X, no M)."""
    return {"e": "trade", "E": T + 5, "T": T, "s": sym, "t": t, "p": p, "q": q, "X": X, "m": m}


def fut_agg(sym, a, p, q, f, l, T, m):
    """Futures `<symbol>@aggTrade` event (no M, observed)."""
    return {"e": "aggTrade", "E": T + 4, "a": a, "s": sym, "p": p, "q": q, "f": f, "l": l, "T": T, "m": m}


def wrap(ev, stream=None):
    """Combined-stream wrapper: {"stream":"<lower symbol>@<e>","data":{...}}."""
    if stream is None:
        stream = ev["s"].lower() + "@" + ev["e"]
    return dumps({"stream": stream, "data": ev})


def depth(sym, E):
    return wrap(
        {"e": "depthUpdate", "E": E, "s": sym, "U": 1000, "u": 1002, "b": [["1.00000000", "2.00000000"]], "a": []},
        sym.lower() + "@depth@100ms",
    )


def cf_time(ns):
    """cryptofeed receive time: decimal Unix seconds (Python float repr style)."""
    s, frac = divmod(ns, 1_000_000_000)
    text = f"{s}.{frac:09d}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def tardis_time(ns):
    """tardis.dev local timestamp: ISO with 7 fraction digits and Z."""
    import datetime

    s, frac = divmod(ns, 1_000_000_000)
    d = datetime.datetime.fromtimestamp(s, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + f".{frac // 100:07d}Z"


def iso9(ns):
    """Hyperliquid-archive style time: ISO with 9 digits, no zone (UTC)."""
    import datetime

    s, frac = divmod(ns, 1_000_000_000)
    d = datetime.datetime.fromtimestamp(s, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}"


def ms(x):
    """ms -> ns"""
    return x * 1_000_000


def write(name, lines):
    path = os.path.join(OUT, name)
    with open(path, "w", newline="\n") as f:
        for line in lines:
            f.write(line + "\n")


def duplicates():
    # BTCUSDT ids 1001..1006 in two buckets; three duplicates:
    #   line 3 = line 2 byte for byte (adjacent), line 10 = line 1 re-sent with another
    #   event time E (far apart), line 11 = line 6 (second bucket).
    # ETHUSDT t=1001 has the same id number as a BTCUSDT trade: not a duplicate.
    b = "BTCUSDT"
    l1 = spot_trade(b, 1001, "66000.1", "0.5", T0 + 100, False)
    l2 = spot_trade(b, 1002, "66001", "0.25", T0 + 200, True)
    l4 = spot_trade(b, 1003, "65999.5", "1", T0 + 1500, False)
    l5 = spot_trade(b, 1004, "66002", "0.1", T0 + 9999, True)
    l6 = spot_trade(b, 1005, "66003.25", "0.2", T0 + 10000, False)
    l8 = spot_trade(b, 1006, "66004", "0.3", T0 + 15000, True)
    eth = spot_trade("ETHUSDT", 1001, "3500.5", "2", T0 + 300, False)
    l10 = dict(l1, E=T0 + 5000)
    write(
        "duplicates.jsonl",
        [
            wrap(l1),
            wrap(l2),
            wrap(l2),
            wrap(l4),
            wrap(l5),
            wrap(l6),
            depth(b, T0 + 12000),
            wrap(l8),
            wrap(eth),
            wrap(l10),
            wrap(l6),
        ],
    )


def out_of_order():
    # SOLUSDT: ids increase with trade time; arrival order 2003, 2001, 2004, 2000, 2002.
    s = "SOLUSDT"
    t = {
        2000: ("140.1", "3", T0 + 1000, False),
        2001: ("139.95", "2", T0 + 3000, True),
        2002: ("140.2", "1.5", T0 + 8000, False),
        2003: ("140.35", "1", T0 + 11000, False),
        2004: ("140.05", "4", T0 + 12000, True),
    }
    order = [2003, 2001, 2004, 2000, 2002]
    write("out_of_order.jsonl", [wrap(spot_trade(s, i, *t[i])) for i in order])


def same_millisecond():
    # BNBUSDT: one taker buy filled 4 resting orders in the same ms (ids 3001..3004, price
    # walking up), arriving 3003, 3001, 3004, 3002; then a taker sell of 2 fills in another
    # ms (3005 at the higher price, 3006 lower), arriving 3006, 3005.
    s = "BNBUSDT"
    T1, T2 = T0 + 5000, T0 + 13000
    t = {
        3001: ("590.01", "0.5", T1, False),
        3002: ("590.02", "0.25", T1, False),
        3003: ("590.03", "1", T1, False),
        3004: ("590.05", "0.125", T1, False),
        3005: ("589.9", "2", T2, True),
        3006: ("589.8", "0.75", T2, True),
    }
    order = [3003, 3001, 3004, 3002, 3006, 3005]
    write("same_millisecond.jsonl", [wrap(spot_trade(s, i, *t[i], E=t[i][2] + 1)) for i in order])


def fill():
    # ADAUSDT trades in 10 s buckets 0, 3, 4 and 7 (and at the 1 m boundary): buckets 1, 2,
    # 5 and 6 are forward-filled. DOGEUSDT has one trade (bucket 5): one row, no fill.
    # LINKUSDT trades in buckets 0 and 1 only: no rows after bucket 1.
    a, d, k = "ADAUSDT", "DOGEUSDT", "LINKUSDT"
    lines = [
        wrap(spot_trade(a, 4001, "0.39", "100", T0 + 500, False)),
        wrap(spot_trade(k, 4101, "14.2", "10", T0 + 800, True)),
        wrap(spot_trade(a, 4002, "0.3905", "50", T0 + 2500, True)),
        wrap(spot_trade(k, 4102, "14.21", "5", T0 + 10001, False)),
        wrap(spot_trade(a, 4003, "0.391", "20", T0 + 30000, False)),
        wrap(spot_trade(a, 4004, "0.3899", "10", T0 + 45000, True)),
        wrap(spot_trade(d, 4201, "0.125", "1000", T0 + 52000, False)),
        wrap(spot_trade(a, 4005, "0.392", "30", T0 + 59999, False)),
        wrap(spot_trade(a, 4006, "0.3915", "40", T0 + 60000, True)),
        wrap(spot_trade(a, 4007, "0.393", "5", T0 + 79999, False)),
    ]
    write("fill.jsonl", lines)


def multi_symbol():
    # Five symbols interleaved, tiny and huge prices, one bucket each (two for XRPUSDT).
    lines = [
        wrap(spot_trade("XRPUSDT", 5001, "0.4901", "1000", T0 + 100, False)),
        wrap(spot_trade("PEPEUSDT", 5101, "0.00001234", "12345678", T0 + 200, True)),
        wrap(spot_trade("BTCTRY", 5201, "2150000", "0.00001", T0 + 300, False)),
        wrap(spot_trade("ETHBTC", 5301, "0.05301", "0.5", T0 + 400, True)),
        wrap(spot_trade("PEPEUSDT", 5102, "0.00001235", "1000000", T0 + 500, False)),
        wrap(spot_trade("XRPUSDT", 5002, "0.4902", "250", T0 + 10500, True)),
        wrap(spot_trade("BTCTRY", 5202, "2150001", "0.00002", T0 + 600, True)),
        wrap(spot_trade("ETHBTC", 5302, "0.05299", "1.25", T0 + 700, False)),
    ]
    write("multi_symbol.jsonl", lines)


def trade_and_aggtrade():
    # AVAXUSDT: both streams. Trades 6001..6004; aggTrade 600 covers 6001-6002 (same taker
    # order, same price), 601 covers 6003, 602 covers 6004. Bars come from `trade`
    # (4 trades), the 3 aggTrades are reported as skipped.
    # DOTUSDT: aggTrade only (ids a=700..702, 701 sent twice): bars from aggTrade.
    v = "AVAXUSDT"
    lines = [
        wrap(spot_trade(v, 6001, "28.5", "1", T0 + 1000, False)),
        wrap(spot_trade(v, 6002, "28.5", "2", T0 + 1000, False)),
        wrap(spot_agg(v, 600, "28.5", "3", 6001, 6002, T0 + 1000, False)),
        wrap(spot_agg("DOTUSDT", 700, "6.1", "10", 7001, 7003, T0 + 1200, True)),
        wrap(spot_trade(v, 6003, "28.49", "0.5", T0 + 4000, True)),
        wrap(spot_agg(v, 601, "28.49", "0.5", 6003, 6003, T0 + 4000, True)),
        wrap(spot_agg("DOTUSDT", 701, "6.11", "5", 7004, 7004, T0 + 6000, False)),
        wrap(spot_agg("DOTUSDT", 701, "6.11", "5", 7004, 7004, T0 + 6000, False)),
        wrap(spot_trade(v, 6004, "28.52", "1.5", T0 + 11000, False)),
        wrap(spot_agg(v, 602, "28.52", "1.5", 6004, 6004, T0 + 11000, False)),
        wrap(spot_agg("DOTUSDT", 702, "6.09", "2", 7005, 7006, T0 + 14000, True)),
    ]
    write("trade_and_aggtrade.jsonl", lines)


def futures_x():
    # cryptofeed recording of an fstream (USD-M) connection: venue binance-futures.
    # BTCUSDT @trade with X = MARKET (kept), INSURANCE_FUND, ADL, NA (skipped, 3);
    # ETHUSDT @aggTrade (no X), plus a subscription ack and a markPriceUpdate.
    url = "wss://fstream.binance.com/stream?streams=btcusdt@trade/ethusdt@aggTrade/btcusdt@markPrice"
    start = ms(T0) - 500_000_000  # 0.5 s before T0
    b, e = "BTCUSDT", "ETHUSDT"
    recv = lambda T: cf_time(ms(T) + 7_123_000)  # noqa: E731 (7.123 ms after T)
    ev = [
        fut_trade(b, 9001, "66010.1", "0.005", T0 + 100, False, "MARKET"),
        fut_agg(e, 9501, "3501.25", "0.4", 88001, 88003, T0 + 150, True),
        fut_trade(b, 9002, "66010", "0.01", T0 + 200, True, "MARKET"),
        fut_trade(b, 9003, "65000", "1.5", T0 + 300, True, "INSURANCE_FUND"),
        fut_trade(b, 9004, "66011.5", "0.002", T0 + 2000, False, "MARKET"),
        fut_trade(b, 9005, "67000", "2", T0 + 2500, False, "ADL"),
        fut_trade(b, 9006, "66012", "0.003", T0 + 12000, True, "MARKET"),
        fut_agg(e, 9502, "3501.5", "0.1", 88004, 88004, T0 + 12500, False),
        fut_trade(b, 9007, "64000", "0.7", T0 + 13000, True, "NA"),
    ]
    lines = [
        f"{url} <-> {cf_time(start)}",
        f"{url} <- {cf_time(start + 1_000_000)}: "
        + dumps({"method": "SUBSCRIBE", "params": ["btcusdt@trade", "ethusdt@aggTrade", "btcusdt@markPrice"], "id": 1}),
        f"{cf_time(start + 80_000_000)}: " + dumps({"result": None, "id": 1}),
    ]
    for i, x in enumerate(ev):
        lines.append(f"{recv(x['T'])}: " + wrap(x))
        if i == 5:
            mark = {"e": "markPriceUpdate", "E": T0 + 3000, "s": b, "p": "66011.00000000", "i": "66009.1", "P": "66015.2", "r": "0.00010000", "T": T0 + 28800000}
            lines.append(f"{recv(T0 + 3000)}: " + wrap(mark, "btcusdt@markPrice"))
    lines += ["", ""]  # cryptofeed files end with empty lines
    with open(os.path.join(OUT, "futures_x.ws"), "w", newline="\n") as f:
        f.write("\n".join(lines))


# The envelope fixtures hold the same LTCUSDT trades A, B, C, F (same ids and values), each
# in another recorder format, so their bars are the same. The tardis one adds a
# disconnect and stale replays after it.
LTC = "LTCUSDT"
ENV_A = spot_trade(LTC, 8001, "76.01", "1.5", T0 + 1000, False)
ENV_B = spot_trade(LTC, 8003, "76.05", "0.5", T0 + 7000, True)
ENV_C = spot_trade(LTC, 8004, "75.98", "2", T0 + 12498, True)
ENV_F = spot_trade(LTC, 8005, "76", "0.25", T0 + 13000, False)
# E: a trade between A and B never delivered live; replayed after the reconnect.
ENV_E = spot_trade(LTC, 8002, "75.5", "10", T0 + 4000, True)
# receive times (ms after the trade time)
ENV_RECV = {8001: T0 + 1005, 8003: T0 + 7004, 8004: T0 + 12500, 8005: T0 + 13001}


def envelopes():
    trades = [ENV_A, ENV_B, ENV_C, ENV_F]

    # raw: one message per line, no receive time; the first is a bare event (raw /ws/
    # stream), the others use the combined-stream wrapper; one non-trade event.
    raw = [dumps(ENV_A), wrap(ENV_B), depth(LTC, T0 + 9000), wrap(ENV_C), dumps(ENV_F)]
    write("envelope_raw.jsonl", raw)

    # cryptofeed: header, client frame, ack, received lines, trailing empty lines.
    url = "wss://stream.binance.com:9443/stream?streams=ltcusdt@trade/ltcusdt@depth@100ms"
    start = ms(T0 + 200)
    cf = [
        f"{url} <-> {cf_time(start)}",
        f"{url} <- {cf_time(start + 2_500_000)}: " + dumps({"method": "SUBSCRIBE", "params": ["ltcusdt@trade"], "id": 1}),
        f"{cf_time(start + 150_000_000)}: " + dumps({"result": None, "id": 1}),
    ]
    for x in trades:
        cf.append(f"{cf_time(ms(ENV_RECV[x['t']]) + 250_500)}: " + wrap(x))
        if x is ENV_B:
            cf.append(f"{cf_time(ms(T0 + 9001))}: " + depth(LTC, T0 + 9000))
    with open(os.path.join(OUT, "envelope_cryptofeed.ws"), "w", newline="\n") as f:
        f.write("\n".join(cf) + "\n\n\n")

    # tardis.dev: ISO receive time (7 digits), a space, the message. A blank line
    # (disconnect) after B; the new recording starts at C's receive time (T0+12.5 s), then
    # two stale replays: B again (5.5 s older than the new start: pre-capture, and a
    # duplicate of B) and E (8.5 s older: pre-capture; kept only with --keep-pre-capture).
    td = [
        f"{tardis_time(ms(ENV_RECV[8001]) + 1234500)} " + wrap(ENV_A),
        f"{tardis_time(ms(ENV_RECV[8003]) + 1234500)} " + wrap(ENV_B),
        "",
        f"{tardis_time(ms(ENV_RECV[8004]))} " + wrap(ENV_C),
        f"{tardis_time(ms(T0 + 12501))} " + wrap(dict(ENV_B, E=T0 + 12500)),
        f"{tardis_time(ms(T0 + 12502))} " + wrap(dict(ENV_E, E=T0 + 12500)),
        f"{tardis_time(ms(ENV_RECV[8005]))} " + wrap(ENV_F),
    ]
    write("envelope_tardis.txt", td)

    # JSON wrappers: Hyperliquid-archive style {"time","ver_num","raw"} and tardis-node
    # style {"localTimestamp","message"}.
    jw = [
        dumps({"time": iso9(ms(ENV_RECV[8001]) + 123456), "ver_num": 1, "raw": json.loads(wrap(ENV_A))}),
        dumps({"localTimestamp": tardis_time(ms(ENV_RECV[8003])), "message": json.loads(wrap(ENV_B))}),
        dumps({"time": iso9(ms(ENV_RECV[8004]) + 999), "ver_num": 1, "raw": ENV_C}),
        dumps({"localTimestamp": tardis_time(ms(ENV_RECV[8005])), "message": json.loads(wrap(ENV_F))}),
    ]
    write("envelope_wrapper.jsonl", jw)


def malformed():
    # TRXUSDT, 6 good trades; line 3 is truncated JSON, line 5 is not a capture line at
    # all, line 7 is a trade message with a negative price (a decode error). Three
    # malformed lines, each skipped; --strict stops at line 3.
    s = "TRXUSDT"
    good = [
        spot_trade(s, 1101, "0.118", "100", T0 + 100, False),
        spot_trade(s, 1102, "0.1181", "200", T0 + 900, True),
        spot_trade(s, 1103, "0.1179", "50", T0 + 4000, False),
        spot_trade(s, 1104, "0.1182", "10", T0 + 10100, True),
        spot_trade(s, 1106, "0.118", "5", T0 + 12000, False),
        spot_trade(s, 1107, "0.1183", "7", T0 + 19999, True),
    ]
    bad_price = dict(spot_trade(s, 1105, "0.1", "1", T0 + 11000, False), p="-0.11800000")
    lines = [
        wrap(good[0]),
        wrap(good[1]),
        wrap(good[2])[:70],
        wrap(good[2]),
        "this line is not JSON",
        wrap(good[3]),
        wrap(bad_price),
        wrap(good[4]),
        wrap(good[5]),
    ]
    write("malformed.jsonl", lines)


def pre_capture():
    # cryptofeed spot recording whose connection opened at H = T0 + 10.25 s. NEARUSDT:
    #   1201 T = H - 7 s    stale (older than the start by more than 5 s): skipped
    #   1202 T = H - 5 s    exactly 5 s older: kept
    #   1203 T = H - 4 s    kept
    #   1204, 1205          live
    # With --keep-pre-capture 1201 is kept too.
    url = "wss://stream.binance.com:9443/stream?streams=nearusdt@trade"
    H = T0 + 10250
    s = "NEARUSDT"
    ev = [
        spot_trade(s, 1201, "5.601", "10", H - 7000, False, E=H + 300),
        spot_trade(s, 1202, "5.605", "20", H - 5000, True, E=H + 300),
        spot_trade(s, 1203, "5.603", "30", H - 4000, False, E=H + 301),
        spot_trade(s, 1204, "5.61", "40", H + 1000, False),
        spot_trade(s, 1205, "5.608", "50", H + 11000, True),
    ]
    lines = [
        f"{url} <-> {cf_time(ms(H))}",
        f"{url} <- {cf_time(ms(H) + 1_000_000)}: " + dumps({"method": "SUBSCRIBE", "params": ["nearusdt@trade"], "id": 1}),
        f"{cf_time(ms(H) + 200_000_000)}: " + dumps({"result": None, "id": 1}),
    ]
    for x in ev:
        lines.append(f"{cf_time(ms(max(x['T'], H + 302)) + 5_000_000)}: " + wrap(x))
    write("pre_capture.ws", lines)


def venues():
    # Binance.US raw stream (bare events): venue binance-us.
    url = "wss://stream.binance.us:9443/ws/btcusd@trade"
    start = ms(T0 + 50)
    us = [
        f"{url} <-> {cf_time(start)}",
        f"{url} <- {cf_time(start + 900_000)}: " + dumps({"method": "SUBSCRIBE", "params": ["btcusd@trade"], "id": 7}),
        f"{cf_time(start + 100_000_000)}: " + dumps({"result": None, "id": 7}),
    ]
    for t, p, q, T, m in [(1301, "66100.12", "0.01", T0 + 1000, False), (1302, "66099.99", "0.02", T0 + 1001, True)]:
        # Binance.US trade time runs ~75 ms ahead of the recorder clock (docs/formats.md).
        us.append(f"{cf_time(ms(T - 75))}: " + dumps(spot_trade("BTCUSD", t, p, q, T, m)))
    write("venue_us.ws", us)

    # COIN-M (dstream) aggTrades, the first one copied from docs/formats.md 2.1 (observed).
    url = "wss://dstream.binance.com/stream?streams=bchusd_perp@aggTrade"
    start = 1626916400_500_000_000
    cm = [f"{url} <-> {cf_time(start)}"]
    for line, recv in [
        ('{"stream":"bchusd_perp@aggTrade","data":{"e":"aggTrade","E":1626916404006,"a":11285749,"s":"BCHUSD_PERP","p":"427.91","q":"3","f":16034449,"l":16034449,"T":1626916403852,"m":true}}', 1626916404_051_234_000),
        ('{"stream":"bchusd_perp@aggTrade","data":{"e":"aggTrade","E":1626916411210,"a":11285750,"s":"BCHUSD_PERP","p":"427.95","q":"12","f":16034450,"l":16034452,"T":1626916411205,"m":false}}', 1626916411_260_000_000),
    ]:
        cm.append(f"{cf_time(recv)}: {line}")
    write("venue_delivery.ws", cm)


def exact_sums():
    # Values a float would get wrong. ETHEUR: ten sizes of 0.1 sum to exactly 1 (a float
    # sum gives 0.9999999999999999). SHIBUSDT: 12-digit sizes times 8-decimal prices.
    # BTTCUSDT: 0.00000001 x 0.00000001 = 0.0000000000000001 (16 decimals). ETHTRY: a
    # 7-digit price times 99999.99999999.
    lines = []
    for i in range(10):
        lines.append(wrap(spot_trade("ETHEUR", 1601 + i, "3250." + str(10 + i), "0.1", T0 + 2000 + 7 * i, i % 3 == 0)))
    lines += [
        wrap(spot_trade("SHIBUSDT", 1701, "0.00001755", "123456789012", T0 + 100, False)),
        wrap(spot_trade("SHIBUSDT", 1702, "0.00001756", "98765432109", T0 + 200, True)),
        wrap(spot_trade("BTTCUSDT", 1801, "0.00000001", "0.00000001", T0 + 300, False)),
        wrap(spot_trade("BTTCUSDT", 1802, "0.00000090", "1", T0 + 400, True)),
        wrap(spot_trade("ETHTRY", 1901, "2150000", "99999.99999999", T0 + 500, False)),
        wrap(spot_trade("ETHTRY", 1902, "2150000.01", "0.00000001", T0 + 600, False)),
    ]
    write("exact_sums.jsonl", lines)


def main():
    global OUT
    import sys

    if len(sys.argv) > 1:
        OUT = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    duplicates()
    out_of_order()
    same_millisecond()
    fill()
    multi_symbol()
    trade_and_aggtrade()
    futures_x()
    envelopes()
    malformed()
    pre_capture()
    venues()
    exact_sums()


if __name__ == "__main__":
    main()
