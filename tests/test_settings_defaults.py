"""Settings as a fresh process reads them from the environment: safe defaults, opt-in development."""

import os
import subprocess
import sys

import pytest

from tests.support.servers import ROOT


def _debug_with(env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    env.update(env_extra, DJANGO_SETTINGS_MODULE="kalshi_site.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def test_debug_is_off_by_default():
    """With no DEBUG in the environment, Django's debug pages (settings, URL map) are off."""
    assert _debug_with({}) == "False"


@pytest.mark.parametrize("value", ["1", "true"])
def test_a_developer_can_turn_debug_on(value):
    """DEBUG=1 turns them on."""
    assert _debug_with({"DEBUG": value}) == "True"


def test_a_malformed_engine_url_stops_the_process_at_start():
    """ENGINE_URL that is not tcp://host:port is refused when the settings load, not on the first order."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="kalshi_site.settings", ENGINE_URL="engine:7070")
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    assert done.returncode != 0 and "ENGINE_URL must look like tcp://host:port" in done.stderr
