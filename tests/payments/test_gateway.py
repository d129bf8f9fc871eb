"""The SDK client is kept per thread: calls reuse its connection to Razorpay."""

from __future__ import annotations

import threading

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
