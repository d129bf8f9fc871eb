"""The fake Razorpay itself, driven by the real SDK: auth, error shapes, capture and refund rules."""

from __future__ import annotations

import pytest
import razorpay
import requests
from django.core.management import CommandError, call_command
from razorpay.errors import BadRequestError

from .conftest import KEY_ID, KEY_SECRET

TIMEOUT = 5


@pytest.fixture
def sdk(fake) -> razorpay.Client:
    return razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=fake.url)


def _paid(fake, sdk, amount: int = 5000) -> dict:
    order = sdk.order.create({"amount": amount, "currency": "INR", "receipt": "r-" + str(amount)}, timeout=TIMEOUT)
    fields = fake.pay(order["id"])
    return sdk.payment.fetch(fields["razorpay_payment_id"], timeout=TIMEOUT)


def test_wrong_keys_get_razorpays_auth_error(fake):
    wrong = razorpay.Client(auth=(KEY_ID, "not-the-secret"), base_url=fake.url)

    with pytest.raises(BadRequestError, match="The api key provided is invalid"):
        wrong.order.all({}, timeout=TIMEOUT)


def test_errors_have_razorpays_shape(fake):
    response = requests.post(
        f"{fake.url}/v1/orders", json={"amount": 99, "currency": "INR"}, auth=(KEY_ID, KEY_SECRET), timeout=TIMEOUT
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("BAD_REQUEST_ERROR", "amount")
    assert error["description"] == "The amount must be atleast INR 1.00."


def test_orders_are_listed_by_receipt(fake, sdk):
    created = sdk.order.create({"amount": 1000, "currency": "INR", "receipt": "rcpt-1"}, timeout=TIMEOUT)
    sdk.order.create({"amount": 1000, "currency": "INR", "receipt": "rcpt-2"}, timeout=TIMEOUT)

    found = sdk.order.all({"receipt": "rcpt-1"}, timeout=TIMEOUT)

    assert [o["id"] for o in found["items"]] == [created["id"]]
    assert sdk.order.fetch(created["id"], timeout=TIMEOUT)["status"] == "created"


def test_checkout_signature_verifies_with_the_sdk(fake, sdk):
    order = sdk.order.create({"amount": 1000, "currency": "INR", "receipt": "sig"}, timeout=TIMEOUT)

    fields = fake.pay(order["id"])

    assert sdk.utility.verify_payment_signature(fields) is True
    assert sdk.order.fetch(order["id"], timeout=TIMEOUT)["status"] == "paid"


def test_only_the_full_authorised_amount_can_be_captured(fake, sdk):
    order = sdk.order.create({"amount": 5000, "currency": "INR", "receipt": "manual"}, timeout=TIMEOUT)
    fake.ledger.orders[order["id"]]["_capture"] = "manual"
    payment_id = fake.pay(order["id"])["razorpay_payment_id"]

    with pytest.raises(BadRequestError, match="equal to the amount authorized"):
        sdk.payment.capture(payment_id, 4000, {"currency": "INR"}, timeout=TIMEOUT)
    captured = sdk.payment.capture(payment_id, 5000, {"currency": "INR"}, timeout=TIMEOUT)

    assert captured["status"] == "captured"
    with pytest.raises(BadRequestError, match="already been captured"):
        sdk.payment.capture(payment_id, 5000, {"currency": "INR"}, timeout=TIMEOUT)


def test_refund_idempotency_same_body_same_refund_other_body_400(fake, sdk):
    payment = _paid(fake, sdk)
    body = {"amount": 1000, "speed": "normal", "receipt": "x"}
    headers = {"X-Refund-Idempotency": "fake-key-000001"}

    first = sdk.payment.refund(payment["id"], dict(body), headers=dict(headers), timeout=TIMEOUT)
    again = sdk.payment.refund(payment["id"], dict(body), headers=dict(headers), timeout=TIMEOUT)

    assert again["id"] == first["id"]
    assert len(fake.ledger.refunds) == 1
    with pytest.raises(BadRequestError, match="different request body"):
        sdk.payment.refund(payment["id"], {**body, "amount": 1001}, headers=dict(headers), timeout=TIMEOUT)
    with pytest.raises(BadRequestError, match="at least 10 characters"):
        sdk.payment.refund(payment["id"], body, headers={"X-Refund-Idempotency": "short"}, timeout=TIMEOUT)


def test_refunds_cannot_exceed_the_captured_amount(fake, sdk):
    payment = _paid(fake, sdk, 5000)
    sdk.payment.refund(payment["id"], {"amount": 4000}, timeout=TIMEOUT)

    with pytest.raises(BadRequestError, match="greater than amount captured"):
        sdk.payment.refund(payment["id"], {"amount": 1001}, timeout=TIMEOUT)
    assert sdk.payment.fetch(payment["id"], timeout=TIMEOUT)["refund_status"] == "partial"


def test_empty_notes_arrive_as_a_list_like_razorpays(fake, sdk):
    order = sdk.order.create({"amount": 1000, "currency": "INR", "receipt": "notes"}, timeout=TIMEOUT)
    fake.pay(order["id"])

    assert {w["payload"]["payment"]["entity"]["notes"] == [] for w in fake.pending_webhooks()} == {True}


def test_knobs_and_late_authorisation_over_http(fake, sdk):
    auth = (KEY_ID, KEY_SECRET)
    order = sdk.order.create({"amount": 1000, "currency": "INR", "receipt": "late"}, timeout=TIMEOUT)
    failed = fake.fail(order["id"])
    payment_id = failed["error[metadata]"].split('"payment_id": "')[1].split('"')[0]

    set_knobs = requests.post(f"{fake.url}/_fake/knobs", json={"duplicate_webhooks": True}, auth=auth, timeout=5)
    late = requests.post(f"{fake.url}/_fake/payments/{payment_id}/late_authorize", json={}, auth=auth, timeout=5)
    unknown = requests.post(f"{fake.url}/_fake/knobs", json={"nope": 1}, auth=auth, timeout=5)

    assert set_knobs.json()["duplicate_webhooks"] is True
    assert late.json()["status"] == "authorized"
    assert unknown.status_code == 400


def test_the_command_listens_on_loopback_only():
    with pytest.raises(CommandError, match="loopback only"):
        call_command("fake_razorpay", host="0.0.0.0", port=0)
