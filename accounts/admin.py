"""People in the Django admin: the owners' to create and change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import ngettext

from accounts.api_keys import api_key_revoke
from accounts.models import ApiKey, User
from accounts.services import user_delete, user_save
from workspaces import access
from workspaces.admin import ViewOnly, save_membership_formset
from workspaces.models import Membership


class UserMembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["workspace", "role"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People are the owners' to create and change; workspace admins may look them up
    (to add them to their workspaces)."""

    list_display = ["username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "email", "first_name", "last_name"]
    inlines = [UserMembershipInline]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_owner(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return access.is_owner(request.user) or (
            request.user.is_staff and access.managed_workspaces(request.user).exists()
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.is_owner(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return access.is_owner(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return access.is_owner(request.user)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        user_save(user=obj)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        user_delete(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for user in queryset:
            user_delete(user=user)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        save_membership_formset(formset)


@admin.register(ApiKey)
class ApiKeyAdmin(ViewOnly, admin.ModelAdmin):
    """Owners see every key (never the key itself) and can revoke them."""

    list_display = ["name", "user", "workspace", "read_only", "inserted_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["read_only"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "workspace",
        "read_only",
        "inserted_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_owner(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return access.is_owner(request.user)

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        count = queryset.count()
        self.message_user(
            request, ngettext("%(count)d key revoked.", "%(count)d keys revoked.", count) % {"count": count}
        )
