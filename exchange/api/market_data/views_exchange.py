"""Exchange-wide state: status switches, schedule, announcements, data timestamps."""

from datetime import UTC, datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from exchange.api.market_data import docs_schemas as schemas
from exchange.api.market_data.views_catalog import PublicView
from exchange.models import ExchangeState
from exchange.wire_time import rfc3339

# The simulator trades around the clock; its one schedule runs from the epoch to the end of time.
ALL_DAY = [{"open_time": "00:00", "close_time": "23:59"}]
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)


class ExchangeStatusView(PublicView):
    @extend_schema(operation_id="GetExchangeStatus", tags=["exchange"], responses={200: schemas.ExchangeStatus})
    def get(self, request: Request) -> Response:
        state = ExchangeState.current()
        return Response({"exchange_active": state.exchange_active,
                         "trading_active": state.exchange_active and state.trading_active})


class ExchangeScheduleView(PublicView):
    @extend_schema(operation_id="GetExchangeSchedule", tags=["exchange"],
                   responses={200: schemas.ScheduleResponse})
    def get(self, request: Request) -> Response:
        week = {"start_time": rfc3339(EPOCH), "end_time": rfc3339(END_OF_TIME), **{day: ALL_DAY for day in DAYS}}
        return Response({"schedule": {"standard_hours": [week], "maintenance_windows": []}})


class ExchangeAnnouncementsView(PublicView):
    @extend_schema(operation_id="GetExchangeAnnouncements", tags=["exchange"],
                   responses={200: schemas.AnnouncementsResponse})
    def get(self, request: Request) -> Response:
        # The exchange publishes no announcements.
        return Response({"announcements": []})


class UserDataTimestampView(PublicView):
    @extend_schema(operation_id="GetUserDataTimestamp", tags=["exchange"],
                   responses={200: schemas.UserDataTimestampResponse})
    def get(self, request: Request) -> Response:
        # Portfolio reads come straight from the ledger, so they are current as of now.
        return Response({"as_of_time": rfc3339(timezone.now())})


class HistoricalCutoffView(PublicView):
    @extend_schema(operation_id="GetHistoricalCutoff", tags=["historical"],
                   responses={200: schemas.HistoricalCutoffResponse})
    def get(self, request: Request) -> Response:
        # Nothing is archived: every market, trade and order stays in the live endpoints.
        epoch = rfc3339(EPOCH)
        return Response({"market_settled_ts": epoch, "trades_created_ts": epoch, "orders_updated_ts": epoch})
