"""Calls into the engine, the stage rules and routing, at the story's moment."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import CommandError

from demo.state import Demo, Story
from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import Evidence, TransitionRefused
from qualification.routing.decisions import route_lead
from qualification.scoring import stage_rules


def move(demo: Demo, story: Story, to: str, actor, evidence: Evidence, at: dt.datetime):
    """Apply one transition through the engine as of `at`, the moment of the story's step."""
    try:
        transition_lead(lead=story.lead, to=to, actor=actor, evidence=evidence, now=at)
    except TransitionRefused as refused:
        raise CommandError(
            f"The engine refused demo lead {story.contact.email} → {to}: {refused}"
        ) from refused


def route(demo: Demo, story: Story, at: dt.datetime) -> None:
    route_lead(lead=story.lead, now=at)
    adopt_router_choice(demo, story)


def apply_rules(demo: Demo, story: Story, *, expected: str, at: dt.datetime) -> None:
    """Let the segment's stage rules act on the score (and route an MQL), as intake does."""
    outcome = stage_rules.apply_stage_rule(lead=story.lead, now=at)
    if outcome != expected:
        raise CommandError(
            f"The stage rules did “{outcome}” with demo lead {story.contact.email}; its story "
            f"expected “{expected}”."
        )
    adopt_router_choice(demo, story)


def adopt_router_choice(demo: Demo, story: Story) -> None:
    """When routing gave the MQL to an SDR, that SDR is the one who works it."""
    sdrs = {demo.users[name].pk: demo.users[name] for name in ("sdr", "sdr2")}
    story.sdr = sdrs.get(story.lead.owner_id, story.sdr)
