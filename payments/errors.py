"""What the payments services refuse with; the API turns these into its error shape."""

from __future__ import annotations


class PaymentRefused(Exception):
    """A business rule refused the request (409 unless said otherwise)."""

    def __init__(self, message: str, *, code: str, status_code: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code
