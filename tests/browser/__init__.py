"""Browser tests: headless Chromium (Playwright) against the real shop, its worker and a fake Razorpay."""
