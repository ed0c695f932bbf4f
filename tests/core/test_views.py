"""The pages every install has: health check, home, API schema and docs."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
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
    assert "vendor/bootstrap.min.css" in page
    assert "vendor/bootstrap.bundle.min.js" in page
    assert "pico" not in page.lower()
    assert '<link rel="icon" href="/static/core/favicon.svg"' in page
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


# --- the navigation ------------------------------------------------------------------------


def url_or_none(name: str) -> str | None:
    """A page's address, or None while the part of Daybook that serves it is not installed."""
    from django.urls import NoReverseMatch

    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def nav_of(client, member) -> str:
    client.force_login(member.user)
    page = client.get(reverse("timekeeping:my_day")).content.decode()
    return page[page.index('<nav aria-label="Main"') : page.index("</nav>")]


def test_the_brand_link_goes_home(client, tech):
    assert f'href="{reverse("home")}" class="navbar-brand"' in nav_of(client, tech)


def test_the_current_page_is_marked_in_the_navigation(client, tech):
    nav = nav_of(client, tech)  # on My Day
    assert nav.count('aria-current="page"') == 1
    my_day = f'aria-current="page" href="{reverse("timekeeping:my_day")}">My Day</a>'
    assert my_day in nav
    page = client.get(reverse("accounts:index")).content.decode()
    nav = page[page.index('<nav aria-label="Main"') : page.index("</nav>")]
    assert nav.count('aria-current="page"') == 1
    assert f'aria-current="page" href="{reverse("accounts:index")}">Account</a>' in nav


def test_the_favicon_is_our_own_svg():
    path = finders.find("core/favicon.svg")
    assert path is not None
    assert Path(path).read_text().lstrip().startswith("<svg")


def test_a_technician_gets_the_links_for_their_own_time_only(client, tech):
    nav = nav_of(client, tech)
    for name in (
        "timekeeping:my_day",
        "tickets:ticket_list",
        "review:requests",
        "insights:index",
        "review:notifications",
        "home:process",
        "accounts:index",
    ):
        assert f'href="{reverse(name)}"' in nav, name
    for name in (
        "review:daily",
        "review:settings",
        "tickets:board",
        "timekeeping:approvals",
        "timekeeping:periods",
        "setup:index",
        "psa:connections",
        "interchange:import",
        "admin:index",
    ):
        url = url_or_none(name)
        assert url is None or f'href="{url}"' not in nav, name


def test_reviewers_get_the_review_and_approvals(client, lead):
    nav = nav_of(client, lead)
    assert f'href="{reverse("review:daily")}"' in nav
    approvals = url_or_none("timekeeping:approvals")
    assert approvals is None or f'href="{approvals}"' in nav
    board = url_or_none("tickets:board")
    assert board is None or f'href="{board}"' in nav
    assert f'href="{reverse("review:settings")}"' not in nav


def test_dispatchers_get_the_board(client, dispatcher):
    nav = nav_of(client, dispatcher)
    board = url_or_none("tickets:board")
    assert board is None or f'href="{board}"' in nav
    assert f'href="{reverse("review:daily")}"' not in nav


def test_finance_gets_periods_and_import(client, finance):
    nav = nav_of(client, finance)
    for name in ("timekeeping:periods", "interchange:import"):
        url = url_or_none(name)
        assert url is None or f'href="{url}"' in nav, name
    setup = url_or_none("setup:index")
    assert setup is None or f'href="{setup}"' not in nav


def test_admins_get_every_settings_page(client, admin):
    nav = nav_of(client, admin)
    for name in ("review:settings", "people:holidays", "admin:index", "home:process"):
        assert f'href="{reverse(name)}"' in nav, name
    for name in ("setup:index", "psa:connections", "interchange:import", "timekeeping:periods"):
        url = url_or_none(name)
        assert url is None or f'href="{url}"' in nav, name


def test_visitors_who_are_not_signed_in_get_only_sign_in(client):
    page = client.get(reverse("login")).content.decode()
    nav = page[page.index('<nav aria-label="Main"') : page.index("</nav>")]
    assert f'href="{reverse("login")}"' in nav
    assert "nav-settings" not in nav
    assert f'href="{reverse("timekeeping:my_day")}"' not in nav
