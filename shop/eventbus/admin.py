"""Staff screens: the event log, deliveries, dead letters with replay, paused subscribers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html

from shop.adminkit import ReadOnlyAdmin

from . import registry, selectors, services
from .models import DeadLetter, Delivery, Event, PausedSubscriber


class DeliveryInline(admin.TabularInline):
    model = Delivery
    fields = ("subscriber", "status", "attempts", "completed_at", "error_type", "last_error")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "name", "key", "occurred_at", "correlation_id", "causation_id")
    list_filter = ("name",)
    search_fields = ("=key", "=correlation_id", "=event_id", "=request_id", "=causation_id")
    date_hierarchy = "occurred_at"
    inlines = [DeliveryInline]
    readonly_fields = [f.name for f in Event._meta.fields]
    show_full_result_count = False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "subscriber", "event_name", "key", "status", "attempts", "available_at", "completed_at")
    list_filter = ("status", "subscriber")
    search_fields = ("=key", "=event__event_id", "=event__correlation_id")
    list_select_related = ("event",)
    readonly_fields = [f.name for f in Delivery._meta.fields]
    show_full_result_count = False

    @admin.display(description="event", ordering="event__name")
    def event_name(self, obj: Delivery) -> str:
        return obj.event.name


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "subscriber",
        "event_link",
        "key",
        "error_kind",
        "error_type",
        "short_error",
        "attempts",
        "dead_at",
        "replays",
    )
    list_filter = ("subscriber", "error_kind", "error_type")
    search_fields = ("=key", "=event__event_id", "last_error")
    list_select_related = ("event",)
    readonly_fields = [f.name for f in Delivery._meta.fields] + ["payload"]
    actions = ["replay", "discard"]
    change_list_template = "admin/eventbus/deadletter/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[DeadLetter]:
        return super().get_queryset(request).filter(status=Delivery.Status.DEAD)

    def has_operate_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("eventbus.change_delivery"))  # a proxy: the deliveries' permission

    @admin.display(description="event")
    def event_link(self, obj: Delivery) -> str:
        return format_html('<a href="../event/{}/change/">{}</a>', obj.event_id, obj.event.name)

    @admin.display(description="error")
    def short_error(self, obj: Delivery) -> str:
        return obj.last_error[:80]

    @admin.display(description="payload")
    def payload(self, obj: Delivery) -> str:
        return format_html("<pre>{}</pre>", obj.event.payload)

    @admin.action(description="Discard the selected dead letters (never delivered; say why)…", permissions=["operate"])
    def discard(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> HttpResponse | None:
        form = DiscardForm(request.POST if request.POST.get("confirm") == "yes" else None)
        if form.is_bound and form.is_valid():
            count = services.discard_dead_letters(
                Delivery.objects.filter(id__in=queryset.values("id")),
                reason=form.cleaned_data["reason"],
                by=str(request.user),
            )
            self.message_user(request, f"Discarded {count} dead letter(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Discard dead letters?",
            "opts": self.model._meta,
            "letters": list(queryset.select_related("event")),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/eventbus/deadletter/discard.html", context)

    @admin.action(description="Replay the selected dead letters", permissions=["operate"])
    def replay(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        count = services.replay_dead_letters(Delivery.objects.filter(id__in=queryset.values("id")))
        self.message_user(request, f"Replayed {count} dead letter(s).", messages.SUCCESS)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "groups": selectors.dead_letter_groups()}
        return super().changelist_view(request, extra_context=extra_context)


class DiscardForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label="Why these events will never be delivered",
        help_text="E.g. 'poison event from the November import; stock corrected by hand'. Kept on each delivery.",
    )


class PauseForm(forms.ModelForm):
    subscriber = forms.ChoiceField(choices=())

    class Meta:
        model = PausedSubscriber
        fields = ("subscriber", "reason")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        paused = set(PausedSubscriber.objects.values_list("subscriber", flat=True))
        names = sorted(sub.name for sub in registry.subscriptions() if sub.name not in paused)
        field = self.fields["subscriber"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(name, name) for name in names]


@admin.register(PausedSubscriber)
class PausedSubscriberAdmin(admin.ModelAdmin):
    """Pause (add) and resume (delete, or the action) through the bus's services, as the command does."""

    list_display = ("subscriber", "paused_at", "paused_by", "reason")
    form = PauseForm
    actions = ["resume"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("subscriber", "reason", "paused_at", "paused_by") if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)  # the list's actions; no edits

    def save_model(self, request: HttpRequest, obj: PausedSubscriber, form: Any, change: bool) -> None:
        services.pause([obj.subscriber], reason=obj.reason, by=str(request.user))

    def delete_model(self, request: HttpRequest, obj: PausedSubscriber) -> None:
        services.resume([obj.subscriber])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PausedSubscriber]) -> None:
        services.resume(list(queryset.values_list("subscriber", flat=True)))

    @admin.action(
        description="Resume the selected subscribers (their waiting events are delivered)", permissions=["change"]
    )
    def resume(self, request: HttpRequest, queryset: QuerySet[PausedSubscriber]) -> None:
        resumed = services.resume(list(queryset.values_list("subscriber", flat=True)))
        self.message_user(request, f"Resumed {len(resumed)} subscriber(s): {', '.join(resumed)}.", messages.SUCCESS)
