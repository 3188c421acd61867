"""The dated table of production's API changes: which entries KALSHI_API_DATE puts in force.

Each entry's date and evidence are in exchange/api_changes.py; tests/api/test_api_change_boundaries.py checks
what each entry changes on the wire on the day before and on its date.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from exchange.api_changes import ENTRIES, TABLE, Change, api_date, in_force

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_change_has_one_entry_and_the_table_is_in_date_order():
    """One entry per change, listed oldest first."""
    assert [entry.change for entry in TABLE] == list(ENTRIES) and set(ENTRIES) == set(Change)
    assert [entry.date for entry in TABLE] == sorted(entry.date for entry in TABLE)
    assert all(entry.what and entry.evidence for entry in TABLE)


def test_unset_date_is_production_today(settings):
    """Without KALSHI_API_DATE every entry is in force."""
    settings.KALSHI_API_DATE = ""
    assert api_date() is None
    assert all(in_force(change) for change in Change)


def test_a_date_before_the_table_puts_nothing_in_force(settings):
    """A pre-2026 date serves the API before every change (what kalshi-python-sync 3.2 was built for)."""
    settings.KALSHI_API_DATE = "2025-12-31"
    assert not any(in_force(change) for change in Change)


@pytest.mark.parametrize("change", list(Change))
def test_each_entry_starts_on_its_date(settings, change):
    """The day before its date an entry is not in force; from its date on it is."""
    day = ENTRIES[change].date
    settings.KALSHI_API_DATE = (day - timedelta(days=1)).isoformat()
    assert not in_force(change)
    settings.KALSHI_API_DATE = day.isoformat()
    assert in_force(change)


def test_a_malformed_date_is_a_configuration_error(settings):
    """KALSHI_API_DATE must be an ISO date."""
    settings.KALSHI_API_DATE = "last tuesday"
    with pytest.raises(ImproperlyConfigured):
        in_force(Change.V1_ORDER_WRITES_GONE)


def test_readme_lists_every_entry():
    """The README's table names every entry with its date."""
    text = README.read_text()
    for entry in TABLE:
        assert f"| {entry.date.isoformat()} | `{entry.change.value}` |" in text, entry.change
