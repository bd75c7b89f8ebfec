"""The organisation admin's tool: workspaces with their members, and people.

Permissions come from `workspaces.access`, not from Django's model permissions: an
owner (superuser) sees everything; a staff user who administers workspaces sees and
edits only those workspaces and what is in them.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from workspaces import access
from workspaces.models import AuditEntry, Membership, Role, Workspace
from workspaces.services import membership_add, membership_remove, workspace_create, workspace_delete, workspace_rename


class ViewOnly:
    """For admin pages that show rows and never add, change or delete them (anyone's)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any | None = None) -> bool:
        return False


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


def save_membership_formset(formset: Any) -> None:
    """Save an inline formset of memberships (on a workspace's page or a person's) through
    the services, so each change is checked and audited as the API's are."""
    formset.save(commit=False)
    for membership in formset.deleted_objects:
        membership_remove(workspace=membership.workspace, user=membership.user)
    for membership, changed in formset.changed_objects:
        if "user" in changed or "workspace" in changed:  # the row now names someone (somewhere) else
            stored = Membership.objects.select_related("workspace", "user").get(pk=membership.pk)
            membership_remove(workspace=stored.workspace, user=stored.user)
        membership_add(workspace=membership.workspace, user=membership.user, role=Role(membership.role))
    for membership in formset.new_objects:
        membership_add(workspace=membership.workspace, user=membership.user, role=Role(membership.role))


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

    def save_model(self, request: HttpRequest, obj: Workspace, form: Any, change: bool) -> None:
        if change:
            workspace_rename(workspace=obj, name=form.cleaned_data["name"])
        else:
            created = workspace_create(name=form.cleaned_data["name"])
            obj.pk = created.pk
            obj._state.adding = False
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        save_membership_formset(formset)

    def delete_model(self, request: HttpRequest, obj: Workspace) -> None:
        workspace_delete(workspace=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Workspace]) -> None:
        for workspace in queryset:
            workspace_delete(workspace=workspace)


@admin.register(AuditEntry)
class AuditEntryAdmin(ViewOnly, WorkspaceScopedAdmin):
    """The audit log, read-only for everyone: owners see every entry; a workspace admin
    sees their workspaces' entries (not the organisation-wide ones: webhooks, API keys
    that reach every workspace)."""

    list_display = ["at", "actor_name", "via", "verb", "object_type", "object_label", "workspace_name"]
    list_filter = [
        ("workspace", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
        "object_type",
        "via",
        "action",
        "at",
    ]
    search_fields = ["object_label", "object_id", "verb", "actor_label"]
    date_hierarchy = "at"
    fields = [
        "at",
        "actor_name",
        "via",
        "action",
        "verb",
        "object_type",
        "object_id",
        "object_label",
        "workspace_name",
        "changes_table",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("workspace")

    def _may_use(self, request: HttpRequest) -> bool:
        # Owners read the organisation-wide entries even before any workspace exists.
        return access.is_owner(request.user) or super()._may_use(request)

    @admin.display(description="actor", ordering="actor_label")
    def actor_name(self, entry: AuditEntry) -> str:
        return entry.actor_label or "system"

    @admin.display(description="workspace")
    def workspace_name(self, entry: AuditEntry) -> str:
        # A deleted workspace's entries keep its id; the join then finds nothing.
        if entry.workspace_id is None:
            return "—"
        return entry.workspace.name if entry.workspace is not None else f"deleted ({entry.workspace_id})"

    @admin.display(description="changes")
    def changes_table(self, entry: AuditEntry) -> str:
        def shown(value: Any) -> str:
            if value is None:
                return "—"
            return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (name, shown(change[0]), shown(change[1])) if isinstance(change, list) else (name, "", change)
                for name, change in sorted(entry.changes.items())
            ),
        )
        return format_html("<table><tr><th>field</th><th>before</th><th>after</th></tr>{}</table>", rows)
