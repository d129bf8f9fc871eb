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

#: The two-letter codes addresses are often written with (vehicle registration and GST
#: practice), including the older ones still in use (OR, UK, CT, TG, DN, DD).
STATE_CODES = {
    "AN": "Andaman and Nicobar Islands", "AP": "Andhra Pradesh", "AR": "Arunachal Pradesh", "AS": "Assam",
    "BR": "Bihar", "CH": "Chandigarh", "CG": "Chhattisgarh", "CT": "Chhattisgarh",
    "DH": "Dadra and Nagar Haveli and Daman and Diu", "DN": "Dadra and Nagar Haveli and Daman and Diu",
    "DD": "Dadra and Nagar Haveli and Daman and Diu", "DL": "Delhi", "GA": "Goa", "GJ": "Gujarat",
    "HR": "Haryana", "HP": "Himachal Pradesh", "JK": "Jammu and Kashmir", "JH": "Jharkhand", "KA": "Karnataka",
    "KL": "Kerala", "LA": "Ladakh", "LD": "Lakshadweep", "MP": "Madhya Pradesh", "MH": "Maharashtra",
    "MN": "Manipur", "ML": "Meghalaya", "MZ": "Mizoram", "NL": "Nagaland", "OD": "Odisha", "OR": "Odisha",
    "PY": "Puducherry", "PB": "Punjab", "RJ": "Rajasthan", "SK": "Sikkim", "TN": "Tamil Nadu",
    "TS": "Telangana", "TG": "Telangana", "TR": "Tripura", "UP": "Uttar Pradesh", "UK": "Uttarakhand",
    "UT": "Uttarakhand", "WB": "West Bengal",
}  # fmt: skip


def state_name(given: str) -> str:
    """The state's name as stored, from its name in any case or its two-letter code
    ("ka", "KARNATAKA" -> "Karnataka"); what is neither is returned as it came."""
    text = " ".join(given.split())
    by_name = {state.casefold(): state for state in INDIAN_STATES}
    return STATE_CODES.get(text.upper()) or by_name.get(text.casefold()) or given
