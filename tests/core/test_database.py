"""PostgreSQL sessions run without JIT compilation (core.database)."""

import pytest
from django.db import connections


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_new_postgresql_session_has_jit_off():
    session = connections.create_connection("default")
    try:
        with session.cursor() as cursor:
            cursor.execute("SHOW jit")
            assert cursor.fetchone() == ("off",)
    finally:
        session.close()
