"""Hand a task to the broker, and say so when the broker is not there.

`delay()` against an unreachable Redis raises kombu's OperationalError after its publish
retries. Raised from an on_commit callback, that is a 500 for a request whose data is already
committed. Callers use `enqueue` instead: it logs at ERROR and returns False, and the caller
records what did not happen where people will see it.

With no broker, tasks run inline (eager), inside the request. `start_off_request` is for a
task a page starts and then watches, an import: with no broker it runs in a thread of this
process instead, so the request answers at once.
"""

from __future__ import annotations

import logging
import threading

from celery import Task
from django.conf import settings
from django.db import connections, transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)


def enqueue(task: Task, *args) -> bool:
    try:
        task.delay(*args)
    except (OperationalError, ConnectionError, OSError) as error:
        logger.error("Could not queue %s%r: the broker is unreachable (%s)", task.name, args, error)
        return False
    return True


def start_off_request(task: Task, *args) -> bool:
    """`enqueue`, or with TASKS_IN_THREADS (no broker: the demo) a thread started once the
    request's data is committed. The thread dies with the process, so the task must be one
    that can be resumed (an import is: its page offers Resume once it shows no progress)."""
    if not settings.TASKS_IN_THREADS:
        return enqueue(task, *args)
    name = f"{task.name}:{','.join(map(str, args))}"
    thread = threading.Thread(target=_run_in_thread, args=(task, args), name=name, daemon=True)
    transaction.on_commit(thread.start)
    return True


def _run_in_thread(task: Task, args: tuple) -> None:
    try:
        task(*args)
    except Exception:
        logger.exception("%s%r failed in its thread", task.name, args)
    finally:
        connections.close_all()  # this thread's own connections; nothing else closes them
