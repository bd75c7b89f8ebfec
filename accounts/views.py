"""'My account' pages: API keys (create, shown once; revoke)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from allauth.account.decorators import secure_admin_login
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.api_keys import ApiKeyError, api_key_create, api_key_revoke
from accounts.models import ApiKey
from workspaces import access


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=200, help_text="What the key is for, e.g. 'labeling pipeline'.")
    workspace = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All my workspaces", help_text="Limit the key to one workspace."
    )
    read_only = forms.BooleanField(required=False, help_text="The key can read but not change anything.")
    expires_in = forms.TypedChoiceField(
        label="Expires",
        choices=[("", "never"), (30, "in 30 days"), (90, "in 90 days"), (365, "in a year")],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="After this the key no longer works.",
    )

    def __init__(self, *args, user, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["workspace"].queryset = access.visible_workspaces(user)


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            _, key = api_key_create(
                user=request.user,
                name=form.cleaned_data["name"],
                workspace=form.cleaned_data["workspace"],
                read_only=form.cleaned_data["read_only"],
                expires_at=(
                    timezone.now() + timedelta(days=form.cleaned_data["expires_in"])
                    if form.cleaned_data["expires_in"]
                    else None
                ),
            )
        except ApiKeyError as error:
            form.add_error(None, str(error))
        else:
            # Shown once: the message lives for the next page only; the key is never stored.
            messages.success(request, key, extra_tags="api-key")
            return redirect("account_api_keys", permanent=False)
    keys = ApiKey.objects.filter(user=request.user).select_related("workspace")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "keys": keys, "now": timezone.now()}
    return render(request, "accounts/api_keys.html", context, status=status)


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, key_id: str) -> HttpResponse:
    api_key = ApiKey.objects.filter(user=request.user, pk=key_id).first()
    if api_key is None:
        raise Http404
    api_key_revoke(api_key=api_key)
    messages.info(request, f"The key '{api_key.name}' is revoked.")
    return redirect("account_api_keys")


def admin_login(login_view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The admin's login, through allauth's rate-limited one (`secure_admin_login`).

    The admin sends a signed-in user who is not staff to its login page; there
    allauth would raise PermissionDenied, which Django logs with a traceback and, with
    no 403 page of ours, answers with a bare one. Such a user gets the site's 403 page
    instead, with the way back home.
    """
    secured = secure_admin_login(login_view)

    @wraps(login_view)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not (user.is_staff and user.is_active):
            return render(request, "403.html", {"reason": "The administration is not open to you."}, status=403)
        return secured(request, *args, **kwargs)

    return view
