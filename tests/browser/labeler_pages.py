"""The labeler's pages of the demo (`seed_demo`), the review and dashboard pages its
workspace admin sees and the admin pages its owner sees, shared by the screenshot walk,
the accessibility check and the Content-Security-Policy checks, and the widths looked at."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import RequestFactory
from django.urls import reverse

from feedback.models import Dataset, Record, Review

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


# allauth's pages beyond the login, for someone signed out and for someone signed in
# (the labeler pages' list has the password change).
SIGNED_OUT_ACCOUNT_PAGES = [
    ("login", "/accounts/login/"),
    ("password-reset", "/accounts/password/reset/"),
    ("password-reset-done", "/accounts/password/reset/done/"),
    ("sign-up", "/accounts/signup/"),
]
SIGNED_IN_ACCOUNT_PAGES = [
    ("emails", "/accounts/email/"),
    ("reauthenticate", "/accounts/reauthenticate/"),
    ("log-out", "/accounts/logout/"),
]


def pages(base: str) -> list[tuple[str, str]]:
    shown = [("login", "/accounts/login/")]
    shown += [("home", "/"), ("api-keys", "/account/api-keys/"), ("change-password", "/accounts/password/change/")]
    for dataset in Dataset.objects.order_by("name"):
        record = Record.objects.filter(dataset=dataset).order_by("inserted_at", "id").first()
        shown.append((f"record-{dataset.name}", f"/datasets/{dataset.pk}/records/{record.pk}"))
        shown.append((f"browse-{dataset.name}", f"/datasets/{dataset.pk}/records"))
        if dataset.allow_labeler_records:
            shown.append((f"write-{dataset.name}", f"/datasets/{dataset.pk}/write"))
    first = Dataset.objects.order_by("name").first()
    shown.append(("nothing-left", f"/datasets/{first.pk}/done"))
    return shown


def review_pages(review: Review) -> list[tuple[str, str]]:
    """The review queue and a disputed record, the workspace overview and the dashboards
    (the demo's team at work on the evaluation and the pairwise votes; the comparison
    barely started), as the workspace admin sees them."""
    evaluation = Dataset.objects.get(name="internal-evaluation")
    pairwise = Dataset.objects.get(name="pairwise-preference")
    return [
        ("review-queue", f"/datasets/{review.dataset_id}/review/"),
        ("review-record", f"/datasets/{review.dataset_id}/review/{review.record_id}/"),
        ("workspace-overview", f"/workspaces/{evaluation.workspace_id}/"),
        ("dashboard-internal-evaluation", f"/datasets/{evaluation.pk}/dashboard/"),
        ("dashboard-response-comparison", f"/datasets/{review.dataset_id}/dashboard/"),
        ("dashboard-pairwise-preference", f"/datasets/{pairwise.pk}/dashboard/"),
    ]


def admin_pages(user: AbstractBaseUser) -> list[tuple[str, str]]:
    """The admin's index and, for every registered model, its list, its add form where
    `user` may add, and the change form of its first object (the dataset's with its
    settings widgets among them)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    shown = [("admin-index", reverse("admin:index"))]
    for model, model_admin in admin.site._registry.items():
        name = f"{model._meta.app_label}_{model._meta.model_name}"
        shown.append((f"admin-{name}-list", reverse(f"admin:{name}_changelist")))
        if model_admin.has_add_permission(request):
            shown.append((f"admin-{name}-add", reverse(f"admin:{name}_add")))
        if (first := model_admin.get_queryset(request).order_by("pk").first()) is not None:
            shown.append((f"admin-{name}-change", reverse(f"admin:{name}_change", args=[first.pk])))
    return shown
