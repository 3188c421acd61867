from django.apps import AppConfig


class OrderbookConfig(AppConfig):
    name = "orderbook"
