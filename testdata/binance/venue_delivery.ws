wss://dstream.binance.com/stream?streams=bchusd_perp@aggTrade <-> 1626916400.5
1626916404.051234: {"stream":"bchusd_perp@aggTrade","data":{"e":"aggTrade","E":1626916404006,"a":11285749,"s":"BCHUSD_PERP","p":"427.91","q":"3","f":16034449,"l":16034449,"T":1626916403852,"m":true}}
1626916411.26: {"stream":"bchusd_perp@aggTrade","data":{"e":"aggTrade","E":1626916411210,"a":11285750,"s":"BCHUSD_PERP","p":"427.95","q":"12","f":16034450,"l":16034452,"T":1626916411205,"m":false}}
