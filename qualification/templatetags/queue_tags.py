"""Template filters of the SAL queue."""

import datetime as dt
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from qualification.lifecycle.survivors import likely_survivors, survivor_groups
from qualification.models import Lead
from qualification.web.queue import services as queue

register = template.Library()


@register.filter
def expected_next_step(lead: Lead) -> str:
    return queue.expected_next_step(lead)


@register.filter
def sla_breached(lead: Lead, now: dt.datetime) -> bool:
    return lead.sla_due_at is not None and lead.sla_due_at <= now


def _memo(context, key, build) -> str:
    """Every row of a page offers the same options: build them once per request. (The request
    is the cache because partials render each row in a fresh render context.)"""
    request = context.get("request")
    if request is None:
        return build()
    memo = request.__dict__.setdefault("_queue_tags_memo", {})
    if key not in memo:
        memo[key] = build()
    return memo[key]


_SENTINEL_PK = 987654321


@lru_cache(maxsize=32)
def _url_pattern(name: str, script_prefix: str) -> tuple[str, str]:
    head, _, tail = reverse(name, args=[_SENTINEL_PK]).partition(str(_SENTINEL_PK))
    return head, tail


@register.filter
def lead_url(pk: int, name: str) -> str:
    """`{{ lead.pk|lead_url:"qualification:accept-lead" }}`: reverse() once per URL name, not
    once per row (fifty rows × five links add up)."""
    head, tail = _url_pattern(name, get_script_prefix())
    return f"{head}{int(pk)}{tail}"


@register.simple_tag(takes_context=True)
def owner_options(context, owners, chosen) -> str:
    """<option>s of the people an accepted lead may go to, grouped by role, `chosen` selected.
    When `chosen` is none of them (no one, or someone who may no longer own leads), a blank
    option comes first and selected: the browser would otherwise pick the first person."""
    chosen = str(chosen or "")

    def build() -> str:
        groups: dict[str, list] = {}
        if all(str(pk) != chosen for pk, _name, _role in owners):
            groups[""] = [mark_safe('<option value="" selected>Choose an owner…</option>')]
        for pk, name, role in owners:
            groups.setdefault(role, []).append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    pk,
                    mark_safe(" selected") if str(pk) == chosen else "",
                    name,
                )
            )
        return mark_safe(
            "".join(
                format_html('<optgroup label="{}s">{}</optgroup>', role, mark_safe("".join(items)))
                if role
                else "".join(items)
                for role, items in groups.items()
            )
        )

    return _memo(context, ("owners", id(owners), chosen), build)


@register.simple_tag(takes_context=True)
def reason_options(context, codes, chosen) -> str:
    """<option>s of the rejection reason codes; each says what else it needs (data-needs)."""
    chosen = str(chosen or "")

    def build() -> str:
        options = [mark_safe('<option value="">Choose a reason…</option>')]
        for code in codes:
            needs = (
                "recycle"
                if code.requires_recycle_date
                else "linked"
                if code.requires_linked_lead
                else ""
            )
            options.append(
                format_html(
                    '<option value="{}"{}{}>{}</option>',
                    code.code,
                    format_html(' data-needs="{}"', needs) if needs else "",
                    mark_safe(" selected") if code.code == chosen else "",
                    code.label,
                )
            )
        return mark_safe("".join(options))

    return _memo(context, ("reasons", id(codes), chosen), build)


@register.simple_tag
def choice_options(bound_field) -> str:
    """A choice field's <option>s, `selected` on its value: what {{ field }} renders, without
    a template per option (the queue's filters render on every page and every htmx swap)."""
    value = bound_field.value()
    chosen = "" if value is None else str(value)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (key, mark_safe(" selected") if str(key) == chosen else "", label)
            for key, label in bound_field.field.choices
        ),
    )


@register.simple_tag(name="survivor_groups")
def survivor_picker(lead: Lead) -> list[tuple[str, list[Lead]]]:
    """The leads `lead` may duplicate, grouped for the reject form's picker (one query, run only
    where the form is drawn)."""
    return survivor_groups(likely_survivors(lead))
