"""Create a demo workspace with people and one dataset per use case, ready to click through.

Safe to run again: people get fresh passwords, missing pieces are added, records are
upserted by external id, and nobody's answers are touched.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from feedback import demo_content as content
from feedback.models import Dataset, Response, ResponseStatus
from feedback.services import datasets as services
from feedback.services.records import records_bulk_upsert
from feedback.services.responses import response_discard, response_save, response_save_draft, response_submit
from workspaces.models import Membership, Role, Workspace

WORKSPACE = "demo"
OWNER = "owner"
ADMIN = "lead"
LABELERS = ["ana", "ben", "chloe", "dev"]
MODELS = ["feedloop-chat-7b-v1", "feedloop-chat-7b-v2", "feedloop-chat-13b-v1"]
FAILURES = ["hallucination", "harmful", "unhelpful", "off_topic", "formatting"]


def _options(values: list[str]) -> list[dict[str, str]]:
    return [{"value": value, "text": value.replace("_", " ").replace("-", " ").capitalize()} for value in values]


def _scale(low: int, high: int) -> dict[str, Any]:
    return {"options": [{"value": value} for value in range(low, high + 1)]}


class Command(BaseCommand):
    help = "Create the demo workspace, its admin and labelers, and five example datasets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="Give every demo account this password instead of fresh random ones (for scripted demos).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            workspace, _ = Workspace.objects.get_or_create(name=WORKSPACE)
            credentials = self._people(workspace, options.get("password"))
            datasets = [
                self._demonstrations(workspace),
                self._prompt_rating(workspace),
                self._comparison(workspace),
                self._evaluation(workspace),
                self._pairwise(workspace),
            ]
            self._sample_answers(datasets, get_user_model().objects.get(username=LABELERS[0]))
            self._team_answers(datasets[3])
            self._pairwise_votes(datasets[4])
        self.stdout.write(self.style.SUCCESS(f"Demo workspace '{WORKSPACE}' is ready with {len(datasets)} datasets:"))
        for dataset in datasets:
            self.stdout.write(f"  - {dataset.name}: {dataset.records.count()} records")
        self.stdout.write("\nLog in at http://127.0.0.1:8000/admin/ (admin) or http://127.0.0.1:8000/ (labelers):")
        for username, role, password in credentials:
            self.stdout.write(f"  {role:<20} username: {username:<8} password: {password}")

    def _people(self, workspace: Workspace, password: str | None) -> list[tuple[str, str, str]]:
        users = get_user_model().objects
        people = [(OWNER, "organisation owner"), (ADMIN, "workspace admin")] + [(name, "labeler") for name in LABELERS]
        credentials = []
        for username, role in people:
            user, _ = users.get_or_create(username=username, defaults={"email": f"{username}@demo.feedloop.test"})
            user.is_superuser = username == OWNER
            user.is_staff = username in (OWNER, ADMIN)
            secret = password or secrets.token_urlsafe(9)
            user.set_password(secret)
            user.save()
            if username != OWNER:
                Membership.objects.update_or_create(
                    workspace=workspace,
                    user=user,
                    defaults={"role": Role.ADMIN if username == ADMIN else Role.ANNOTATOR},
                )
            credentials.append((username, role, secret))
        return credentials

    def _dataset(self, workspace: Workspace, name: str, build: Any, **options: Any) -> tuple[Dataset, bool]:
        existing = Dataset.objects.filter(workspace=workspace, name=name).first()
        if existing is not None:
            return existing, False
        dataset = services.dataset_create(workspace=workspace, name=name, **options)
        build(dataset)
        return services.dataset_publish(dataset=dataset), True

    def _demonstrations(self, workspace: Workspace) -> Dataset:
        def build(dataset: Dataset) -> None:
            services.field_create(dataset=dataset, name="prompt", title="Prompt", settings={"use_markdown": True})
            services.question_create(
                dataset=dataset,
                name="response",
                title="Write the ideal response",
                type="text",
                description="Answer as the assistant would: helpful, honest and harmless.",
                settings={"use_markdown": True},
            )

        dataset, _ = self._dataset(workspace, "demonstrations", build, guidelines=content.GUIDELINES["demonstrations"])
        records_bulk_upsert(
            dataset=dataset,
            items=[
                {"external_id": f"demo-{n}", "fields": {"prompt": prompt}}
                for n, prompt in enumerate(content.DEMONSTRATION_PROMPTS, start=1)
            ],
        )
        return dataset

    def _prompt_rating(self, workspace: Workspace) -> Dataset:
        def build(dataset: Dataset) -> None:
            services.field_create(dataset=dataset, name="prompt", title="Prompt", settings={"use_markdown": True})
            services.field_create(dataset=dataset, name="context", title="Intended use", required=False)
            services.question_create(
                dataset=dataset, name="clarity", title="How clear is the prompt?", type="rating", settings=_scale(1, 5)
            )
            services.question_create(
                dataset=dataset,
                name="relevance",
                title="How relevant is it to the use?",
                type="rating",
                settings=_scale(1, 5),
            )
            services.question_create(dataset=dataset, name="comment", title="Comment", type="text", required=False)

        dataset, _ = self._dataset(
            workspace,
            "prompt-writing-and-rating",
            build,
            guidelines=content.GUIDELINES["prompt_rating"],
            allow_labeler_records=True,
            min_submitted=2,
        )
        records_bulk_upsert(
            dataset=dataset,
            items=[
                {"external_id": f"prompt-{n}", "fields": {key: value for key, value in item.items() if value}}
                for n, item in enumerate(content.PROMPTS_TO_RATE, start=1)
            ],
        )
        return dataset

    def _comparison(self, workspace: Workspace) -> Dataset:
        responses = ["response-1", "response-2", "response-3"]

        def build(dataset: Dataset) -> None:
            services.field_create(dataset=dataset, name="prompt", title="Prompt", settings={"use_markdown": True})
            for name in responses:
                services.field_create(
                    dataset=dataset,
                    name=name,
                    title=name.replace("-", " ").capitalize(),
                    settings={"use_markdown": True},
                )
            services.question_create(
                dataset=dataset,
                name="ranking",
                title="Rank the responses, best first",
                type="ranking",
                settings={"options": _options(responses)},
            )
            services.question_create(
                dataset=dataset, name="comment", title="Why this order?", type="text", required=False
            )

        dataset, _ = self._dataset(
            workspace, "response-comparison", build, guidelines=content.GUIDELINES["comparison"], min_submitted=2
        )
        records_bulk_upsert(
            dataset=dataset,
            items=[{"external_id": f"compare-{n}", "fields": item} for n, item in enumerate(content.COMPARISONS, 1)],
        )
        return dataset

    def _evaluation(self, workspace: Workspace) -> Dataset:
        def build(dataset: Dataset) -> None:
            services.field_create(dataset=dataset, name="prompt", title="Prompt", settings={"use_markdown": True})
            services.field_create(
                dataset=dataset, name="response", title="Model response", settings={"use_markdown": True}
            )
            services.question_create(
                dataset=dataset, name="quality", title="Overall quality (1-7)", type="rating", settings=_scale(1, 7)
            )
            services.question_create(
                dataset=dataset,
                name="failures",
                title="What went wrong?",
                type="multi_label_selection",
                required=False,
                settings={"options": _options(FAILURES)},
            )
            services.question_create(dataset=dataset, name="comment", title="Comment", type="text", required=False)
            services.metadata_property_create(
                dataset=dataset, name="model", title="Model", type="terms", settings={"values": MODELS}
            )

        dataset, _ = self._dataset(workspace, "internal-evaluation", build, guidelines=content.GUIDELINES["evaluation"])
        # Each interaction's record names the model that answered: the dashboard's
        # leaderboard then compares the models' ratings and failure rates.
        dataset = services.dataset_update(dataset=dataset, leaderboard_models={"response": "model"})
        quality = dataset.questions.get(name="quality")
        records_bulk_upsert(
            dataset=dataset,
            items=[
                {
                    "external_id": f"eval-{n}",
                    "fields": {"prompt": item["prompt"], "response": item["response"]},
                    "metadata": {"model": item["model"]},
                    "suggestions": [
                        {
                            "question_id": str(quality.id),
                            "value": 4 + n % 3,
                            "score": 0.6,
                            "agent": "judge-v0",
                            "type": "model",
                        }
                    ],
                }
                for n, item in enumerate(content.EVALUATIONS, start=1)
            ],
        )
        return dataset

    def _pairwise(self, workspace: Workspace) -> Dataset:
        """A chat and two responses to it, and one choice: which is better, or a tie (a
        ranking of two options, shown as three large buttons). The models behind the two
        responses are metadata the labelers do not see (a blind comparison); the dashboard's
        leaderboard reads them."""
        responses = {"response-a": "Response A", "response-b": "Response B"}

        def build(dataset: Dataset) -> None:
            services.field_create(dataset=dataset, name="prompt", title="Conversation", type="chat")
            for name, title in responses.items():
                services.field_create(dataset=dataset, name=name, title=title, settings={"use_markdown": True})
            services.question_create(
                dataset=dataset,
                name="preference",
                title="Which response is better?",
                type="ranking",
                settings={"options": [{"value": name, "text": title} for name, title in responses.items()]},
            )
            services.question_create(dataset=dataset, name="why", title="What decided it?", type="text", required=False)
            for slot in ("model-a", "model-b"):
                services.metadata_property_create(
                    dataset=dataset,
                    name=slot,
                    title=f"Model of {responses['response-' + slot[-1]]}",
                    type="terms",
                    settings={"values": MODELS},
                    visible_for_annotators=False,
                )

        # Which model answers as A and which as B already varies from record to record, so
        # A stays on the left: "Response A is better" is then the left-hand choice for all.
        dataset, _ = self._dataset(
            workspace,
            "pairwise-preference",
            build,
            guidelines=content.GUIDELINES["pairwise"],
            min_submitted=2,
            shuffle_ranking_options=False,
        )
        dataset = services.dataset_update(
            dataset=dataset, leaderboard_models={"response-a": "model-a", "response-b": "model-b"}
        )
        records_bulk_upsert(
            dataset=dataset,
            items=[
                {
                    "external_id": f"pair-{n}",
                    "fields": {key: item[key] for key in ("prompt", *responses)},
                    "metadata": {"model-a": item["model-a"], "model-b": item["model-b"]},
                }
                for n, item in enumerate(content.PAIRWISE, start=1)
            ],
        )
        return dataset

    def _sample_answers(self, datasets: list[Dataset], labeler: Any) -> None:
        """A few answers by the first labeler, so that progress shows from the start."""
        demonstrations, prompt_rating, comparison = datasets[:3]
        first = demonstrations.records.order_by("inserted_at", "id").first()
        if first is not None and not first.responses.exists():
            response_submit(
                record=first,
                user=labeler,
                values={
                    "response": {
                        "value": (
                            "In Python a **list** is mutable: you can append, remove and change items. "
                            "A **tuple** is immutable once created. Use a list for collections that change, "
                            "and a tuple for fixed groups of values (such as coordinates) or as dictionary keys."
                        )
                    }
                },
            )
        rated = prompt_rating.records.order_by("inserted_at", "id").first()
        if rated is not None and not rated.responses.exists():
            response_submit(
                record=rated,
                user=labeler,
                values={
                    "clarity": {"value": 4},
                    "relevance": {"value": 5},
                    "comment": {"value": "Specific and answerable; could name the bike model."},
                },
            )
        ranked = comparison.records.order_by("inserted_at", "id").first()
        if ranked is not None and not ranked.responses.exists():
            response_submit(
                record=ranked,
                user=labeler,
                values={
                    "ranking": {
                        "value": [
                            {"value": "response-2", "rank": 1},
                            {"value": "response-1", "rank": 2},
                            {"value": "response-3", "rank": 3},
                        ]
                    }
                },
            )

    def _team_answers(self, evaluation: Dataset) -> None:
        """The other labelers rate most of the evaluation over the past week, so that its
        quality dashboard has something to show: ben and chloe mostly agree, dev is fast
        and often far off, chloe pastes some comments; a draft and a discard too. Only
        the first time (nobody's answers are touched later)."""
        team = _labelers(LABELERS[1:])
        if Response.objects.filter(record__dataset=evaluation, user__in=team.values()).exists():
            return
        records = list(evaluation.records.order_by("external_id"))
        records.sort(key=lambda record: int(record.external_id.rsplit("-", 1)[1]))
        now = timezone.now()
        for n, record in enumerate(records[:12]):
            base = 2 + (n * 3) % 5  # 2 to 6 on the 1-7 scale
            answers = {
                "ben": (base, FAILURES[n % 3] if base < 4 else None, 35 + 9 * (n % 6)),
                "chloe": (base + (1 if n % 4 == 1 else 0), FAILURES[n % 3] if base < 4 else None, 22 + 4 * (n % 5)),
                "dev": (7 if n % 3 == 0 else base, FAILURES[3 + n % 2] if n % 2 else None, 6 + n % 5),
            }
            for username, (quality, failure, seconds) in answers.items():
                values: dict[str, Any] = {"quality": {"value": min(quality, 7)}}
                if failure:
                    values["failures"] = {"value": [failure]}
                pasted = username == "chloe" and n % 3 == 0
                if username != "dev" and n % 2 == 0:
                    values["comment"] = {"value": f"Rated {min(quality, 7)}: see the guidelines' scale."}
                # Spread over the past week as a team's work is: ben steadily (two a day),
                # chloe in four busier days, dev in a two-day burst.
                days_ago = {"ben": 6 - n // 2, "chloe": 5 - n // 3, "dev": 2 - n // 6}[username]
                _submit_back_then(
                    record,
                    team[username],
                    values,
                    seconds=seconds,
                    submitted_at=now - timedelta(days=days_ago, hours=len(username) + n % 3),
                    context={"pasted": ["comment"]} if pasted and "comment" in values else None,
                )
        if len(records) > 13:
            response_save_draft(record=records[12], user=team["dev"], values={"quality": {"value": 3}})
            response_discard(record=records[13], user=team["chloe"], values={})

    def _pairwise_votes(self, pairwise: Dataset) -> None:
        """The labelers' votes written in the demo content: ben and chloe agree on the clear
        cases and split on the close ones, dev is fast and often off, ana has started; over
        the past four days, with a few words on what decided it. Only the first time."""
        if Response.objects.filter(record__dataset=pairwise).exists():
            return
        team = _labelers(LABELERS)
        records = {record.external_id: record for record in pairwise.records.all()}
        now = timezone.now()
        for n, item in enumerate(content.PAIRWISE, start=1):
            for username, vote in item["votes"].items():
                values: dict[str, Any] = {"preference": {"value": PAIR_VOTES[vote]}}
                if why := item.get("why", {}).get(username):
                    values["why"] = {"value": why}
                # ben reads both answers with care, chloe quicker, dev clicks; ana is new.
                seconds = {"ana": 75, "ben": 48 + 9 * (n % 5), "chloe": 31 + 6 * (n % 4), "dev": 7 + n % 4}[username]
                days_ago = {"ana": 0, "ben": 3 - n // 4, "chloe": 3 - n // 3, "dev": 1}[username]
                _submit_back_then(
                    records[f"pair-{n}"],
                    team[username],
                    values,
                    seconds=seconds + (40 if why else 0),
                    submitted_at=now - timedelta(days=days_ago, hours=1 + len(username) + n % 3),
                )


# A pairwise vote as the ranking of the two responses it stores (equal ranks: a tie).
PAIR_VOTES = {
    "a": [{"value": "response-a", "rank": 1}, {"value": "response-b", "rank": 2}],
    "b": [{"value": "response-b", "rank": 1}, {"value": "response-a", "rank": 2}],
    "tie": [{"value": "response-a", "rank": 1}, {"value": "response-b", "rank": 1}],
}


def _labelers(usernames: list[str]) -> dict[str, Any]:
    return {user.username: user for user in get_user_model().objects.filter(username__in=usernames)}


def _submit_back_then(
    record: Any,
    user: Any,
    values: dict[str, Any],
    *,
    seconds: float,
    submitted_at: Any,
    context: dict[str, Any] | None = None,
) -> Response:
    """Submit `user`'s answers as the labeler did `submitted_at`, after `seconds` on the
    record: the demo's team worked over the past days, and the dashboards' pace, time
    and per-day charts show it."""
    response = response_save(
        record=record,
        user=user,
        values=values,
        status=ResponseStatus.SUBMITTED,
        time_spent_seconds=seconds,
        context=context,
    )
    Response.objects.filter(pk=response.pk).update(submitted_at=submitted_at)
    return response
