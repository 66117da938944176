"""Server-drawn SVG charts: valid XML with axes, gridlines, labels, a title per point and a data
table for screen readers, whatever the data (nothing, one day, many days)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest

from clipcart.web import charts

SVG = "{http://www.w3.org/2000/svg}"
START = date(2031, 3, 1)


def days(count: int) -> list[date]:
    return [START + timedelta(days=n) for n in range(count)]


def parse(html: str) -> tuple[ET.Element, ET.Element]:
    figure = ET.fromstring(html)
    svg = figure.find(f"{SVG}svg")
    assert svg is not None
    return figure, svg


def texts(svg: ET.Element, css: str) -> list[str]:
    return [el.text or "" for el in svg.iter(f"{SVG}text") if css in el.get("class", "")]


def titles(svg: ET.Element, tag: str) -> list[str]:
    return [el.findtext(f"{SVG}title") or "" for el in svg.iter(f"{SVG}{tag}")]


def table_rows(figure: ET.Element) -> list[list[str]]:
    hidden = figure.find("div")
    assert hidden is not None and hidden.get("class") == "visually-hidden"
    table = hidden.find("table")
    assert table is not None
    return [["".join(cell.itertext()) for cell in row] for row in table.iter("tr")]


def test_a_line_chart_has_axes_gridlines_labels_and_a_title_per_point():
    views = [0, 120, 340, 90, 410, 205, 60]
    html = charts.line_chart(
        chart_id="views",
        title="Views per day",
        days=days(7),
        series=[charts.Series("Views", views)],
    )

    figure, svg = parse(html)

    assert svg.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"
    assert len(list(svg.iter(f"{SVG}line"))) == 5  # the baseline, 3 gridlines and the y axis
    assert texts(svg, "chart-label")[:4] == ["0", "200", "400", "600"]
    assert texts(svg, "chart-label")[4:] == [f"Mar {n}" for n in range(1, 8)]
    assert titles(svg, "circle") == [
        f"{d:%a}, Mar {d.day} — Views: {v:,}" for d, v in zip(days(7), views, strict=True)
    ]
    assert len(list(svg.iter(f"{SVG}polyline"))) == 1
    assert len(list(svg.iter(f"{SVG}polygon"))) == 1  # the area under it
    assert texts(svg, "chart-empty") == []
    assert figure.findtext("figcaption") == "Views per day"


def test_the_points_are_placed_on_the_scale_of_the_gridlines():
    html = charts.line_chart(
        chart_id="v", title="t", days=days(3), series=[charts.Series("Views", [0, 200, 400])]
    )
    _, svg = parse(html)
    ys = [float(c.get("cy", "")) for c in svg.iter(f"{SVG}circle")]
    bottom, top = charts.TOP + charts.PLOT_H, charts.TOP
    assert ys == [bottom, (bottom + top) / 2, top]


def test_a_chart_of_nothing_still_draws_its_axis_and_says_so():
    html = charts.line_chart(
        chart_id="empty",
        title="Views per day",
        days=days(30),
        series=[charts.Series("Views", [0] * 30)],
        empty_text="No views yet in this period",
    )

    figure, svg = parse(html)

    assert texts(svg, "chart-empty") == ["No views yet in this period"]
    assert texts(svg, "chart-label")[0] == "0"
    assert len(titles(svg, "circle")) == 30
    assert all(row[1] == "0" for row in table_rows(figure)[1:])


def test_a_single_day_is_a_point_in_the_middle_not_a_line():
    html = charts.line_chart(
        chart_id="one", title="t", days=days(1), series=[charts.Series("Views", [42])]
    )

    _, svg = parse(html)

    (dot,) = list(svg.iter(f"{SVG}circle"))
    assert float(dot.get("cx", "")) == charts.LEFT + charts.PLOT_W / 2
    assert list(svg.iter(f"{SVG}polyline")) == []
    assert titles(svg, "circle") == ["Sat, Mar 1 — Views: 42"]


def test_a_money_bar_chart_labels_amounts_in_its_currency():
    amounts = [Decimal("12.50"), Decimal("0.00"), Decimal("1234.56")]
    html = charts.bar_chart(
        chart_id="gmv",
        title="GMV per day",
        days=days(3),
        series=charts.Series("GMV", amounts),
        currency="USD",
    )

    figure, svg = parse(html)

    bars = [r for r in svg.iter(f"{SVG}rect") if "chart-bar" in r.get("class", "")]
    assert [r.findtext(f"{SVG}title") for r in bars] == [
        "Sat, Mar 1 — GMV: $12.50",
        "Sun, Mar 2 — GMV: $0.00",
        "Mon, Mar 3 — GMV: $1,234.56",
    ]
    assert [float(r.get("height", "")) for r in bars][1] == 0
    assert texts(svg, "chart-label")[:4] == ["$0", "$500", "$1K", "$1.5K"]
    assert table_rows(figure) == [
        ["Day", "GMV"],
        ["Sat, Mar 1", "$12.50"],
        ["Sun, Mar 2", "$0.00"],
        ["Mon, Mar 3", "$1,234.56"],
    ]


def test_two_series_share_one_axis_with_a_legend_and_both_in_the_table():
    html = charts.line_chart(
        chart_id="money",
        title="GMV and commission",
        days=days(2),
        series=[
            charts.Series("GMV", [Decimal("40.00"), Decimal("20.00")]),
            charts.Series("Commission", [Decimal("4.00"), Decimal("2.00")], tone="c"),
        ],
        currency="EUR",
    )

    figure, svg = parse(html)

    legend = figure.find("ul")
    assert legend is not None
    assert ["".join(li.itertext()) for li in legend] == ["GMV", "Commission"]
    assert len(list(svg.iter(f"{SVG}polyline"))) == 2
    assert len(list(svg.iter(f"{SVG}polygon"))) == 1  # only the first series is filled
    hover = [r for r in svg.iter(f"{SVG}rect") if "chart-hit" in r.get("class", "")]
    assert hover[0].findtext(f"{SVG}title") == "Sat, Mar 1 — GMV: €40.00 · Commission: €4.00"
    assert table_rows(figure)[1] == ["Sat, Mar 1", "€40.00", "€4.00"]


def test_long_periods_label_at_most_seven_days_ending_today():
    html = charts.bar_chart(
        chart_id="clicks", title="t", days=days(90), series=charts.Series("Clicks", [1] * 90)
    )
    _, svg = parse(html)
    day_labels = [t for t in texts(svg, "chart-label") if t.startswith(("Mar", "Apr", "May"))]
    assert len(day_labels) <= 7
    assert day_labels[-1] == f"{days(90)[-1]:%b} {days(90)[-1].day}"


def test_text_is_escaped():
    html = charts.line_chart(
        chart_id="x",
        title='Views <script>alert("x")</script> & more',
        days=days(2),
        series=[charts.Series("A & <B>", [1, 2])],
    )
    figure, svg = parse(html)
    assert figure.findtext("figcaption") == 'Views <script>alert("x")</script> & more'
    assert titles(svg, "circle")[0] == "Sat, Mar 1 — A & <B>: 1"


def test_a_series_must_have_a_value_for_each_day():
    with pytest.raises(ValueError):
        charts.line_chart(chart_id="x", title="t", days=days(3), series=[charts.Series("A", [1])])


@pytest.mark.parametrize(
    ("largest", "whole", "step"),
    [
        (0, True, 1),
        (3, True, 1),
        (410, True, 200),
        (9, True, 5),
        (1234.56, False, 500),
        (0.3, False, 0.1),
    ],
)
def test_gridlines_fall_on_nice_numbers(largest, whole, step):
    assert charts.nice_step(largest, whole=whole) == Decimal(str(step))
