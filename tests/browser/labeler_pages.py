"""The labeler's pages of the demo (`seed_demo`), and the review and dashboard pages its
workspace admin sees, shared by the screenshot walk and the accessibility check, and
the widths both look at."""

from __future__ import annotations

from feedback.models import Dataset, Record, Review

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


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
