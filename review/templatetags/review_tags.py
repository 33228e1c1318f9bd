"""Review board and metrics presentation: percentages, durations and server-side SVG charts."""

import datetime as dt

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from qualification.models import Stage
from review.models import RuleChangeProposal, Stratum
from review.selectors import sessions_with_progress
from review.services import field_label

register = template.Library()

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 20, 6, 240, 300, 60
LABEL_CHARS = 36


@register.filter
def stage_label(stage: str) -> str:
    return Stage(stage).label if stage in Stage.values else stage


@register.filter
def stratum_label(stratum: str) -> str:
    return Stratum(stratum).label if stratum in Stratum.values else stratum


@register.filter
def late_decision(entry: dict) -> str:
    """A proposal RevOps decided after its session closed, from the summary's `after_close`."""
    try:
        change = f"{field_label(entry['kind'], entry['field'])} → {entry['to']}"
    except (KeyError, FieldDoesNotExist):
        change = f"proposal #{entry.get('id', '?')}"
    status = entry.get("status", "")
    verb = RuleChangeProposal.Status(status).label.lower() if status else "decided"
    when = ""
    if entry.get("at"):
        when = " on " + date_format(
            timezone.localtime(dt.datetime.fromisoformat(entry["at"])), "j M Y"
        )
    return f"“{change}” {verb} by {entry.get('by', 'RevOps')}{when}"


@register.simple_tag
def autofocus_widget(field) -> str:
    """The field's widget with focus on it: the first field of a refused form."""
    return field.as_widget(attrs={"autofocus": True})


@register.filter
def pct(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@register.filter
def hours(value: dt.timedelta | None) -> str:
    """A duration as people read it: minutes, hours or days."""
    if value is None:
        return "—"
    total = value.total_seconds() / 3600
    if total < 1:
        return f"{round(total * 60)} min"
    if total < 48:
        return f"{total:.1f} h".replace(".0 h", " h")
    return f"{total / 24:.1f} d".replace(".0 d", " d")


@register.simple_tag
def bar_chart(rows, title: str, css: str = "", scale: str = "count") -> str:
    """A horizontal bar chart as inline SVG: `rows` are (label, value 0–1 or count, text).

    Rates (`scale="rate"`) are drawn on 0–100 %, so a full bar is every lead and two charts
    compare; counts are scaled to the largest. The text beside each bar carries the number, so
    the chart never relies on colour or length alone. The CSP allows SVG markup (no script, no
    style attribute): colours come from classes in app.css.
    """
    rows = [(label, value or 0, text) for label, value, text in rows]
    if not rows:
        return ""
    top = 1 if scale == "rate" else max(value for _, value, _ in rows) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    bars = format_html_join(
        "",
        '<g><text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="chart-track" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
        '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" rx="2"></rect>'
        '<text class="chart-value" x="{}" y="{}">{}</text></g>',
        (
            (
                LABEL_WIDTH - 8,
                GAP + i * (BAR_HEIGHT + GAP) + BAR_HEIGHT * 0.72,
                label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…",
                LABEL_WIDTH,
                GAP + i * (BAR_HEIGHT + GAP),
                BAR_WIDTH,
                BAR_HEIGHT,
                LABEL_WIDTH,
                GAP + i * (BAR_HEIGHT + GAP),
                round(BAR_WIDTH * value / top, 1),
                BAR_HEIGHT,
                LABEL_WIDTH + BAR_WIDTH + 8,
                GAP + i * (BAR_HEIGHT + GAP) + BAR_HEIGHT * 0.72,
                text,
            )
            for i, (label, value, text) in enumerate(rows)
        ),
    )
    return format_html(
        '<figure class="chart {}"><figcaption>{}</figcaption>'
        '<svg viewBox="0 0 {} {}" role="img" aria-label="{}" preserveAspectRatio="xMinYMin meet">'
        "{}</svg></figure>",
        css,
        title,
        width,
        height,
        title,
        bars,
    )


@register.simple_tag
def conversion_rows(report, attribute: str) -> list:
    return [
        (row.label, getattr(row, attribute), pct(getattr(row, attribute))) for row in report.rows
    ]


@register.simple_tag
def reason_rows(report) -> list:
    return [
        (f"{reason} ({'SDR' if kind == 'SDR rejection' else 'DQ'})", count, str(count))
        for kind, reason, count in report.reason_totals[:12]
    ]


@register.inclusion_tag("review/includes/sessions_panel.html", takes_context=True)
def review_sessions_panel(context, limit: int = 6) -> dict:
    """The latest review sessions, for the board page that lists borderline leads."""
    user = context.get("user")
    return {
        "sessions": list(sessions_with_progress()[:limit]),
        "can_open": bool(user and user.has_perm("review.run_review")),
    }
