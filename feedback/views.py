"""Labeler pages: home, the work queue, and the record form (plain forms; POST, then 303).

Every page starts from the datasets the user may see; anything else is a 404.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from functools import partial
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from feedback import selectors
from feedback.charts import image_source as chart_image_source
from feedback.errors import Conflict, InvalidData, Problem, StaleResponse
from feedback.forms import (
    ACTIONS,
    QuestionView,
    answer_context,
    compared_fields,
    question_views,
    score_text,
    values_from_post,
)
from feedback.models import Dataset, ImportJob, JobStatus, Record, Response, ResponseStatus, ReviewState
from feedback.questions import kind_of, option_titles
from feedback.rendering import markdown_html, plain_html, snippet
from feedback.schema import field_chars
from feedback.selectors import datasets_for_user
from feedback.services.metrics import metrics_compute_now, metrics_refresh
from feedback.services.queue import queue_next, queue_skip
from feedback.services.records import record_write_by_labeler
from feedback.services.responses import response_discard, response_save, response_version
from feedback.services.reviews import review_settle
from workspaces import access

STATUS_FOR_ACTION = {
    "submit": ResponseStatus.SUBMITTED,
    "draft": ResponseStatus.DRAFT,
    "discard": ResponseStatus.DISCARDED,
}
SHOWN_SALT = "feedback.record-shown"
# Fields longer than this (characters) start collapsed on the record page.
COLLAPSE_CHARS = 2500
MAX_TIME_ON_RECORD = 4 * 3600


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _annotatable_dataset(user: Any, dataset_id: UUID) -> Dataset:
    dataset = access.visible_datasets(user, Dataset.objects.all()).filter(pk=dataset_id).first()
    if dataset is None or not access.can_annotate_dataset(user, dataset):
        raise Http404
    return dataset


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The labeler's datasets with overall progress and their own counts, and for
    managers links to the dashboards (five queries)."""
    datasets = list(datasets_for_user(request.user).filter(status="ready"))
    progress = selectors.labeler_progress(request.user, [dataset.pk for dataset in datasets])
    cards = [
        {
            "dataset": dataset,
            "submitted": progress[dataset.pk].submitted,
            "drafts": progress[dataset.pk].drafts,
            "discarded": progress[dataset.pk].discarded,
            "left": progress[dataset.pk].left,
            "mine_done": progress[dataset.pk].done,
            "mine_total": progress[dataset.pk].total,
        }
        for dataset in datasets
    ]
    managed = set(access.managed_workspaces(request.user).values_list("pk", flat=True)) if datasets else set()
    for card in cards:
        card["manages"] = card["dataset"].workspace_id in managed
    workspaces = sorted({d.workspace for d in datasets if d.workspace_id in managed}, key=lambda w: w.name)
    return render(request, "feedback/home.html", {"cards": cards, "managed_workspaces": workspaces})


@login_required
@require_GET
def dataset_next(request: HttpRequest, dataset_id: UUID) -> HttpResponse:
    """Hand out the labeler's next record, or say that nothing is left."""
    dataset = _annotatable_dataset(request.user, dataset_id)
    record = queue_next(dataset=dataset, user=request.user)
    if record is None:
        return see_other(reverse("dataset_done", args=[dataset.pk]))
    return see_other(reverse("record_page", args=[dataset.pk, record.pk]))


@login_required
@require_GET
def dataset_done(request: HttpRequest, dataset_id: UUID) -> HttpResponse:
    dataset = _annotatable_dataset(request.user, dataset_id)
    paused = selectors.gold_paused(dataset, request.user)
    return render(request, "feedback/done.html", {"dataset": dataset, "paused": paused})


def _rendered_fields(dataset: Dataset, record: Record, questions: list[QuestionView]) -> list[dict[str, Any]]:
    """Each field's HTML, titled; a long one (over COLLAPSE_CHARS) is shown collapsed, with
    "Show all". The responses a question compares (`forms.compared_fields`) stand together
    as one item, `{"compare": [...]}`, where the first of them would be: side by side, in
    the order the form shows them, each titled as the question names it."""
    fields = list(dataset.fields.all())
    compared = {item["field"]: item["title"] for item in compared_fields(questions, [f.name for f in fields])}
    shown: list[dict[str, Any]] = []
    columns: list[dict[str, Any]] = []
    for field in fields:
        value = record.fields.get(field.name)
        if value is None:
            continue
        render_html = markdown_html if field.settings.get("use_markdown", False) else plain_html
        chars = field_chars(value)
        item: dict[str, Any] = {"field": field, "title": field.title, "chars": chars, "long": chars > COLLAPSE_CHARS}
        if field.type == "chat":
            item["chat"] = [{"role": message["role"], "html": render_html(message["content"])} for message in value]
        else:
            item["html"] = render_html(value)
        if field.name in compared:
            if not columns:
                shown.append({"compare": columns})
            columns.append({**item, "title": compared[field.name]})
        else:
            shown.append(item)
    order = list(compared)
    columns.sort(key=lambda column: order.index(column["field"].name))
    return shown


def _seconds_on_page(token: str) -> float | None:
    try:
        shown_at = signing.loads(token, salt=SHOWN_SALT, max_age=MAX_TIME_ON_RECORD)
    except (signing.BadSignature, TypeError):
        return None
    return max(0.0, min(time.time() - float(shown_at), MAX_TIME_ON_RECORD))


@login_required
@require_http_methods(["GET", "POST"])
def record_page(request: HttpRequest, dataset_id: UUID, record_id: UUID) -> HttpResponse:
    dataset = _annotatable_dataset(request.user, dataset_id)
    record = get_object_or_404(Record, dataset=dataset, pk=record_id)
    questions = list(dataset.questions.all())
    response = Response.objects.filter(record=record, user=request.user).first()
    suggestions = list(record.suggestions.select_related("question"))
    posted = problems = None
    conflict: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "skip":
            # Nothing of the form is stored: the record stays this labeler's to come back to.
            queue_skip(record=record, user=request.user)
            return see_other(reverse("dataset_next", args=[dataset.pk]))
        if action not in ACTIONS:
            return HttpResponse("Unknown action.", status=400)
        values, problems = values_from_post(questions, request.POST)
        context = answer_context(
            questions, request.POST, record=record, user=request.user, shuffle=dataset.shuffle_ranking_options
        )
        if not problems or action == "discard":
            save = response_discard if action == "discard" else partial(response_save, status=STATUS_FOR_ACTION[action])
            try:
                save(
                    record=record,
                    user=request.user,
                    values=values,
                    time_spent_seconds=_seconds_on_page(request.POST.get("shown", "")),
                    context=context,
                    # The version the page was shown with: a newer stored answer is not overwritten.
                    version=request.POST.get("version") or None,
                )
            except InvalidData as error:
                problems = error.problems
            except StaleResponse as stale:
                response = stale.response
                conflict = {
                    "action": action,
                    "status": response.status,
                    "answers": _answers_in_words(questions, response),
                }
            else:
                problems = []
            if not problems and conflict is None:
                # A short confirmation on the next page; a discard's carries its Undo.
                if action == "discard":
                    undo = reverse("record_restore", args=[dataset.pk, record.pk])
                    messages.info(request, undo, extra_tags="discarded")
                else:
                    messages.success(request, "Response submitted." if action == "submit" else "Draft saved.")
                return see_other(reverse("dataset_next", args=[dataset.pk]))
        posted, status = values, 409 if conflict else 400
    views = question_views(
        questions=questions,
        record=record,
        user=request.user,
        shuffle=dataset.shuffle_ranking_options,
        response=response,
        suggestions={s.question.name: s.value for s in suggestions},
        posted=posted,
        problems=problems,
        post=request.POST if request.method == "POST" else None,
    )
    by_question = {s.question.name: s for s in suggestions}
    for view in views:
        if view.suggested:
            view.suggested_by = by_question[view.question.name].agent or ""
            view.suggested_score = score_text(by_question[view.question.name].score)
    context = {
        "dataset": dataset,
        "record": record,
        # The orientation bar: this labeler's counts and their response's status here.
        "progress": selectors.labeler_progress(request.user, [dataset.pk])[dataset.pk],
        "my_status": response.status if response is not None else "new",
        "conflict": conflict,
        # After an error the form keeps the version it was shown with; after a conflict
        # it takes the newer one, so that "Replace with mine" writes over it.
        "version": (conflict is None and request.POST.get("version")) or response_version(response),
        "guidelines": markdown_html(dataset.guidelines) if dataset.guidelines else "",
        "fields": _rendered_fields(dataset, record, views),
        "metadata": _visible_metadata(request.user, dataset, record),
        "questions": views,
        "response": response,
        "general_errors": [p.msg for p in problems or [] if not p.loc or p.loc[0] not in {q.name for q in questions}],
        "shown": signing.dumps(time.time(), salt=SHOWN_SALT),
        "others": _others_responses(request.user, dataset, record),
    }
    return render(request, "feedback/record.html", context, status=status)


def _answers_in_words(questions: list[Any], response: Response) -> list[tuple[str, str]]:
    """A stored response's answers as the labeler reads them, in the questions' order."""
    return [
        (question.title, kind_of(question.type).display(question, response.values[question.name]["value"]))
        for question in questions
        if question.name in response.values
    ]


def _visible_metadata(user: Any, dataset: Dataset, record: Record) -> list[tuple[str, Any]]:
    """The record's metadata a labeler may see (all of it for the workspace's admins)."""
    stored = record.metadata or {}
    properties = selectors.visible_metadata_properties(user, dataset)
    return [(prop.title, stored[prop.name]) for prop in properties if stored.get(prop.name) is not None]


def _others_responses(user: Any, dataset: Dataset, record: Record) -> list[Response]:
    """Every labeler's responses, read-only, for the workspace's admins."""
    if not access.can_see_all_responses(user, dataset):
        return []
    return list(record.responses.exclude(user=user).select_related("user").order_by("user__username"))


@login_required
@require_POST
def record_restore(request: HttpRequest, dataset_id: UUID, record_id: UUID) -> HttpResponse:
    """Undo a discard: the response becomes a draft again, with what it held."""
    dataset = _annotatable_dataset(request.user, dataset_id)
    record = get_object_or_404(Record, dataset=dataset, pk=record_id)
    response = get_object_or_404(Response, record=record, user=request.user, status=ResponseStatus.DISCARDED)
    response_save(record=record, user=request.user, values=response.values, status=ResponseStatus.DRAFT)
    messages.success(request, "Discard undone: your answers are back as a draft.")
    return see_other(reverse("record_page", args=[dataset.pk, record.pk]))


def _fields_from_post(dataset: Dataset, post: Any) -> tuple[dict[str, Any], list[Any]]:
    fields: dict[str, Any] = {}
    problems = []
    for field in dataset.fields.all():
        raw = post.get(f"field.{field.name}", "").replace("\r\n", "\n")
        if not raw.strip():
            continue
        if field.type == "chat":
            try:
                fields[field.name] = json.loads(raw)
            except ValueError:
                problems.append(Problem(("fields", field.name), "write the conversation as a JSON list of messages"))
        else:
            fields[field.name] = raw
    return fields, problems


@login_required
@require_http_methods(["GET", "POST"])
def record_write(request: HttpRequest, dataset_id: UUID) -> HttpResponse:
    """Write a new record (e.g. a prompt) with its answers, on datasets that allow it."""
    dataset = _annotatable_dataset(request.user, dataset_id)
    if not dataset.allow_labeler_records:
        raise Http404
    questions = list(dataset.questions.all())
    problems: list[Any] = []
    posted = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("submit", "draft"):
            return HttpResponse("Unknown action.", status=400)
        fields, problems = _fields_from_post(dataset, request.POST)
        values, value_problems = values_from_post(questions, request.POST)
        problems += value_problems
        if not problems:
            try:
                record_write_by_labeler(
                    dataset=dataset,
                    user=request.user,
                    fields=fields,
                    values=values,
                    status=STATUS_FOR_ACTION[action],
                    time_spent_seconds=_seconds_on_page(request.POST.get("shown", "")),
                    context={"pasted": [q.name for q in questions if request.POST.get(f"pasted.{q.name}")]},
                )
            except InvalidData as error:
                problems = error.problems
            else:
                messages.success(request, "Your record is saved." if action == "submit" else "Draft saved.")
                return see_other(reverse("record_write", args=[dataset.pk]))
        posted, status = values, 400
    blank = Record(dataset=dataset, fields={})
    field_inputs = [
        {
            "field": field,
            "value": request.POST.get(f"field.{field.name}", "") if request.method == "POST" else "",
            "errors": [p.msg for p in problems if p.loc[:2] == ("fields", field.name)],
        }
        for field in dataset.fields.all()
    ]
    context = {
        "dataset": dataset,
        "guidelines": markdown_html(dataset.guidelines) if dataset.guidelines else "",
        "field_inputs": field_inputs,
        "questions": question_views(
            questions=questions,
            record=blank,
            user=request.user,
            shuffle=False,
            response=None,
            suggestions={},
            posted=posted,
            problems=problems,
            post=request.POST if request.method == "POST" else None,
        ),
        "general_errors": [
            p.msg for p in problems if not p.loc or p.loc[0] not in {"fields", *(q.name for q in questions)}
        ],
        "shown": signing.dumps(time.time(), salt=SHOWN_SALT),
    }
    return render(request, "feedback/write.html", context, status=status)


BROWSE_PAGE = 50


@login_required
@require_GET
def dataset_browse(request: HttpRequest, dataset_id: UUID) -> HttpResponse:
    """Browse a dataset's records, filtered by my status, text and visible metadata."""
    dataset = _annotatable_dataset(request.user, dataset_id)
    status = request.GET.get("status") or None
    if status not in (None, *selectors.BROWSE_STATUSES):
        status = None
    text = request.GET.get("q", "").strip()[:200]
    metadata = {key[5:]: value for key, value in request.GET.items() if key.startswith("meta.")}
    min_score = _finite_number(request.GET.get("score", ""))
    records = selectors.records_for_labeler(
        request.user, dataset, status=status, text=text, metadata=metadata, min_score=min_score
    )
    page = Paginator(records, BROWSE_PAGE).get_page(request.GET.get("page"))
    mine = dict(
        Response.objects.filter(record__in=[r.pk for r in page.object_list], user=request.user).values_list(
            "record_id", "status"
        )
    )
    first_field = dataset.fields.first()
    rows = [
        {
            "record": record,
            "snippet": snippet(record.fields.get(first_field.name, "")) if first_field else "",
            "mine": mine.get(record.pk),
        }
        for record in page.object_list
    ]
    properties = selectors.visible_metadata_properties(request.user, dataset)
    context = {
        "dataset": dataset,
        "rows": rows,
        "page": page,
        "status": status or "",
        "q": text,
        "score": "" if min_score is None else request.GET.get("score", "").strip(),
        # The filters as a query string, for the pages' links.
        "filters": _filters_query(request),
        "progress": selectors.labeler_progress(request.user, [dataset.pk])[dataset.pk],
        "statuses": selectors.BROWSE_STATUSES,
        "properties": [{"prop": prop, "value": metadata.get(prop.name, "")} for prop in properties],
        "jobs": _job_items(dataset) if access.can_manage_dataset(request.user, dataset) else [],
        "can_review": access.can_review(request.user, dataset),
    }
    return render(request, "feedback/browse.html", context)


def _finite_number(raw: str) -> float | None:
    """A number typed in a filter, or None (blank, not a number, infinite)."""
    try:
        number = float(raw.strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _filters_query(request: HttpRequest) -> str:
    """The browse page's filters (not its page number) as a query string."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _job_items(dataset: Dataset) -> list[dict[str, Any]]:
    """The dataset's latest imports and exports, for its managers."""
    return [
        {
            "job": job,
            "title": f"Import of {job.source_name}" if isinstance(job, ImportJob) else f"{job.layout} export",
            "url": selectors.job_url(job),
        }
        for job in selectors.recent_jobs(dataset)
    ]


# Review and adjudication -----------------------------------------------------------


def _dataset_allowed(user: Any, dataset_id: UUID, allowed: Callable[[Any, Dataset], bool]) -> Dataset:
    """A dataset the user may see and `allowed` lets them use: not visible is 404,
    visible without the right 403."""
    dataset = access.visible_datasets(user, Dataset.objects.all()).filter(pk=dataset_id).first()
    if dataset is None:
        raise Http404
    if not allowed(user, dataset):
        raise PermissionDenied
    return dataset


def _reviewable_dataset(user: Any, dataset_id: UUID) -> Dataset:
    """A dataset the user may review (`access.can_review`)."""
    return _dataset_allowed(user, dataset_id, access.can_review)


@login_required
@require_GET
def review_queue(request: HttpRequest, dataset_id: UUID) -> HttpResponse:
    """The dataset's review queue: pending first, why each record is here, and how far
    its answers disagree per question."""
    dataset = _reviewable_dataset(request.user, dataset_id)
    questions = [q for q in dataset.questions.all() if kind_of(q.type).disputes]
    page = Paginator(selectors.review_queue(dataset), selectors.REVIEWS_PAGE).get_page(request.GET.get("page"))
    first_field = dataset.fields.first()
    rows = [
        {
            "review": review,
            "snippet": snippet(review.record.fields.get(first_field.name, "")) if first_field else "",
            "disagreement": [review.disagreement.get(q.name) for q in questions],
        }
        for review in page.object_list
    ]
    pending = selectors.review_queue(dataset).filter(state=ReviewState.PENDING).count()
    context = {"dataset": dataset, "questions": questions, "rows": rows, "page": page, "pending": pending}
    return render(request, "feedback/review_queue.html", context)


def _gold_accuracies(dataset: Dataset, users: list[Any]) -> dict[Any, Any]:
    """Each answering labeler's standing on the dataset's gold records
    (`feedback.gold.LabelerGold`: accuracy and how many graded answers it rests on),
    for those the gold checks graded."""
    if not users:
        return {}
    wanted = {user.pk for user in users}
    report = selectors.dataset_gold_report(dataset)
    return {labeler.user_id: labeler for labeler in report.labelers if labeler.user_id in wanted and labeler.graded}


@login_required
@require_http_methods(["GET", "POST"])
def review_page(request: HttpRequest, dataset_id: UUID, record_id: UUID) -> HttpResponse:
    """One queued record: its fields, every submitted answer side by side with who gave
    it, and the final-answer form (the labeler form's inputs, starting from the unified
    answer) with a note; Settle stores it and moves to the next pending review."""
    dataset = _reviewable_dataset(request.user, dataset_id)
    review = selectors.review_of_record(dataset, record_id)
    if review is None:
        raise Http404
    record = review.record
    questions = list(dataset.questions.all())
    responses = list(
        record.responses.filter(status=ResponseStatus.SUBMITTED).select_related("user").order_by("user__username")
    )
    posted = problems = None
    status = 200
    if request.method == "POST":
        values, problems = values_from_post(questions, request.POST)
        if not problems:
            try:
                review_settle(review=review, reviewer=request.user, values=values, note=request.POST.get("note", ""))
            except Conflict as conflict:
                messages.error(request, str(conflict))
                return see_other(reverse("review_page", args=[dataset.pk, record.pk]))
            except InvalidData as error:
                problems = error.problems
            else:
                messages.success(request, "Settled.")
                following = selectors.next_pending_review(dataset)
                if following is None:
                    return see_other(reverse("review_queue", args=[dataset.pk]))
                return see_other(reverse("review_page", args=[dataset.pk, following.record_id]))
        posted, status = values, 400
    settled = review.state == ReviewState.SETTLED
    if settled:
        start = review.values
    else:
        # The reviewer starts from the unified answer of each question that has one.
        start = {}
        for question in questions:
            answers = [r.values[question.name]["value"] for r in responses if question.name in r.values]
            unified = kind_of(question.type).unified_answer(answers, question.settings)
            if unified is not None:
                start[question.name] = {"value": unified}
    gold = _gold_accuracies(dataset, [response.user for response in responses])
    views = question_views(
        questions=questions,
        record=record,
        user=request.user,
        shuffle=False,
        response=Response(values=start),
        suggestions={},
        posted=posted,
        problems=problems,
        post=request.POST if request.method == "POST" else None,
    )
    context = {
        "dataset": dataset,
        "record": record,
        "review": review,
        "settled": settled,
        "fields": _rendered_fields(dataset, record, views),
        "metadata": _visible_metadata(request.user, dataset, record),
        "labelers": [{"user": r.user, "gold_accuracy": gold.get(r.user.pk)} for r in responses],
        "answers": [
            {
                "question": question,
                "disagreement": review.disagreement.get(question.name),
                "cells": [
                    kind_of(question.type).display(question, r.values[question.name]["value"])
                    if question.name in r.values
                    else ""
                    for r in responses
                ],
            }
            for question in questions
        ],
        "questions": views,
        "note": request.POST.get("note", "") if request.method == "POST" else review.note,
        "note_errors": [p.msg for p in problems or [] if p.loc[:1] == ("note",)],
        "general_errors": [
            p.msg for p in problems or [] if not p.loc or p.loc[0] not in {"note", *(q.name for q in questions)}
        ],
    }
    return render(request, "feedback/review.html", context, status=status)


# The quality dashboard (managers) --------------------------------------------------


def _managed_dataset(user: Any, dataset_id: UUID) -> Dataset:
    """A dataset the user manages (`access.can_manage_dataset`)."""
    return _dataset_allowed(user, dataset_id, access.can_manage_dataset)


@login_required
@require_GET
def workspace_overview(request: HttpRequest, workspace_id: UUID) -> HttpResponse:
    """A workspace's datasets with their progress, responses, last activity and links to
    each dashboard and review queue: its admins (and owners); members 403, others 404."""
    workspace = access.visible_workspaces(request.user).filter(pk=workspace_id).first()
    if workspace is None:
        raise Http404
    if not access.can_manage_workspace(request.user, workspace):
        raise PermissionDenied
    datasets = selectors.workspace_datasets(request.user, workspace.pk)
    return render(request, "feedback/workspace.html", {"workspace": workspace, "datasets": datasets})


def _labeler_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Each labeler's row, with their gold standing (graded, accuracy, flagged, paused)
    where the gold checks graded their answers (snapshots older than the gold checks
    have none)."""
    gold = {row["user_id"]: row for row in (payload.get("gold") or {}).get("labelers", []) if row["graded"]}
    rows = []
    for labeler in payload["annotators"]:
        histogram = labeler["seconds_per_record"]["histogram"]
        rows.append(
            {**labeler, "histogram": [bin_["count"] for bin_ in histogram], "gold": gold.get(labeler["user_id"])}
        )
    return rows


def _leaderboard_label_tables(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The leaderboard's label rates, one table per label question: a row per model, a
    column per label."""
    by_question: dict[str, list[dict[str, Any]]] = {}
    for row in (payload.get("leaderboard") or {}).get("labels") or []:
        by_question.setdefault(row["question"], []).append(row)
    tables = []
    for question, rows in by_question.items():
        labels = list(dict.fromkeys(label for row in rows for label in row["rates"]))
        tables.append(
            {
                "question": question,
                "labels": labels,
                "rows": [
                    {"model": r["model"], "responses": r["responses"], "rates": [r["rates"].get(x) for x in labels]}
                    for r in rows
                ],
            }
        )
    return tables


def _throughput_table(payload: dict[str, Any]) -> dict[str, Any]:
    """Submissions per day (rows) per labeler (columns)."""
    labelers = [a for a in payload["annotators"] if a["submitted_per_day"]]
    by_labeler = [{d["day"]: d["count"] for d in a["submitted_per_day"]} for a in labelers]
    days = sorted({day for counts in by_labeler for day in counts})
    return {
        "labelers": [a["username"] for a in labelers],
        "rows": [{"day": day, "counts": [counts.get(day, 0) for counts in by_labeler]} for day in days],
    }


def _question_sections(dataset: Dataset, payload: dict[str, Any], charts: dict[str, str]) -> list[dict[str, Any]]:
    questions = {question.name: question for question in dataset.questions.all()}
    disputed_ids = [item["record_id"] for q in payload["questions"] for item in q.get("disputed") or []]
    records = selectors.records_by_id(dataset, disputed_ids)
    sections = []
    for question in payload["questions"]:
        distribution = question.get("distribution") or {}
        ranked = question["type"] == "ranking"
        ranks = sorted({rank for by_rank in distribution.values() for rank in by_rank}, key=int) if ranked else []
        known = questions.get(question["name"])
        answer_titles = option_titles(known) if known is not None else {}
        sections.append(
            {
                **question,
                "title": known.title if known is not None else question["name"],
                "chart": charts.get(f"distribution:{question['name']}"),
                "ranks": ranks,
                "distribution_rows": [
                    {
                        "answer": answer_titles.get(answer, answer),
                        "counts": [counts.get(rank, 0) for rank in ranks] if ranked else [counts],
                    }
                    for answer, counts in distribution.items()
                ],
                "disputed_rows": [
                    {**item, **records.get(item["record_id"], {"external_id": None, "reviewed": False})}
                    for item in question.get("disputed") or []
                    if item["record_id"] in records
                ],
            }
        )
    return sections


@login_required
@require_GET
def dataset_dashboard(request: HttpRequest, dataset_id: UUID) -> HttpResponse:
    """The dataset's quality dashboard, read from its cached metrics (computed here once
    when it never was): progress and ETA, labelers, questions, the leaderboard; each
    chart beside a table of its numbers, the freshness, and a refresh in progress."""
    dataset = _managed_dataset(request.user, dataset_id)
    snapshot = selectors.metrics_snapshot(dataset) or metrics_compute_now(dataset=dataset)
    payload = snapshot.payload
    charts = {name: chart_image_source(svg) for name, svg in (snapshot.charts or {}).items()}
    job = selectors.latest_metrics_job(dataset)
    bins = payload["annotators"][0]["seconds_per_record"]["histogram"] if payload["annotators"] else []
    context = {
        "dataset": dataset,
        "snapshot": snapshot,
        "payload": payload,
        "charts": charts,
        "job": job if job is not None and job.is_active else None,
        "failed_job": job if job is not None and job.status == JobStatus.FAILED else None,
        "job_url": selectors.job_url(job) if job is not None else "",
        "labelers": _labeler_rows(payload),
        "gold": payload.get("gold") or {},
        "bins": [f"{b['low']}-{b['high']}" if b["high"] is not None else f"{b['low']}+" for b in bins],
        "throughput": _throughput_table(payload),
        "questions": _question_sections(dataset, payload, charts),
        "agreement_rows": [q for q in payload["questions"] if q["agreement"]],
        "leaderboard": payload.get("leaderboard"),
        "leaderboard_labels": _leaderboard_label_tables(payload),
    }
    return render(request, "feedback/dashboard.html", context)


@login_required
@require_POST
def dataset_dashboard_refresh(request: HttpRequest, dataset_id: UUID) -> HttpResponse:
    """Start a computation of the dashboard (or follow the one already running)."""
    dataset = _managed_dataset(request.user, dataset_id)
    metrics_refresh(dataset=dataset, user=request.user)
    return see_other(reverse("dataset_dashboard", args=[dataset.pk]))
