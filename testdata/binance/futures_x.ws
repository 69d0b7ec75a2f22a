wss://fstream.binance.com/stream?streams=btcusdt@trade/ethusdt@aggTrade/btcusdt@markPrice <-> 1718841599.5
wss://fstream.binance.com/stream?streams=btcusdt@trade/ethusdt@aggTrade/btcusdt@markPrice <- 1718841599.501: {"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@aggTrade","btcusdt@markPrice"],"id":1}
1718841599.58: {"result":null,"id":1}
1718841600.107123: {"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600105,"T":1718841600100,"s":"BTCUSDT","t":9001,"p":"66010.1","q":"0.005","X":"MARKET","m":false}}
1718841600.157123: {"stream":"ethusdt@aggTrade","data":{"e":"aggTrade","E":1718841600154,"a":9501,"s":"ETHUSDT","p":"3501.25","q":"0.4","f":88001,"l":88003,"T":1718841600150,"m":true}}
1718841600.207123: {"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600205,"T":1718841600200,"s":"BTCUSDT","t":9002,"p":"66010","q":"0.01","X":"MARKET","m":true}}
1718841600.307123: {"stream":"btcusdt@trade","data":{"e":"trade","E":1718841600305,"T":1718841600300,"s":"BTCUSDT","t":9003,"p":"65000","q":"1.5","X":"INSURANCE_FUND","m":true}}
1718841602.007123: {"stream":"btcusdt@trade","data":{"e":"trade","E":1718841602005,"T":1718841602000,"s":"BTCUSDT","t":9004,"p":"66011.5","q":"0.002","X":"MARKET","m":false}}
1718841602.507123: {"stream":"btcusdt@trade","data":{"e":"trade","E":1718841602505,"T":1718841602500,"s":"BTCUSDT","t":9005,"p":"67000","q":"2","X":"ADL","m":false}}
1718841603.007123: {"stream":"btcusdt@markPrice","data":{"e":"markPriceUpdate","E":1718841603000,"s":"BTCUSDT","p":"66011.00000000","i":"66009.1","P":"66015.2","r":"0.00010000","T":1718870400000}}
1718841612.007123: {"stream":"btcusdt@trade","data":{"e":"trade","E":1718841612005,"T":1718841612000,"s":"BTCUSDT","t":9006,"p":"66012","q":"0.003","X":"MARKET","m":true}}
1718841612.507123: {"stream":"ethusdt@aggTrade","data":{"e":"aggTrade","E":1718841612504,"a":9502,"s":"ETHUSDT","p":"3501.5","q":"0.1","f":88004,"l":88004,"T":1718841612500,"m":false}}
1718841613.007123: {"stream":"btcusdt@trade","data":{"e":"trade","E":1718841613005,"T":1718841613000,"s":"BTCUSDT","t":9007,"p":"64000","q":"0.7","X":"NA","m":true}}

