"""The pure base of every domain event, and value types the contracts share.

This module imports only the standard library and pydantic, so that an app's
`events.py` (its published contract) stays importable by a service lifted out
of this project. No Django here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

_EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v[1-9][0-9]*$")

# --- Shared value types -----------------------------------------------------------

#: Money: a whole number of paise (1 INR = 100 paise). Never a float.
Paise = Annotated[int, Field(strict=True, ge=0, description="Amount in paise (INR x 100)")]
#: A signed amount of paise, for adjustments and refunds owed.
SignedPaise = Annotated[int, Field(strict=True, description="Signed amount in paise")]
#: An Indian postal code: six digits, not starting with 0.
Pincode = Annotated[str, Field(pattern=r"^[1-9][0-9]{5}$", description="Indian 6-digit pincode")]
#: A quantity in a SKU's base unit: pieces, grams or millilitres.
Quantity = Annotated[int, Field(strict=True, gt=0, description="Quantity in base units")]
#: A GST rate in basis points (5% = 500), so tax arithmetic stays integral.
RateBasisPoints = Annotated[int, Field(ge=0, le=10_000, description="Rate in basis points")]
#: A phone number in E.164 form (+919876543210).
PhoneE164 = Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")]

CURRENCY = "INR"


#: Readers ignore fields they do not know (a tolerant reader): a contract may gain optional
#: fields, and a worker still on the old code (a rolling deploy, a service lifted out that
#: has not upgraded) takes the new events instead of dead-lettering them. Publishers cannot
#: pass unknown fields: mypy's pydantic plugin checks every constructor (init_forbid_extra).
_CONTRACT_CONFIG = ConfigDict(frozen=True, extra="ignore")


class Value(BaseModel):
    """A value carried inside an event (a line, an address): immutable, read tolerantly."""

    model_config = _CONTRACT_CONFIG


class Event(BaseModel):
    """A fact one app published. Subclasses set `name`: "<app>.<fact>.v<N>".

    The name is permanent: a breaking change is a new version (".v2") with an
    upcaster from the old one, never an edit of a published contract; an additive change
    (an optional field) keeps the version. `docs/event-contracts.json` and its test hold
    every version to that.
    """

    model_config = _CONTRACT_CONFIG

    name: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name", "")
        if name and not _EVENT_NAME.match(name):
            raise TypeError(f"{cls.__qualname__}.name={name!r} must look like 'app.fact_happened.v1'")

    @classmethod
    def version(cls) -> int:
        return int(cls.name.rsplit(".v", 1)[1])

    @classmethod
    def app_label(cls) -> str:
        return cls.name.split(".", 1)[0]


# --- Upcasters ----------------------------------------------------------------------

#: from_name -> (to_name, function turning the old payload into the new one)
UPCASTERS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {}


def upcaster(
    from_name: str, *, to: type[Event]
) -> Callable[[Callable[[dict[str, Any]], dict[str, Any]]], Callable[[dict[str, Any]], dict[str, Any]]]:
    """Register how an old version's payload becomes the next version's.

    Declared next to the new contract, in the publishing app's events.py:

        @upcaster("orders.order_placed.v1", to=OrderPlacedV2)
        def _order_placed_v1_to_v2(payload: dict) -> dict:
            return {**payload, "channel": "web"}
    """

    def register(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
        if from_name in UPCASTERS:
            raise ValueError(f"an upcaster from {from_name} is already registered")
        if from_name == to.name:
            raise ValueError("an upcaster must go to another version")
        UPCASTERS[from_name] = (to.name, fn)
        return fn

    return register
