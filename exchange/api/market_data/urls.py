"""Public market-data routes."""

urlpatterns: list = []
