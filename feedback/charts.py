"""The dashboard's charts, drawn by matplotlib (Agg, SVG) from a computed payload.

Rendered once per computation and stored with it (`MetricsSnapshot.charts`), so pages
only read them and show each as an image (`image_source`). Text is drawn as paths
(`svg.fonttype = "path"`): names from labelers and record metadata never become markup.
Every chart's numbers stand beside it in a table on the page; a chart is never the only
place a number is.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib import dates as mdates
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

STYLE = {
    "svg.fonttype": "path",
    "svg.hashsalt": "feedloop",  # stable ids: the same payload gives the same file
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
WIDE, TALL = (7.5, 3.0), (7.5, 3.6)


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # the element alone, without the XML prolog


def image_source(svg: str) -> str:
    """A stored chart as the `src` of an <img>: an SVG image is a document of its own, so
    matplotlib's <style> element and style attributes stay outside the page's
    Content-Security-Policy, which allows no inline style."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _counts_axis(axes: Any) -> None:
    """A y-axis of counts ticks whole numbers only (never 12.5 responses)."""
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))


def _days_axis(axes: Any, days: list[date]) -> None:
    """An x axis of whole days with a margin of one on each side: a day's bar never
    fills the plot and one day alone is not spread over hours or years."""
    low, high = min(days), max(days)
    axes.set_xlim(low - timedelta(days=1), high + timedelta(days=1))
    axes.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, ((high - low).days + 2) // 8)))
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))


def progress(payload: dict[str, Any]) -> Figure | None:
    days = payload["progress"]["per_day"]
    if not days:
        return None
    figure, axes = plt.subplots(figsize=WIDE)
    x = [date.fromisoformat(day["day"]) for day in days]
    axes.bar(x, [day["submitted"] for day in days], color="#9ecae1", label="responses submitted")
    axes.plot(x, [day["completed"] for day in days], color="#08519c", marker="o", label="records completed")
    axes.set_ylabel("per day")
    _counts_axis(axes)
    _days_axis(axes, x)
    # Above the plot, never over the bars.
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, frameon=False)
    figure.autofmt_xdate()
    return figure


def throughput(payload: dict[str, Any]) -> Figure | None:
    labelers = [a for a in payload["annotators"] if a["submitted_per_day"]]
    if not labelers:
        return None
    figure, axes = plt.subplots(figsize=WIDE)
    for labeler in labelers:
        days = labeler["submitted_per_day"]
        axes.plot(
            [date.fromisoformat(d["day"]) for d in days],
            [d["count"] for d in days],
            marker=".",
            label=labeler["username"],
        )
    axes.set_ylabel("submitted per day")
    _counts_axis(axes)
    _days_axis(axes, [date.fromisoformat(d["day"]) for labeler in labelers for d in labeler["submitted_per_day"]])
    axes.set_ylim(bottom=0)
    axes.yaxis.get_major_locator().set_params(integer=True)  # counts: whole numbers on the axis
    axes.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=min(len(labelers), 6), frameon=False, fontsize=8)
    figure.autofmt_xdate()
    return figure


def seconds(payload: dict[str, Any]) -> Figure | None:
    labelers = [a for a in payload["annotators"] if a["seconds_per_record"]["median"] is not None]
    if not labelers:
        return None
    bins = labelers[0]["seconds_per_record"]["histogram"]
    names = [f"{b['low']}-{b['high']}" if b["high"] is not None else f"{b['low']}+" for b in bins]
    figure, axes = plt.subplots(figsize=WIDE)
    width = 0.8 / len(labelers)
    for i, labeler in enumerate(labelers):
        counts = [b["count"] for b in labeler["seconds_per_record"]["histogram"]]
        axes.bar([j + i * width - 0.4 + width / 2 for j in range(len(bins))], counts, width, label=labeler["username"])
    axes.set_xticks(range(len(bins)), names, rotation=30)
    axes.set_xlabel("seconds per record")
    axes.set_ylabel("responses")
    _counts_axis(axes)
    axes.legend(frameon=False, fontsize=8)
    return figure


def agreement(payload: dict[str, Any]) -> Figure | None:
    rows = [q for q in payload["questions"] if q["agreement"] and q["agreement"]["value"] is not None]
    if not rows:
        return None
    figure, axes = plt.subplots(figsize=(7.5, 0.5 + 0.5 * len(rows)))
    values = [q["agreement"]["value"] for q in rows]
    errors = [
        [
            v - (q["agreement_interval"] or {}).get("low", v) if q["agreement_interval"] else 0,
            (q["agreement_interval"] or {}).get("high", v) - v if q["agreement_interval"] else 0,
        ]
        for v, q in zip(values, rows, strict=True)
    ]
    axes.barh(
        [q["name"] for q in rows],
        values,
        xerr=list(map(list, zip(*errors, strict=True))),
        color="#6baed6",
        capsize=4,
    )
    axes.axvline(0.667, color="#999", linestyle=":", linewidth=1)
    axes.axvline(0.8, color="#555", linestyle="--", linewidth=1)
    axes.set_xlabel("Krippendorff's alpha (95 % bootstrap interval); 0.667 and 0.8 marked")
    axes.invert_yaxis()
    return figure


def distribution(question: dict[str, Any], titles: Mapping[Any, Any] | None = None) -> Figure | None:
    """The answers to one question (stacked by rank for a ranking), each named by its
    option's title (`titles`, by value) where it has one."""
    titles = titles or {}
    counts = question.get("distribution")
    if not counts or not any(counts.values()):  # nothing answered yet: no empty axes
        return None
    figure, axes = plt.subplots(figsize=(7.5, 2.8))
    # Answers sit at positions 0..n-1, named by their tick labels: answers such as
    # ratings "1".."5" are categories here, never numbers on an axis.
    positions = range(len(counts))
    if question["type"] == "ranking":
        ranks = sorted({rank for by_rank in counts.values() for rank in by_rank}, key=int)
        bottom = [0] * len(counts)
        for rank in ranks:
            heights = [by_rank.get(rank, 0) for by_rank in counts.values()]
            axes.bar(positions, heights, bottom=bottom, label=f"rank {rank}")
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        if ranks:
            axes.legend(frameon=False, fontsize=8)
    else:
        axes.bar(positions, list(counts.values()), color="#74c476")
    axes.set_xticks(positions, [str(titles.get(answer, answer)) for answer in counts])
    axes.set_ylabel("answers")
    _counts_axis(axes)
    axes.tick_params(axis="x", labelrotation=20)
    return figure


def leaderboard(payload: dict[str, Any]) -> Figure | None:
    board = payload.get("leaderboard")
    rows = [m for m in (board or {}).get("models", []) if m["score"] is not None]
    if not rows:
        return None
    figure, axes = plt.subplots(figsize=(7.5, 0.6 + 0.45 * len(rows)))
    low = [m["score"] - (m["score_low"] if m["score_low"] is not None else m["score"]) for m in rows]
    high = [(m["score_high"] if m["score_high"] is not None else m["score"]) - m["score"] for m in rows]
    axes.errorbar([m["score"] for m in rows], [m["model"] for m in rows], xerr=[low, high], fmt="o", capsize=4)
    axes.axvline(0, color="#999", linewidth=1)
    axes.set_xlabel("Bradley-Terry score (95 % bootstrap interval)")
    axes.invert_yaxis()
    return figure


def leaderboard_ratings(payload: dict[str, Any]) -> Figure | None:
    """Each model's mean rating with its 95 % interval, one row per (question, model)."""
    rows = [r for r in ((payload.get("leaderboard") or {}).get("ratings") or []) if r["mean"] is not None]
    if not rows:
        return None
    figure, axes = plt.subplots(figsize=(7.5, 0.6 + 0.45 * len(rows)))
    names = [f"{r['model']} ({r['question']})" for r in rows]
    low = [r["mean"] - (r["mean_low"] if r["mean_low"] is not None else r["mean"]) for r in rows]
    high = [(r["mean_high"] if r["mean_high"] is not None else r["mean"]) - r["mean"] for r in rows]
    positions = range(len(rows))
    axes.errorbar([r["mean"] for r in rows], positions, xerr=[low, high], fmt="o", capsize=4)
    axes.set_yticks(positions, names)
    axes.set_xlabel("mean rating (95 % interval)")
    axes.invert_yaxis()
    return figure


CHARTS: dict[str, Callable[[dict[str, Any]], Figure | None]] = {
    "progress": progress,
    "throughput": throughput,
    "seconds": seconds,
    "agreement": agreement,
    "leaderboard": leaderboard,
    "leaderboard_ratings": leaderboard_ratings,
}


def render_all(payload: dict[str, Any], option_titles: Mapping[str, Mapping[Any, Any]] | None = None) -> dict[str, str]:
    """Every chart the payload has data for, as SVG by name (`distribution:<question>`
    per question, its answers named by `option_titles[question]`)."""
    option_titles = option_titles or {}
    rendered: dict[str, str] = {}
    with plt.rc_context(STYLE):
        for name, draw in CHARTS.items():
            if (figure := draw(payload)) is not None:
                rendered[name] = _svg(figure)
        for question in payload["questions"]:
            if (figure := distribution(question, option_titles.get(question["name"]))) is not None:
                rendered[f"distribution:{question['name']}"] = _svg(figure)
    return rendered
