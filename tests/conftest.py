import pytest

from accounts import roles
from tests.factories import SegmentFactory, UserFactory


@pytest.fixture
def sdr(db):
    """An SDR of the segment the factories' leads are in: the MQLs they make are theirs to work."""
    user = UserFactory(username="sdr", role=roles.SDR)
    SegmentFactory(slug="core", name="Core").sdrs.add(user)
    return user


@pytest.fixture
def segment(sdr):
    """The core segment the factories' leads are in, with `sdr` working it."""
    return SegmentFactory(slug="core", name="Core")


@pytest.fixture
def ae(db):
    return UserFactory(username="ae", role=roles.AE)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=roles.MANAGER)


@pytest.fixture
def revops(db):
    return UserFactory(username="revops", role=roles.REVOPS, is_staff=True)


@pytest.fixture
def marketing(db):
    return UserFactory(username="marketing", role=roles.MARKETING)


@pytest.fixture(autouse=True)
def _plain_http(settings):
    # Tests run with DEBUG off, which turns on production's HTTPS redirect; the client speaks HTTP.
    settings.SECURE_SSL_REDIRECT = False
