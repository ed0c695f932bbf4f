"""The API as a whole: every endpoint has a rule, the schema and docs, token sign-in."""

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from daybook.accounts.models import ApiToken
from daybook.accounts.selectors import token_for_key
from daybook.accounts.services import token_create
from daybook.api_urls import router
from daybook.core.api import ActionPermissions
from tests.api_support import ANONYMOUS_REFUSED, client_for
from tests.factories import AgreementFactory, UserFactory

# Pending a one-line settings change (ENUM_NAME_OVERRIDES for BillableOption): the schema is
# correct, but the billable choices are named twice (BillableEnum, BillableDefaultEnum).
KNOWN_WARNINGS: tuple[str, ...] = ()


@pytest.mark.parametrize(("prefix", "viewset", "basename"), list(router.registry))
def test_every_api_action_names_the_permissions_it_needs(prefix, viewset, basename):
    assert ActionPermissions in viewset.permission_classes
    actions = {"list", "retrieve", "create", "update", "partial_update", "destroy"}
    offered = {name for name in actions if hasattr(viewset, name)}
    offered |= {extra.__name__ for extra in viewset.get_extra_actions()}
    missing = offered - set(viewset.permissions_by_action)
    assert not missing, f"{prefix}: no permission rule for {sorted(missing)}"


def test_an_action_without_a_rule_is_refused(rf, admin):
    class View:
        action = "unlisted"
        permissions_by_action = {"list": []}

    request = rf.get("/")
    request.user = admin.user
    assert ActionPermissions().has_permission(request, View()) is False


def test_api_root_needs_a_signed_in_user(tech):
    assert client_for(None).get("/api/").status_code in ANONYMOUS_REFUSED
    assert "time-entries" in client_for(tech).get("/api/").json()


def test_schema_and_docs_need_a_signed_in_user(db):
    assert client_for(None).get("/api/schema/").status_code in ANONYMOUS_REFUSED
    assert client_for(None).get("/api/docs/").status_code in ANONYMOUS_REFUSED


def test_schema_describes_the_api(tech):
    response = client_for(tech).get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for expected in [
        "/api/time-entries/",
        "/api/time-entries/{id}/history/",
        "/api/tickets/{id}/status/",
        "/api/tickets/{id}/agreement/",
        "/api/members/me/",
        "/api/agreements/",
        "/api/auth/token/",
    ]:
        assert expected in paths


def test_docs_page_renders_swagger_ui(tech):
    response = client_for(tech).get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger-ui" in response.content


def test_api_schema_is_valid_openapi_without_warnings(db):
    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/", include("daybook.api_urls"))])
    with GENERATOR_STATS.silence():
        schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    errors = list(GENERATOR_STATS._error_cache)
    warnings = [w for w in GENERATOR_STATS._warn_cache if not any(k in w for k in KNOWN_WARNINGS)]
    GENERATOR_STATS.reset()
    assert errors == []
    assert warnings == []


def test_token_sign_in_works_for_scripts(tech):
    tech.user.set_password("a-long-test-passphrase")
    tech.user.save()
    response = client_for(None).post(
        "/api/auth/token/", {"username": "tess", "password": "a-long-test-passphrase"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token_for_key(key=token) == ApiToken.objects.get(user=tech.user)

    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get("/api/members/me/")
    assert response.status_code == 200
    assert response.json()["username"] == "tess"


def test_wrong_password_gets_no_token(tech):
    response = client_for(None).post("/api/auth/token/", {"username": "tess", "password": "no"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_an_unknown_token_is_refused(db):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/time-entries/")
    assert response.status_code in ANONYMOUS_REFUSED
    assert "token" in response.json()["detail"].lower()


def test_token_sign_in_for_a_login_without_a_member_still_cannot_write(db):
    root = UserFactory(username="root", is_superuser=True)
    _, key = token_create(user=root, name="Root script")
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = client.post("/api/companies/", {"name": "X", "identifier": "x"}, format="json")
    assert response.status_code == 403
    assert "no member profile" in response.json()["detail"]


def test_format_suffix_routes_do_not_exist(client, tech):
    """`/api/timer.json` and friends used to answer 500 from actions that take no format."""
    client.force_login(tech.user)
    for url in ("/api/members/me.json", "/api/timer.json", "/api/reviews.json"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/members/me/?format=json").status_code == 200


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_asking_a_list_gets_json_whose_queries_do_not_grow_with_related_rows(
    dispatcher, django_assert_max_num_queries
):
    """No HTML pages of the API: they listed every client and agreement in their forms (one
    query each for an agreement's company), minutes a page at MSP scale."""
    client = client_for(dispatcher)
    first = client.get("/api/tickets/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert first["Content-Type"] == "application/json"
    with django_assert_max_num_queries(20) as few:
        client.get("/api/tickets/", HTTP_ACCEPT=BROWSER_ACCEPT)
    AgreementFactory.create_batch(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        again = client.get("/api/tickets/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert again.json()["results"] == []
    assert client.get("/api/tickets/", HTTP_ACCEPT="text/html").status_code == 406
