import pytest
from django.test import override_settings


@pytest.fixture
def small_batches():
    """One delivery per batch, so ordering depends on the claim, not on a batch's order."""
    with override_settings(EVENTBUS_BATCH_SIZE=1):
        yield
