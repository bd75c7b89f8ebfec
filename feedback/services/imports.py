"""File imports: a job row per uploaded file, run by a Celery task in two passes.

1. **Check**: every row is read, mapped onto the dataset and validated exactly as the
   API's bulk upsert validates (`records_bulk_check`, batch by batch); every problem
   is recorded with its row, column and reason. External ids repeated in the file are
   found with an 8-byte hash per row, so memory stays small however large the file.
2. **Store**: only when the check found nothing wrong (or the caller asked to skip bad
   rows), the file is read again and stored in batches through `records_bulk_upsert`.
   Each batch commits together with the job's `stored_through_row`, so a worker that
   dies half-way is resumed after the last stored row: nothing is stored twice, even
   for rows without an external id. Records with an external id are upserted, so
   importing the same file again creates no duplicates.

By default a file with any bad row stores nothing; `skip_bad_rows` stores the good rows
and reports the others.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import shutil
import tempfile
from array import array
from collections.abc import Callable, Iterator, Mapping
from pathlib import PurePosixPath
from typing import IO, Any

import numpy as np
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from config.storage import CHUNK_BYTES, open_stream
from feedback.errors import InvalidData, Problem
from feedback.imports.mapping import ColumnMapping, DatasetShape, RowItem, row_item
from feedback.imports.readers import FORMATS, SEEKING_FORMATS, Reader, UnreadableFile, format_for, open_reader
from feedback.models import Dataset, ImportJob, JobStatus
from feedback.services.jobs import RUN_IMPORT_TASK as RUN_IMPORT_TASK
from feedback.services.jobs import JobLost, heartbeat, job_finish, job_progress, job_send_after_commit, job_start
from feedback.services.records import records_bulk_check, records_bulk_upsert
from workspaces import audit

logger = logging.getLogger(__name__)
Progress = Callable[[float], None]
Opener = Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


class FileTooLarge(Exception):
    """The upload is larger than FEEDLOOP_IMPORT_MAX_BYTES (the API answers 413)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit
        super().__init__(f"the file has {size:,} bytes; the limit is {limit:,}")


@transaction.atomic
def import_create(
    *,
    dataset: Dataset,
    user: Any,
    file: IO[bytes] | File,
    filename: str,
    format: str | None = None,
    mapping: Mapping[str, Any] | None = None,
    skip_bad_rows: bool = False,
    split: str = "",
    run_in_background: bool = True,
) -> ImportJob:
    """Keep the uploaded file and record an import job; the job is queued once the
    transaction commits (a broker that cannot be reached leaves it queued for the sweep:
    `feedback.services.jobs`), or left for the caller to run, without `run_in_background`."""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    if size > settings.FEEDLOOP_IMPORT_MAX_BYTES:
        raise FileTooLarge(size, settings.FEEDLOOP_IMPORT_MAX_BYTES)
    problems: list[Problem] = []
    format = format or format_for(filename)
    if format not in FORMATS:
        problems.append(
            Problem(("format",), f"must be one of {list(FORMATS)} (or a file named .jsonl, .csv, .parquet or .zip)")
        )
    if size == 0:
        problems.append(Problem(("file",), "the file is empty"))
    if not dataset.is_published:
        problems.append(Problem((), "publish the dataset before importing records"))
    if not isinstance(split, str):
        problems.append(Problem(("split",), "must be text"))
    problems += ColumnMapping(_shape(dataset), mapping).problems
    if problems:
        raise InvalidData(problems)
    job = ImportJob(
        workspace_id=dataset.workspace_id,
        dataset=dataset,
        created_by=user,
        source_name=PurePosixPath(filename).name[:255] or "upload",
        format=format,
        mapping=dict(mapping or {}),
        split=split,
        skip_bad_rows=skip_bad_rows,
    )
    suffix = PurePosixPath(filename).suffix.lower()[:16]
    job.file.name = default_storage.save(f"imports/{dataset.pk}/{job.pk}{suffix}", File(file))
    job.save()
    audit.created(
        job,
        verb="import started",
        fields=("source_name", "format", "mapping", "skip_bad_rows", "split"),
        workspace_id=dataset.workspace_id,
    )
    if run_in_background:
        job_send_after_commit(job=job)
    return job


def _shape(dataset: Dataset) -> DatasetShape:
    return DatasetShape.of(
        list(dataset.fields.all()), list(dataset.metadata_properties.all()), list(dataset.questions.all())
    )


class _Report:
    """Every problem found: counted, and kept up to FEEDLOOP_IMPORT_MAX_REPORTED_ERRORS."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []
        self.count = 0
        self.bad_rows: set[int] = set()
        self.limit = settings.FEEDLOOP_IMPORT_MAX_REPORTED_ERRORS

    def add(self, row: int | None, column: str | None, reason: str) -> None:
        self.count += 1
        if row is not None:
            self.bad_rows.add(row)
        if len(self.errors) < self.limit:
            self.errors.append({"row": row, "column": column or None, "reason": reason})


def import_run(*, job_id: Any, on_progress: Progress | None = None) -> ImportJob:
    """Run an import job. Idempotent: a finished job, or one a live worker is running,
    is left as it is (`job_start`); a job whose worker died resumes after the last
    stored batch."""
    job, start = job_start(model=ImportJob, job_id=job_id)
    if not start:
        return job
    report = _Report()
    try:
        with heartbeat(job=job), _opener(job) as open_file:
            rows = _check(job, open_file, report, on_progress)
            if report.count and not job.skip_bad_rows:
                return _finish(job, JobStatus.FAILED, report, rows, "bad rows: nothing was stored")
            if rows == 0:
                return _finish(job, JobStatus.FAILED, report, rows, "the file holds no rows")
            if rows == len(report.bad_rows):
                return _finish(job, JobStatus.FAILED, report, rows, "every row is bad: nothing was stored")
            _store(job, open_file, report, rows, on_progress)
    except UnreadableFile as error:
        report.add(error.row, None, error.message)
        return _finish(job, JobStatus.FAILED, report, 0, "the file cannot be read: nothing was stored")
    except JobLost as lost:
        logger.warning("%s", lost)
        job.refresh_from_db()
        return job
    except Exception as error:  # recorded on the job, then raised for Celery to see
        with contextlib.suppress(JobLost):
            job_finish(job=job, status=JobStatus.FAILED, error=str(error)[:2000])
        raise
    job.refresh_from_db()
    return _finish(job, JobStatus.SUCCEEDED, report, rows, "")


def _finish(job: ImportJob, status: str, report: _Report, rows: int, error: str) -> ImportJob:
    counts = {**job.counts, "rows": rows, "bad_rows": len(report.bad_rows)}
    counts.setdefault("stored", 0)
    job_finish(
        job=job,
        status=status,
        error=error,
        errors=sorted(report.errors, key=lambda e: (e["row"] is not None, e["row"] or 0)),
        error_count=report.count,
        counts=counts,
        progress=1.0 if status == JobStatus.SUCCEEDED else job.progress,
    )
    job.refresh_from_db()
    return job


@contextlib.contextmanager
def _opener(job: ImportJob) -> Iterator[Opener]:
    """How each pass opens the job's file: streamed from storage as it is read. Parquet and
    zipped folders are read by seeking; from storage that only streams (S3) they are
    copied once, buffer by buffer, to a temporary file that both passes read."""
    if job.format in SEEKING_FORMATS:
        with open_stream(job.file.name) as source:
            if not source.seekable():
                with tempfile.TemporaryFile() as copy:
                    shutil.copyfileobj(source, copy, length=CHUNK_BYTES)
                    yield lambda: _unclosed(copy)
                return
    yield lambda: open_stream(job.file.name)


@contextlib.contextmanager
def _unclosed(file: IO[bytes]) -> Iterator[IO[bytes]]:
    """The temporary copy from its start, left open for the next pass."""
    file.seek(0)
    yield file


def _external_id_hash(value: Any) -> int:
    return int.from_bytes(hashlib.blake2b(str(value).encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


@contextlib.contextmanager
def _reading(job: ImportJob, open_file: Opener) -> Iterator[Reader]:
    with open_file() as file:
        limit = settings.FEEDLOOP_IMPORT_MAX_CELL_BYTES
        reader = open_reader(file, job.format, size=job.file.size, split=job.split, max_cell_bytes=limit)
        try:
            yield reader
        finally:
            reader.close()


def _check(job: ImportJob, open_file: Opener, report: _Report, on_progress: Progress | None) -> int:
    """Pass 1: every row validated, nothing stored. Returns the number of rows read."""
    dataset = job.dataset
    mapping = ColumnMapping(_shape(dataset), job.mapping)
    batch_size = settings.FEEDLOOP_BULK_MAX_RECORDS
    id_hashes, id_rows = array("Q"), array("Q")  # external ids seen, as 8-byte hashes
    id_column = mapping.feeders.get(("external_id",))
    batch: list[tuple[int, RowItem]] = []
    batch_ids: dict[str, int] = {}
    rows_read, fraction = 0, 0.0

    def check_batch() -> None:
        if not batch:
            return
        try:
            records_bulk_check(dataset=dataset, items=[row.item for _, row in batch])
        except InvalidData as error:
            for problem in error.problems:
                if len(problem.loc) < 2 or problem.loc[0] != "items":
                    raise UnreadableFile(problem.msg) from None  # about the dataset, not a row
                number, row = batch[int(problem.loc[1])]
                column = row.column_for(problem.loc[2:])
                if column is None or column not in {bad for bad, _ in row.problems}:
                    report.add(number, column, problem.msg)
        batch.clear()
        batch_ids.clear()
        job_progress(job=job, progress=fraction / 2, counts={"rows_checked": rows_read})
        if on_progress:
            on_progress(fraction / 2)

    with _reading(job, open_file) as reader:
        if reader.columns is not None:
            # A column that maps to nothing is the file's problem, not a row's: stop there.
            for column, reason in mapping.check_columns(reader.columns):
                report.add(1 if job.format == "csv" else None, column, reason)
            if report.count:
                return 0
        for source in reader.rows():
            rows_read += 1
            fraction = reader.fraction_read
            if source.problem is not None:
                report.add(source.number, source.column, source.problem)
                continue
            number, row = source.number, row_item(source.values, mapping, cells_are_text=job.format == "csv")
            for column, reason in row.problems:
                report.add(number, column, reason)
            # A row with bad cells is still validated without them, so that its other
            # problems are reported too (the bad cells' own columns are not reported twice).
            external_id = row.item.get("external_id")
            if external_id is not None:
                id_column = id_column or row.sources.get(("external_id",))
                key = str(external_id)
                if key in batch_ids:
                    report.add(number, id_column, f"repeats the external id of row {batch_ids[key]}")
                    continue
                batch_ids[key] = number
                id_hashes.append(_external_id_hash(external_id))
                id_rows.append(number)
            batch.append((number, row))
            if len(batch) >= batch_size:
                check_batch()
        check_batch()
    _report_repeated_ids(id_hashes, id_rows, id_column, report)
    return rows_read


def _report_repeated_ids(hashes: array, rows: array, column: str | None, report: _Report) -> None:
    """External ids that appear on more than one row (across batches: each batch has
    already refused its own repeats)."""
    if len(hashes) < 2:
        return
    keys = np.frombuffer(hashes, dtype=np.uint64)
    numbers = np.frombuffer(rows, dtype=np.uint64)
    order = np.lexsort((numbers, keys))
    keys, numbers = keys[order], numbers[order]
    repeated = np.flatnonzero(keys[1:] == keys[:-1]) + 1
    first_of = {}
    for index in repeated:
        start = index
        while start > 0 and keys[start - 1] == keys[index]:
            start -= 1
        first_of[int(numbers[index])] = int(numbers[start])
    for number in sorted(first_of):
        report.add(number, column, f"repeats the external id of row {first_of[number]}")


def _store(job: ImportJob, open_file: Opener, report: _Report, rows: int, on_progress: Progress | None) -> None:
    """Pass 2: the good rows stored batch by batch, each with the job's checkpoint."""
    dataset = job.dataset
    mapping = ColumnMapping(_shape(dataset), job.mapping)
    batch_size = settings.FEEDLOOP_BULK_MAX_RECORDS
    good_rows = max(rows - len(report.bad_rows), 1)
    counts = {"stored": 0, "created": 0, "updated": 0, **job.counts}
    resume_after = job.stored_through_row
    batch: list[tuple[int, RowItem]] = []

    def store_batch() -> None:
        if not batch:
            return
        try:
            with transaction.atomic():
                result = records_bulk_upsert(dataset=dataset, items=[row.item for _, row in batch])
                counts["stored"] += len(batch)
                counts["created"] += len(result.created_ids)
                counts["updated"] += len(result.updated_ids)
                progress = 0.5 + 0.5 * min(counts["stored"] / good_rows, 1.0)
                # The checkpoint commits with the batch, or neither does (JobLost).
                job_progress(job=job, stored_through_row=batch[-1][0], progress=progress, counts=counts)
        except InvalidData as error:
            raise RuntimeError(
                f"the dataset changed while the file was imported ({error}); rows up to "
                f"{job.stored_through_row} are stored; import the file again to finish "
                "(rows with an external id are not duplicated)"
            ) from None
        job.stored_through_row = batch[-1][0]
        batch.clear()
        if on_progress:
            on_progress(progress)

    with _reading(job, open_file) as reader:
        for source in reader.rows():
            number = source.number
            if number <= resume_after or number in report.bad_rows or source.problem is not None:
                continue
            batch.append((number, row_item(source.values, mapping, cells_are_text=job.format == "csv")))
            if len(batch) >= batch_size:
                store_batch()
        store_batch()
    job.counts = counts
    job_progress(job=job, counts=counts)
