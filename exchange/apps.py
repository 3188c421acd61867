from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"

    def ready(self) -> None:
        # Every process that commits (daphne, runfix, Celery workers, scripts) fans its events out.
        from exchange import fanout

        fanout.install()
