"""Staff's stock emails tell them what the admin can do: a returned shipment's goods go back on the
shelf with "Receive stock" and their expiry (an adjustment once made a batch that "expires never");
a low-stock email names what its stock page offers."""

from __future__ import annotations

from notifications.messages import render
from notifications.models import Notification

K = Notification.Kind


def test_returned_goods_go_back_with_receive_stock_and_their_expiry() -> None:
    subject, body = render(
        K.STAFF_SHIPMENT_RETURNED,
        order_id="5f0c2a8e-0000-0000-0000-000000000000",
        tracking_code="TRK-12",
        items="- Baby Potato 250 g: 1.5 kg",
        admin_url="https://shop.example.in/admin/inventory/stock/?store__id__exact=1",
    )

    assert subject == "Shipment TRK-12 is back at the store: put its goods back"
    assert 'press "Receive stock" and enter the quantity and the expiry date' in body
    assert '"Adjust stock" with the batch\'s expiry' not in body
    assert "RET-TRK-12" in body
    assert body.rstrip().endswith("https://shop.example.in/admin/inventory/stock/?store__id__exact=1")


def test_the_low_stock_email_names_the_stock_pages_operations() -> None:
    _, body = render(
        K.STAFF_STOCK_LOW,
        sku="Baby Potato 250 g (POT-BABY-250)",
        store="HSR Layout (blr-hsr)",
        available="1.5 kg",
        threshold="2 kg",
        admin_url="https://shop.example.in/admin/inventory/stock/1/change/",
    )

    for operation in ["Receive stock", "Adjust stock", "Change threshold"]:
        assert f'"{operation}"' in body
    assert "https://shop.example.in/admin/inventory/stock/1/change/" in body
