"""Schemathesis in `make test`: every operation of the API, as every role, answers without a
server error, with a status code the schema documents and a body that matches the schema.

A short, repeatable run (derandomized: the same cases everywhere) on a small MSP, with a few
chains of calls along the links schemathesis infers. bench/schemathesis_bench.py runs the same
checks with many more examples; tests/api/fuzz.py has the machinery both share.
"""

import pytest

from daybook.people.choices import Role

from .fuzz import (
    ROLES,
    Tally,
    Tokens,
    build_world,
    connection_kept,
    load_schema,
    run_stateful,
    run_stateless,
)

# Cases per operation, per mode (valid and invalid data) and per kind of id (made up, real).
EXAMPLES = 3
# Stateful: this many chains of this many calls.
SCENARIOS = 5
STEPS = 10

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _connection_kept():
    with connection_kept():
        yield


@pytest.mark.parametrize("role", ROLES, ids=[role.value.lower() for role in ROLES])
def test_every_operation_answers_as_its_schema_says(role: Role):
    world = build_world()
    tokens = Tokens()
    schema = load_schema(tokens, world.members[role])
    tally = Tally()
    run_stateless(schema, world=world, tokens=tokens, tally=tally, examples=EXAMPLES, roles=[role])
    run_stateful(
        schema, world=world, role=role, tokens=tokens, tally=tally, scenarios=SCENARIOS, steps=STEPS
    )
    every = {result.ok().label for result in schema.get_all_operations()}
    assert len(every) > 70, "the schema lost its operations"
    assert tally.operations == every, tally.summary()  # every operation was tried
    assert not tally.failures, tally.report()
