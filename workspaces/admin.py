"""The organisation admin's tool: workspaces with their members, and people.

Permissions come from `workspaces.access`, not from Django's model permissions: an
owner (superuser) sees everything; a staff user who administers workspaces sees and
edits only those workspaces and what is in them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from workspaces import access
from workspaces.models import Membership, Workspace


class WorkspaceScopedAdmin(admin.ModelAdmin):
    """Base for admins of objects inside a workspace.

    `workspace_path` is the lookup from the model to its workspace. Lists and object
    pages only ever show objects of the workspaces the user administers; anything else
    is "not found" (the admin redirects to its index).
    """

    workspace_path = "workspace"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if access.is_owner(request.user):
            return queryset
        return queryset.filter(**{f"{self.workspace_path}__in": access.managed_workspaces(request.user)})

    def _may_use(self, request: HttpRequest) -> bool:
        return request.user.is_staff and access.managed_workspaces(request.user).exists()

    def _may_touch(self, request: HttpRequest, obj: Any | None) -> bool:
        if not self._may_use(request):
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_use(request)

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return self._may_touch(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return self._may_touch(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_use(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return self._may_touch(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Workspace:
            kwargs["queryset"] = access.managed_workspaces(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "role", "inserted_at"]
    readonly_fields = ["inserted_at"]

    def _allowed(self, request: HttpRequest, obj: Workspace | None) -> bool:
        return obj is None or access.can_manage_members(request.user, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return obj is None or access.can_manage_workspace(request.user, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return self._allowed(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return self._allowed(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return self._allowed(request, obj)


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    workspace_path = "pk"
    list_display = ["name", "member_count", "dataset_count", "inserted_at", "overview"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    @admin.display(description="datasets and dashboards")
    def overview(self, workspace: Workspace) -> str:
        """The workspace's overview page in the labeler-facing site."""
        return format_html('<a href="{}">Overview</a>', reverse("workspace_overview", args=[workspace.pk]))

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        return queryset.annotate(
            members=Count("memberships", distinct=True), datasets_count=Count("datasets", distinct=True)
        )

    @admin.display(description="members", ordering="members")
    def member_count(self, workspace: Any) -> int:
        return workspace.members

    @admin.display(description="datasets", ordering="datasets_count")
    def dataset_count(self, workspace: Any) -> int:
        return workspace.datasets_count

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.can_create_workspaces(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return access.can_create_workspaces(request.user)
