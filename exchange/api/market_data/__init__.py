"""Public market data: exchange status, series, events, markets, order books, trades, candlesticks."""
