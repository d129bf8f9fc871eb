"""Razorpay's entry points into the shop (webhook, callback) and the pay page."""
