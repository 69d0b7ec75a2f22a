wss://stream.binance.com:9443/stream?streams=nearusdt@trade <-> 1718841610.25
wss://stream.binance.com:9443/stream?streams=nearusdt@trade <- 1718841610.251: {"method":"SUBSCRIBE","params":["nearusdt@trade"],"id":1}
1718841610.45: {"result":null,"id":1}
1718841610.557: {"stream":"nearusdt@trade","data":{"e":"trade","E":1718841610550,"s":"NEARUSDT","t":1201,"p":"5.60100000","q":"10.00000000","T":1718841603250,"m":false,"M":true}}
1718841610.557: {"stream":"nearusdt@trade","data":{"e":"trade","E":1718841610550,"s":"NEARUSDT","t":1202,"p":"5.60500000","q":"20.00000000","T":1718841605250,"m":true,"M":true}}
1718841610.557: {"stream":"nearusdt@trade","data":{"e":"trade","E":1718841610551,"s":"NEARUSDT","t":1203,"p":"5.60300000","q":"30.00000000","T":1718841606250,"m":false,"M":true}}
1718841611.255: {"stream":"nearusdt@trade","data":{"e":"trade","E":1718841611252,"s":"NEARUSDT","t":1204,"p":"5.61000000","q":"40.00000000","T":1718841611250,"m":false,"M":true}}
1718841621.255: {"stream":"nearusdt@trade","data":{"e":"trade","E":1718841621252,"s":"NEARUSDT","t":1205,"p":"5.60800000","q":"50.00000000","T":1718841621250,"m":true,"M":true}}
