"""One task through a real Celery worker and the local Redis: serialisation, broker and
worker included, which eager mode skips."""

import os

import pytest
from celery.contrib.testing.worker import start_worker

from accounts.models import IcpTier
from leadreview.celery import app
from qualification.jobs.tasks import score_and_route
from qualification.models import Lead, Stage
from tests.factories import ActivityFactory, LeadFactory, SegmentFactory, UserFactory

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _forget_backend():
    """Celery caches its result backend (per thread) and broker pools from the first use; the
    eager runs before this test built them for no broker. Drop them so the conf applies."""
    app._local.__dict__.pop("backend", None)
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_celery():
    previous = {k: app.conf[k] for k in ("broker_url", "result_backend", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    _forget_backend()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(previous)
        _forget_backend()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_scores_and_routes_a_lead(redis_celery):
    sdr = UserFactory(username="worker-sdr", role="SDR")
    segment = SegmentFactory(slug="core")
    segment.sdrs.add(sdr)
    lead = LeadFactory(segment=segment, intent_score=0, account__icp_tier=IcpTier.A)
    for kind in ("pricing_page", "demo_request", "security_page"):
        ActivityFactory(lead=lead, kind=kind)

    result = score_and_route.delay([lead.pk])

    assert result.get(timeout=30) == {"mql": 1}
    lead = Lead.objects.get(pk=lead.pk)
    assert lead.stage == Stage.MQL and lead.owner == sdr
