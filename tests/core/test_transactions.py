"""retry_on_conflict: a transaction PostgreSQL aborted for a deadlock runs again; anything
else, or a conflict inside someone else's transaction, goes up unchanged."""

import threading

import pytest
from django.db import OperationalError, connection, transaction

from daybook.core.transactions import ConflictError, is_retryable, retry_on_conflict
from daybook.people.models import Member
from tests.factories import MemberFactory


class FakeDriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def aborted(sqlstate: str) -> OperationalError:
    """An OperationalError as Django raises it, with the driver's error as its cause."""
    error = OperationalError("aborted")
    error.__cause__ = FakeDriverError(sqlstate)
    return error


def test_only_deadlocks_and_serialization_failures_are_retryable():
    assert is_retryable(aborted("40P01"))
    assert is_retryable(aborted("40001"))
    assert not is_retryable(aborted("53300"))  # too many connections: retrying won't help
    assert not is_retryable(OperationalError("no cause"))
    assert not is_retryable(ValueError("40P01"))


@pytest.mark.django_db(transaction=True)
def test_a_conflict_runs_again_and_a_lasting_one_is_refused_in_a_sentence():
    calls = []

    @retry_on_conflict(3, pause=0)
    def losing_twice():
        calls.append(1)
        if len(calls) < 3:
            raise aborted("40P01")
        return "saved"

    assert losing_twice() == "saved"
    assert len(calls) == 3

    @retry_on_conflict(2, pause=0)
    def always_losing():
        calls.append(1)
        raise aborted("40001")

    calls.clear()
    with pytest.raises(ConflictError, match="try again"):
        always_losing()
    assert len(calls) == 2


@pytest.mark.django_db(transaction=True)
def test_other_errors_are_not_retried():
    calls = []

    @retry_on_conflict(3, pause=0)
    def broken():
        calls.append(1)
        raise aborted("53300")

    with pytest.raises(OperationalError):
        broken()
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_inside_an_outer_transaction_it_runs_once():
    calls = []

    @retry_on_conflict(3, pause=0)
    def losing():
        calls.append(1)
        raise aborted("40P01")

    with pytest.raises(OperationalError), transaction.atomic():
        losing()
    assert len(calls) == 1


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_on_postgresql_is_retried_until_both_commit():
    """Two transactions lock two members in opposite orders (what members_lock prevents):
    PostgreSQL aborts one of them, and the retry runs it again to the end."""
    first, second = MemberFactory().pk, MemberFactory().pk
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts = {"forward": 0, "backward": 0}
    outcomes = {}

    def locker(name: str, order: list[int]):
        @retry_on_conflict(3, pause=0)
        @transaction.atomic
        def lock_both():
            attempts[name] += 1
            Member.objects.select_for_update().filter(pk=order[0]).first()
            if attempts[name] == 1:
                both_hold_one.wait()  # only the first attempts meet, so they deadlock once
            Member.objects.select_for_update().filter(pk=order[1]).first()
            return "committed"

        def run():
            try:
                outcomes[name] = lock_both()
            finally:
                connection.close()

        return threading.Thread(target=run)

    threads = [locker("forward", [first, second]), locker("backward", [second, first])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == {"forward": "committed", "backward": "committed"}
    # PostgreSQL aborted at least one of them for the deadlock, and it ran again.
    assert max(attempts.values()) >= 2, attempts
