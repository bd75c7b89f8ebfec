"""Feedloop's domain model: datasets, their schema, records and the feedback on them.

Rules about what is valid live in `feedback.questions` (values) and `services/` (writes);
models only describe storage: columns, constraints and the indexes the queries need.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from workspaces.models import Workspace

# Names of fields, questions, metadata properties and vector settings, as in the
# Argilla wire format: lowercase letters, digits, '-' and '_', with one letter or digit.
SCHEMA_NAME_PATTERN = r"^(?=.*[a-z0-9])[a-z0-9_-]+$"
schema_name_validator = RegexValidator(
    SCHEMA_NAME_PATTERN, "Use lowercase letters, digits, '-' and '_' (at least one letter or digit)."
)


def _loaded(instance: models.Model, relation: str) -> Any:
    """The related object when it is already loaded, else None: a name in `__str__` must
    not cost a query per row (the admin's delete confirmation lists every related row)."""
    field = instance._meta.get_field(relation)
    return getattr(instance, relation) if field.is_cached(instance) else None  # type: ignore[union-attr]


class TimestampedModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    inserted_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class DatasetStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    READY = "ready", "Ready"


class Dataset(TimestampedModel):
    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="datasets")
    name = models.CharField(max_length=200)
    guidelines = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=DatasetStatus.choices, default=DatasetStatus.DRAFT)
    allow_extra_metadata = models.BooleanField(
        default=True, help_text="Accept record metadata keys that no metadata property declares."
    )
    min_submitted = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1)],
        help_text="How many submitted responses complete a record (the overlap).",
    )
    lease_seconds = models.PositiveIntegerField(
        default=15 * 60,
        validators=[MinValueValidator(30), MaxValueValidator(7 * 24 * 3600)],
        help_text="How long a record handed to a labeler is held for them.",
    )
    allow_labeler_records = models.BooleanField(
        default=False, help_text="Labelers may write new records (prompt-writing datasets)."
    )
    shuffle_ranking_options = models.BooleanField(
        default=True, help_text="Show ranking options in a per-labeler order, against position bias."
    )
    annotators_restricted = models.BooleanField(
        default=False,
        help_text="Open only to the annotators granted access, not to every annotator of the workspace.",
    )
    metadata = models.JSONField(null=True, blank=True)
    leaderboard_models = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "For the model leaderboard: which record metadata key names the model behind each response field, "
            'e.g. {"response-1": "model-1", "response-2": "model-2"}.'
        ),
    )
    # Gold checks (`feedback.gold`): how often the queue hands a labeler a gold record,
    # and when their accuracy on gold records flags (and optionally pauses) them.
    gold_rate = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Share of each labeler's queue made of gold records (0 to 1; 0: none).",
    )
    gold_threshold = models.FloatField(
        default=0.8,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="A labeler whose gold accuracy is below this (0 to 1) is flagged.",
    )
    gold_min_answers = models.PositiveIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Graded gold answers a labeler needs before they can be flagged.",
    )
    gold_pause_flagged = models.BooleanField(
        default=False,
        help_text="Flagged labelers get no more records until an admin lifts the pause.",
    )
    last_activity_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["inserted_at"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="dataset_unique_name_in_workspace"),
        ]
        permissions = [
            ("annotate_dataset", "Can annotate this dataset (when restricted)"),
            ("review_dataset", "Can review this dataset's disputed records"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_published(self) -> bool:
        return self.status == DatasetStatus.READY


class DatasetUserObjectPermission(UserObjectPermissionBase):
    """Per-dataset grants (django-guardian, direct foreign key for fast lookups)."""

    content_object = models.ForeignKey(Dataset, on_delete=models.CASCADE)


class DatasetGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Dataset, on_delete=models.CASCADE)


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    CHAT = "chat", "Chat"


class Field(TimestampedModel):
    """What a record shows. `settings` holds the type's options (e.g. use_markdown)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="fields")
    name = models.CharField(max_length=200, validators=[schema_name_validator])
    title = models.CharField(max_length=500)
    type = models.CharField(max_length=16, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "inserted_at"]
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="field_unique_name")]

    def __str__(self) -> str:
        return self.name


class QuestionType(models.TextChoices):
    TEXT = "text", "Text"
    RATING = "rating", "Rating"
    LABEL_SELECTION = "label_selection", "Label"
    MULTI_LABEL_SELECTION = "multi_label_selection", "Multi-label"
    RANKING = "ranking", "Ranking"
    SPAN = "span", "Span"


class Question(TimestampedModel):
    """What a labeler answers. `settings` is validated by `feedback.questions` per type."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="questions")
    name = models.CharField(max_length=200, validators=[schema_name_validator])
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True, default="")
    type = models.CharField(max_length=32, choices=QuestionType.choices)
    required = models.BooleanField(default=True)
    settings = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "inserted_at"]
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="question_unique_name")]

    def __str__(self) -> str:
        return self.name


class MetadataType(models.TextChoices):
    TERMS = "terms", "Terms"
    INTEGER = "integer", "Integer"
    FLOAT = "float", "Float"


class MetadataProperty(TimestampedModel):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="metadata_properties")
    name = models.CharField(max_length=200, validators=[schema_name_validator])
    title = models.CharField(max_length=500)
    type = models.CharField(max_length=16, choices=MetadataType.choices)
    settings = models.JSONField(default=dict, blank=True)
    visible_for_annotators = models.BooleanField(default=True)

    class Meta:
        ordering = ["inserted_at"]
        verbose_name_plural = "metadata properties"
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="metadata_property_unique_name")]

    def __str__(self) -> str:
        return self.name


class VectorSettings(TimestampedModel):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="vector_settings")
    name = models.CharField(max_length=200, validators=[schema_name_validator])
    title = models.CharField(max_length=500)
    dimensions = models.PositiveIntegerField(validators=[MinValueValidator(2), MaxValueValidator(4096)])

    class Meta:
        ordering = ["inserted_at"]
        verbose_name_plural = "vector settings"
        constraints = [models.UniqueConstraint(fields=["dataset", "name"], name="vector_settings_unique_name")]

    def __str__(self) -> str:
        return self.name


class RecordStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"


class Record(TimestampedModel):
    """One item to give feedback on. `fields`, `metadata` and `vectors` are keyed by name.

    `submitted_count` is kept by the response services in the same transaction that
    writes a response, so the work queue never counts responses on the fly.
    """

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="records")
    external_id = models.CharField(max_length=500, null=True, blank=True)
    fields = models.JSONField(default=dict)
    metadata = models.JSONField(null=True, blank=True)
    vectors = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=RecordStatus.choices, default=RecordStatus.PENDING)
    submitted_count = models.PositiveIntegerField(default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A gold record's expected answers, in the shape of a response's `values`
    # (`{question: {"value": ...}}`); null for every other record. Never shown to labelers.
    gold = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["inserted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "external_id"],
                condition=models.Q(external_id__isnull=False),
                name="record_unique_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["dataset", "inserted_at", "id"], name="record_dataset_order"),
            # The work queue only ever looks at pending records, oldest first.
            models.Index(
                fields=["dataset", "inserted_at", "id"],
                condition=models.Q(status="pending"),
                name="record_pending_queue",
            ),
            # The queue's gold picks and the gold report read only the gold records.
            models.Index(
                fields=["dataset", "inserted_at", "id"],
                condition=models.Q(gold__isnull=False),
                name="record_gold",
            ),
        ]

    def __str__(self) -> str:
        return self.external_id or str(self.id)


class SuggestionType(models.TextChoices):
    MODEL = "model", "Model"
    HUMAN = "human", "Human"


class Suggestion(TimestampedModel):
    """A proposed answer (from a model or a pre-annotator): one per record and question."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="suggestions")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="suggestions")
    value = models.JSONField()
    score = models.JSONField(null=True, blank=True)
    agent = models.CharField(max_length=200, null=True, blank=True)
    type = models.CharField(max_length=16, choices=SuggestionType.choices, null=True, blank=True)

    class Meta:
        ordering = ["inserted_at"]
        constraints = [
            models.UniqueConstraint(fields=["record", "question"], name="suggestion_unique_per_question"),
        ]
        indexes = [models.Index(fields=["question"], name="suggestion_question")]

    def __str__(self) -> str:
        return f"suggestion for {self.question_id} on {self.record_id}"


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    DISCARDED = "discarded", "Discarded"


class Response(TimestampedModel):
    """One labeler's answers to one record: `values` is `{question: {"value": ...}}`."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="responses")
    # PROTECT: deleting a user must never silently drop their work; deactivate instead.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="responses")
    values = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=ResponseStatus.choices)
    time_spent_seconds = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    submitted_at = models.DateTimeField(null=True, blank=True)
    # How the answer was given: the ranking orders shown ({"ranking_orders": {question: [options]}})
    # and the written answers that were pasted ({"pasted": [question, ...]}).
    context = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["inserted_at"]
        constraints = [
            # (user, record): the work queue excludes a labeler's answered records by it.
            models.UniqueConstraint(fields=["user", "record"], name="response_unique_per_user"),
        ]
        indexes = [models.Index(fields=["record", "status"], name="response_record_status")]

    def __str__(self) -> str:
        user, record = _loaded(self, "user"), _loaded(self, "record")
        return f"{user or f'user {self.user_id}'} on {record or f'record {self.record_id}'}"


class ReviewReason(models.TextChoices):
    DISAGREEMENT = "disagreement", "Answers disagree"
    SENT = "sent", "Sent by an admin"


class ReviewState(models.TextChoices):
    PENDING = "pending", "Pending"
    SETTLED = "settled", "Settled"


class Review(TimestampedModel):
    """A record in the review queue and, once settled, its final answer.

    The reviewed answers (`values`, `{question: {"value": ...}}` as in a response) are
    kept here, apart from the labelers' responses: the Argilla-shaped API never shows
    them, and exports use them only when asked (`unification: reviewed`). A record has at
    most one pending review; it may have several settled ones (the latest counts)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="reviews")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="reviews")
    reason = models.CharField(max_length=16, choices=ReviewReason.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # How far the submitted answers disagreed when the record was queued: {question: 0..1}.
    disagreement = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.PENDING)
    # PROTECT: deleting a user must never silently drop their work; deactivate instead.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    values = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True, default="")
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["inserted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"], condition=models.Q(state="pending"), name="review_one_pending_per_record"
            ),
        ]
        indexes = [
            # The queue: a dataset's reviews, pending first, oldest first.
            models.Index(fields=["dataset", "state", "inserted_at"], name="review_queue"),
            # Exports: a record's latest settled review.
            models.Index(
                fields=["record", "-settled_at"], condition=models.Q(state="settled"), name="review_settled_latest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.state} review of {self.record_id}"


class RecordLease(models.Model):
    """A record handed to a labeler by the work queue, held for them until `expires_at`.

    Live leases of other labelers count against a record's free slots, so that the
    queue never hands out more copies than `min_submitted` needs. A skip ends the lease
    at once and stamps `skipped_at`: the queue then hands the record back to its skipper
    only after the others (`feedback.distribution`).
    """

    id = models.BigAutoField(primary_key=True)
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="leases")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    skipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "record"], name="lease_unique_per_user")]
        indexes = [models.Index(fields=["record", "expires_at"], name="lease_record_expiry")]

    def __str__(self) -> str:
        return f"lease of {self.record_id} for {self.user_id} until {self.expires_at}"


class GoldPauseLift(models.Model):
    """An admin lifted a labeler's gold pause on a dataset: from `lifted_at` on, only the
    gold answers the labeler submits afterwards can pause them again."""

    id = models.BigAutoField(primary_key=True)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lifted_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "user"], name="gold_lift_unique_per_user")]

    def __str__(self) -> str:
        return f"gold pause of {self.user_id} on {self.dataset_id} lifted at {self.lifted_at}"


WEBHOOK_EVENTS = (
    "dataset.created",
    "dataset.updated",
    "dataset.deleted",
    "dataset.published",
    "record.created",
    "record.updated",
    "record.deleted",
    "record.completed",
    "response.created",
    "response.updated",
    "response.deleted",
)


class Webhook(TimestampedModel):
    """An HTTP endpoint notified of events, signed per the Standard Webhooks scheme."""

    url = models.URLField(max_length=2000)
    secret = models.CharField(max_length=100, editable=False)
    events = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["inserted_at"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(TimestampedModel):
    """One event for one webhook, and how its attempts went. The body is kept as sent,
    so that every retry sends (and signs) exactly the same bytes."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    # When it was handed to the broker; empty while the broker could not be reached
    # (the job sweep sends it then).
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-inserted_at"]
        indexes = [models.Index(fields=["webhook", "-inserted_at"], name="delivery_webhook_recent")]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook_id}"

    @property
    def message_id(self) -> str:
        # The same on every attempt, as Standard Webhooks asks, so receivers can drop repeats.
        return f"msg_{self.pk.hex}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


ACTIVE = [JobStatus.QUEUED.value, JobStatus.RUNNING.value]


class BackgroundJob(TimestampedModel):
    """What every import and export job records: whose it is, how far it got, how it ended.

    `queued_at` is when the job last became `queued` and `sent_at` when its run was last
    handed to the broker (empty: not yet, e.g. the broker was down); `attempts` counts
    the runs started; a running job writes `heartbeat_at` as it goes. The sweep in
    `feedback.services.jobs` reads them to recover jobs that were never sent or whose
    worker died."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.FloatField(default=0.0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def _dataset_name(self) -> str:
        dataset = _loaded(self, "dataset")
        return dataset.name if dataset else f"dataset {self.dataset_id}"  # type: ignore[attr-defined]


class ExportJob(BackgroundJob):
    """One export of a dataset to a training-ready file; downloads go through this row."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="export_jobs")
    layout = models.CharField(max_length=32)
    format = models.CharField(max_length=32, default="jsonl")
    options = models.JSONField(default=dict, blank=True)
    file = models.FileField(upload_to="exports/", blank=True)

    class Meta:
        ordering = ["-inserted_at"]
        indexes = [
            models.Index(fields=["workspace", "-inserted_at"], name="export_job_workspace"),
            # The sweep looks only at unfinished jobs.
            models.Index(fields=["status"], name="export_job_active", condition=models.Q(status__in=ACTIVE)),
        ]

    def __str__(self) -> str:
        # No status here: the admin keeps this text in its log and messages, where a
        # status would go stale ("queued" long after the job ran).
        return f"Export of {self._dataset_name} ({self.layout})"


class ImportJob(BackgroundJob):
    """One file imported into a dataset: the uploaded file, how its columns map onto the
    dataset, and every row error found. `stored_through_row` is the last file row whose
    batch is stored, written in the same transaction as the batch: a rerun after a crash
    resumes after it instead of storing rows twice."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="import_jobs")
    source_name = models.CharField(max_length=255)
    format = models.CharField(max_length=32)
    file = models.FileField(upload_to="imports/", max_length=500)
    mapping = models.JSONField(default=dict, blank=True)
    split = models.CharField(max_length=200, blank=True, default="")
    skip_bad_rows = models.BooleanField(default=False)
    errors = models.JSONField(default=list, blank=True)  # [{row, column, reason}], capped
    error_count = models.PositiveIntegerField(default=0)
    stored_through_row = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-inserted_at"]
        indexes = [
            models.Index(fields=["workspace", "-inserted_at"], name="import_job_workspace"),
            models.Index(fields=["status"], name="import_job_active", condition=models.Q(status__in=ACTIVE)),
        ]

    def __str__(self) -> str:
        return f"Import of {self.source_name} into {self._dataset_name}"


class MetricsJob(BackgroundJob):
    """One computation of a dataset's quality dashboard (`feedback.services.metrics`):
    queued by the schedule when the dataset had activity since its last snapshot, or by
    a manager's refresh; its result is the dataset's `MetricsSnapshot`."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="metrics_jobs")

    class Meta:
        ordering = ["-inserted_at"]
        indexes = [
            models.Index(fields=["dataset", "-inserted_at"], name="metrics_job_dataset"),
            models.Index(fields=["status"], name="metrics_job_active", condition=models.Q(status__in=ACTIVE)),
        ]

    def __str__(self) -> str:
        return f"Metrics of {self._dataset_name}"


class MetricsSnapshot(models.Model):
    """The latest computed dashboard of a dataset: the payload (the metrics API's answer)
    and its charts (SVG by name), with when it was computed and by which job."""

    dataset = models.OneToOneField(Dataset, on_delete=models.CASCADE, primary_key=True, related_name="metrics_snapshot")
    payload = models.JSONField()
    charts = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField()
    job = models.ForeignKey(MetricsJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"metrics of {self.dataset_id} at {self.computed_at}"
