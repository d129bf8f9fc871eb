from django import template

from shop.money import format_inr

register = template.Library()


@register.filter
def inr(paise: int) -> str:
    return format_inr(int(paise))


@register.filter
def percent(basis_points: int) -> str:
    value = int(basis_points) / 100
    return f"{value:g}%"
