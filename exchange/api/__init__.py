"""REST trade-api v2: thin DRF views over exchange.services, rendering Kalshi wire shapes."""
