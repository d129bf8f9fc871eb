"""The SDK client is kept per thread: calls reuse its connection to Razorpay; a circuit
breaker stops calls to a Razorpay that keeps failing."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.cache import cache

from payments import gateway


def test_one_client_per_thread_and_configuration_reusing_its_connection(fake):
    first, again = gateway.client(), gateway.client()
    assert first is again
    assert gateway.client(retry=True) is not first  # retries are a different configuration

    accepted: list[object] = []
    serve = fake._httpd.process_request  # one call per TCP connection the fake accepts
    fake._httpd.process_request = lambda request, address: (accepted.append(address), serve(request, address))  # type: ignore[method-assign]
    for n in range(3):
        gateway.create_order(amount_paise=1000, receipt=f"r{n}", notes={})
    assert len(accepted) <= 1  # three calls over one kept-alive connection (none new if one was open)

    elsewhere: list[object] = []
    thread = threading.Thread(target=lambda: elsewhere.append(gateway.client()))
    thread.start()
    thread.join()
    assert elsewhere[0] is not first


def test_another_configuration_gets_another_client(fake, settings):
    first = gateway.client()
    settings.RAZORPAY_KEY_ID = "rzp_test_other"
    assert gateway.client() is not first


def test_the_client_reads_the_proxy_for_razorpay_from_the_environment_once(fake, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "")
    proxied = gateway._new_client(retry=False)
    assert proxied.session.proxies == {"http": "http://proxy.internal:3128"}
    assert proxied.session.trust_env is False  # not read again on every request

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # the fake's host: straight through
    direct = gateway._new_client(retry=False)
    assert "http" not in direct.session.proxies
    assert direct.order.create({"amount": 1000, "currency": "INR", "receipt": "r-np"})["status"] == "created"


def test_the_user_agent_names_the_sdk_version_and_the_shop(fake):
    import importlib.metadata

    seen: list[str] = []
    sdk = gateway._new_client(retry=False)
    send = sdk.session.send
    sdk.session.send = lambda request, **kw: (seen.append(request.headers["User-Agent"]), send(request, **kw))[1]  # type: ignore[method-assign]
    sdk.order.create({"amount": 1000, "currency": "INR", "receipt": "r-ua"})
    assert seen == [f"Razorpay-Python/{importlib.metadata.version('razorpay')} grocery-shop/1 "]


# The circuit breaker


def _trippable(settings, *, failures: int = 3, cooldown: float = 1.0) -> None:
    settings.PAYMENTS_BREAKER_FAILURES = failures
    settings.PAYMENTS_BREAKER_WINDOW_SECONDS = 30.0
    settings.PAYMENTS_BREAKER_COOLDOWN_SECONDS = cooldown


def _create(n: int) -> dict[str, object]:
    return gateway.create_order(amount_paise=1000, receipt=f"breaker-{n}", notes={})


def test_an_outage_opens_the_breaker_so_calls_fail_at_once_until_the_cooldown(fake, settings):
    _trippable(settings, failures=3, cooldown=1.0)
    fake.knobs.outage = True
    for n in range(3):
        with pytest.raises(gateway.Unavailable, match="outage"):
            _create(n)
    assert fake.ledger.api_calls == 3

    fake.knobs.outage = False  # Razorpay is back, but the breaker waits out its cooldown
    with pytest.raises(gateway.Unavailable, match="failed 3 times within 30s; calls paused"):
        _create(3)
    assert fake.ledger.api_calls == 3  # refused here, never sent

    time.sleep(1.1)
    assert _create(4)["status"] == "created"
    assert fake.ledger.api_calls == 4
    assert not cache.get_many(["breaker:razorpay:open", "breaker:razorpay:failures", "breaker:razorpay:tripped"])


def test_after_the_cooldown_one_more_failure_reopens_the_breaker(fake, settings):
    _trippable(settings, failures=3, cooldown=1.0)
    fake.knobs.outage = True
    for n in range(3):
        with pytest.raises(gateway.Unavailable):
            _create(n)
    time.sleep(1.1)

    with pytest.raises(gateway.Unavailable, match="outage"):  # half-open: this one is tried...
        _create(3)
    with pytest.raises(gateway.Unavailable, match="calls paused"):  # ...and its failure reopens at once
        _create(4)
    assert fake.ledger.api_calls == 4


def test_razorpay_saying_no_is_not_an_outage(fake, settings):
    _trippable(settings, failures=2)
    for _ in range(4):
        with pytest.raises(gateway.Rejected):
            gateway.fetch_payment("pay_doesnotexist01")
    assert _create(0)["status"] == "created"
    assert fake.ledger.api_calls == 5


def test_failures_spread_out_beyond_the_window_do_not_open_it(fake, settings):
    _trippable(settings, failures=2)
    settings.PAYMENTS_BREAKER_WINDOW_SECONDS = 1.0
    fake.knobs.outage = True
    for n in range(2):
        with pytest.raises(gateway.Unavailable, match="outage"):
            _create(n)
        time.sleep(1.2)  # the first failure's window is over before the second
    fake.knobs.outage = False
    assert _create(2)["status"] == "created"
    assert fake.ledger.api_calls == 3
