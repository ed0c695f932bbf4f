"""Helpers for API tests: a client signed in as someone, and short ways to read answers."""

from rest_framework.test import APIClient

from daybook.people.models import Member

ANONYMOUS_REFUSED = {401, 403}


def client_for(who: Member | object | None) -> APIClient:
    """An API client signed in (by session) as a member or a bare user; None stays anonymous."""
    client = APIClient()
    if who is not None:
        client.force_login(getattr(who, "user", who))
    return client


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}
