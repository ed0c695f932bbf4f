"""Running a transaction again when the database aborted it because of another one.

PostgreSQL ends one of two transactions that wait on each other (a deadlock) and, under
SERIALIZABLE or REPEATABLE READ, one that read what another changed (a serialization
failure). Both are safe to run again from the start: nothing of the aborted attempt was kept.
Locking in one fixed order (people.services.members_lock) keeps these rare; where a conflict
can still happen, `retry_on_conflict` runs the whole transaction again a few times, and if it
keeps losing, the caller gets `ConflictError`, a refusal in a sentence, instead of a 500.
"""

import logging
import random
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

log = logging.getLogger(__name__)

# SQLSTATE codes PostgreSQL gives an aborted transaction that may simply be run again.
SERIALIZATION_FAILURE = "40001"
DEADLOCK_DETECTED = "40P01"
RETRYABLE_STATES = frozenset({SERIALIZATION_FAILURE, DEADLOCK_DETECTED})

P = ParamSpec("P")
R = TypeVar("R")


class ConflictError(ValidationError):
    """The change kept colliding with others made at the same moment; nothing was saved.
    A ValidationError, so every door (form, API, admin) already shows it as a refusal."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else changed the same time at this very moment, so nothing was saved. "
            "Please try again."
        )


def is_retryable(error: BaseException) -> bool:
    """Whether the database aborted the transaction only because of another one."""
    if not isinstance(error, OperationalError):
        return False
    # Django keeps the driver's error (psycopg's, with its SQLSTATE) as the cause.
    return getattr(error.__cause__, "sqlstate", None) in RETRYABLE_STATES


def retry_on_conflict(
    attempts: int = 3, *, pause: float = 0.05, using: str = DEFAULT_DB_ALIAS
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run the decorated function (a service that opens its own transaction, so put this
    above @transaction.atomic) up to `attempts` times while the database aborts it for a
    deadlock or serialization failure, waiting a short, random moment between tries.

    Called inside a transaction someone else opened, it runs once: the abort spoils that
    outer transaction too, so only whoever opened it can start it over.
    """
    if attempts < 1:
        raise ValueError("attempts must be 1 or more")

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            if connections[using].in_atomic_block:
                return func(*args, **kwargs)
            for attempt in range(1, attempts + 1):
                try:
                    return func(*args, **kwargs)
                except OperationalError as error:
                    if not is_retryable(error):
                        raise
                    log.info(
                        "%s lost to a concurrent transaction (attempt %d of %d): %s",
                        func.__qualname__,
                        attempt,
                        attempts,
                        error.__cause__.sqlstate,
                    )
                    if attempt == attempts:
                        raise ConflictError() from error
                    # Random, so two requests that collided don't collide again in step.
                    time.sleep(pause * attempt * (1 + random.random()))
            raise AssertionError("unreachable")  # pragma: no cover

        return run

    return decorate
