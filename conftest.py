"""Root test configuration.

Settings come from the environment: scripts/test exports DATABASE_URL and REDIS_URL for its throwaway
PostgreSQL and Redis; plain `pytest` without them runs on the embedded SQLite default.
"""
