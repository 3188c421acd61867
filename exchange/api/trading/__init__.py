"""Authenticated trading: orders V1 and V2, portfolio, order groups, API keys, account."""
