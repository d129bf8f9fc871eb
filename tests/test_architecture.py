"""The boundary rules that import-linter cannot see: relations between models.

No model of a bounded app may hold a ForeignKey, OneToOne or ManyToMany to
another app's model (nor may the kernel point into a bounded app). Apps refer
to each other's things by UUID and keep projections fed by events.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test.utils import isolate_apps


def cross_app_relations(model_classes: Iterable[type[models.Model]]) -> list[str]:
    bounded = set(settings.BOUNDED_APPS)
    found = []
    for model in model_classes:
        source = model._meta.app_label
        for field in model._meta.get_fields(include_hidden=True):
            if not field.is_relation or field.related_model is None or field.auto_created:
                continue
            target = field.related_model._meta.app_label  # type: ignore[union-attr]
            if target == source:
                continue
            if source in bounded or target in bounded:
                found.append(f"{source}.{model.__name__}.{field.name} -> {target}")
    return found


def test_no_model_relates_to_another_apps_model() -> None:
    assert cross_app_relations(apps.get_models(include_auto_created=True)) == []


@isolate_apps("catalog", "orders")
def test_the_check_finds_a_relation_across_apps() -> None:
    class Product(models.Model):
        class Meta:
            app_label = "catalog"

    class OrderLine(models.Model):
        product = models.ForeignKey(Product, on_delete=models.CASCADE)
        tags = models.ManyToManyField(Product, related_name="+")

        class Meta:
            app_label = "orders"

    assert cross_app_relations([OrderLine]) == [
        "orders.OrderLine.product -> catalog",
        "orders.OrderLine.tags -> catalog",
    ]


@pytest.mark.parametrize(
    "app_label", ["catalog", "cart", "orders", "payments", "inventory", "delivery", "notifications", "analytics"]
)
def test_every_bounded_app_is_installed_with_its_contract_and_readme(app_label: str) -> None:
    path = apps.get_app_config(app_label).path
    assert os.path.exists(os.path.join(path, "events.py"))
    assert os.path.exists(os.path.join(path, "README.md"))


def test_import_boundaries_hold() -> None:
    """lint-imports (the contracts in pyproject.toml) is part of the test run, so CI fails on a broken boundary."""
    import subprocess
    import sys
    from pathlib import Path

    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], capture_output=True, text=True, cwd=settings.BASE_DIR, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
