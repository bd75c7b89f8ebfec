"""Export a dataset from the shell, in this process, with a progress bar.

    manage.py export_dataset <dataset-id> --layout preference --format parquet \\
        --option unification=majority --option threshold=4 --output pairs.parquet

The job is recorded like any other export (it shows in the admin and the API) but is run
here rather than queued, so no worker is needed and nothing else runs it a second time.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.runtime import freeze_startup_objects
from config.storage import CHUNK_BYTES, open_stream
from feedback.errors import InvalidData
from feedback.exports.layouts import LAYOUTS
from feedback.management.lookups import acting_user, dataset_by_id
from feedback.management.progress import TerminalProgress
from feedback.services.exports import FORMATS, export_create, export_run
from workspaces import access


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs; a value is read as JSON when it parses (`4`, `true`,
    `["harmful"]`), else taken as text (`majority`)."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"--option takes KEY=VALUE, got {pair!r}")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


class Command(BaseCommand):
    help = "Export a dataset to a training-ready file in this process (no worker needed), showing progress."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dataset_id", help="the dataset's id")
        parser.add_argument("--layout", required=True, choices=LAYOUTS)
        parser.add_argument("--format", default="jsonl", choices=FORMATS)
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="an export option, repeatable; VALUE is read as JSON when it parses, else as text",
        )
        parser.add_argument("--output", help="copy the finished file here (default: print where it is stored)")
        parser.add_argument(
            "--user", help="username recorded as the job's creator; must be an admin of the dataset's workspace"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        freeze_startup_objects()
        export_options = parse_options(options["option"])
        dataset = dataset_by_id(options["dataset_id"])
        user = acting_user(options["user"], dataset, access.can_export_dataset, "export this dataset")
        try:
            job = export_create(
                dataset=dataset,
                user=user,
                layout=options["layout"],
                format=options["format"],
                options=export_options,
                queue_run=False,
            )
        except InvalidData as error:
            problems = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(f"the export was refused:\n{problems}") from error
        progress = TerminalProgress(self.stdout, "exporting")
        try:
            job = export_run(job_id=job.pk, on_progress=progress)
        except Exception as error:
            raise CommandError(f"export {job.pk} failed: {error}") from error
        finally:
            progress.finish()
        # In the order the export counts them (the stored JSON keeps no order).
        order = ["records", "responses", "rows", "dropped", "ties"]
        names = sorted(job.counts, key=lambda name: order.index(name) if name in order else len(order))
        counts = ", ".join(f"{job.counts[name]:,} {name}" for name in names)
        self.stdout.write(f"Export {job.pk} done: {counts}.")
        if options["output"]:
            output = Path(options["output"])
            try:
                with open_stream(job.file.name) as source, output.open("wb") as target:
                    shutil.copyfileobj(source, target, CHUNK_BYTES)
            except OSError as error:
                raise CommandError(f"export {job.pk} is stored as {job.file.name} but not copied: {error}") from error
            self.stdout.write(f"Wrote {output}")
        else:
            self.stdout.write(f"Stored as {job.file.name}")
