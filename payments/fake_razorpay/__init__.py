"""A local fake Razorpay that the real `razorpay` SDK talks to over HTTP (tests, bench, `make run`).

Pure standard library: no Django, so it runs as its own process (`manage.py fake_razorpay`).
"""

from .server import FakeRazorpay, http_sender
from .state import Knobs, sign

__all__ = ["FakeRazorpay", "Knobs", "http_sender", "sign"]
