wss://stream.binance.com:9443/stream?streams=ltcusdt@trade/ltcusdt@depth@100ms <-> 1718841600.2
wss://stream.binance.com:9443/stream?streams=ltcusdt@trade/ltcusdt@depth@100ms <- 1718841600.2025: {"method":"SUBSCRIBE","params":["ltcusdt@trade"],"id":1}
1718841600.35: {"result":null,"id":1}
1718841601.0052505: {"stream":"ltcusdt@trade","data":{"e":"trade","E":1718841601002,"s":"LTCUSDT","t":8001,"p":"76.01000000","q":"1.50000000","T":1718841601000,"m":false,"M":true}}
1718841607.0042505: {"stream":"ltcusdt@trade","data":{"e":"trade","E":1718841607002,"s":"LTCUSDT","t":8003,"p":"76.05000000","q":"0.50000000","T":1718841607000,"m":true,"M":true}}
1718841609.001: {"stream":"ltcusdt@depth@100ms","data":{"e":"depthUpdate","E":1718841609000,"s":"LTCUSDT","U":1000,"u":1002,"b":[["1.00000000","2.00000000"]],"a":[]}}
1718841612.5002505: {"stream":"ltcusdt@trade","data":{"e":"trade","E":1718841612500,"s":"LTCUSDT","t":8004,"p":"75.98000000","q":"2.00000000","T":1718841612498,"m":true,"M":true}}
1718841613.0012505: {"stream":"ltcusdt@trade","data":{"e":"trade","E":1718841613002,"s":"LTCUSDT","t":8005,"p":"76.00000000","q":"0.25000000","T":1718841613000,"m":false,"M":true}}


