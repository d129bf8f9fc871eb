from tests.e2e.conftest import fake, shop  # noqa: F401 - the e2e shop and the fake Razorpay
