"""What may go in a cart line's place if it is short: the offer, and the packs a customer may name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import OuterRef, Q, Subquery

from ..models import Availability, Cart, CartLine, Sku, StorePrice

if TYPE_CHECKING:
    from .pricing import PricedLine


@dataclass
class Replacements:
    """A cart's replacement options, by line SKU, priced at its store (`Sku.price_paise`
    carries the store's price): `offers`, what the picker would bring if the line is short;
    `choices`, the SKUs a customer may name instead (the product's other packs, sold the
    same way, in stock at the store, cheapest first)."""

    offers: dict[UUID, Sku] = field(default_factory=dict)
    choices: dict[UUID, list[Sku]] = field(default_factory=dict)


def replacement_offers(cart: Cart, lines: list[PricedLine]) -> dict[UUID, Sku]:
    """What the picker may put in each line's place if its SKU is short (see replacements())."""
    return replacements(cart, lines, with_choices=False).offers


def replacements(cart: Cart, lines: list[PricedLine], *, with_choices: bool = True) -> Replacements:
    """The offer for each line: the SKU the customer named ('specific'), or the best match:
    another pack of the same product, sold the same way, in stock at the store, nearest in
    price (then cheaper, then by name). Lines set to 'refund', and lines nothing fits, have
    none. `with_choices`: the other packs for every line too. One query for the cart."""
    known = [p for p in lines if p.sku is not None]
    wanted = [p for p in known if p.line.replacement != CartLine.Replacement.REFUND]
    named = {p.line.replacement_sku_id for p in wanted if p.line.replacement_sku_id is not None}
    siblings_of = known if with_choices else [p for p in wanted if p.line.replacement_sku_id is None]
    products = {p.sku.product_id for p in siblings_of if p.sku is not None}
    found = Replacements()
    if not cart.store_id or not (named or products):
        return found
    at_store = {"store_id": cart.store_id, "sku_id": OuterRef("sku_id")}
    candidates = list(
        Sku.objects.filter(Q(sku_id__in=named) | Q(product_id__in=products), is_active=True).annotate(
            store_price=Subquery(StorePrice.objects.filter(**at_store).values("price_paise")[:1]),
            available_here=Subquery(Availability.objects.filter(**at_store, in_stock=True).values("available")[:1]),
        )
    )
    for sku in candidates:
        if sku.store_price is not None:
            sku.price_paise = sku.store_price
    for priced in known:
        own = priced.sku
        assert own is not None
        packs = sorted(
            (
                s
                for s in candidates
                if s.product_id == own.product_id
                and s.sku_id != own.sku_id
                and s.sold_by == own.sold_by
                and (s.available_here or 0) > 0
            ),
            key=lambda s: (s.price_paise, s.name),
        )
        if with_choices:
            found.choices[own.sku_id] = list[Sku](packs)
        if priced.line.replacement == CartLine.Replacement.REFUND:
            continue
        if priced.line.replacement_sku_id is not None:
            fits = [
                s
                for s in candidates
                if s.sku_id == priced.line.replacement_sku_id
                and (s.product_id, s.sold_by) == (own.product_id, own.sold_by)
            ]
        else:
            fits = sorted(packs, key=lambda s: (abs(s.price_paise - priced.unit_price_paise), s.price_paise, s.name))
        if fits:
            found.offers[own.sku_id] = fits[0]
    return found
