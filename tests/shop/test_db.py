"""shop.db.one_or_none: a unique lookup without the ORDER BY that .first() compiles."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shop.accounts.models import User
from shop.db import one_or_none

pytestmark = pytest.mark.django_db


def test_the_row_of_a_unique_lookup_or_none_with_no_order_by() -> None:
    user = User.objects.create_user(email="one@example.in", password="x-Secret-123")

    with CaptureQueriesContext(connection) as queries:
        assert one_or_none(User.objects.filter(pk=user.pk)) == user
        assert one_or_none(User.objects.filter(pk=uuid.uuid4())) is None

    assert len(queries) == 2
    assert all("ORDER BY" not in q["sql"] and "LIMIT 1" in q["sql"] for q in queries.captured_queries)
    with CaptureQueriesContext(connection) as ordered:
        User.objects.filter(pk=user.pk).first()
    assert "ORDER BY" in ordered.captured_queries[0]["sql"]  # what it spares
