from django.apps import AppConfig


class MarketmakerConfig(AppConfig):
    name = "marketmaker"
