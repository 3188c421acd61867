"""Market-maker endpoints."""

urlpatterns: list = []
