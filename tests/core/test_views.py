"""The pages every install has: health check, home, API schema and docs."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


def test_home_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/"


def test_home_shows_the_navigation_to_a_member(client, tech):
    client.force_login(tech.user)
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "vendor/htmx.min.js" in page
    assert "vendor/pico.min.css" in page
    assert 'href="/api/docs/"' in page
    assert 'href="/admin/"' not in page  # a technician is not staff


def test_home_links_staff_to_the_admin(client, admin):
    client.force_login(admin.user)
    response = client.get("/")
    assert 'href="/admin/"' in response.content.decode()


def test_openapi_schema_is_served_to_members(client, tech):
    client.force_login(tech.user)
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert response.content.startswith(b"openapi:")


def test_api_docs_page_uses_local_swagger_ui(client, tech):
    client.force_login(tech.user)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()
