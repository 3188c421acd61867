"""FIX acceptor: Kalshi FIXT.1.1 sessions over asyncio TCP, order entry through exchange.services."""
