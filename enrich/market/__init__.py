"""Market data: one interface, a yfinance adapter, an offline adapter and the Redis quote cache around them."""
