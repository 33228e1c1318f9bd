"""The queue's people: the core segment and its two SDRs."""

import pytest

from accounts import roles
from qualification.models import Segment
from tests.factories import SegmentFactory, UserFactory


@pytest.fixture
def core(db) -> Segment:
    # LeadFactory's segment: get_or_create by this slug.
    return SegmentFactory(slug="core", name="Core")


@pytest.fixture
def sdr(core):
    user = UserFactory(username="sdr", role=roles.SDR, first_name="Priya", last_name="Shah")
    core.sdrs.add(user)
    return user


@pytest.fixture
def other_sdr(core):
    user = UserFactory(username="tom", role=roles.SDR, first_name="Tom", last_name="Becker")
    core.sdrs.add(user)
    return user
