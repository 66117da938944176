"""Charts drawn on the server as inline SVG: no chart library, no JavaScript, nothing to load.

A chart is a daily series (or two sharing one axis) drawn as an area/line chart or as bars,
with gridlines at "nice" values, labelled axes, a `<title>` on every point (the browser shows
it on hover), and the same numbers in a visually hidden table for screen readers. The output
is well-formed XML, so tests can parse it.

A series of zeros still gets its axis and a note saying there is nothing yet; a single day is
drawn as a point (or one bar) in the middle instead of a line of no length.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from clipcart.web.templatetags.shop import currency_symbol

Number = int | float | Decimal
Format = Callable[[Number], str]

WIDTH, HEIGHT = 800, 220
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 34
MAX_BAR_WIDTH = 48
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
GRID_STEPS = 4
MAX_X_LABELS = 7


@dataclass(frozen=True)
class Series:
    label: str  # "Views"
    values: Sequence[Number]
    tone: str = "a"  # the CSS class chart-tone-<tone> colours it


# --- Number formats -----------------------------------------------------------------------------


def count_format(value: Number) -> str:
    return f"{int(value):,}"


def money_format(currency: str) -> Format:
    symbol = currency_symbol(currency)
    return lambda value: f"{symbol}{Decimal(value):,.2f}"


def _compact(value: Number) -> str:
    """Axis labels stay short: 12,000 → "12K", 2,500,000 → "2.5M"."""
    number = float(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(number) >= size:
            return f"{number / size:.1f}".removesuffix(".0") + suffix
    return f"{number:.2f}".rstrip("0").rstrip(".") if number % 1 else f"{int(number)}"


def nice_step(largest: Number, *, whole: bool) -> Decimal:
    """The gridline spacing: 1, 2, 2.5 or 5 × a power of ten, so that at most GRID_STEPS steps
    reach `largest`. Whole-number series (counts) get whole steps, at least 1."""
    rough = Decimal(str(largest)) / GRID_STEPS
    if rough <= 0:
        return Decimal(1)
    power = Decimal(10) ** math.floor(math.log10(rough))
    multiples = (1, 2, 5, 10) if whole else (1, 2, Decimal("2.5"), 5, 10)
    step = next(power * m for m in multiples if power * m >= rough)
    return max(step, Decimal(1)) if whole else step


def _day_label(day: date, *, weekday: bool = False) -> str:
    text = f"{day:%b} {day.day}"
    return f"{day:%a}, {text}" if weekday else text


# --- Geometry -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Frame:
    """Where a chart's days and values land in the picture."""

    days: Sequence[date]
    step: Decimal  # between gridlines
    steps: int  # gridlines above the baseline

    @property
    def top(self) -> Decimal:
        return self.step * self.steps

    bars: bool

    @property
    def slot(self) -> float:
        return PLOT_W / max(len(self.days), 1)

    def x(self, index: int) -> float:
        if self.bars:
            return LEFT + self.slot * (index + 0.5)
        if len(self.days) == 1:
            return LEFT + PLOT_W / 2
        return LEFT + PLOT_W * index / (len(self.days) - 1)

    def y(self, value: Number) -> float:
        share = float(Decimal(str(value)) / self.top) if self.top else 0.0
        return TOP + PLOT_H * (1 - min(max(share, 0.0), 1.0))


def _f(number: float) -> str:
    return f"{number:.1f}".removesuffix(".0")


def _gridlines(frame: _Frame, fmt_axis: Format, *, empty: bool) -> list[str]:
    parts = []
    for n in range(frame.steps + 1):
        value = frame.step * n
        y = _f(frame.y(value))
        css = "chart-axis" if n == 0 else "chart-grid"
        parts.append(f'<line class="{css}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}"/>')
        if n == 0 or not empty:
            label = escape(fmt_axis(value))
            parts.append(
                f'<text class="chart-label" x="{LEFT - 8}" y="{y}" text-anchor="end" '
                f'dominant-baseline="middle">{label}</text>'
            )
    return parts


def _x_labels(frame: _Frame) -> list[str]:
    """A label every few days, always including the last (today), at most MAX_X_LABELS."""
    count = len(frame.days)
    every = max(1, math.ceil(count / MAX_X_LABELS))
    y = HEIGHT - BOTTOM + 22
    parts = [f'<line class="chart-axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + PLOT_H}"/>']
    for index, day in enumerate(frame.days):
        if (count - 1 - index) % every:
            continue
        parts.append(
            f'<text class="chart-label" x="{_f(frame.x(index))}" y="{y}" '
            f'text-anchor="middle">{escape(_day_label(day))}</text>'
        )
    return parts


def _point_title(day: date, series: Series, value: Number, fmt: Format) -> str:
    return escape(f"{_day_label(day, weekday=True)} — {series.label}: {fmt(value)}")


def _line(frame: _Frame, series: Series, fmt: Format, *, area: bool) -> list[str]:
    points = [(frame.x(i), frame.y(v)) for i, v in enumerate(series.values)]
    tone = f"chart-tone-{escape(series.tone)}"
    parts = []
    if len(points) > 1:
        path = " ".join(f"{_f(x)},{_f(y)}" for x, y in points)
        if area:
            base = _f(frame.y(0))
            outline = f"{_f(points[0][0])},{base} {path} {_f(points[-1][0])},{base}"
            parts.append(f'<polygon class="chart-area {tone}" points="{outline}"/>')
        parts.append(f'<polyline class="chart-line {tone}" points="{path}"/>')
    radius = 4 if len(points) <= 31 else 2.5
    for (x, y), day, value in zip(points, frame.days, series.values, strict=True):
        parts.append(
            f'<circle class="chart-dot {tone}" cx="{_f(x)}" cy="{_f(y)}" r="{radius}">'
            f"<title>{_point_title(day, series, value, fmt)}</title></circle>"
        )
    return parts


def _bars(frame: _Frame, series: Series, fmt: Format) -> list[str]:
    width = min(max(frame.slot * 0.7, 1.0), MAX_BAR_WIDTH)
    base = frame.y(0)
    tone = f"chart-tone-{escape(series.tone)}"
    parts = []
    for index, (day, value) in enumerate(zip(frame.days, series.values, strict=True)):
        y = frame.y(value)
        height = max(base - y, 0.0)
        if value and height < 1:
            y, height = base - 1, 1.0  # a small day stays visible next to a big one
        parts.append(
            f'<rect class="chart-bar {tone}" x="{_f(frame.x(index) - width / 2)}" y="{_f(y)}" '
            f'width="{_f(width)}" height="{_f(height)}">'
            f"<title>{_point_title(day, series, value, fmt)}</title></rect>"
        )
    return parts


def _column(frame: _Frame, index: int) -> tuple[float, float]:
    """The left edge and width of the strip of the plot nearest to day `index`."""
    count = len(frame.days)
    if not frame.bars and count == 1:
        return LEFT, PLOT_W
    step = frame.slot if frame.bars else PLOT_W / (count - 1)
    left = max(frame.x(index) - step / 2, LEFT)
    right = min(frame.x(index) + step / 2, LEFT + PLOT_W)
    return left, right - left


def _hover_columns(frame: _Frame, series: Sequence[Series], fmt: Format) -> list[str]:
    """An invisible column per day over the whole height, so pointing anywhere near a day shows
    every series' value for it, not only when the pointer hits a 4-pixel dot."""
    parts = []
    for index, day in enumerate(frame.days):
        values = " · ".join(f"{s.label}: {fmt(s.values[index])}" for s in series)
        left, width = _column(frame, index)
        parts.append(
            f'<rect class="chart-hit" x="{_f(left)}" y="{TOP}" width="{_f(width)}" '
            f'height="{PLOT_H}"><title>{escape(_day_label(day, weekday=True))} — '
            f"{escape(values)}</title></rect>"
        )
    return parts


# --- The figure ---------------------------------------------------------------------------------


def _table(title: str, days: Sequence[date], series: Sequence[Series], fmt: Format) -> str:
    head = "".join(f'<th scope="col">{escape(s.label)}</th>' for s in series)
    rows = "".join(
        f'<tr><th scope="row">{escape(_day_label(day, weekday=True))}</th>'
        + "".join(f"<td>{escape(fmt(s.values[i]))}</td>" for s in series)
        + "</tr>"
        for i, day in enumerate(days)
    )
    # The wrapper hides it: a table ignores the 1px width of .visually-hidden and would widen
    # the page on a phone.
    return (
        f'<div class="visually-hidden"><table><caption>{escape(title)}</caption>'
        f'<thead><tr><th scope="col">Day</th>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
    )


def _legend(series: Sequence[Series]) -> str:
    if len(series) < 2:
        return ""
    keys = "".join(
        f'<li><span class="chart-key chart-tone-{escape(s.tone)}"></span>{escape(s.label)}</li>'
        for s in series
    )
    return f'<ul class="chart-legend" aria-hidden="true">{keys}</ul>'


def _figure(
    *,
    chart_id: str,
    title: str,
    days: Sequence[date],
    series: Sequence[Series],
    currency: str | None,
    bars: bool,
    area: bool = True,
    empty_text: str = "Nothing in this period yet",
) -> SafeString:
    for s in series:
        if len(s.values) != len(days):
            raise ValueError(f"{s.label} has {len(s.values)} values for {len(days)} days.")
    largest = max((v for s in series for v in s.values), default=0)
    whole = all(isinstance(v, int) for s in series for v in s.values)
    step = nice_step(largest, whole=whole)
    # As many steps as the data needs (a top of 600, not 800, for 410 views); an empty chart
    # still gets a full set of gridlines.
    steps = math.ceil(Decimal(str(largest)) / step) if largest > 0 else GRID_STEPS
    frame = _Frame(days=days, step=step, steps=max(steps, 1), bars=bars)
    empty = largest <= 0
    fmt = money_format(currency) if currency else count_format
    body = [*_gridlines(frame, _axis_format(currency), empty=empty), *_x_labels(frame)]
    # Under the marks: pointing at a dot or bar shows its own title, anywhere else the day's.
    body += _hover_columns(frame, series, fmt)
    for index, s in enumerate(series):
        body += _bars(frame, s, fmt) if bars else _line(frame, s, fmt, area=area and index == 0)
    if empty:
        body.append(
            f'<text class="chart-empty" x="{_f(LEFT + PLOT_W / 2)}" y="{_f(TOP + PLOT_H / 2)}" '
            f'text-anchor="middle">{escape(empty_text)}</text>'
        )
    safe_id = escape(chart_id)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'preserveAspectRatio="xMidYMid meet" aria-hidden="true" focusable="false">'
        f"{''.join(body)}</svg>"
    )
    # Safe: every text that goes into it (titles, labels, values) went through escape().
    return mark_safe(
        f'<figure class="chart" id="{safe_id}" aria-labelledby="{safe_id}-title">'
        f'<figcaption class="chart-title" id="{safe_id}-title">{escape(title)}</figcaption>'
        f"{_legend(series)}{svg}{_table(title, days, series, fmt)}</figure>"
    )


def _axis_format(currency: str | None) -> Format:
    """Axis labels are short: "12K" views, "$1.2K" or "$7.5" of money."""
    if not currency:
        return _compact
    symbol = currency_symbol(currency)
    return lambda value: f"{symbol}{_compact(value)}"


def line_chart(
    *,
    chart_id: str,
    title: str,
    days: Sequence[date],
    series: Sequence[Series],
    currency: str | None = None,
    area: bool = True,
    empty_text: str = "Nothing in this period yet",
) -> SafeString:
    """One or more daily series on one axis (counts, or money in `currency`); the first is
    filled below its line when `area`."""
    return _figure(
        chart_id=chart_id,
        title=title,
        days=days,
        series=series,
        currency=currency,
        bars=False,
        area=area,
        empty_text=empty_text,
    )


def bar_chart(
    *,
    chart_id: str,
    title: str,
    days: Sequence[date],
    series: Series,
    currency: str | None = None,
    empty_text: str = "Nothing in this period yet",
) -> SafeString:
    """One daily series (counts, or money in `currency`) as a bar per day."""
    return _figure(
        chart_id=chart_id,
        title=title,
        days=days,
        series=[series],
        currency=currency,
        bars=True,
        empty_text=empty_text,
    )
