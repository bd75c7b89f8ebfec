"""Webhook subscriptions (organisation owners only: events cross every workspace)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from feedback import shapes
from feedback.api import docs, inputs
from feedback.api.inputs import read
from feedback.api.lookups import key_workspace_id, parse_uuid
from feedback.models import DeliveryStatus, Webhook
from feedback.services import webhooks as services
from workspaces import access


def _require_owner(request: Request) -> None:
    # A workspace-limited key never manages organisation-wide webhooks.
    if not access.is_owner(request.user) or key_workspace_id(request):
        raise PermissionDenied("Only organisation owners manage webhooks.")


@extend_schema_view(
    get=extend_schema(
        operation_id="webhooks_list",
        summary="Webhook subscriptions (owners)",
        tags=["webhooks"],
        responses={200: shapes.WebhookListOut, **docs.errors(401, 403)},
    ),
    post=extend_schema(
        operation_id="webhooks_create",
        summary="Subscribe an URL to events (owners)",
        tags=["webhooks"],
        request=docs.json_body(inputs.WebhookCreate),
        responses={201: shapes.WebhookOut, **docs.errors(401, 403, *docs.BODY_ERRORS)},
    ),
)
@api_view(["GET", "POST"])
def webhooks(request: Request) -> Response:
    _require_owner(request)
    if request.method == "GET":
        return Response({"items": [shapes.webhook_out(webhook) for webhook in Webhook.objects.all()]})
    data = read(inputs.WebhookCreate, request)
    webhook = services.webhook_create(url=data["url"], events=data["events"], description=data.get("description"))
    return Response(shapes.webhook_out(webhook), status=status.HTTP_201_CREATED)


@extend_schema_view(
    patch=extend_schema(
        operation_id="webhooks_update",
        summary="Change a subscription (owners)",
        tags=["webhooks"],
        parameters=[docs.path("webhook_id")],
        request=docs.json_body(inputs.WebhookUpdate),
        responses={200: shapes.WebhookOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="webhooks_delete",
        summary="Delete a subscription (owners)",
        tags=["webhooks"],
        parameters=[docs.path("webhook_id")],
        responses={200: shapes.WebhookOut, **docs.errors(401, 403, 404, 422)},
    ),
)
@api_view(["PATCH", "DELETE"])
def webhook_detail(request: Request, webhook_id: str) -> Response:
    _require_owner(request)
    webhook = Webhook.objects.filter(pk=parse_uuid(webhook_id, "webhook_id")).first()
    if webhook is None:
        raise Http404
    if request.method == "PATCH":
        data = read(inputs.WebhookUpdate, request, partial=True)
        return Response(shapes.webhook_out(services.webhook_update(webhook=webhook, **data)))
    shape = shapes.webhook_out(webhook)
    services.webhook_delete(webhook=webhook)
    return Response(shape)


@extend_schema(
    operation_id="webhooks_ping",
    summary="Send a ping event to the webhook now (owners)",
    description=(
        "Answers 204 when the endpoint took the ping (a 2xx answer), 502 with what went wrong otherwise. "
        "Disabled webhooks can be pinged too. The attempt is listed with the webhook's deliveries in the admin."
    ),
    tags=["webhooks"],
    parameters=[docs.path("webhook_id")],
    request=None,
    responses={204: docs.NO_CONTENT, **docs.errors(401, 403, 404, 422, 502)},
)
@api_view(["POST"])
def webhook_ping(request: Request, webhook_id: str) -> Response:
    _require_owner(request)
    webhook = Webhook.objects.filter(pk=parse_uuid(webhook_id, "webhook_id")).first()
    if webhook is None:
        raise Http404
    delivery = services.webhook_ping(webhook=webhook)
    if delivery.status != DeliveryStatus.DELIVERED:
        return Response({"detail": f"The ping was not delivered: {delivery.error}"}, status=status.HTTP_502_BAD_GATEWAY)
    return Response(status=status.HTTP_204_NO_CONTENT)
