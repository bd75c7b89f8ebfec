"""Webhook subscriptions (organisation owners only: events cross every workspace)."""

from __future__ import annotations

from django.http import Http404
from rest_framework import serializers, status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from feedback.api import shapes
from feedback.api.inputs import read
from feedback.api.lookups import key_workspace_id, parse_uuid
from feedback.models import Webhook
from feedback.services import webhooks as services
from workspaces import access


class WebhookCreate(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    events = serializers.ListField(child=serializers.CharField(max_length=100))
    description = serializers.CharField(max_length=1000, required=False, allow_null=True, allow_blank=True)


class WebhookUpdate(serializers.Serializer):
    url = serializers.CharField(max_length=2000, required=False)
    events = serializers.ListField(child=serializers.CharField(max_length=100), required=False)
    enabled = serializers.BooleanField(required=False)
    description = serializers.CharField(max_length=1000, required=False, allow_null=True, allow_blank=True)


def _require_owner(request: Request) -> None:
    # A workspace-limited key never manages organisation-wide webhooks.
    if not access.is_owner(request.user) or key_workspace_id(request):
        raise PermissionDenied("Only organisation owners manage webhooks.")


@api_view(["GET", "POST"])
def webhooks(request: Request) -> Response:
    _require_owner(request)
    if request.method == "GET":
        return Response({"items": [shapes.webhook_out(webhook) for webhook in Webhook.objects.all()]})
    data = read(WebhookCreate, request)
    webhook = services.webhook_create(url=data["url"], events=data["events"], description=data.get("description"))
    return Response(shapes.webhook_out(webhook), status=status.HTTP_201_CREATED)


@api_view(["PATCH", "DELETE"])
def webhook_detail(request: Request, webhook_id: str) -> Response:
    _require_owner(request)
    webhook = Webhook.objects.filter(pk=parse_uuid(webhook_id, "webhook_id")).first()
    if webhook is None:
        raise Http404
    if request.method == "PATCH":
        data = read(WebhookUpdate, request, partial=True)
        return Response(shapes.webhook_out(services.webhook_update(webhook=webhook, **data)))
    shape = shapes.webhook_out(webhook)
    services.webhook_delete(webhook=webhook)
    return Response(shape)
