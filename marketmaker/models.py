"""Per-market market-maker configuration and the state its ticks carry from one to the next.

Prices are whole cents and sizes whole contracts here, because an admin edits them; the tasks convert
them to exchange units with `exchange.engine.units` before quoting.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from exchange.models import Market

CENTS = [MinValueValidator(1), MaxValueValidator(99)]
AT_LEAST_ONE = [MinValueValidator(1)]


class MarketMakerConfig(models.Model):
    market = models.OneToOneField(Market, on_delete=models.CASCADE, related_name="market_maker")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                             help_text="The trader whose account and orders the maker uses")
    enabled = models.BooleanField(default=True)
    levels = models.PositiveSmallIntegerField(
        default=3, validators=AT_LEAST_ONE, help_text="Price levels quoted on each side")
    level_spacing_cents = models.PositiveSmallIntegerField(
        default=1, validators=AT_LEAST_ONE, help_text="Distance between levels")
    spread_cents = models.PositiveSmallIntegerField(
        default=10, validators=AT_LEAST_ONE, help_text="Best ask minus best bid")
    size_contracts = models.PositiveIntegerField(
        default=100, validators=AT_LEAST_ONE, help_text="Contracts per level")
    price_min_cents = models.PositiveSmallIntegerField(
        default=33, validators=CENTS, help_text="No quote below this price")
    price_max_cents = models.PositiveSmallIntegerField(
        default=67, validators=CENTS, help_text="No quote above this price")
    walk_step_cents = models.PositiveSmallIntegerField(default=2, help_text="Largest fair-value move per tick")
    interval_ms = models.PositiveIntegerField(
        default=3000, validators=[MinValueValidator(50)], help_text="Time between ticks")
    inventory_limit_contracts = models.PositiveIntegerField(
        default=1000, help_text="Largest position (YES or NO) the maker will build")
    fair_value_cents = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=CENTS, help_text="Current fair value; empty starts mid-band")
    last_tick_at = models.DateTimeField(null=True, blank=True)
    last_tick_note = models.CharField(max_length=200, blank=True, help_text="What the last tick did")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "market maker config"

    def clean(self) -> None:
        low, high, spread = self.price_min_cents, self.price_max_cents, self.spread_cents
        if low is not None and high is not None and spread is not None and high - low < spread:
            raise ValidationError({"price_max_cents": "the price band must be at least as wide as the spread"})

    def __str__(self) -> str:
        return f"market maker on {self.market.ticker}"
