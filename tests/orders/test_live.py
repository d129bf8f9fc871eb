"""The order page's websocket: a snapshot on connect, a message per change, own orders only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from orders import services
from shop import live
from shop.asgi import application
from tests.accounts.factories import UserFactory

from .factories import hold_stock_and_slot, place

pytestmark = pytest.mark.django_db(transaction=True)  # the consumer reads from its own thread


def _token_for(user: Any) -> str:
    return Token.objects.create(user=user).key


def _communicator(order_id: Any, token: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    return WebsocketCommunicator(application, f"/ws/v1/orders/{order_id}/", headers=headers)


def _listen(order_id: Any, token: str, *changes: Callable[[], None]) -> list[dict[str, Any]]:
    """Open the order's socket, hear its snapshot, then make each change and hear it pushed."""

    async def conversation() -> list[dict[str, Any]]:
        communicator = _communicator(order_id, token)
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        heard = [await communicator.receive_json_from(timeout=5)]
        for change in changes:
            await sync_to_async(change)()
            heard.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return heard

    return async_to_sync(conversation)()


def test_customer_hears_the_snapshot_then_each_change() -> None:
    asha = UserFactory()
    order = place(customer_id=asha.id)
    hold_stock_and_slot(order)
    token = _token_for(asha)

    def request_payment() -> None:
        services.record_payment_requested(
            order_id=order.id,
            intent_id=uuid.uuid4(),
            razorpay_order_id="order_L1",
            key_id="rzp_test_local",
            pay_url="/payments/pay/x/",
        )
        live.flush()

    def cancel() -> None:
        services.cancel_order(order_id=order.id, by_staff=False)
        live.flush()

    first, pushed, cancelled = _listen(order.id, token, request_payment, cancel)
    assert first["id"] == str(order.id)
    assert first["status"] == "pending"
    assert "razorpay" not in first["payment"]
    assert pushed["status"] == "awaiting_payment"
    assert pushed["payment"]["razorpay"]["order_id"] == "order_L1"
    assert pushed["payment"]["razorpay"]["pay_url"] == "/payments/pay/x/"
    assert cancelled["status"] == "cancelled"
    assert cancelled["cancel_reason"]


async def _refusal(communicator: WebsocketCommunicator) -> tuple[str, Any]:
    """How the socket ends: accepted then closed with a code the page reads, or refused at the
    handshake (which a browser sees as close code 1006, whatever the code)."""
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        return "handshake refused", code
    message = await communicator.receive_output(timeout=5)
    await communicator.disconnect()
    return message["type"], message.get("code")


def test_anonymous_and_other_customers_are_accepted_then_closed_with_a_code_the_page_reads() -> None:
    order = place(customer_id=UserFactory().id)
    stranger = _token_for(UserFactory())

    def attempt(token: str | None) -> tuple[str, Any]:
        return async_to_sync(_refusal)(_communicator(order.id, token))

    assert attempt(None) == ("websocket.close", 4401)
    assert attempt("not-a-token") == ("websocket.close", 4401)
    assert attempt(stranger) == ("websocket.close", 4404)


def test_a_browser_is_known_by_its_session_cookie() -> None:
    asha = UserFactory()
    order = place(customer_id=asha.id)
    browser = Client()
    browser.force_login(asha)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def attempt(cookie: str) -> tuple[bool, Any, dict[str, Any] | None]:
        headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie.encode())]
        communicator = WebsocketCommunicator(application, f"/ws/v1/orders/{order.id}/", headers=headers)
        connected, code = await communicator.connect(timeout=5)
        first = await communicator.receive_json_from(timeout=5) if connected else None
        await communicator.disconnect()
        return connected, code, first

    connected, _, first = async_to_sync(attempt)(cookie)
    assert connected
    assert first is not None
    assert first["id"] == str(order.id)
    stale_cookie = f"{settings.SESSION_COOKIE_NAME}=not-a-session".encode()
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", stale_cookie)]
    stale = WebsocketCommunicator(application, f"/ws/v1/orders/{order.id}/", headers=headers)
    assert async_to_sync(_refusal)(stale) == ("websocket.close", 4401)


def test_a_rolled_back_change_is_not_pushed() -> None:
    asha = UserFactory()
    order = place(customer_id=asha.id)
    token = _token_for(asha)

    def failed_cancel() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.cancel_order(order_id=order.id, by_staff=False)
            raise RuntimeError("the caller's transaction fails")
        live.flush()

    async def conversation() -> bool:
        communicator = _communicator(order.id, token)
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        await communicator.receive_json_from(timeout=5)
        await sync_to_async(failed_cancel)()
        quiet = await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()
        return quiet

    assert async_to_sync(conversation)()


def test_socket_opened_before_the_order_is_placed_speaks_from_its_first_change() -> None:
    """Checkout answers 202 before the saga places the order; the page connects at once."""
    asha, stranger = UserFactory(), UserFactory()
    order_id = uuid.uuid4()
    tokens = _token_for(asha), _token_for(stranger)

    def placed() -> None:
        place(order_id=order_id, customer_id=asha.id)
        live.flush()

    async def conversation() -> tuple[dict[str, Any], tuple[str, Any]]:
        mine, theirs = _communicator(order_id, tokens[0]), _communicator(order_id, tokens[1])
        assert (await mine.connect(timeout=5))[0]
        assert (await theirs.connect(timeout=5))[0]  # nothing to check yet
        assert await mine.receive_nothing(timeout=0.2)
        await sync_to_async(placed)()
        heard = await mine.receive_json_from(timeout=5)
        refused = await theirs.receive_output(timeout=5)
        await mine.disconnect()
        await theirs.disconnect()
        return heard, (refused["type"], refused.get("code"))

    heard, refused = async_to_sync(conversation)()
    assert heard["id"] == str(order_id)
    assert heard["status"] == "pending"
    assert "customer_id" not in heard
    assert refused == ("websocket.close", 4404)


def test_a_refund_is_pushed_to_the_customer_watching_a_cancelled_order() -> None:
    """The status stays "cancelled" while the money goes back: the refund is news of its own."""
    from django.utils import timezone

    asha = UserFactory()
    order = place(customer_id=asha.id)
    services.cancel_order(order_id=order.id, by_staff=False)
    live.flush()
    token = _token_for(asha)

    def refund() -> None:
        services.record_refund(
            order_id=order.id,
            refund_id=uuid.uuid4(),
            amount_paise=12_300,
            status="processed",
            bank_reference="rfnd_ref_1",
            at=timezone.now(),
        )
        live.flush()

    first, refunded = _listen(order.id, token, refund)
    assert (first["status"], first["refunded_paise"]) == ("cancelled", 0)
    assert (refunded["status"], refunded["refunded_paise"]) == ("cancelled", 12_300)
