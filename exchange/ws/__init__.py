"""WebSocket API v2 on Channels: Kalshi commands and channels fed by the outbox."""
