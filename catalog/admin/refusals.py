"""A service's refusal (its ValidationError) comes back as errors on the admin form it came from.

The admin saves through the services, after its own form validation. When a service refuses
(the last active SKU, a price above the MRP...), `Refused` leaves the admin's transaction, which
rolls back everything the save had written so far. The same POST is then validated once more
with the refusal attached to the form it came from (by prefix: the page's form, or "skus-0"), so
that form is invalid, nothing is saved, and the page is shown again with the error where it
belongs. Checking first in the forms would repeat the services' rules; the services stay the
only judges.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse

_REFUSAL = "_catalog_service_refusal"


class Refused(Exception):
    """A service refused the save of the form with this prefix (None: the page's own form)."""

    def __init__(self, prefix: str | None, error: ValidationError) -> None:
        super().__init__(prefix, error)
        self.prefix = prefix
        self.error = error


@contextmanager
def refusals_shown_on(form: forms.BaseForm) -> Iterator[None]:
    """Service calls inside the block that refuse are shown as errors of `form`."""
    try:
        yield
    except ValidationError as exc:
        raise Refused(form.prefix, exc) from exc


def show_refusal(form: forms.BaseForm, error: ValidationError) -> None:
    """Field errors on the field when the form has it, the others (in words) above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        if name in form.fields:
            form.add_error(name, ValidationError(errors))
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, ValidationError(errors))
        else:
            label = name.replace("_", " ").capitalize()
            form.add_error(None, [f"{label}: {message}" for message in ValidationError(errors).messages])


def _answering(form_class: Any, refused: Refused | None) -> Any:
    if refused is None:
        return form_class

    def full_clean(self: forms.BaseForm) -> None:
        form_class.full_clean(self)
        if self.is_bound and self.prefix == refused.prefix:
            show_refusal(self, refused.error)

    return type(form_class.__name__, (form_class,), {"full_clean": full_clean})


class RefusalsAsFormErrors(admin.ModelAdmin):
    """Mixin for a ModelAdmin whose saves call services inside `refusals_shown_on(form)`."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused as refused:
            # The transaction was rolled back by the exception: nothing of this save is left.
            setattr(request, _REFUSAL, refused)
            for _, files in request.FILES.lists():
                for upload in files:
                    upload.seek(0)  # a service may have stored it already; the form reads it again
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        return _answering(super().get_form(request, obj, change=change, **kwargs), getattr(request, _REFUSAL, None))

    def get_formsets_with_inlines(self, request: HttpRequest, obj: Any = None) -> Iterator[Any]:
        refused = getattr(request, _REFUSAL, None)
        for formset, inline in super().get_formsets_with_inlines(request, obj):
            if refused is None:
                yield formset, inline
            else:
                yield type(formset.__name__, (formset,), {"form": _answering(formset.form, refused)}), inline
