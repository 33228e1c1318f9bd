"""Assertions shared by test modules: a lifecycle refusal must change nothing and say why."""

import pytest
from django.forms.models import model_to_dict

from qualification.lifecycle.engine import transition_lead
from qualification.lifecycle.evidence import TransitionRefused


def state(lead):
    """Everything a refused transition must leave as it was."""
    fresh = type(lead).objects.get(pk=lead.pk)
    return (
        model_to_dict(fresh),
        fresh.transitions.count(),
        fresh.history.count(),
        fresh.account.history.count() if fresh.account_id else 0,
    )


def refuse(lead, to, actor, evidence=None):
    before = state(lead)
    with pytest.raises(TransitionRefused) as refused:
        transition_lead(lead=lead, to=to, actor=actor, evidence=evidence)
    assert state(lead) == before
    return refused.value


def assert_refused_with(lead, to, actor, evidence, field, message):
    refused = refuse(lead, to, actor, evidence)
    assert message in refused.errors.get(field, []), refused.errors
