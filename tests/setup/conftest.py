import pytest
from django.test import Client


@pytest.fixture
def client_for():
    """A test client signed in as a member."""

    def sign_in(member) -> Client:
        client = Client()
        client.force_login(member.user)
        return client

    return sign_in
