"""REST trade-api v2 routes."""

urlpatterns: list = []
