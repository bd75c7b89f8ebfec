"""The dashboard's charts: matplotlib SVG from a computed payload, inert text."""

from __future__ import annotations

from datetime import date

import matplotlib.pyplot as plt
from matplotlib import dates as mdates

from feedback import charts
from feedback.selectors import dataset_metrics
from feedback.services.responses import response_submit
from tests.builders import add_records, comparison_dataset, full_answer


def test_charts_are_inline_svg_with_text_as_paths(people):
    dataset = comparison_dataset(people.workspace_a, min_submitted=2)
    first, second = add_records(dataset, 2)
    for record, quality in ((first, 4), (second, 2)):
        response_submit(record=record, user=people.labeler_a1, values=full_answer(quality={"value": quality}))
        response_submit(record=record, user=people.labeler_a2, values=full_answer(quality={"value": 5}))
    people.labeler_a2.username = "<script>alert(1)</script>"
    people.labeler_a2.save()

    rendered = charts.render_all(dataset_metrics(dataset))

    assert {"progress", "throughput", "agreement", "distribution:quality", "distribution:ranking"} <= set(rendered)
    assert "leaderboard" not in rendered  # the dataset names no models
    for svg in rendered.values():
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert "<script" not in svg and "<text" not in svg  # names are drawn as paths
    # The same payload draws the same file (stable ids: cacheable, comparable).
    assert charts.render_all(dataset_metrics(dataset))["distribution:quality"] == rendered["distribution:quality"]


def test_a_single_day_is_drawn_as_days_not_hours_or_years():
    """One day of work: the day axes span that day and one either side, ticked by day."""
    payload = {
        "progress": {"per_day": [{"day": "2026-03-04", "submitted": 2, "completed": 1}]},
        "annotators": [{"username": "ana", "submitted_per_day": [{"day": "2026-03-04", "count": 2}]}],
    }
    for draw in (charts.progress, charts.throughput):
        figure = draw(payload)
        axes = figure.axes[0]
        low, high = (mdates.num2date(value).date() for value in axes.get_xlim())
        assert (low, high) == (date(2026, 3, 3), date(2026, 3, 5)), draw.__name__
        ticks = {mdates.num2date(tick).date() for tick in axes.get_xticks()}
        assert ticks == {date(2026, 3, 3), date(2026, 3, 4), date(2026, 3, 5)}, draw.__name__
        plt.close(figure)


def test_count_axes_tick_whole_numbers_only():
    """Small counts (here at most 3) would be ticked 0, 0.5, 1, 1.5… by default."""
    payload = {
        "progress": {"per_day": [{"day": "2026-03-04", "submitted": 3, "completed": 1}]},
        "annotators": [{"username": "ana", "submitted_per_day": [{"day": "2026-03-04", "count": 3}]}],
    }
    question = {"name": "quality", "type": "rating", "distribution": {"1": 1, "2": 3}}
    for figure in (charts.progress(payload), charts.throughput(payload), charts.distribution(question)):
        ticks = figure.axes[0].get_yticks()
        assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks), ticks
        plt.close(figure)
