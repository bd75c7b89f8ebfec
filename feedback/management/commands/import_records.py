"""Import a file into a dataset from the shell, in this process, with a progress bar.

    manage.py import_records <dataset-id> records.jsonl --mapping '{"question": "field:prompt"}'

The job is recorded like any other import (the admin and the API show it) but runs
here rather than on a worker. Every row error is printed with its row and column; the
command fails when the import stored nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.runtime import freeze_startup_objects
from feedback.errors import InvalidData
from feedback.imports.readers import FORMATS
from feedback.management.lookups import acting_user, dataset_by_id
from feedback.management.progress import TerminalProgress
from feedback.models import JobStatus
from feedback.services.imports import FileTooLarge, import_create, import_run
from workspaces import access

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "Import a JSONL, CSV, Parquet or zipped datasets file into a dataset (no worker needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset_id", help="the dataset's id")
        parser.add_argument("path", help="the file to import")
        parser.add_argument("--format", choices=FORMATS, help="default: by the file's name")
        parser.add_argument("--mapping", default="{}", help='JSON object column → target, e.g. {"q": "field:prompt"}')
        parser.add_argument("--skip-bad-rows", action="store_true", help="store the good rows, report the bad ones")
        parser.add_argument("--split", default="", help="the split of a zipped DatasetDict to import")
        parser.add_argument("--user", help="username recorded as the job's creator (a workspace admin)")

    def handle(self, *args: Any, **options: Any) -> None:
        freeze_startup_objects()
        dataset = dataset_by_id(options["dataset_id"])
        user = acting_user(options["user"], dataset, access.can_import_dataset, "import into this dataset")
        try:
            mapping = json.loads(options["mapping"])
        except json.JSONDecodeError as error:
            raise CommandError(f"--mapping is not JSON: {error}") from None
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"no file at {path}")
        try:
            with path.open("rb") as file:
                job = import_create(
                    dataset=dataset,
                    user=user,
                    file=file,
                    filename=path.name,
                    format=options["format"],
                    mapping=mapping,
                    skip_bad_rows=options["skip_bad_rows"],
                    split=options["split"],
                    run_in_background=False,
                )
        except InvalidData as error:
            problems = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(f"the import was refused:\n{problems}") from error
        except FileTooLarge as error:
            raise CommandError(f"the import was refused: {error}") from error
        progress = TerminalProgress(self.stdout, "importing", unit=None)
        try:
            job = import_run(job_id=job.pk, on_progress=lambda fraction: progress(round(fraction * 1000), 1000))
        except Exception as error:
            raise CommandError(f"import {job.pk} failed: {error}") from error
        finally:
            progress.finish()
        for error in job.errors[:SHOWN_ERRORS]:
            where = f"row {error['row']}" if error["row"] is not None else "file"
            column = f", column {error['column']}" if error["column"] else ""
            self.stderr.write(f"  {where}{column}: {error['reason']}")
        if job.error_count > SHOWN_ERRORS:
            self.stderr.write(f"  …and {job.error_count - SHOWN_ERRORS:,} more (GET /api/v1/imports/{job.pk})")
        counts = job.counts
        summary = (
            f"{counts.get('rows', 0):,} rows, {counts.get('stored', 0):,} stored "
            f"({counts.get('created', 0):,} new, {counts.get('updated', 0):,} updated), "
            f"{counts.get('bad_rows', 0):,} bad"
        )
        if job.status != JobStatus.SUCCEEDED:
            raise CommandError(f"import {job.pk} failed: {job.error}. {summary}.")
        self.stdout.write(f"Import {job.pk} done: {summary}.")
