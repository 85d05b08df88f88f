"""Horizontal bar charts drawn on the server as SVG geometry, and the numbers they show.

The pages draw them with presentation attributes, never inline styles (the content
security policy forbids those), and put the same figures in a table beside each chart.
Two kinds: bars on a signed axis (match weights, for or against; a waterfall when each
bar starts where the last ended), and shares of a fixed 0–100% axis (match rates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

FOR_A_MATCH = "#1d70b8"  # GOV.UK blue: evidence for
AGAINST = "#d4351c"  # GOV.UK red: evidence against
NEUTRAL = "#505a5f"
TOTAL = "#106165"  # the brand colour


def signed(value: float, places: int = 2) -> str:
    """+6.40 or −4.10, with a real minus sign."""
    return f"{value:+.{places}f}".replace("-", "\u2212")


def show_probability(value: float | None) -> str:
    """Three decimals, or as many as it takes to tell it from 0 or 1."""
    if value is None:
        return "–"
    text = f"{value:.3f}"
    if text in ("1.000", "0.000") and value not in (0.0, 1.0):
        text = f"{value:.6f}"
    return text


@dataclass(frozen=True)
class Row:
    """One bar to draw, from ``start`` to ``end`` on the axis. ``kind`` is ``total`` for
    a bar that ends a waterfall (drawn from zero, in the brand colour)."""

    label: str
    start: float
    end: float
    kind: str = "step"


@dataclass(frozen=True)
class ChartBar:
    label: str
    value: str
    y: float
    x: float
    width: float
    text_y: float
    fill: str
    kind: str
    connector_x: float | None


@dataclass(frozen=True)
class SignedChart:
    """Bars on a signed axis around zero, with an optional dashed marker (a threshold)."""

    width: int
    height: int
    label_width: int
    plot_left: int
    plot_width: int
    value_x: int
    bar_height: int
    top: int
    axis_y: float
    zero_x: float
    bars: list[ChartBar]
    ticks: list[tuple[float, str]]
    marker_x: float | None = None
    marker_label: str = ""


def round_axis(low: float, high: float) -> tuple[float, float, float]:
    """A round axis around ``low`` to ``high``: at most about eight steps of 1, 2 or 5 × 10ⁿ."""
    span = max(high - low, 1.0)
    power = 10 ** math.floor(math.log10(span / 8))
    step = next(power * factor for factor in (1, 2, 5, 10) if span / (power * factor) <= 8)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def signed_chart(rows: list[Row], *, marker: tuple[float, str] | None = None, connect: bool = False) -> SignedChart:
    """Each row a bar from its start to its end on one axis. A waterfall (``connect``) joins
    each bar's end to the next bar's start."""
    label_width, plot_width, value_width, bar_height, gap, top = 250, 400, 80, 22, 8, 26
    values = [0.0] + [value for row in rows for value in (row.start, row.end)]
    if marker is not None:
        values.append(marker[0])
    low, high, step = round_axis(min(values), max(values))
    scale = plot_width / (high - low)

    def x_of(value: float) -> float:
        return round(label_width + (value - low) * scale, 1)

    bars = []
    for index, row in enumerate(rows):
        y = top + index * (bar_height + gap)
        weight = row.end - row.start
        left, right = sorted((x_of(row.start), x_of(row.end)))
        fill = (TOTAL if row.kind == "total" else FOR_A_MATCH if weight > 0.005
                else AGAINST if weight < -0.005 else NEUTRAL)
        last = index == len(rows) - 1
        bars.append(ChartBar(
            label=row.label.split(" (")[0], value=signed(row.end if row.kind == "total" else weight), y=y,
            x=left if right - left >= 2 else left - 1, width=max(round(right - left, 1), 2.0),
            text_y=y + bar_height / 2 + 5, fill=fill, kind=row.kind,
            connector_x=x_of(row.end) if connect and not last and rows[index + 1].kind != "total" else None,
        ))
    axis_y = top + len(rows) * (bar_height + gap)
    places = 0 if step >= 1 else 1
    marks = [round(low + i * step, 6) for i in range(round((high - low) / step) + 1)]
    ticks = [(x_of(value), signed(value, places) if value else "0") for value in marks]
    return SignedChart(
        width=label_width + plot_width + value_width, height=int(axis_y + 32), label_width=label_width,
        plot_left=label_width, plot_width=plot_width, value_x=label_width + plot_width + 10, bar_height=bar_height,
        top=top, axis_y=axis_y, zero_x=x_of(0.0), bars=bars, ticks=ticks,
        marker_x=x_of(marker[0]) if marker else None, marker_label=marker[1] if marker else "",
    )


@dataclass(frozen=True)
class ShareBar:
    label: str
    value: str
    y: float
    width: float
    text_y: float
    value_x: float
    value_anchor: str
    value_fill: str


@dataclass(frozen=True)
class ShareChart:
    """Bars on a fixed 0–100% axis, each with its percentage inside or beside it."""

    width: int
    height: int
    label_width: int
    plot_width: int
    bar_height: int
    bars: list[ShareBar]
    ticks: list[tuple[float, str]]
    axis_y: float


def share_chart(shares: list[tuple[str, float]]) -> ShareChart:
    """A bar per ``(label, percent)``, as long as its share of the axis."""
    label_width, plot_width, bar_height, gap, top = 220, 420, 28, 14, 8
    bars = []
    for index, (label, percent) in enumerate(shares):
        y = top + index * (bar_height + gap)
        width = round(plot_width * min(max(percent, 0.0), 100.0) / 100, 1)
        inside = width > 70
        bars.append(ShareBar(
            label=label, value=f"{percent:.1f}%", y=y, width=width, text_y=y + bar_height / 2 + 6,
            value_x=label_width + (width - 8 if inside else width + 8),
            value_anchor="end" if inside else "start", value_fill="#ffffff" if inside else "#0b0c0c",
        ))
    axis_y = top + len(shares) * (bar_height + gap)
    ticks = [(label_width + plot_width * share / 100, f"{share}%") for share in (0, 25, 50, 75, 100)]
    return ShareChart(width=label_width + plot_width + 30, height=int(axis_y + 30), label_width=label_width,
                      plot_width=plot_width, bar_height=bar_height, bars=bars, ticks=ticks, axis_y=axis_y)


@dataclass(frozen=True)
class StripMark:
    x: float
    y: float
    significant: bool
    label: str  # what the mark is, for its tooltip title


@dataclass(frozen=True)
class StripRow:
    label: str
    y: float
    text_y: float
    count: int


@dataclass(frozen=True)
class EventStrip:
    """One lane per agency across a time axis, a mark per event (significant ones larger,
    in red): where agencies' events cluster, and who saw what when."""

    width: int
    height: int
    label_width: int
    plot_width: int
    rows: list[StripRow]
    marks: list[StripMark]
    ticks: list[tuple[float, str]]
    axis_y: float


def event_strip(lanes: list[tuple[str, list[tuple[date, bool, str]]]]) -> EventStrip | None:
    """A lane per ``(label, [(date, significant, what)])``; None when there is nothing to draw."""
    days = [on for _label, events in lanes for on, _significant, _what in events]
    if not days:
        return None
    label_width, plot_width, lane, top = 220, 460, 30, 8
    first, last = min(days), max(days)
    span = max((last - first).days, 1)

    def x_of(on: date) -> float:
        return round(label_width + 10 + (plot_width - 20) * (on - first).days / span, 1)

    rows, marks = [], []
    for index, (label, events) in enumerate(lanes):
        y = top + index * lane + lane / 2
        rows.append(StripRow(label, y, y + 5, len(events)))
        marks += [StripMark(x_of(on), y, significant, what) for on, significant, what in events]
    axis_y = top + len(lanes) * lane + 4
    years = range(first.year + (first > date(first.year, 1, 1)), last.year + 1)
    ticks = [(x_of(date(year, 1, 1)), str(year)) for year in years]
    if not ticks:
        ticks = [(x_of(first), f"{first:%b %Y}")] + ([(x_of(last), f"{last:%b %Y}")] if last.month != first.month
                                                      or last.year != first.year else [])
    return EventStrip(label_width + plot_width + 20, int(axis_y + 30), label_width, plot_width, rows, marks, ticks,
                      axis_y)
