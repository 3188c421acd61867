"""Public market-data routes and the API's own documentation."""

from django.urls import path

from exchange.api import docs
from exchange.api.market_data import views_book as book
from exchange.api.market_data import views_catalog as catalog
from exchange.api.market_data import views_exchange as exchange

urlpatterns = [
    path("exchange/status", exchange.ExchangeStatusView.as_view(), name="exchange-status"),
    path("exchange/schedule", exchange.ExchangeScheduleView.as_view(), name="exchange-schedule"),
    path("exchange/announcements", exchange.ExchangeAnnouncementsView.as_view(), name="exchange-announcements"),
    path("exchange/user_data_timestamp", exchange.UserDataTimestampView.as_view(), name="user-data-timestamp"),
    path("historical/cutoff", exchange.HistoricalCutoffView.as_view(), name="historical-cutoff"),
    path("series", catalog.SeriesListView.as_view(), name="series-list"),
    path("series/<str:series_ticker>", catalog.SeriesDetailView.as_view(), name="series-detail"),
    path("series/<str:series_ticker>/markets/<str:ticker>/candlesticks", book.MarketCandlesticksView.as_view(),
         name="market-candlesticks"),
    path("events", catalog.EventListView.as_view(), name="event-list"),
    path("events/<str:event_ticker>", catalog.EventDetailView.as_view(), name="event-detail"),
    path("markets", catalog.MarketListView.as_view(), name="market-list"),
    path("markets/trades", catalog.TradeListView.as_view(), name="trade-list"),
    path("markets/orderbooks", book.OrderbooksView.as_view(), name="orderbooks"),
    path("markets/candlesticks", book.BatchCandlesticksView.as_view(), name="batch-candlesticks"),
    path("markets/<str:ticker>", catalog.MarketDetailView.as_view(), name="market-detail"),
    path("markets/<str:ticker>/orderbook", book.OrderbookView.as_view(), name="orderbook"),
    *docs.urlpatterns,
]
