"""The stand-in for checkout.razorpay.com: a page with "pay" and "fail" that posts to our callback."""

from __future__ import annotations

from html import escape
from typing import Any

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Fake Razorpay checkout</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto}}button{{font-size:1.1rem;margin:.4rem}}</style>
</head><body>
<h1>Fake Razorpay checkout</h1>
<p>Local stand-in for Razorpay's checkout. No money moves.</p>
<p>Order <code>{order_id}</code>: <strong>&#8377;{rupees}</strong> ({status})</p>
<form method="post" action="/checkout/{order_id}/pay">
  <input type="hidden" name="callback_url" value="{callback_url}">
  <button type="submit" name="outcome" value="pay" id="pay">Pay &#8377;{rupees}</button>
  <button type="submit" name="outcome" value="fail" id="fail">Fail the payment</button>
</form>
</body></html>
"""

REDIRECT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Returning to the shop</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{callback_url}" id="callback">
{fields}
<noscript><button type="submit">Return to the shop</button></noscript>
</form>
</body></html>
"""


def checkout_page(order: dict[str, Any], callback_url: str) -> str:
    amount = int(order["amount"])
    return PAGE.format(
        order_id=escape(order["id"]),
        rupees=f"{amount // 100}.{amount % 100:02d}",
        status=escape(order["status"]),
        callback_url=escape(callback_url),
    )


def callback_form(callback_url: str, fields: dict[str, str]) -> str:
    inputs = "\n".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">' for name, value in fields.items()
    )
    return REDIRECT.format(callback_url=escape(callback_url), fields=inputs)
