"""Categories (a tree), brands, and GST tax classes with effective-dated rates."""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator
from django.db import models


class Category(models.Model):
    """A node of the category tree; `path` ("staples/atta-flours") finds descendants with one prefix query."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    #: Slugs from the root down, joined by "/"; kept by the services when a node moves.
    path = models.CharField(max_length=600, unique=True, editable=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.path.replace("/", " > ") if self.path else self.name

    @property
    def depth(self) -> int:
        return self.path.count("/")


class Brand(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxClass(models.Model):
    """A GST class ("food-nil", "packaged-5"); its rate on a date is the TaxRate in force then."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "tax classes"

    def __str__(self) -> str:
        return self.name


class TaxRate(models.Model):
    """A GST rate (basis points) in force from a date until the next rate of its class."""

    tax_class = models.ForeignKey(TaxClass, on_delete=models.CASCADE, related_name="rates")
    rate_bp = models.PositiveIntegerField(validators=[MaxValueValidator(10_000)])
    effective_from = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    #: When the products of the class were re-announced with this rate (on or after its first day).
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["tax_class", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["tax_class", "effective_from"], name="catalog_taxrate_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(rate_bp__lte=10_000),
                name="catalog_taxrate_bp_range",
                violation_error_message="A GST rate is at most 100 % (10000 basis points).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rate_bp / 100:g}% from {self.effective_from:%d %b %Y}"
