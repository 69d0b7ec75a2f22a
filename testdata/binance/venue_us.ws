wss://stream.binance.us:9443/ws/btcusd@trade <-> 1718841600.05
wss://stream.binance.us:9443/ws/btcusd@trade <- 1718841600.0509: {"method":"SUBSCRIBE","params":["btcusd@trade"],"id":7}
1718841600.15: {"result":null,"id":7}
1718841600.925: {"e":"trade","E":1718841601002,"s":"BTCUSD","t":1301,"p":"66100.12000000","q":"0.01000000","T":1718841601000,"m":false,"M":true}
1718841600.926: {"e":"trade","E":1718841601003,"s":"BTCUSD","t":1302,"p":"66099.99000000","q":"0.02000000","T":1718841601001,"m":true,"M":true}
