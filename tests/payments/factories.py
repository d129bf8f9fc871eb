"""factory_boy factories for the payments app."""

from __future__ import annotations

import uuid

import factory

from payments.models import PaymentIntent
from payments.states import Status


class PaymentIntentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentIntent

    order_id = factory.LazyFunction(uuid.uuid4)
    customer_id = factory.LazyFunction(uuid.uuid4)
    amount_paise = 45_000
    status = Status.CREATED
    receipt = factory.LazyAttribute(lambda o: f"ord_{o.order_id.hex}")
    razorpay_order_id = factory.Sequence(lambda n: f"order_factory{n:06d}")


class CodIntentFactory(PaymentIntentFactory):
    method = PaymentIntent.Method.COD
    razorpay_order_id = None
