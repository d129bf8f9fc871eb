"""Validators for Indian addresses."""

from django.core.validators import RegexValidator

validate_pincode = RegexValidator(
    regex=r"^[1-9][0-9]{5}$",
    message="Enter a valid 6-digit Indian pincode (it cannot start with 0).",
    code="invalid_pincode",
)

INDIAN_STATES = [
    "Andaman and Nicobar Islands", "Andhra Pradesh", "Arunachal Pradesh", "Assam", "Bihar",
    "Chandigarh", "Chhattisgarh", "Dadra and Nagar Haveli and Daman and Diu", "Delhi", "Goa",
    "Gujarat", "Haryana", "Himachal Pradesh", "Jammu and Kashmir", "Jharkhand", "Karnataka",
    "Kerala", "Ladakh", "Lakshadweep", "Madhya Pradesh", "Maharashtra", "Manipur", "Meghalaya",
    "Mizoram", "Nagaland", "Odisha", "Puducherry", "Punjab", "Rajasthan", "Sikkim",
    "Tamil Nadu", "Telangana", "Tripura", "Uttar Pradesh", "Uttarakhand", "West Bengal",
]  # fmt: skip
STATE_CHOICES = [(state, state) for state in INDIAN_STATES]
