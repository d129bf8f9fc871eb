"""The words of each message: plain text, rupees as customers read them.

A customer's links go to the web shop's order page ({order_url}: `/#/orders/<id>`), never
to the JSON API; staff's to the admin ({admin_url})."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from shop.money import format_inr, grams_label

from .models import Notification

K = Notification.Kind

#: The least Razorpay refunds (₹1.00): less owed back to a prepaid order is not sent.
MIN_REFUND_PAISE = 100

_SUBJECTS: dict[str, str] = {
    K.ORDER_CONFIRMED: "Your order {ref} is confirmed",
    K.ORDER_CANCELLED: "Your order {ref} was cancelled",
    K.ORDER_ADJUSTED: "Your order {ref} changed at picking",
    K.ORDER_PACKED: "Your order {ref} is packed",
    K.OUT_FOR_DELIVERY: "Your order {ref} is on its way",
    K.ORDER_DELIVERED: "Your order {ref} was delivered",
    K.REFUND_INITIATED: "Refund of {amount} started for order {ref}",
    K.REFUND_PROCESSED: "Refund of {amount} for order {ref} is done",
    K.STAFF_STOCK_LOW: "Stock low: {sku} at {store} ({available} left)",
    K.STAFF_REFUND_FAILED: "Refund failed for order {ref}: act on it",
    K.STAFF_DEAD_LETTER: "Dead letter: {subscriber} gave up on {event_name} ({error_kind})",
    K.STAFF_WEBHOOK_ABANDONED: "Razorpay webhook {event_type} not applied after {attempts} attempts",
    K.STAFF_SHIPMENT_RETURNED: "Shipment {tracking_code} is back at the store: put its goods back",
    K.STAFF_CANCELLED_AFTER_PICKING: "Order {ref} was cancelled after picking: put its goods back ({tracking_code})",
    K.STAFF_NEAR_EXPIRY: "{batch_count} at {store_code} {expire} {deadline}",
}

_BODIES: dict[str, str] = {
    K.ORDER_CONFIRMED: (
        "Hello {name},\n\nThank you! Your order {ref} for {amount} is confirmed and the store is "
        "picking it now.\n\n{lines}\n\n{money}\n\nDelivery: {slot}\nTo: {address}\n\nTrack it: {order_url}\n"
    ),
    K.ORDER_CANCELLED: (
        "Hello {name},\n\nYour order {ref} was cancelled ({reason}). Anything you paid is refunded "
        "to the way you paid; we will write when the bank has it.\n\nDetails: {order_url}\n"
    ),
    K.ORDER_ADJUSTED: (
        "Hello {name},\n\nThe store has picked your order {ref}, and not everything was there as you "
        "ordered it. What it found, of what you ordered:\n\n{lines}\n\n{money}\n\nDetails: {order_url}\n"
    ),
    K.ORDER_PACKED: "Hello {name},\n\nYour order {ref} is packed and waits for its rider.\n\n{order_url}\n",
    K.OUT_FOR_DELIVERY: "Hello {name},\n\nYour order {ref} left the store and is on its way to you.\n\n{order_url}\n",
    K.ORDER_DELIVERED: (
        "Hello {name},\n\nYour order {ref} was delivered. Your tax invoice is on its page: {order_url}\n\n"
        "Thank you for shopping with us.\n"
    ),
    K.REFUND_INITIATED: (
        "Hello {name},\n\nWe started a refund of {amount} for order {ref} ({reason}). Banks take 5-7 "
        "working days; we will write again with the bank's reference.\n"
    ),
    K.REFUND_PROCESSED: (
        "Hello {name},\n\nYour refund of {amount} for order {ref} is processed. Bank reference: "
        "{bank_reference}. Quote it to your bank if it has not arrived yet.\n"
    ),
    K.STAFF_STOCK_LOW: (
        "{sku} at {store}: {available} sellable, at or below its low-stock threshold of {threshold}.\n\n"
        'Its stock page, with the batches and their expiry, and "Receive stock", "Adjust stock" and '
        '"Change threshold": {admin_url}\n'
    ),
    K.STAFF_REFUND_FAILED: (
        "The refund {refund_id} of {amount} for order {ref} failed: {reason}\n"
        "The amount is refundable again: refund it from the order's admin page.\n"
    ),
    K.STAFF_DEAD_LETTER: (
        "{subscriber} gave up on event {event_name} {event_id} (key {event_key}) after {attempts} attempt(s).\n"
        "Why: {error_kind}: {error}\n\n"
        "Whatever that subscriber does for this event has not happened. Fix the cause, then replay it:\n"
        "{admin_url}\n"
        "or: python manage.py eventbus replay {delivery_id}\n"
    ),
    K.STAFF_SHIPMENT_RETURNED: (
        "Shipment {tracking_code} (order {ref}) came back to the store undelivered; the order is cancelled and "
        "its stock left the shelf at picking.\n\nIn the bag:\n{items}\n\n"
        'Put back what can still be sold with "Receive stock" (not "Adjust stock"): open each item\'s stock '
        'row in the store\'s stock list below, press "Receive stock" and enter the quantity and the expiry date '
        "printed on its pack (a batch code such as RET-{tracking_code} keeps the returned goods apart). What cannot "
        "be sold needs nothing booked, it already left the stock at picking: throw it away.\n{admin_url}\n"
    ),
    K.STAFF_CANCELLED_AFTER_PICKING: (
        "Order {ref} was cancelled after its shipment {tracking_code} was picked: its goods are in the bag at "
        "the store, and off the shelf in inventory's books (picking took them out).\n\nIn the bag:\n{items}\n\n"
        'Put back what can still be sold: on the stock page press "Receive stock" and enter the quantity '
        "and the expiry printed on the pack: {admin_url}\n"
    ),
    K.STAFF_NEAR_EXPIRY: (
        "{batch_count} on the shelf at {store_title} ({store_code}) {expire} {deadline}:\n\n{lines}\n\n"
        "What to do:\n"
        "- Sell them first: move them to the front of the shelf, ahead of later batches of the same item.\n"
        '- Mark them down: on the SKU\'s page in the admin (Catalog > Skus) add a "Store price" for '
        "{store_code}, and remove it once the batch is gone.\n"
        "- Damaged or unfit to sell before its date: on the item's stock page (Inventory > Stocks) use "
        '"Adjust stock" with a negative change and the reason; it comes out of the first-expiring batch.\n'
        "- After its expiry date: take what is left off the shelf and throw it away. The books write it off "
        "by themselves the next day (the batch sweep); book nothing.\n\n"
        "The store's batches expiring within {within_days} days, in the admin: {admin_url}\n"
    ),
    K.STAFF_WEBHOOK_ABANDONED: (
        "Razorpay's {event_type} webhook {razorpay_event_id} (order {order}) could not be applied after "
        "{attempts} attempts; the reconciler has stopped trying.\n"
        "Last error: {error}\n\n"
        "What it reports (a payment, a refund) is not in our books. Compare with Razorpay's dashboard, "
        'fix the cause, then apply it again with the admin\'s "Process the selected events again":\n'
        "{admin_url}\n"
    ),
}


#: A cash-on-delivery refund the store paid itself (REFUND_PROCESSED with `paid_by`): no bank to wait for.
_REFUND_PAID_BY_STORE = (
    "Hello {name},\n\nThe store has refunded {amount} for order {ref} {paid_by}.\n\nDetails: {order_url}\n"
)

_PAID_BY = {"cash": "in cash", "upi": "by UPI", "bank_transfer": "by bank transfer"}


def paid_by(channel: str, reference: str = "") -> str:
    """How the store paid a refund back, as the customer reads it: "by UPI (reference 4123...)"."""
    how = _PAID_BY.get(channel, f"by {channel.replace('_', ' ')}")
    return f"{how} (reference {reference})" if reference else how


def confirmed_line(*, name: str, by_weight: bool, quantity: int, total_paise: int) -> str:
    """One line of a confirmation: "- Toned Milk 500 ml x 2: ₹56.00", "- Tomatoes, 500 g: ₹20.00"."""
    what = f"{name}, {grams_label(quantity)}" if by_weight else f"{name} x {quantity}"
    return f"- {what}: {format_inr(total_paise)}"


def confirmed_money(
    *,
    items_paise: int,
    coupon_code: str,
    discount_paise: int,
    fees_paise: int,
    total_paise: int,
    cash_on_delivery: bool,
) -> str:
    """Items, the coupon's discount, the fees and the total, and how it is paid."""
    rows = [f"Items: {format_inr(items_paise)}"]
    if discount_paise:
        rows.append(f"{f'Coupon {coupon_code}' if coupon_code else 'Discount'}: -{format_inr(discount_paise)}")
    rows.append(f"Delivery and fees: {format_inr(fees_paise)}" if fees_paise else "Delivery: free")
    how = "to pay on delivery, in cash or by UPI" if cash_on_delivery else "paid online"
    rows.append(f"Total: {format_inr(total_paise)}, {how}")
    return "\n".join(rows)


def slot_window(starts_at: datetime | None, ends_at: datetime | None) -> str:
    """ "Wed 25 Nov, 6:00 pm to 8:00 pm", in India's time; "as booked" when orders did not say."""
    if starts_at is None or ends_at is None:
        return "in the slot you chose"
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    return f"{start:%a} {start.day} {start:%b}, {_clock(start)} to {_clock(end)}"


def _clock(moment: datetime) -> str:
    """6:00 pm, 12:30 am."""
    return f"{moment.hour % 12 or 12}:{moment:%M} {'am' if moment.hour < 12 else 'pm'}"


#: A near-expiry digest lists this many batches; the admin's list (linked) has the rest.
NEAR_EXPIRY_LISTED = 50


def day_label(day: date) -> str:
    """ "Thu 27 Nov"."""
    return f"{day:%a} {day.day} {day:%b}"


def near_expiry_line(
    *, name: str, sku_code: str, batch_code: str, quantity: int, by_weight: bool, expires_on: date, today: date
) -> str:
    """One batch of a near-expiry digest: "- Toned Milk 500 ml (MILK-500), batch GRN-1: 12 packs, expires
    Thu 27 Nov (tomorrow)"; weighed goods in grams or kilos ("1.5 kg")."""
    amount = grams_label(quantity) if by_weight else f"{quantity:,} {'pack' if quantity == 1 else 'packs'}"
    when = {0: " (today)", 1: " (tomorrow)"}.get((expires_on - today).days, "")
    return f"- {name} ({sku_code}), batch {batch_code}: {amount}, expires {day_label(expires_on)}{when}"


def near_expiry_context(*, lines: list[str], last_day: date, today: date) -> dict[str, str]:
    """The counted words of a near-expiry digest: "5 batches ... expire by Thu 27 Nov" ("... today, Tue 25
    Nov" when all go today), the list (at most
    NEAR_EXPIRY_LISTED lines, then how many more)."""
    count = len(lines)
    listed = lines[:NEAR_EXPIRY_LISTED]
    if count > len(listed):
        listed.append(f"- and {count - len(listed)} more: see the admin's list below")
    return {
        "batch_count": f"{count} {'batch' if count == 1 else 'batches'}",
        "expire": "expires" if count == 1 else "expire",
        "deadline": f"today, {day_label(last_day)}" if last_day == today else f"by {day_label(last_day)}",
        "lines": "\n".join(listed),
    }


def _quantity(quantity: int, *, by_weight: bool) -> str:
    return grams_label(quantity) if by_weight else str(quantity)


def adjusted_line(
    *, name: str, by_weight: bool, ordered: int, picked: int, replacement_name: str = "", replaced: int = 0
) -> str:
    """One line changed at picking: "- Toned Milk 500 ml: 2 of 3", "- Tomatoes: 450 g of 500 g",
    and where its offer made up for it ", replaced by Cherry Tomatoes x 200 g" (a replacement
    is in the line's unit, as orders charges it: packs, or grams for a line sold by weight)."""
    found, of = _quantity(picked, by_weight=by_weight), _quantity(ordered, by_weight=by_weight)
    text = f"- {name or 'An item'}: {found} of {of}"
    if replaced:
        text += f", replaced by {replacement_name or 'a similar item'} x {_quantity(replaced, by_weight=by_weight)}"
    return text


def adjusted_money(*, cash_on_delivery: bool, refund_paise: int, final_total_paise: int) -> str:
    """What picking's changes do to the money. Prepaid, this explains the refund; the refund's
    own messages (started, done) follow from payments' events and are not repeated here."""
    total = format_inr(final_total_paise)
    if cash_on_delivery:
        if refund_paise:
            return f"Please pay {total} on delivery, {format_inr(refund_paise)} less than at checkout."
        return f"Please pay {total} on delivery, as at checkout."
    if refund_paise >= MIN_REFUND_PAISE:
        return (
            f"For what was missing, {format_inr(refund_paise)} will be refunded to your original payment method; "
            f"your order now comes to {total}. We will write again when the refund starts and when it is done."
        )
    if refund_paise:
        return (
            f"What was missing comes to {format_inr(refund_paise)}, less than the {format_inr(MIN_REFUND_PAISE)} "
            "a card or UPI refund can be, so none is sent."
        )
    return f"Nothing is refunded: your order still comes to {total}."


def render(kind: str, **context: Any) -> tuple[str, str]:
    """(subject, body) of a message of `kind`; amounts in paise become rupees."""
    values = {"name": "there", "reason": "", **context}
    if "amount_paise" in values:
        values["amount"] = format_inr(int(values["amount_paise"]))
    if "order_id" in values:
        values["ref"] = str(values["order_id"])[:8].upper()
    body = _REFUND_PAID_BY_STORE if kind == K.REFUND_PROCESSED and values.get("paid_by") else _BODIES[kind]
    return _SUBJECTS[kind].format(**values)[:200], body.format(**values)
