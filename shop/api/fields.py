"""Serializer fields the API shares."""

from __future__ import annotations

from typing import Any, NoReturn

from rest_framework import serializers


class ChoiceField(serializers.ChoiceField):
    """A choice whose refusal names what would do: '"picked" is not one of: found, short,
    weighed, replaced.' (DRF's own says only that it is not valid). A long list is cut
    after a dozen, with how many more there are."""

    LISTED = 12
    default_error_messages = {"invalid_choice": '"{input}" is not one of: {choices}.'}

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        if key == "invalid_choice":
            names = [str(choice) for choice in self.choices]
            shown = ", ".join(names[: self.LISTED])
            kwargs["choices"] = shown if len(names) <= self.LISTED else f"{shown} and {len(names) - self.LISTED} more"
        super().fail(key, **kwargs)
