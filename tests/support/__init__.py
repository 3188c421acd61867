"""Helpers shared by the test suite: factories for exchange objects and real server processes."""
