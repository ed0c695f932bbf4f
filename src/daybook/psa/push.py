"""Push: Daybook → PSA. Each saved entry on a ticket that came from the PSA becomes the PSA's
time record; an edit updates it, a delete removes it, and the ticket's status (the entry's
next status) follows.

The entry services call `entries_changed` inside their transaction (the
DAYBOOK_AFTER_ENTRY_CHANGE setting); it queues a worker task once the transaction commits,
so the PSA is never called while a member waits, and a rolled-back change sends nothing.

Idempotent: the link (RecordLink) is written, marked uncertain, before the PSA is asked to
create; the PSA's id replaces the mark after. A create whose answer was lost is looked up in
the PSA (find_entry) before creating again, so a retry never duplicates. An unchanged entry
(same fingerprint) is not sent again. Time the PSA keeps (closed period, approved, billed) is
reported on the sync page and never overwritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from daybook.people.models import Member
from daybook.service.models import Ticket
from daybook.timekeeping.models import TimeEntry

from .choices import LinkKind, MapKind, Trigger
from .models import Connection, RecordLink
from .records import ConnectorError, EntryPush, Locked, NotFound, Unavailable


def entries_changed(*, member: Member, days: set[dt.date]) -> None:
    """DAYBOOK_AFTER_ENTRY_CHANGE step: queue a push of the member's changed days."""
    if not Connection.objects.filter(is_active=True, push_entries=True).exists():
        return
    member_id, day_list = member.pk, sorted(days)

    def queue() -> None:
        from .tasks import push_member

        push_member(member_id, day_list)

    transaction.on_commit(queue)


def push_member_days(*, member_id: int, days: Iterable[dt.date] | None = None) -> None:
    """Push one member's entries on these local days to every connection that pushes."""
    from .services import connector_for
    from .sync import Runner, _finish, run_start

    member = Member.objects.filter(pk=member_id).first()
    if member is None:
        return
    for connection in Connection.objects.filter(is_active=True, push_entries=True):
        runner = None
        try:
            connector = connector_for(connection)
        except Exception as error:
            run = run_start(connection, Trigger.PUSH)
            _finish(run, f"Not run: {getattr(error, 'summary', error)}")
            continue
        run = run_start(connection, Trigger.PUSH)
        runner = Runner(connection, connector, run)
        try:
            member_push(runner, member=member, days=days)
        except ConnectorError as error:
            _finish(run, f"Stopped while pushing: {error}")
            continue
        _finish(run, f"Pushed {run.pushed}, skipped {run.skipped}, problems {run.failed}.")


def _window(member: Member, days: Iterable[dt.date] | None) -> Q:
    days = sorted(days or [])
    if not days:
        return Q()
    zone = member.zone
    start = dt.datetime.combine(days[0], dt.time(), tzinfo=zone) - dt.timedelta(days=1)
    end = dt.datetime.combine(days[-1], dt.time(), tzinfo=zone) + dt.timedelta(days=2)
    return Q(start__lt=end, end__gt=start)


def member_push(runner, *, member: Member, days: Iterable[dt.date] | None = None) -> None:
    """Send the member's entries (on `days`, or all linked/waiting ones) and remove from the
    PSA the records of entries deleted in Daybook."""
    connection = runner.connection
    remote_member = runner.lookup.remote(MapKind.MEMBER, member.pk)
    ticket_links = {
        link.local_id: link
        for link in RecordLink.objects.filter(connection=connection, kind=LinkKind.TICKET).filter(
            local_id__in=TimeEntry.objects.filter(member=member)
            .filter(_window(member, days))
            .values("ticket_id")
        )
    }
    entries = (
        TimeEntry.objects.filter(member=member, ticket_id__in=list(ticket_links))
        .filter(_window(member, days))
        .select_related("ticket")
        .order_by("start")
    )
    entry_links = {
        link.local_id: link
        for link in RecordLink.objects.filter(
            connection=connection, kind=LinkKind.ENTRY, member=member
        )
    }
    touched: set[int] = set()
    for entry in entries:
        entry_push(
            runner, entry, ticket_links[entry.ticket_id], entry_links.get(entry.pk), remote_member
        )
        touched.add(entry.ticket_id)
    gone_ids = set(entry_links) - set(
        TimeEntry.objects.filter(pk__in=list(entry_links)).values_list("pk", flat=True)
    )
    for entry_id in sorted(gone_ids):
        entry_remove(runner, entry_links[entry_id])
    for ticket_id in touched:
        ticket_status_push(runner, ticket_links[ticket_id])


def _record(entry: TimeEntry) -> str:
    when = timezone.localtime(
        entry.start, entry.member.zone if hasattr(entry.member, "zone") else None
    )
    return f"entry {entry.pk} ({entry.member}, {when:%Y-%m-%d %H:%M}, ticket #{entry.ticket_id})"


def _digest(push: EntryPush) -> str:
    plain = (
        push.ticket_id,
        push.member_id,
        push.start.isoformat(),
        push.end.isoformat(),
        push.notes,
        push.internal_notes,
        push.work_role_id,
        push.work_type_id,
        push.billable,
        push.ticket_kind,
        push.agreement_id,
    )
    return hashlib.sha256(repr(plain).encode()).hexdigest()


def entry_push(
    runner, entry: TimeEntry, ticket_link: RecordLink, link: RecordLink | None, remote_member
) -> None:
    record = _record(entry)
    lookup = runner.lookup
    if remote_member is None:
        runner.run.skipped += 1
        runner.problem(
            direction="push",
            record_kind="entry",
            local_id=entry.pk,
            record=record,
            summary=f"Waiting: {entry.member} is not mapped to a PSA member.",
            waiting=MapKind.MEMBER,
        )
        return
    work_type = lookup.remote(MapKind.WORK_TYPE, entry.work_type_id)
    if work_type is None:
        runner.run.skipped += 1
        runner.problem(
            direction="push",
            record_kind="entry",
            local_id=entry.pk,
            record=record,
            summary=f"Waiting: the work type {entry.work_type} is not mapped to the PSA's.",
            waiting=MapKind.WORK_TYPE,
        )
        return
    agreement_remote = ""
    if entry.agreement_id:
        agreement_remote = (
            RecordLink.objects.filter(
                connection=runner.connection, kind=LinkKind.AGREEMENT, local_id=entry.agreement_id
            )
            .values_list("remote_id", flat=True)
            .first()
            or ""
        )
    push = EntryPush(
        entry_id=entry.pk,
        ticket_id=ticket_link.remote_id,
        member_id=str(remote_member),
        start=entry.start,
        end=entry.end,
        notes=entry.notes,
        internal_notes=entry.internal_notes,
        work_role_id=lookup.remote(MapKind.WORK_ROLE, entry.work_role_id) or "",
        work_type_id=work_type,
        billable=entry.billable,
        remote_id=(link.remote_id or None) if link else None,
        agreement_id=agreement_remote,
        ticket_kind=ticket_link.remote_kind or "service",
    )
    digest = _digest(push)
    if link is not None and not link.uncertain and link.fingerprint == digest:
        runner.run.skipped += 1
        return
    if link is None:
        link = RecordLink.objects.create(
            connection=runner.connection,
            kind=LinkKind.ENTRY,
            local_id=entry.pk,
            member=entry.member,
            uncertain=True,
        )
    elif link.uncertain and not link.remote_id:
        found = runner.connector.find_entry(push)
        if found:
            push = _with_remote(push, found)
    else:
        link.uncertain = True
        link.save(update_fields=["uncertain"])
    try:
        try:
            result = runner.connector.push_entry(push)
        except NotFound:
            if not push.remote_id:
                raise
            result = runner.connector.push_entry(_with_remote(push, None))  # deleted in the PSA
    except Locked as locked:
        link.uncertain = bool(not link.remote_id)
        link.save(update_fields=["uncertain"])
        runner.problem(
            direction="push",
            record_kind="entry",
            local_id=entry.pk,
            record=record,
            summary="The PSA keeps this time (a closed period, or approved or billed time); "
            "Daybook's change was not sent and the PSA's record was left as it is.",
            psa_message=locked.psa_message,
            retryable=False,
        )
        return
    except Unavailable:
        raise  # the run stops; the link stays uncertain and the next try looks first
    except ConnectorError as error:
        link.uncertain = False
        link.save(update_fields=["uncertain"])
        runner.problem(
            direction="push",
            record_kind="entry",
            local_id=entry.pk,
            record=record,
            summary=f"The PSA refused it: {error.summary}.",
            psa_message=error.psa_message,
            retryable=error.retryable,
        )
        return
    link.remote_id = result.remote_id
    link.fingerprint = digest
    link.uncertain = False
    link.save()
    runner.run.pushed += 1
    runner.resolved(direction="push", record_kind="entry", local_id=entry.pk)


def _with_remote(push: EntryPush, remote_id: str | None) -> EntryPush:
    from dataclasses import replace

    return replace(push, remote_id=remote_id)


def entry_remove(runner, link: RecordLink) -> None:
    record = f"deleted entry {link.local_id} (PSA record {link.remote_id or 'unknown'})"
    if link.remote_id:
        try:
            runner.connector.delete_entry(link.remote_id)
        except NotFound:
            pass  # already gone in the PSA
        except Locked as locked:
            runner.problem(
                direction="push",
                record_kind="entry",
                local_id=link.local_id,
                record=record,
                summary="Deleted in Daybook, but the PSA keeps this time (a closed period, or "
                "approved or billed time), so its record stays.",
                psa_message=locked.psa_message,
                retryable=False,
            )
            link.delete()
            return
    link.delete()
    runner.run.pushed += 1
    runner.resolved(direction="push", record_kind="entry", local_id=link.local_id)


def ticket_status_push(runner, link: RecordLink) -> None:
    """Send a ticket's Daybook status (e.g. an entry's next status) when it moved here."""
    ticket = Ticket.objects.filter(pk=link.local_id).first()
    link.refresh_from_db()
    if ticket is None or ticket.status == link.state:
        return
    remote_board = runner.lookup.remote(MapKind.BOARD, ticket.board_id) or ""
    status = runner.lookup.remote(MapKind.STATUS, ticket.status, parent=remote_board)
    if status is None:
        runner.problem(
            direction="push",
            record_kind="ticket",
            local_id=ticket.pk,
            record=f"ticket #{ticket.pk} ({ticket.summary})",
            summary=f"Waiting: no PSA status is mapped to {ticket.get_status_display()}.",
            waiting=MapKind.STATUS,
        )
        return
    try:
        runner.connector.set_ticket_status(
            ticket_id=link.remote_id, status_id=status, kind=link.remote_kind or "service"
        )
    except Unavailable:
        raise
    except ConnectorError as error:
        runner.problem(
            direction="push",
            record_kind="ticket",
            local_id=ticket.pk,
            record=f"ticket #{ticket.pk} ({ticket.summary})",
            summary=f"The PSA refused the status: {error.summary}.",
            psa_message=error.psa_message,
            retryable=error.retryable,
        )
        return
    link.state = ticket.status
    link.save(update_fields=["state"])
    runner.resolved(direction="push", record_kind="ticket", local_id=ticket.pk)


def pending_push(runner) -> None:
    """In a full run: entries with open push problems or an unanswered create, retried."""
    from .models import SyncProblem

    connection = runner.connection
    waiting_entries = set(
        SyncProblem.objects.filter(
            connection=connection, direction="push", record_kind="entry", resolved_at__isnull=True
        ).values_list("local_id", flat=True)
    ) | set(
        RecordLink.objects.filter(
            connection=connection, kind=LinkKind.ENTRY, uncertain=True
        ).values_list("local_id", flat=True)
    )
    member_ids = set(
        TimeEntry.objects.filter(pk__in=waiting_entries).values_list("member_id", flat=True)
    ) | set(
        RecordLink.objects.filter(
            connection=connection, kind=LinkKind.ENTRY, local_id__in=waiting_entries
        ).values_list("member_id", flat=True)
    )
    for member in Member.objects.filter(pk__in=member_ids):
        days = sorted(
            {
                timezone.localtime(s, member.zone).date()
                for s in TimeEntry.objects.filter(
                    pk__in=waiting_entries, member=member
                ).values_list("start", flat=True)
            }
        )
        member_push(runner, member=member, days=days or None)
