"""The labeler's pages of the demo (`seed_demo`), shared by the screenshot walk and the
accessibility check, and the widths both look at."""

from __future__ import annotations

from feedback.models import Dataset, Record

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
