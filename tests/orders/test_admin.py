import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from shop.accounts.models import User
from shop.eventbus import publish
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import PASSWORD
from tests.inventory.factories import store_updated

from .factories import place

pytestmark = pytest.mark.django_db


def test_staff_see_orders_and_cancel_them(client) -> None:
    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    order = place()

    assert client.get("/admin/orders/order/?status__exact=pending").status_code == 200
    page = client.get(f"/admin/orders/order/{order.id}/change/")
    assert page.status_code == 200
    assert b"Toned Milk 500 ml" in page.content  # lines inline
    assert "₹60.00".encode() in page.content  # the milk line's total, in rupees
    assert b"Best match" in page.content  # what the customer wants if it is out of stock
    selected = {"action": "cancel_orders", "_selected_action": [order.id]}

    asked = client.post("/admin/orders/order/", selected)  # the action first asks
    assert asked.status_code == 200
    assert "Cancel order" in asked.content.decode()
    assert "Stock released; slot freed" in asked.content.decode()
    assert Order.objects.get(pk=order.id).status == "pending"  # nothing done yet
    no_note = client.post("/admin/orders/order/", {**selected, "confirm": "yes", "note": " "})
    assert "This field is required" in no_note.content.decode()
    assert Order.objects.get(pk=order.id).status == "pending"

    response = client.post(
        "/admin/orders/order/", {**selected, "confirm": "yes", "note": "The store flooded overnight."}, follow=True
    )

    assert response.status_code == 200
    assert "Cancelled 1 order(s)" in response.content.decode()
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == ("cancelled", "staff_cancelled")
    last = Order.objects.get(pk=order.id).transitions.last()
    assert (last.to_status, last.reason) == ("cancelled", "staff_cancelled: The store flooded overnight.")


def test_the_change_page_cancels_one_order_after_asking_and_the_customer_reads_the_note(client) -> None:
    from orders.api.serializers import transition_note

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    order = place()
    page = client.get(f"/admin/orders/order/{order.id}/change/").content.decode()
    cancel_url = f"/admin/orders/order/{order.id}/cancel/"
    assert cancel_url in page

    asked = client.get(cancel_url)
    assert asked.status_code == 200
    assert "Yes, cancel 1 order" in asked.content.decode()
    assert Order.objects.get(pk=order.id).status == "pending"
    done = client.post(cancel_url, {"confirm": "yes", "note": "Sorry: we cannot reach your street today."})

    assert done.status_code == 302
    assert done["Location"] == f"/admin/orders/order/{order.id}/change/"
    step = Order.objects.get(pk=order.id).transitions.last()
    assert transition_note(step) == "cancelled by the shop: Sorry: we cannot reach your street today."
    after = client.get(f"/admin/orders/order/{order.id}/change/").content.decode()
    assert cancel_url not in after  # a cancelled order offers no cancel
    again = client.get(cancel_url).content.decode()
    assert "None of these orders can be cancelled" in again


def test_staff_without_change_permission_cannot_cancel(client) -> None:
    from django.contrib.auth.models import Permission

    staff = User.objects.create_user("viewer@example.in", PASSWORD, is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.login(email="viewer@example.in", password=PASSWORD)
    order = place()

    assert (
        f"/admin/orders/order/{order.id}/cancel/"
        not in client.get(f"/admin/orders/order/{order.id}/change/").content.decode()
    )
    assert client.post(f"/admin/orders/order/{order.id}/cancel/", {"confirm": "yes", "note": "x"}).status_code == 403
    by_action = client.post(
        "/admin/orders/order/",
        {"action": "cancel_orders", "_selected_action": [order.id], "confirm": "yes", "note": "x"},
        follow=True,
    )
    assert "Cancelled 1 order" not in by_action.content.decode()
    assert Order.objects.get(pk=order.id).status == "pending"


def test_staff_filter_by_store_and_slot_and_reach_the_payment_refund_and_shipment(client) -> None:
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    mine, other = place(), place()
    intent_id, shipment_id = uuid.uuid4(), uuid.uuid4()
    Order.objects.filter(pk=mine.pk).update(
        slot_starts_at=timezone.now() + timedelta(hours=3),
        payment_intent_id=intent_id,
        payment_state="captured",
        paid_paise=mine.total_paise,
        shipment_id=shipment_id,
        tracking_code="DLZTRACK1",
        payment_attempts_failed=1,
        payment_error="Your bank declined the card.",
    )

    by_store = client.get(f"/admin/orders/order/?store={mine.store_id}")
    by_slot = client.get(f"/admin/orders/order/?slot={mine.slot_id}")
    page = client.get(f"/admin/orders/order/{mine.id}/change/").content.decode()

    assert [o.pk for o in by_store.context["cl"].result_list] == [mine.pk]
    assert [o.pk for o in by_slot.context["cl"].result_list] == [mine.pk]
    assert str(other.store_id)[:8] in by_store.content.decode()  # the filter lists both stores
    assert f"/admin/payments/paymentintent/{intent_id}/change/" in page
    assert f"/admin/payments/paymentintent/{intent_id}/refund/" in page
    assert "; 1 failed attempt, last: Your bank declined the card.) · " in page  # paid on the second try
    assert f'/admin/delivery/shipment/{shipment_id}/change/">DLZTRACK1</a>' in page


def test_staff_find_an_order_by_its_short_id_or_its_customer(client) -> None:
    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    asha = User.objects.create_user("asha.rao@example.in", PASSWORD, full_name="Asha Rao")
    hers, other = place(customer_id=asha.id), place()

    def found(term: str) -> set[str]:
        page = client.get("/admin/orders/order/", {"q": term})
        assert page.status_code == 200
        return {str(order.id)[:8] for order in page.context["cl"].result_list}

    assert found(str(hers.id)[:8]) == {str(hers.id)[:8]}
    assert found(str(other.id)[:8].upper()) == {str(other.id)[:8]}
    assert found("asha.rao@") == found("Asha R") == {str(hers.id)[:8]}
    assert found(str(hers.id)) == {str(hers.id)[:8]}  # the whole id, as before
    assert found("nobody-like-this") == set()


def _staff(client) -> None:
    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)


def _announce(code: str, title: str) -> uuid.UUID:
    """Inventory opens a store and announces it; the bus brings it to orders' projection.
    (Before any order is placed: delivering would also run the orders' saga.)"""
    store_id = uuid.uuid4()
    event = store_updated(store_id, code=code, title=title)
    with transaction.atomic():
        publish(event, key=store_id)
    deliver_pending()
    return store_id


def _filter_choices(page) -> dict[str, str]:
    """The store filter's choices: label -> the store id it selects."""
    (spec,) = [spec for spec in page.context["cl"].filter_specs if getattr(spec, "parameter_name", None) == "store"]
    return {label: value for value, label in spec.lookup_choices}


def test_staff_read_the_store_by_its_code_and_title_filter_by_name_and_search_by_code(client) -> None:
    _staff(client)
    stores = _announce("BLR-IND", "Indiranagar"), _announce("BLR-KOR", "Koramangala")
    indiranagar, koramangala = place(store_id=stores[0]), place(store_id=stores[1])
    unknown = place()  # a store inventory has not announced to orders (yet)

    changelist = client.get("/admin/orders/order/")
    page = changelist.content.decode()
    change = client.get(f"/admin/orders/order/{indiranagar.id}/change/").content.decode()

    assert '<td class="field-store">BLR-IND · Indiranagar</td>' in page
    assert '<td class="field-store">BLR-KOR · Koramangala</td>' in page
    assert f'<td class="field-store">{str(unknown.store_id)[:8]}</td>' in page  # until the store is known
    assert '<div class="readonly">BLR-IND · Indiranagar</div>' in change
    assert str(indiranagar.store_id) in change  # the id stays on the order's page
    assert _filter_choices(changelist) == {
        "BLR-IND · Indiranagar": str(indiranagar.store_id),
        "BLR-KOR · Koramangala": str(koramangala.store_id),
        str(unknown.store_id)[:8]: str(unknown.store_id),
    }
    assert list(_filter_choices(changelist))[:2] == ["BLR-IND · Indiranagar", "BLR-KOR · Koramangala"]

    def found(term: str) -> set:
        page = client.get("/admin/orders/order/", {"q": term})
        assert page.status_code == 200
        return {order.pk for order in page.context["cl"].result_list}

    assert found("BLR-IND") == found("blr-ind") == {indiranagar.pk}
    assert found("BLR-") == {indiranagar.pk, koramangala.pk}
    assert found("HYD-") == set()
    by_store = client.get(f"/admin/orders/order/?store={koramangala.store_id}")
    assert [o.pk for o in by_store.context["cl"].result_list] == [koramangala.pk]
    by_name = client.get("/admin/orders/order/", {"o": "-5"})  # the store column, descending (nulls first)
    assert [o.pk for o in by_name.context["cl"].result_list] == [unknown.pk, koramangala.pk, indiranagar.pk]


def test_the_changelist_reads_the_stores_of_a_page_in_a_bounded_number_of_queries(client) -> None:
    _staff(client)

    def queries_for_the_changelist() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/admin/orders/order/").status_code == 200
        return len(queries)

    stores = [_announce(f"BLR-{n}", f"Store {n}") for n in range(8)]
    for store_id in stores[:2]:
        place(store_id=store_id)
    few = queries_for_the_changelist()
    for store_id in stores[2:]:
        place(store_id=store_id)
    many = queries_for_the_changelist()

    assert many == few
    assert '<td class="field-store">BLR-7 · Store 7</td>' in client.get("/admin/orders/order/").content.decode()


def test_the_list_shows_the_total_after_picking_and_sorts_by_it(client) -> None:
    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    adjusted, whole = place(), place()
    Order.objects.filter(pk=adjusted.pk).update(adjustment_paise=9000)  # ₹115.00 - ₹90.00 back after picking

    page = client.get("/admin/orders/order/?o=4")  # the fourth column, total, ascending

    assert page.status_code == 200
    html = page.content.decode()
    assert "₹25.00" in html
    assert html.index(str(adjusted.id)[:8]) < html.index(str(whole.id)[:8])


def test_the_cancel_page_says_why_an_order_out_for_delivery_or_already_cancelled_is_not_cancelled(client) -> None:
    from orders import services

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    on_road, gone, open_order = place(), place(), place()
    Order.objects.filter(pk=on_road.pk).update(status="out_for_delivery")
    services.cancel_order(order_id=gone.id)
    selected = {"action": "cancel_orders", "_selected_action": [on_road.id, gone.id, open_order.id]}

    page = client.post("/admin/orders/order/", selected).content.decode()
    assert "Not cancelled: it is out for delivery. Record the failed attempt and return it" in page
    assert "Not cancelled: it is cancelled." in page
    assert "Yes, cancel 1 order" in page
    assert (
        f"/admin/orders/order/{on_road.id}/cancel/"
        not in client.get(f"/admin/orders/order/{on_road.id}/change/").content.decode()
    )

    done = client.post("/admin/orders/order/", {**selected, "confirm": "yes", "note": "Duplicate order"}, follow=True)
    text = done.content.decode()
    assert "Cancelled 1 order(s)" in text  # not 2: one was cancelled already, one is on the road
    assert "already cancelled" in text
    assert Order.objects.get(pk=on_road.id).status == "out_for_delivery"
    assert Order.objects.get(pk=open_order.id).status == "cancelled"


def test_the_order_page_names_the_customer_and_the_address_and_counts_money_in_rupees(client) -> None:
    from tests.accounts.factories import UserFactory

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    asha = UserFactory(email="asha@example.in", full_name="Asha Rao")
    order = place(customer_id=asha.id)

    page = client.get(f"/admin/orders/order/{order.id}/change/").content.decode()

    assert "Asha Rao · asha@example.in" in page
    assert f"/admin/accounts/user/{asha.id}/change/" in page
    assert "12, 3rd Cross · Bengaluru, Karnataka 560038" in page
    assert f"= ₹{order.total_paise // 100:,}.{order.total_paise % 100:02d}" in page
    assert "Subtotal paise" not in page
    assert "Total paise" not in page


def test_cancelling_a_picked_order_says_its_goods_are_off_the_shelf_not_released(client) -> None:
    from django.utils import timezone

    from orders import services

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    order = place(payment_method="cod")
    services.record_stock_reserved(order_id=order.id, reservation_id=uuid.uuid4())
    services.record_slot_booked(
        order_id=order.id, booking_id=uuid.uuid4(), starts_at=timezone.now(), ends_at=timezone.now()
    )
    services.record_packed(order_id=order.id)
    services.record_stock_committed(order_id=order.id)  # picked: the stock left the shelf

    page = client.get(f"/admin/orders/order/{order.id}/cancel/").content.decode()

    assert "stock released" not in page.lower()
    assert "The picked goods stay off the shelf until someone puts them back" in page


def test_staff_filter_by_delivery_day_and_the_slot_list_follows_the_store(client) -> None:
    from datetime import datetime, time, timedelta

    from django.utils import timezone

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time(18)))
    yesterday, today_here, today_there, tomorrow = place(), place(), place(), place()
    for order, starts in (
        (yesterday, today - timedelta(days=1)),
        (today_here, today),
        (today_there, today),
        (tomorrow, today + timedelta(days=1)),
    ):
        Order.objects.filter(pk=order.pk).update(slot_starts_at=starts)
    Order.objects.filter(pk=tomorrow.pk).update(store_id=today_here.store_id)

    def listed(query: str) -> set:
        return {o.pk for o in client.get(f"/admin/orders/order/?{query}").context["cl"].result_list}

    assert listed("delivery_day=today") == {today_here.pk, today_there.pk}
    assert listed("delivery_day=tomorrow") == {tomorrow.pk}
    assert listed("delivery_day=yesterday") == {yesterday.pk}
    assert listed("delivery_day=week") == {today_here.pk, today_there.pk, tomorrow.pk}
    # The slot filter offers today's slots on, of the chosen store only, earliest first.
    page = client.get(f"/admin/orders/order/?store={today_here.store_id}")
    (slots,) = [spec for spec in page.context["cl"].filter_specs if spec.title == "slot"]
    offered = [value for value, _ in slots.lookup_choices]
    assert offered == [str(today_here.slot_id), str(tomorrow.slot_id)]


def test_the_order_page_reads_weights_prices_and_refunds_as_staff_do(client) -> None:
    from orders.models import OrderRefund
    from shop.money import grams_label

    from .factories import milk, tomatoes

    User.objects.create_superuser("ops@example.in", PASSWORD)
    client.login(email="ops@example.in", password=PASSWORD)
    order = place(payment_method="cod", lines=[milk(), tomatoes()])
    from django.utils import timezone

    OrderRefund.objects.create(
        order=order, refund_id=uuid.uuid4(), amount_paise=33_600, status="processed", at=timezone.now()
    )

    page = client.get(f"/admin/orders/order/{order.id}/change/").content.decode()

    assert grams_label(order.lines.get(sold_by="weight").quantity) in page
    assert "per kg" in page
    assert "per pack" in page
    assert "5 %" in page  # the milk's GST rate, not "500" basis points
    assert "₹336.00" in page  # the refund in rupees
    assert "33600" not in page
    assert f"/admin/payments/paymentintent/?q={order.id}" in page  # cash on delivery: its payment record
