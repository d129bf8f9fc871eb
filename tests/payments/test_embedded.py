"""The embedded default (`make run`: SQLite, no Redis, no worker): webhooks are applied as they arrive."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.embedded import run_embedded

SCRIPT = """
import uuid
from payments import conf, services
from payments.fake_razorpay.state import Ledger
from payments.models import PaymentIntent

ledger = Ledger(key_id=conf.key_id(), key_secret=conf.key_secret(), webhook_secret=conf.webhook_secret())
order, _ = ledger.create_order({"amount": 45000, "currency": "INR", "receipt": "embedded-1"})
intent = PaymentIntent.objects.create(
    order_id=uuid.uuid4(), amount_paise=45000, receipt="embedded-1", razorpay_order_id=order["id"], status="created"
)
ledger.pay(order["id"])
for item in ledger.take_outbox():
    event, new = services.record_webhook(body=item.body, signature=item.signature, event_id=item.event_id)
    print("webhook", event.event_type, event.status, new)
intent.refresh_from_db()
print("intent", intent.status, intent.captured_paise)
"""


@pytest.mark.integration
def test_webhooks_are_applied_as_they_arrive_on_sqlite(tmp_path: Path) -> None:
    result = run_embedded(SCRIPT, tmp_path)

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count(" processed True") == 3, result.stdout
    assert "intent captured 45000" in result.stdout
    assert "webhook_deferred" not in result.stdout + result.stderr  # applied at once, not via the fallback
