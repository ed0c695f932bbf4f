"""No column of Daybook's tables carries an index of its own when another index already leads
with it. Django gives every foreign key one by default; where a composite index or unique
constraint starts with the same column, that index answers every lookup the plain one would,
on both databases, and the plain one is only written to. On the entries table, the largest,
that was two extra indexes to update on every entry written.

Partial indexes and constraints don't count as leading with a column: a database uses them only
for queries that match their condition.

The history tables (django-simple-history's, one row per change) are read by record only: an
entry's or ticket's history by its id. By default they index again every column the model
indexes, each written on every change, so the models turn those off (`no_db_index`).
"""

import pytest
from django.apps import apps
from django.db import connection, models

from daybook.timekeeping.models import TimeEntry


def _leading_fields(model: type[models.Model]) -> dict[str, str]:
    """The first field of each index and unique constraint that holds for every row, with
    the index's name."""
    meta = model._meta
    leading: dict[str, str] = {}
    for index in meta.indexes:
        if index.condition is None and index.fields:
            leading.setdefault(index.fields[0].lstrip("-"), index.name)
    for constraint in meta.constraints:
        if (
            isinstance(constraint, models.UniqueConstraint)
            and constraint.condition is None
            and constraint.fields
        ):
            leading.setdefault(constraint.fields[0], constraint.name)
    return leading


def _repeated_indexes(model: type[models.Model]) -> list[str]:
    leading = _leading_fields(model)
    return [
        f"{model._meta.label}.{field.name} (led by {leading[field.name]})"
        for field in model._meta.local_concrete_fields
        if field.db_index and not field.unique and field.name in leading
    ]


def _own_models(*, history: bool = False) -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("daybook.")
        and model.__name__.startswith("Historical") == history
        # The history of an agreement's covered work types: simple_history's own link table.
        and not model.__name__.endswith("_covered_work_types")
    ]


def test_no_index_repeats_the_leading_column_of_another():
    repeated = [name for model in _own_models() for name in _repeated_indexes(model)]

    assert repeated == []


def test_the_check_sees_a_foreign_key_index_led_by_a_composite_one():
    """What the rule catches: the entries' member, indexed again beside (member, start)."""
    member = TimeEntry._meta.get_field("member")
    kept, member.db_index = member.db_index, True
    try:
        assert _repeated_indexes(TimeEntry) == [
            "timekeeping.TimeEntry.member (led by timekeeping_member__bef562_idx)"
        ]
    finally:
        member.db_index = kept


@pytest.mark.django_db
def test_the_entries_table_has_no_plain_member_or_agreement_index():
    """In the database as migrated, not only in the models."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TimeEntry._meta.db_table)
    single = {
        tuple(details["columns"])
        for details in constraints.values()
        if details["index"] and not details["unique"] and not details["primary_key"]
    }

    assert ("member_id",) not in single
    assert ("agreement_id",) not in single
    assert ("member_id", "start") in single
    assert ("agreement_id", "start") in single


# What history is read by (the record's id), and history's own columns as simple_history
# indexes them.
HISTORY_INDEXED = {"history_id", "id", "history_date", "history_user"}


def test_history_tables_index_only_what_history_is_read_by():
    extra = [
        f"{model._meta.label}.{field.name}"
        for model in _own_models(history=True)
        for field in model._meta.local_concrete_fields
        if (field.db_index or field.unique) and field.name not in HISTORY_INDEXED
    ]

    assert _own_models(history=True)  # the check has tables to look at
    assert extra == []


@pytest.mark.django_db
def test_the_entries_history_table_has_four_indexes():
    history = TimeEntry.history.model
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, history._meta.db_table)
    indexed = {
        tuple(details["columns"])
        for details in constraints.values()
        if details["index"] or details["primary_key"]
    }

    assert indexed == {("history_id",), ("id",), ("history_date",), ("history_user_id",)}
