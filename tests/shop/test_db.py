"""shop.db: one_or_none, a unique lookup without the ORDER BY that .first() compiles; and
create_or_get, get_or_create in one statement for rows that are nearly always new;
in_transaction, whether a call to the outside world could still be rolled back."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shop.accounts.models import User
from shop.db import create_or_get, in_transaction, one_or_none
from shop.eventbus.models import InboxEntry

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


def test_create_or_get_inserts_a_new_row_in_one_statement() -> None:
    event_id = uuid.uuid4()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        entry, created = create_or_get(InboxEntry, {"subscriber": "a.b", "event_id": event_id})

    assert created
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert "ON CONFLICT DO NOTHING" in queries.captured_queries[0]["sql"]
    stored = InboxEntry.objects.get(subscriber="a.b", event_id=event_id)
    # The database's primary key (an auto field) and auto_now_add filled in, as save() does.
    assert (entry.pk, entry.handled_at, entry._state.adding) == (stored.pk, stored.handled_at, False)


def test_create_or_get_returns_the_row_already_there_and_leaves_the_transaction_usable() -> None:
    first = User.objects.create_user(email="taken@example.in", password="x-Secret-123", full_name="First")

    with transaction.atomic(savepoint=False):
        again, created = create_or_get(User, {"email": "taken@example.in"}, full_name="Second")
        assert User.objects.count() == 1  # no savepoint needed: the transaction goes on

    assert (created, again.pk, again.full_name) == (False, first.pk, "First")


def test_create_or_get_with_a_conflict_on_another_unique_key_says_so() -> None:
    user = User.objects.create_user(email="first@example.in", password="x-Secret-123")

    with pytest.raises(User.DoesNotExist):
        create_or_get(User, {"email": "second@example.in"}, id=user.pk)  # the primary key is taken


@pytest.mark.django_db(transaction=True)
def test_two_transactions_creating_one_row_at_once_make_one_and_both_get_it() -> None:
    event_id = uuid.uuid4()
    both_in = threading.Barrier(2)
    got: list[tuple[int, bool]] = []

    def create() -> None:
        try:
            with transaction.atomic():
                both_in.wait()
                entry, created = create_or_get(InboxEntry, {"subscriber": "a.b", "event_id": event_id})
                got.append((entry.pk, created))
                time.sleep(0.2)  # the winner holds its row uncommitted: the other waits on the index
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(created for _, created in got) == [False, True]
    assert len({pk for pk, _ in got}) == 1
    assert InboxEntry.objects.filter(event_id=event_id).count() == 1


EMBEDDED_SCRIPT = """
import uuid
from shop.db import create_or_get
from shop.eventbus.models import InboxEntry
event_id = uuid.uuid4()
first, created = create_or_get(InboxEntry, {"subscriber": "a.b", "event_id": event_id})
again, created_again = create_or_get(InboxEntry, {"subscriber": "a.b", "event_id": event_id})
print("first", created, "again", created_again, "same", first.pk == again.pk, "rows", InboxEntry.objects.count())
"""


@pytest.mark.integration
def test_create_or_get_on_sqlite_the_embedded_default(tmp_path: Path) -> None:
    from tests.embedded import run_embedded

    result = run_embedded(EMBEDDED_SCRIPT, tmp_path)  # INSERT OR IGNORE ... RETURNING there

    assert result.returncode == 0, result.stderr[-3000:]
    assert "first True again False same True rows 1" in result.stdout, result.stdout


def test_in_transaction_counts_the_code_s_own_atomic_blocks_not_the_test_s() -> None:
    assert connection.in_atomic_block  # the test's own transaction, which production does not have
    assert not in_transaction()
    with transaction.atomic():
        assert in_transaction()
        with transaction.atomic():
            assert in_transaction()
    assert not in_transaction()


@pytest.mark.django_db(transaction=True)
def test_in_transaction_outside_any_test_transaction() -> None:
    assert not connection.in_atomic_block
    assert not in_transaction()
    with transaction.atomic():
        assert in_transaction()
