"""Webhooks in the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from feedback import selectors
from feedback.admin._common import form_error
from feedback.errors import InvalidData
from feedback.models import WEBHOOK_EVENTS, DeliveryStatus, Webhook
from feedback.services import webhooks as webhook_services
from workspaces import access


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(event, event) for event in WEBHOOK_EVENTS], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["url", "events", "enabled", "description"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        problems = webhook_services.webhook_problems(
            url=data.get("url"), events=data.get("events"), description=data.get("description")
        )
        if problems:
            raise form_error(InvalidData(problems))
        return data


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    """Organisation-wide subscriptions (events from every workspace): owners only."""

    form = WebhookForm
    list_display = ["url", "event_list", "enabled", "last_delivery"]
    readonly_fields = ["secret", "deliveries"]
    actions = ["ping"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_owner(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return access.is_owner(request.user)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission  # type: ignore[assignment]

    @admin.display(description="events")
    def event_list(self, webhook: Webhook) -> str:
        return ", ".join(webhook.events)

    @admin.display(description="last delivery")
    def last_delivery(self, webhook: Webhook) -> str:
        latest = selectors.recent_deliveries(webhook, limit=1)
        return f"{latest[0].event}: {latest[0].status}" if latest else "none yet"

    @admin.display(description="recent deliveries")
    def deliveries(self, webhook: Webhook) -> str:
        rows = selectors.recent_deliveries(webhook) if webhook.pk else []
        if not rows:
            return "None yet."
        return format_html(
            "<table><tr><th>when</th><th>event</th><th>status</th><th>attempts</th><th>answer</th>"
            "<th>error</th></tr>{}</table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (naturaltime(d.inserted_at), d.event, d.status, d.attempts, d.response_status or "—", d.error)
                    for d in rows
                ),
            ),
        )

    def save_model(self, request: HttpRequest, obj: Webhook, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            webhook_services.webhook_update(
                webhook=obj,
                url=data["url"],
                events=data["events"],
                enabled=data["enabled"],
                description=data["description"],
            )
        else:
            created = webhook_services.webhook_create(
                url=data["url"], events=data["events"], description=data["description"], enabled=data["enabled"]
            )
            obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: Webhook) -> None:
        webhook_services.webhook_delete(webhook=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhook_services.webhook_delete(webhook=webhook)

    @admin.action(description="Send a ping to the selected webhooks")
    def ping(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            delivery = webhook_services.webhook_ping(webhook=webhook)
            if delivery.status == DeliveryStatus.DELIVERED:
                self.message_user(request, f"{webhook.url} took the ping.", messages.SUCCESS)
            else:
                self.message_user(request, f"{webhook.url} did not take the ping: {delivery.error}", messages.ERROR)
