"""People and workspaces: /me, /users, /workspaces and their members, API keys."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import services as people
from accounts.api_keys import ApiKeyError, api_key_create, api_key_revoke
from accounts.models import ApiKey, User
from feedback import shapes
from feedback.api import docs, inputs
from feedback.api.lookups import get_managed_workspace, get_workspace, key_workspace_id, parse_uuid, workspaces_for
from feedback.errors import Conflict, InvalidData
from workspaces import access
from workspaces import services as workspace_services
from workspaces.models import Membership, Role


def _people_error(error: people.UserError | workspace_services.WorkspaceError) -> Exception:
    return Conflict(str(error)) if error.conflict else InvalidData.at((), str(error))


def _with_admin_flag(users):  # type: ignore[no-untyped-def]
    return users.annotate(
        is_workspace_admin=Exists(Membership.objects.filter(user=OuterRef("pk"), role=Role.ADMIN))
    ).order_by("username")


def _users_out(users) -> list[dict]:  # type: ignore[no-untyped-def]
    return [shapes.user_out(user, is_workspace_admin=user.is_workspace_admin) for user in _with_admin_flag(users)]


def _visible_users(request: Request):  # type: ignore[no-untyped-def]
    """Owners see everyone; workspace admins see the members of their workspaces."""
    if access.is_owner(request.user) and not key_workspace_id(request):
        return User.objects.all()
    managed = access.managed_workspaces(request.user).filter(pk__in=workspaces_for(request))
    return User.objects.filter(Q(memberships__workspace__in=managed) | Q(pk=request.user.pk)).distinct()


def _get_user(request: Request, user_id: str) -> User:
    user = _visible_users(request).filter(pk=parse_uuid(user_id, "user_id")).first()
    if user is None:
        raise Http404
    return user


def _require_member_manager(request: Request, workspace) -> None:  # type: ignore[no-untyped-def]
    if not access.can_manage_members(request.user, workspace) or key_workspace_id(request):
        raise PermissionDenied("Only organisation owners add people to workspaces or remove them.")


def _require_owner(request: Request) -> None:
    # Organisation-wide changes: a key limited to one workspace never makes them.
    if not access.is_owner(request.user) or key_workspace_id(request):
        raise PermissionDenied("Only organisation owners may do this.")


@extend_schema(
    operation_id="me_get", summary="The caller", tags=["users"], responses={200: shapes.UserOut, **docs.errors(401)}
)
@api_view(["GET"])
def me(request: Request) -> Response:
    return Response(shapes.user_out(request.user))


@extend_schema(
    operation_id="me_workspaces_list",
    summary="The caller's workspaces",
    tags=["workspaces"],
    responses={200: shapes.WorkspaceListOut, **docs.errors(401)},
)
@api_view(["GET"])
def me_workspaces(request: Request) -> Response:
    return Response({"items": [shapes.workspace_out(w) for w in workspaces_for(request)]})


@extend_schema_view(
    get=extend_schema(
        operation_id="workspaces_list",
        summary="The workspaces the caller may see",
        tags=["workspaces"],
        responses={200: shapes.WorkspaceListOut, **docs.errors(401)},
    ),
    post=extend_schema(
        operation_id="workspaces_create",
        summary="Create a workspace (owners)",
        tags=["workspaces"],
        request=docs.json_body(inputs.WorkspaceCreate),
        responses={201: shapes.WorkspaceOut, **docs.errors(401, 403, 409, *docs.BODY_ERRORS)},
    ),
)
@api_view(["GET", "POST"])
def workspaces(request: Request) -> Response:
    if request.method == "GET":
        return Response({"items": [shapes.workspace_out(w) for w in workspaces_for(request)]})
    if not access.can_create_workspaces(request.user) or key_workspace_id(request):
        raise PermissionDenied("Only organisation owners may create workspaces.")
    data = inputs.read(inputs.WorkspaceCreate, request)
    try:
        workspace = workspace_services.workspace_create(name=data["name"])
    except workspace_services.WorkspaceError as error:
        raise _people_error(error) from None
    return Response(shapes.workspace_out(workspace), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="workspaces_get",
        summary="A workspace",
        tags=["workspaces"],
        parameters=[docs.path("workspace_id")],
        responses={200: shapes.WorkspaceOut, **docs.errors(401, 404, 422)},
    ),
    delete=extend_schema(
        operation_id="workspaces_delete",
        summary="Delete an empty workspace (owners)",
        tags=["workspaces"],
        parameters=[docs.path("workspace_id")],
        responses={200: shapes.WorkspaceOut, **docs.errors(401, 403, 404, 409, 422)},
    ),
)
@api_view(["GET", "DELETE"])
def workspace_detail(request: Request, workspace_id: str) -> Response:
    workspace = get_workspace(request, workspace_id)
    if request.method == "GET":
        return Response(shapes.workspace_out(workspace))
    _require_owner(request)
    shape = shapes.workspace_out(workspace)
    try:
        workspace_services.workspace_delete(workspace=workspace)
    except workspace_services.WorkspaceError as error:
        raise _people_error(error) from None
    return Response(shape)


@extend_schema_view(
    get=extend_schema(
        operation_id="workspace_users_list",
        summary="A workspace's members (its admins)",
        tags=["workspaces"],
        parameters=[docs.path("workspace_id")],
        responses={200: shapes.UserListOut, **docs.errors(401, 403, 404, 422)},
    ),
    post=extend_schema(
        operation_id="workspace_users_add",
        summary="Add a user to a workspace (owners)",
        tags=["workspaces"],
        parameters=[docs.path("workspace_id")],
        request=docs.json_body(inputs.WorkspaceUserAdd),
        responses={201: shapes.UserOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
    ),
)
@api_view(["GET", "POST"])
def workspace_users(request: Request, workspace_id: str) -> Response:
    workspace = get_managed_workspace(request, workspace_id)
    if request.method == "GET":
        return Response({"items": _users_out(User.objects.filter(memberships__workspace=workspace))})
    _require_member_manager(request, workspace)
    data = inputs.read(inputs.WorkspaceUserAdd, request)
    user = User.objects.filter(pk=data["user_id"], is_active=True).first()
    if user is None:
        raise InvalidData.at(("user_id",), "no such user")
    role = Role(data["role"]) if data.get("role") else None
    workspace_services.membership_add(workspace=workspace, user=user, role=role)
    return Response(shapes.user_out(user), status=status.HTTP_201_CREATED)


@extend_schema(
    operation_id="workspace_users_remove",
    summary="Remove a user from a workspace (owners)",
    tags=["workspaces"],
    parameters=[docs.path("workspace_id"), docs.path("user_id")],
    responses={200: shapes.UserOut, **docs.errors(401, 403, 404, 422)},
)
@api_view(["DELETE"])
def workspace_user_detail(request: Request, workspace_id: str, user_id: str) -> Response:
    workspace = get_managed_workspace(request, workspace_id)
    _require_member_manager(request, workspace)
    user = User.objects.filter(pk=parse_uuid(user_id, "user_id"), memberships__workspace=workspace).first()
    if user is None:
        raise Http404
    workspace_services.membership_remove(workspace=workspace, user=user)
    return Response(shapes.user_out(user))


@extend_schema_view(
    get=extend_schema(
        operation_id="users_list",
        summary="The users the caller may see (owners and workspace admins)",
        tags=["users"],
        responses={200: shapes.UserListOut, **docs.errors(401, 403)},
    ),
    post=extend_schema(
        operation_id="users_create",
        summary="Create a user (owners)",
        tags=["users"],
        request=docs.json_body(inputs.UserCreate),
        responses={201: shapes.UserOut, **docs.errors(401, 403, 409, *docs.BODY_ERRORS)},
    ),
)
@api_view(["GET", "POST"])
def users(request: Request) -> Response:
    if request.method == "GET":
        if not (access.is_owner(request.user) or access.managed_workspaces(request.user).exists()):
            raise PermissionDenied("Only owners and workspace admins may list users.")
        return Response({"items": _users_out(_visible_users(request))})
    _require_owner(request)
    data = inputs.read(inputs.UserCreate, request)
    try:
        user = people.user_create(**data)
    except people.UserError as error:
        raise _people_error(error) from None
    return Response(shapes.user_out(user), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        operation_id="users_get",
        summary="A user",
        tags=["users"],
        parameters=[docs.path("user_id")],
        responses={200: shapes.UserOut, **docs.errors(401, 404, 422)},
    ),
    patch=extend_schema(
        operation_id="users_update",
        summary="Change a user (owners)",
        tags=["users"],
        parameters=[docs.path("user_id")],
        request=docs.json_body(inputs.UserUpdate),
        responses={200: shapes.UserOut, **docs.errors(401, 403, 404, 409, *docs.BODY_ERRORS)},
    ),
    delete=extend_schema(
        operation_id="users_delete",
        summary="Delete a user without responses (owners)",
        tags=["users"],
        parameters=[docs.path("user_id")],
        responses={200: shapes.UserOut, **docs.errors(401, 403, 404, 409, 422)},
    ),
)
@api_view(["GET", "PATCH", "DELETE"])
def user_detail(request: Request, user_id: str) -> Response:
    user = _get_user(request, user_id)
    if request.method == "GET":
        return Response(shapes.user_out(user))
    _require_owner(request)
    if request.method == "PATCH":
        data = inputs.read(inputs.UserUpdate, request, partial=True)
        try:
            user = people.user_update(user=user, actor=request.user, **data)
        except people.UserError as error:
            raise _people_error(error) from None
        return Response(shapes.user_out(user))
    shape = shapes.user_out(user)
    try:
        people.user_delete(user=user, actor=request.user)
    except people.UserError as error:
        raise _people_error(error) from None
    return Response(shape)


@extend_schema(
    operation_id="user_workspaces_list",
    summary="A user's workspaces, of those the caller may see",
    tags=["users"],
    parameters=[docs.path("user_id")],
    responses={200: shapes.WorkspaceListOut, **docs.errors(401, 404, 422)},
)
@api_view(["GET"])
def user_workspaces(request: Request, user_id: str) -> Response:
    user = _get_user(request, user_id)
    mine = workspaces_for(request)
    theirs = mine.filter(memberships__user=user) if not user.is_superuser else mine
    return Response({"items": [shapes.workspace_out(w) for w in theirs.distinct()]})


@extend_schema_view(
    get=extend_schema(
        operation_id="me_api_keys_list",
        summary="The caller's API keys",
        tags=["api-keys"],
        responses={200: shapes.ApiKeyListOut, **docs.errors(401)},
    ),
    post=extend_schema(
        operation_id="me_api_keys_create",
        summary="Create an API key for the caller (the key is shown once)",
        tags=["api-keys"],
        request=docs.json_body(inputs.ApiKeyCreate),
        responses={201: shapes.ApiKeyCreatedOut, **docs.errors(401, 403, 404, *docs.BODY_ERRORS)},
    ),
)
@api_view(["GET", "POST"])
def me_api_keys(request: Request) -> Response:
    if request.method == "GET":
        keys = ApiKey.objects.filter(user=request.user)
        return Response({"items": [shapes.api_key_out(key) for key in keys]})
    data = inputs.read(inputs.ApiKeyCreate, request)
    workspace = get_workspace(request, data["workspace_id"]) if data.get("workspace_id") else None
    limit = key_workspace_id(request)
    if limit and (workspace is None or workspace.pk != limit):
        raise PermissionDenied("A key limited to a workspace can only make keys for that workspace.")
    try:
        api_key, key = api_key_create(
            user=request.user,
            name=data["name"],
            workspace=workspace,
            read_only=data.get("read_only", False),
            expires_at=data.get("expires_at"),
        )
    except ApiKeyError as error:
        raise InvalidData.at((error.field,) if error.field else (), str(error)) from None
    return Response(shapes.api_key_out(api_key, key), status=status.HTTP_201_CREATED)


@extend_schema(
    operation_id="me_api_keys_revoke",
    summary="Revoke one of the caller's API keys",
    tags=["api-keys"],
    parameters=[docs.path("key_id")],
    responses={200: shapes.ApiKeyOut, **docs.errors(401, 403, 404, 422)},
)
@api_view(["DELETE"])
def me_api_key_detail(request: Request, key_id: str) -> Response:
    api_key = ApiKey.objects.filter(user=request.user, pk=parse_uuid(key_id, "key_id")).first()
    if api_key is None:
        raise Http404
    return Response(shapes.api_key_out(api_key_revoke(api_key=api_key)))
