"""Configuration: the fake's keys work only against a loopback Razorpay."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from payments import conf


@pytest.fixture
def defaults(settings):
    for name in ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET", "RAZORPAY_BASE_URL"):
        if hasattr(settings, name):
            delattr(settings, name)
    return settings


def test_the_default_is_the_local_fake(defaults, monkeypatch):
    for name in ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET", "RAZORPAY_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert conf.base_url() == "http://127.0.0.1:9100"
    assert conf.key_id() == "rzp_test_local"
    assert conf.is_local()
    conf.check()


def test_the_fake_keys_are_refused_against_a_real_razorpay(defaults, monkeypatch):
    monkeypatch.setenv("RAZORPAY_BASE_URL", "https://api.razorpay.com")
    for name in ("RAZORPAY_KEY_ID", "RAZORPAY_KEY_SECRET", "RAZORPAY_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)

    with pytest.raises(ImproperlyConfigured, match="RAZORPAY_KEY_ID, RAZORPAY_KEY_SECRET, RAZORPAY_WEBHOOK_SECRET"):
        conf.check()


def test_real_keys_from_the_environment_are_accepted(defaults, monkeypatch):
    monkeypatch.setenv("RAZORPAY_BASE_URL", "https://api.razorpay.com/")
    monkeypatch.setenv("RAZORPAY_KEY_ID", "rzp_live_abc")
    monkeypatch.setenv("RAZORPAY_KEY_SECRET", "from-the-vault")
    monkeypatch.setenv("RAZORPAY_WEBHOOK_SECRET", "also-from-the-vault")

    conf.check()
    assert conf.base_url() == "https://api.razorpay.com"
    assert not conf.is_local()


def test_settings_win_over_the_environment(settings, monkeypatch):
    monkeypatch.setenv("RAZORPAY_READ_TIMEOUT", "99")
    settings.RAZORPAY_READ_TIMEOUT = "4.5"
    assert conf.timeout() == (3.0, 4.5)
