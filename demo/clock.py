"""Moving what the app stamped with the real clock back to the story's moment."""

from __future__ import annotations

import datetime as dt
import functools

from demo.state import Demo, Story
from qualification.lifecycle.business_hours import segment_sla_due
from qualification.models import (
    Lead,
    Stage,
    StageTransition,
)


def backdate(demo: Demo, story: Story, at: dt.datetime) -> None:
    """Move what the engine, the rules and routing just wrote back to `at`, the moment of the
    story's step. They stamp the real clock, so their rows are the ones at or after `demo.now`."""
    lead, fresh = story.lead, demo.now
    lead.refresh_from_db()
    moved = StageTransition.objects.filter(lead=lead, occurred_at__gte=fresh)
    moved.filter(from_stage_entered_at__gte=fresh).update(from_stage_entered_at=at)
    moved.update(occurred_at=at)
    history_rows(lead).filter(history_date__gte=fresh).update(history_date=at)
    timers = {}
    if lead.stage_entered_at and lead.stage_entered_at >= fresh:
        timers["stage_entered_at"] = at
        timers["sla_due_at"] = None
        if lead.stage == Stage.MQL:
            timers["sla_due_at"] = segment_sla_due(story.segment, at)
        elif lead.stage == Stage.SQL:
            timers["sla_due_at"] = at + dt.timedelta(hours=story.segment.sla_first_meeting_hours)
    if lead.first_touch_at and lead.first_touch_at >= fresh:
        story.first_touch = min(at, story.first_touch or at)
        timers["first_touch_at"] = story.first_touch
    if timers:
        Lead.objects.filter(pk=lead.pk).update(**timers)
        for name, value in timers.items():
            setattr(lead, name, value)


def save_as_of(obj, at: dt.datetime, *fields: str) -> None:
    """Save a new object as if written at `at`: its history row and its own timestamps."""
    obj._history_date = at  # simple-history dates the history row with it
    obj.save()
    stamp(obj, at, *fields)


def stamp(obj, at: dt.datetime, *fields: str) -> None:
    """Move an object's auto-set timestamps back to `at`."""
    type(obj).objects.filter(pk=obj.pk).update(**{name: at for name in fields})
    for name in fields:
        setattr(obj, name, at)


def history_rows(obj):
    # Not `obj.history`: simple-history builds a new manager class on every access.
    return historical_model(type(obj)).objects.filter(id=obj.pk)


@functools.cache
def historical_model(model):
    return model.history.model
