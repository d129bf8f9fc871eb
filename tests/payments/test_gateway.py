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
