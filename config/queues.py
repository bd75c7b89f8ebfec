"""Celery queues by kind, so that one kind of task never waits behind another.

Each kind of task has its own queue, named after the default queue
(CELERY_TASK_DEFAULT_QUEUE): `celery.imports`, `celery.exports`, `celery.metrics`,
`celery.webhooks`. Tasks of no kind (the sweeps Celery beat schedules) go to the default
queue itself. A worker started without `-Q` consumes all of them; one started with
`-Q celery.webhooks` serves webhook deliveries only, so they keep going out while long
imports or exports hold every other worker. Naming the kinds' queues after the default
queue keeps deployments (and test sessions) sharing one Redis database apart, as the
default queue alone did before.
"""

from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue

from config.celery import app

# Task name -> kind. A new kind of task (text generation, say) adds its tasks here.
TASK_KINDS: dict[str, str] = {
    "feedback.tasks.run_import": "imports",
    "feedback.tasks.run_export": "exports",
    "feedback.tasks.run_metrics": "metrics",
    "feedback.tasks.deliver_webhook": "webhooks",
}
KINDS: tuple[str, ...] = tuple(dict.fromkeys(TASK_KINDS.values()))


def kind_queue(default_queue: str, kind: str) -> str:
    """The name of the queue of `kind` beside `default_queue`."""
    return f"{default_queue}.{kind}"


def queue_names(default_queue: str) -> list[str]:
    """The default queue and every kind's queue beside it."""
    return [default_queue, *(kind_queue(default_queue, kind) for kind in KINDS)]


def task_queues(default_queue: str) -> list[Queue]:
    """CELERY_TASK_QUEUES: what a worker started without -Q consumes. Each queue is bound
    to a direct exchange of its own name, as Celery makes a queue it was not told of."""
    return [Queue(name, Exchange(name), routing_key=name) for name in queue_names(default_queue)]


def route_by_kind(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any) -> dict | None:
    """CELERY_TASK_ROUTES: a task of a kind goes to its kind's queue (the others to the
    default queue). The default queue is read as the task is sent, not at start-up."""
    kind = TASK_KINDS.get(name)
    if kind is None:
        return None
    return {"queue": kind_queue(app.conf.task_default_queue, kind)}
