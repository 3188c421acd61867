"""Trading and portfolio routes."""

urlpatterns: list = []
