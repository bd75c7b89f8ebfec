"""Who may see, annotate, manage and export what: the one place for permission rules.

* Organisation owners (active superusers) may do everything.
* Workspace memberships are the tenant boundary. An `admin` of a workspace manages its
  datasets, sees every response in it and exports it. An `annotator` sees the
  workspace's published datasets that are open to them and only their own responses.
* Annotators see only the metadata properties marked visible for them
  (`visible_metadata_properties`); managers see all metadata.
* A dataset with `annotators_restricted` is open only to the annotators granted the
  django-guardian object permission `feedback.annotate_dataset` on it (directly or
  through a group); workspace admins always have access.
* A request may memoise the caller's membership roles (`roles_memo_start` on that
  request's own user object, then `role_remembered` from a lookup that read the role
  with `caller_role`), so its many checks read each role once; never across requests.
* Reviewing a dataset's disputed records (the review queue, settling the final answer):
  its workspace's admins, and the annotators who see it and were granted the
  django-guardian object permission `feedback.review_dataset` on it. The Argilla role set
  (owner, admin, annotator) stays as it is: a reviewer is an annotator with a grant.

Datasets are duck-typed here (`workspace_id`, `status`, `annotators_restricted`) so
that this app does not import `feedback`, which builds on it. Callers pass querysets in
and get them back narrowed; anything outside the result is "not found" for that user.
"""

from __future__ import annotations

from typing import Any, Protocol, TypeVar
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connections, transaction
from django.db.models import Model, OuterRef, Q, QuerySet, Subquery
from guardian.shortcuts import assign_perm, get_objects_for_user, get_user_perms, remove_perm

from workspaces import audit
from workspaces.models import AuditAction, Membership, Role, Workspace

ANNOTATE_DATASET_PERMISSION = "feedback.annotate_dataset"
REVIEW_DATASET_PERMISSION = "feedback.review_dataset"
PUBLISHED_STATUS = "ready"

UserLike = AbstractBaseUser | AnonymousUser
M = TypeVar("M", bound=Model)


class DatasetLike(Protocol):
    pk: Any
    workspace_id: UUID
    status: str
    annotators_restricted: bool


def _connection() -> Any:
    return connections[Membership.objects.db]


def _active(user: UserLike | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_owner(user: UserLike | None) -> bool:
    """Organisation owners: active superusers."""
    return _active(user) and bool(getattr(user, "is_superuser", False))


ROLES_MEMO = "_feedloop_workspace_roles"


def roles_memo_start(user: UserLike | None) -> None:
    """Memoise `user`'s membership roles from now on. Call it once per request, on the
    user object that request built for itself (never on a shared or cached one), so
    every access check of that request reads a role once and no request sees another's."""
    if _active(user):
        setattr(user, ROLES_MEMO, {})


def roles_memo_forget(user: Any) -> None:
    """Drop what was memoised of `user`'s roles (their memberships changed)."""
    if getattr(user, ROLES_MEMO, None) is not None:
        setattr(user, ROLES_MEMO, {})


def caller_role(user: UserLike | None, workspace_ref: str = "workspace_id") -> Subquery:
    """SQL expression: `user`'s role in the workspace the outer row names by
    `workspace_ref`, or NULL; annotate a lookup with it and pass the value to
    `role_remembered`, so the role costs no query of its own."""
    memberships = Membership.objects.filter(user_id=getattr(user, "pk", None), workspace_id=OuterRef(workspace_ref))
    return Subquery(memberships.values("role")[:1])


def role_remembered(user: UserLike | None, workspace_id: UUID, role: str | None) -> None:
    """Record `user`'s role in a workspace, read this request (see `caller_role`)."""
    memo = getattr(user, ROLES_MEMO, None)
    if memo is not None:
        memo[workspace_id] = Role(role) if role else None


def role_in_workspace(user: UserLike | None, workspace_id: UUID) -> Role | None:
    """The user's membership role in a workspace, or None (owners get None too)."""
    if not _active(user):
        return None
    memo = getattr(user, ROLES_MEMO, None)
    if memo is not None and workspace_id in memo:
        return memo[workspace_id]
    role = Membership.objects.filter(user=user, workspace_id=workspace_id).values_list("role", flat=True).first()
    role_remembered(user, workspace_id, role)
    return Role(role) if role else None


def _workspace_ids(user: UserLike, role: Role | None = None) -> QuerySet[Membership]:
    memberships = Membership.objects.filter(user=user)
    if role is not None:
        memberships = memberships.filter(role=role)
    return memberships.values("workspace_id")


def visible_workspaces(user: UserLike | None) -> QuerySet[Workspace]:
    """Workspaces the user may see: all for owners, else those they belong to."""
    if is_owner(user):
        return Workspace.objects.all()
    if not _active(user):
        return Workspace.objects.none()
    return Workspace.objects.filter(id__in=_workspace_ids(user))  # type: ignore[arg-type]


def visible_workspace_sql(user: UserLike | None, workspace_column: str) -> tuple[str, str, list[Any]] | None:
    """`visible_workspaces` for a statement written in SQL: a LEFT JOIN of the caller's
    membership in the workspace `workspace_column` names (its role as `caller_role`) and
    the condition that the row is in a visible workspace, with their parameters in that
    order; None when the user sees no workspace at all."""
    if not _active(user):
        return None
    membership = Membership._meta
    join = f"LEFT JOIN {membership.db_table} caller ON caller.workspace_id = {workspace_column} AND caller.user_id = %s"
    condition = "TRUE" if is_owner(user) else "caller.id IS NOT NULL"
    return join, condition, [membership.get_field("user").get_db_prep_value(user.pk, _connection())]


def managed_workspaces(user: UserLike | None) -> QuerySet[Workspace]:
    """Workspaces the user administers: all for owners, else where they are admin."""
    if is_owner(user):
        return Workspace.objects.all()
    if not _active(user):
        return Workspace.objects.none()
    return Workspace.objects.filter(id__in=_workspace_ids(user, Role.ADMIN))  # type: ignore[arg-type]


def can_see_workspace(user: UserLike | None, workspace: Workspace) -> bool:
    return is_owner(user) or role_in_workspace(user, workspace.id) is not None


def can_manage_workspace(user: UserLike | None, workspace: Workspace) -> bool:
    return is_owner(user) or role_in_workspace(user, workspace.id) == Role.ADMIN


def can_manage_members(user: UserLike | None, workspace: Workspace) -> bool:
    """Adding people to a workspace or removing them: owners only. A workspace admin
    sees only their own members, so they cannot pick people from elsewhere."""
    return is_owner(user)


def can_create_workspaces(user: UserLike | None) -> bool:
    """Creating tenants is the organisation owners' job."""
    return is_owner(user)


def visible_datasets(user: UserLike | None, datasets: QuerySet[M]) -> QuerySet[M]:
    """Narrow `datasets` to those the user may see (and therefore annotate)."""
    if is_owner(user):
        return datasets
    if not _active(user):
        return datasets.none()
    granted = get_objects_for_user(
        user, ANNOTATE_DATASET_PERMISSION, klass=datasets, accept_global_perms=False, with_superuser=False
    ).values("pk")
    return datasets.filter(
        Q(workspace_id__in=_workspace_ids(user, Role.ADMIN))
        | (
            Q(workspace_id__in=_workspace_ids(user, Role.ANNOTATOR), status=PUBLISHED_STATUS)
            & (Q(annotators_restricted=False) | Q(pk__in=granted))
        )
    )


def managed_datasets(user: UserLike | None, datasets: QuerySet[M]) -> QuerySet[M]:
    """Narrow `datasets` to those the user manages (admin of their workspace, or owner)."""
    if is_owner(user):
        return datasets
    if not _active(user):
        return datasets.none()
    return datasets.filter(workspace_id__in=_workspace_ids(user, Role.ADMIN))


def can_manage_dataset(user: UserLike | None, dataset: DatasetLike) -> bool:
    """Change the schema, add or delete records, see everyone's responses, publish."""
    return is_owner(user) or role_in_workspace(user, dataset.workspace_id) == Role.ADMIN


def can_see_dataset(user: UserLike | None, dataset: DatasetLike) -> bool:
    if is_owner(user):
        return True
    role = role_in_workspace(user, dataset.workspace_id)
    if role == Role.ADMIN:
        return True
    if role != Role.ANNOTATOR or dataset.status != PUBLISHED_STATUS:
        return False
    return not dataset.annotators_restricted or bool(
        user.has_perm(ANNOTATE_DATASET_PERMISSION, dataset)  # type: ignore[union-attr]
    )


def can_annotate_dataset(user: UserLike | None, dataset: DatasetLike) -> bool:
    """Give feedback on the dataset's records: anyone who sees it, once it is published."""
    return dataset.status == PUBLISHED_STATUS and can_see_dataset(user, dataset)


def can_review(user: UserLike | None, dataset: DatasetLike) -> bool:
    """See a dataset's review queue, every answer to a queued record with who gave it, and
    settle the final answer: its managers, or annotators who see it and hold the grant."""
    if can_manage_dataset(user, dataset):
        return True
    return can_see_dataset(user, dataset) and bool(
        user.has_perm(REVIEW_DATASET_PERMISSION, dataset)  # type: ignore[union-attr]
    )


def can_send_to_review(user: UserLike | None, dataset: DatasetLike) -> bool:
    """Put a record in the review queue by hand: the dataset's managers."""
    return can_manage_dataset(user, dataset)


def can_export_dataset(user: UserLike | None, dataset: DatasetLike) -> bool:
    """Exports carry every labeler's answers, so they are for managers only."""
    return can_manage_dataset(user, dataset)


def can_import_dataset(user: UserLike | None, dataset: DatasetLike) -> bool:
    """Imports write records in bulk, as the API's bulk upsert does: managers only."""
    return can_manage_dataset(user, dataset)


def can_see_all_responses(user: UserLike | None, dataset: DatasetLike) -> bool:
    return can_manage_dataset(user, dataset)


def visible_responses(user: UserLike | None, dataset: DatasetLike, responses: QuerySet[M]) -> QuerySet[M]:
    """Responses of `dataset` the user may read: all for managers, else only their own."""
    if can_see_all_responses(user, dataset):
        return responses
    if not can_see_dataset(user, dataset):
        return responses.none()
    return responses.filter(user=user)


def sees_all_metadata(user: UserLike | None, dataset: DatasetLike) -> bool:
    """Managers see every metadata key of a record, declared or extra."""
    return can_manage_dataset(user, dataset)


def visible_metadata_properties(user: UserLike | None, dataset: DatasetLike, properties: QuerySet[M]) -> QuerySet[M]:
    """The dataset's metadata properties the user may see, filter and sort by: all for
    its managers; for annotators only those marked `visible_for_annotators`. Metadata
    is often what a blind evaluation hides (which model wrote the answer), so records
    shown to annotators carry only these keys (extra, undeclared keys are hidden too).
    Every page, API shape and search filter asks here."""
    if sees_all_metadata(user, dataset):
        return properties
    return properties.filter(visible_for_annotators=True)


def grant_dataset_access(*, dataset: Model, user: AbstractBaseUser) -> None:
    """Open a restricted dataset to one named annotator."""
    _set_grant(ANNOTATE_DATASET_PERMISSION, "annotator", dataset=dataset, user=user, granted=True)


def revoke_dataset_access(*, dataset: Model, user: AbstractBaseUser) -> None:
    _set_grant(ANNOTATE_DATASET_PERMISSION, "annotator", dataset=dataset, user=user, granted=False)


def grant_review(*, dataset: Model, user: AbstractBaseUser) -> None:
    """Let one annotator review the dataset (`can_review`)."""
    _set_grant(REVIEW_DATASET_PERMISSION, "reviewer", dataset=dataset, user=user, granted=True)


def revoke_review(*, dataset: Model, user: AbstractBaseUser) -> None:
    _set_grant(REVIEW_DATASET_PERMISSION, "reviewer", dataset=dataset, user=user, granted=False)


@transaction.atomic
def _set_grant(permission: str, grantee: str, *, dataset: Model, user: AbstractBaseUser, granted: bool) -> None:
    """Grant or revoke a per-dataset permission; a change (not a repeat) goes to the audit log."""
    held = permission.split(".")[1] in get_user_perms(user, dataset)
    if held == granted:
        return
    (assign_perm if granted else remove_perm)(permission, user, dataset)
    username = getattr(user, "username", str(user.pk))
    audit.record(
        dataset,
        action=AuditAction.UPDATED,
        verb=f"{grantee} {'granted' if granted else 'revoked'}",
        workspace_id=dataset.workspace_id,  # type: ignore[attr-defined]
        changes={grantee: [None, username] if granted else [username, None]},
    )
