"""A page of PSA companies or agreements new to Daybook is written in one go
(clients.companies_create_many, agreements_create_many), through the same rule as one at a
time: the same companies and agreements, links, history and problems, a refused or waiting
record listed while the rest of its page lands, and a few queries a page."""

import dataclasses
import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from daybook.clients.models import Agreement, Company
from daybook.psa.choices import LinkKind
from daybook.psa.models import RecordLink, SyncProblem
from daybook.psa.services import connector_for
from daybook.psa.sync import Runner, sync_run
from tests.factories import CompanyFactory, WorkTypeFactory

pytestmark = pytest.mark.django_db(transaction=False)
NOW = dt.datetime(2025, 6, 2, 14, tzinfo=dt.UTC)
CLIENT_KINDS = ("companies", "members", "agreements")


class Covering:
    """The ConnectWise connector, with agreements that list the work they cover (as
    Autotask's do): the agreements named in `covers`, by PSA work type id."""

    def __init__(self, connector, covers: dict[str, tuple[str, ...]]) -> None:
        self._connector = connector
        self._covers = covers

    def __getattr__(self, name):
        return getattr(self._connector, name)

    def agreements(self, since=None):
        for record in self._connector.agreements(since):
            covered = self._covers.get(record.name, ())
            yield dataclasses.replace(record, covered_work_type_ids=covered)


def seed(app) -> None:
    """Companies and agreements of every kind a first sync meets."""
    WorkTypeFactory(name="Onsite")
    acme = app.add_company("Acme")
    two = app.add_company("Acme Two", identifier="Acme")  # Acme's identifier: made from its name
    first = app.add_company("Initech")
    app.add_company("hooli")  # Daybook has Hooli already: linked to it
    app.add_company("   ")  # no name: refused
    app.add_company("Société Générale")  # outside ASCII: the one-by-one path
    app.add_company("Umbrella", identifier="Umbrella Corp")  # not a slug: refused
    gone = app.add_company("Retired Co", deletedFlag=True)
    for n in range(5):
        app.add_company(f"Client {n}")
    managed = app.add_agreement(acme, "Managed")
    managed["billAmount"] = 1500
    app.add_agreement(acme, "Hourly", type_name="Time and Materials")
    backwards = app.add_agreement(first, "Backwards", type_name="Time and Materials")
    backwards["endDate"] = "2024-12-31T00:00:00Z"
    app.add_agreement(first, "Block, no hours", type_name="Block Hours")
    app.add_agreement(gone, "Old deal", type_name="Time and Materials")
    covered = app.add_agreement(two, "Covered", type_name="Managed")
    covered["billAmount"] = 900
    orphan = app.add_agreement(first, "Orphan", type_name="Time and Materials")
    orphan["company"] = {"id": 999, "identifier": "nobody"}  # a company the PSA never sent


COVERS = {"Covered": ("31", "32"), "Hourly": ("31",)}


def snapshot() -> dict:
    """What a user compares after a sync: companies, agreements (with covered work and
    history), links by name, open problems."""
    companies = {
        c.pk: (c.name, c.identifier, c.time_zone, c.is_active) for c in Company.objects.all()
    }
    skip = {"id", "company"}
    names = [f.attname for f in Agreement._meta.concrete_fields if f.name not in skip]
    agreements = {}
    for a in Agreement.objects.select_related("company"):
        agreements[(a.company.name, a.name)] = (
            tuple(getattr(a, n) for n in names),
            tuple(sorted(a.covered_work_types.values_list("name", flat=True))),
            tuple(
                (
                    r.history_type,
                    r.history_user_id,
                    r.history_date,
                    tuple(sorted(r.covered_work_types.values_list("worktype__name", flat=True))),
                )
                for r in a.history.order_by("history_date", "history_id")
            ),
        )
    by_pk = {a.pk: (a.company.name, a.name) for a in Agreement.objects.select_related("company")}
    links = {
        (link.kind, link.remote_id): (
            companies[link.local_id][0] if link.kind == LinkKind.COMPANY else by_pk[link.local_id],
            link.fingerprint,
        )
        for link in RecordLink.objects.filter(kind__in=[LinkKind.COMPANY, LinkKind.AGREEMENT])
    }
    problems = set(
        SyncProblem.objects.filter(resolved_at__isnull=True).values_list(
            "record_kind", "remote_id", "record", "summary", "retryable", "waiting_for_mapping"
        )
    )
    return {
        "companies": sorted(companies.values()),
        "agreements": agreements,
        "links": links,
        "problems": problems,
    }


def one_by_one(kind):
    def take_all(self, records, links):
        for record in records:
            self.take(kind, record, links, {})

    return take_all


@time_machine.travel(NOW, tick=False)
def test_batch_and_one_by_one_give_identical_companies_and_agreements(
    cw, cw_connection, monkeypatch
):
    app, _ = cw
    seed(app)
    CompanyFactory(name="Hooli", identifier="hooli")
    connector = Covering(connector_for(cw_connection), COVERS)
    with transaction.atomic():
        run = sync_run(connection=cw_connection, connector=connector, kinds=CLIENT_KINDS)
        batch = snapshot()
        batch_counts = (run.pulled, run.skipped, run.failed)
        transaction.set_rollback(True)
    assert not Agreement.objects.exists()
    monkeypatch.setattr(Runner, "take_companies", one_by_one("companies"))
    monkeypatch.setattr(Runner, "take_agreements", one_by_one("agreements"))
    run = sync_run(connection=cw_connection, connector=connector, kinds=CLIENT_KINDS)
    single = snapshot()
    assert (run.pulled, run.skipped, run.failed) == batch_counts
    assert single["companies"] == batch["companies"]
    assert single["agreements"] == batch["agreements"]
    assert single["links"] == batch["links"]
    assert single["problems"] == batch["problems"]

    # What the user sees: the companies new to Daybook, the ones it already had, linked.
    names = [c[0] for c in batch["companies"]]
    assert sorted(names) == sorted(
        ["Acme", "Acme Two", "Initech", "hooli", "Retired Co"] + [f"Client {n}" for n in range(5)]
    )
    identifiers = {c[0]: c[1] for c in batch["companies"]}
    assert identifiers["Acme"] == "Acme"
    assert identifiers["Acme Two"] == "acme-two"
    retired = next(c for c in batch["companies"] if c[0] == "Retired Co")
    assert retired[3] is False
    hooli = [v for v in batch["links"].values() if v[0] == "hooli"]
    assert len(hooli) == 1  # Daybook's Hooli, linked and renamed as the PSA has it
    # Agreements: the good ones land, with the work they cover, and the history of it.
    assert sorted(batch["agreements"]) == [
        ("Acme", "Hourly"),
        ("Acme", "Managed"),
        ("Acme Two", "Covered"),
        ("Retired Co", "Old deal"),
    ]
    covered = batch["agreements"][("Acme Two", "Covered")]
    assert covered[1] == ("Onsite", "Remote Support")
    assert [(r[0], r[3]) for r in covered[2]] == [("+", ()), ("~", ("Onsite", "Remote Support"))]
    summaries = {p[2]: p[3] for p in batch["problems"]}
    assert any("Give the company its name." in s for s in summaries.values())
    for name in ("Société Générale", "Umbrella"):
        refused = next(s for r, s in summaries.items() if name in r)
        assert "Enter a valid “slug”" in refused
    backwards = next(s for r, s in summaries.items() if "Backwards" in r)
    assert "An agreement cannot end before it starts." in backwards
    block = next(s for r, s in summaries.items() if "Block, no hours" in r)
    assert "block-hours agreement needs the number of hours bought" in block
    orphan = next(p for p in batch["problems"] if "Orphan" in p[2])
    assert orphan[3] == "Waiting: its company 999 is not in Daybook yet."
    assert orphan[4] is True


def test_a_second_sync_changes_nothing_and_a_fixed_record_lands(cw, cw_connection):
    app, _ = cw
    seed(app)
    connector = Covering(connector_for(cw_connection), COVERS)
    sync_run(connection=cw_connection, connector=connector, kinds=CLIENT_KINDS)
    before = snapshot()
    # The PSA fixes the refused agreement; the next run takes it (and only it changes).
    backwards = next(a for a in app.agreements.values() if a["name"] == "Backwards")
    backwards["endDate"] = None
    backwards["_info"] = app._info()
    run = sync_run(connection=cw_connection, connector=connector, kinds=CLIENT_KINDS)
    after = snapshot()
    assert after["companies"] == before["companies"]
    assert ("Initech", "Backwards") in after["agreements"]
    assert set(after["agreements"]) - set(before["agreements"]) == {("Initech", "Backwards")}
    assert not any("Backwards" in p[2] for p in after["problems"])
    assert run.failed == len(after["problems"])


def test_a_page_of_new_companies_and_agreements_costs_a_few_queries(cw, cw_connection):
    app, _ = cw
    for n in range(300):
        company = app.add_company(f"Client {n:03}")
        agreement = app.add_agreement(company, f"Managed {n:03}")
        agreement["billAmount"] = 900
    connector = Covering(connector_for(cw_connection), {})
    with CaptureQueriesContext(connection) as queries:
        run = sync_run(connection=cw_connection, connector=connector, kinds=CLIENT_KINDS)
    assert run.failed == 0
    assert Company.objects.count() == 300
    assert Agreement.objects.count() == 300
    assert RecordLink.objects.filter(kind=LinkKind.AGREEMENT).count() == 300
    # One by one this was about a dozen queries a company and two dozen an agreement; now
    # each page's reads, its inserts, and the run's own.
    assert len(queries) < 100, len(queries)
