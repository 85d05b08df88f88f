"""What the monitoring pages and API share: the words for rules, outcomes and statuses,
and the summary page's chart of each organisation's tasks."""

from __future__ import annotations

import math
from dataclasses import dataclass

from joinedup.monitoring import OUTCOMES, RULES, OrganisationSummary
from joinedup.web.charts import round_axis

#: A page of tasks.
PAGE_SIZE = 25

#: Each part of a rule's bar, in order, with its colour (GOV.UK palette) and its words.
PARTS = (("open", "#f47738", "Open"), ("no_concern", "#00703c", OUTCOMES["no_concern"]),
         ("advice_given", "#1d70b8", OUTCOMES["advice_given"]), ("escalated", "#912b88", OUTCOMES["escalated"]),
         ("disciplinary_referral", "#d4351c", OUTCOMES["disciplinary_referral"]))


def labels() -> dict:
    return {"rules": RULES, "outcomes": OUTCOMES, "current": "monitoring"}


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    fill: str
    label: str
    count: int


@dataclass(frozen=True)
class StackedBar:
    label: str
    total: int
    y: float
    text_y: float
    value_x: float
    segments: list[Segment]
    words: str  # the bar in words, for the chart's description


@dataclass(frozen=True)
class TaskChart:
    """A bar per rule, as long as the tasks it raised, split into those open and those
    closed with each outcome; whole tasks on the axis."""

    width: int
    height: int
    label_width: int
    plot_width: int
    bar_height: int
    axis_y: float
    bars: list[StackedBar]
    ticks: list[tuple[float, str]]
    legend: tuple[tuple[str, str, str], ...] = PARTS


def task_chart(found: OrganisationSummary) -> TaskChart:
    """The summary page's chart of one organisation's tasks (its table gives the same counts)."""
    label_width, plot_width, value_width, bar_height, gap, top = 300, 360, 60, 22, 10, 8
    totals = {rule: sum(found.counts.get(rule, {}).values()) for rule in RULES}
    _low, high, step = round_axis(0, max(max(totals.values()), 1))
    step = max(int(step), 1)
    high = max(math.ceil(high / step) * step, step)
    scale = plot_width / high
    bars = []
    for index, (rule, name) in enumerate(RULES.items()):
        y, counts, left, segments = top + index * (bar_height + gap), found.counts.get(rule, {}), 0.0, []
        for key, fill, words in PARTS:
            if counts.get(key, 0):
                width = round(counts[key] * scale, 1)
                segments.append(Segment(round(label_width + left, 1), width, fill, words, counts[key]))
                left += width
        said = ", ".join(f"{segment.count:,} {segment.label.lower()}" for segment in segments)
        bars.append(StackedBar(name, totals[rule], y, y + bar_height / 2 + 5, label_width + left + 8, segments,
                               f"{name}: {totals[rule]:,} {'task' if totals[rule] == 1 else 'tasks'}"
                               + (f" ({said})" if said else "")))
    axis_y = top + len(RULES) * (bar_height + gap)
    ticks = [(round(label_width + value * scale, 1), f"{value:,}") for value in range(0, high + 1, step)]
    return TaskChart(label_width + plot_width + value_width, int(axis_y + 30), label_width, plot_width, bar_height,
                     axis_y, bars, ticks)
