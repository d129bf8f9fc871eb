"""Staff screens: the event log, deliveries, dead letters with replay, paused subscribers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import DELETION, LogEntry
from django.db import transaction
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
            reason = form.cleaned_data["reason"].strip()
            with transaction.atomic():
                letters = _lock_dead(queryset)
                count = services.discard_dead_letters(
                    Delivery.objects.filter(id__in=[letter.id for letter in letters]),
                    reason=reason,
                    by=str(request.user),
                )
                for letter in letters:
                    letter.status = Delivery.Status.DISCARDED  # as the service left it, for the entry's name
                    self.log_change(
                        request,
                        letter,
                        f"Discarded the dead letter: {letter.subscriber} will never get {letter.event.name}. {reason}",
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
        with transaction.atomic():
            letters = _lock_dead(queryset)
            count = services.replay_dead_letters(Delivery.objects.filter(id__in=[letter.id for letter in letters]))
            for letter in letters:
                letter.status = Delivery.Status.PENDING  # as the service left it, for the entry's name
                self.log_change(
                    request,
                    letter,
                    f"Replayed the dead letter: {letter.event.name} goes to {letter.subscriber} again, "
                    f"from the first attempt (replay {letter.replays + 1})",
                )
        self.message_user(request, f"Replayed {count} dead letter(s).", messages.SUCCESS)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {**(extra_context or {}), "groups": selectors.dead_letter_groups()}
        return super().changelist_view(request, extra_context=extra_context)


def _lock_dead(queryset: QuerySet[DeadLetter]) -> list[Delivery]:
    """The selected deliveries still dead, locked until the caller's transaction ends, so what the
    service then replays or discards is exactly these. As deliveries, not dead letters: their
    admin history stays readable on the delivery's page once they have left the dead-letter list."""
    ids = queryset.filter(status=Delivery.Status.DEAD).values("id")
    return list(
        Delivery.objects.select_for_update(of=("self",)).select_related("event").filter(id__in=ids).order_by("id")
    )


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
        newly = services.pause([obj.subscriber], reason=obj.reason, by=str(request.user))
        obj.newly_paused = bool(newly)  # type: ignore[attr-defined]  # for log_addition: not if paused meanwhile

    def log_addition(self, request: HttpRequest, obj: PausedSubscriber, message: Any) -> Any:
        """The add form pauses: its history entry says so, and why (not when someone else paused it first)."""
        if not getattr(obj, "newly_paused", False):
            return None
        why = f": {obj.reason}" if obj.reason else ""
        return super().log_addition(request, obj, f"Paused subscriber {obj.subscriber}{why}")

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        """Deleting a pause resumes the subscriber (the delete page and "Delete selected"): said so in
        its history, which the subscriber's next pause shows again (the name is the primary key)."""
        return [self._log_resumed(request, paused) for paused in queryset]

    def _log_resumed(self, request: HttpRequest, paused: PausedSubscriber) -> LogEntry:
        assert request.user.pk is not None  # the admin's views are for logged-in staff
        return LogEntry.objects.log_actions(
            user_id=request.user.pk,
            queryset=[paused],
            action_flag=DELETION,
            change_message=f"Resumed subscriber {paused.subscriber}: its waiting events are delivered",
            single_object=True,
        )

    def delete_model(self, request: HttpRequest, obj: PausedSubscriber) -> None:
        services.resume([obj.subscriber])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[PausedSubscriber]) -> None:
        services.resume(list(queryset.values_list("subscriber", flat=True)))

    @admin.action(
        description="Resume the selected subscribers (their waiting events are delivered)", permissions=["change"]
    )
    def resume(self, request: HttpRequest, queryset: QuerySet[PausedSubscriber]) -> None:
        paused = {row.subscriber: row for row in queryset}
        resumed = services.resume(list(paused))
        for name in resumed:  # the pause row is gone: logged as its deletion, as the delete page does
            self._log_resumed(request, paused[name])
        self.message_user(request, f"Resumed {len(resumed)} subscriber(s): {', '.join(resumed)}.", messages.SUCCESS)
