"""Run calls at once in threads, each on its own database connection, for the race tests.

The tests that use it are transactional: a thread sees only committed data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import psycopg
from django.db import connection

JOIN_TIMEOUT = 60


def run_at_once(*calls: Callable) -> list:
    """Run each call in its own thread, released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def worker(index: int, call: Callable) -> None:
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            results[index] = call()
        except BaseException as error:  # surfaced in the test thread below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=worker, args=(index, call)) for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, errors
    return results


def second_connection() -> psycopg.Connection:
    """A PostgreSQL session of its own beside the test's, e.g. to hold a lock."""
    params = connection.get_connection_params()
    for name in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(name, None)
    return psycopg.connect(**params)
