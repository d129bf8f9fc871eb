"""A local fake Razorpay that the real `razorpay` SDK talks to over HTTP (tests, bench, `make run`).

Pure standard library: no Django, so it runs as its own process (`manage.py fake_razorpay`).
"""

from .common import Knobs, sign
from .server import FakeRazorpay, http_sender

__all__ = ["FakeRazorpay", "Knobs", "http_sender", "sign"]
