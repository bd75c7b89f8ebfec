"""Datasets, their schema and their records in the Django admin.

The admin is an adapter: forms validate with the same rules as the services
(`questions.py`, `schema.py`, `check_question_change`), and saving calls the services,
so the admin can do nothing the API could not.

One module per subject; importing them here registers their admins when Django's
autodiscover imports `feedback.admin`.
"""

from feedback.admin import datasets, jobs, records, webhooks

__all__ = ["datasets", "jobs", "records", "webhooks"]
