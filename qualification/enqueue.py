"""Hand a task to the broker, and say so when the broker is not there.

`delay()` against an unreachable Redis raises kombu's OperationalError after its publish
retries. Raised from an on_commit callback, that is a 500 for a request whose data is already
committed. Callers use `enqueue` instead: it logs at ERROR and returns False, and the caller
records what did not happen where people will see it.
"""

from __future__ import annotations

import logging

from celery import Task
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args) -> bool:
    try:
        task.delay(*args)
    except (OperationalError, ConnectionError, OSError) as error:
        logger.error("Could not queue %s%r: the broker is unreachable (%s)", task.name, args, error)
        return False
    return True
