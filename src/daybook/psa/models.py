"""Connections to PSAs and what the sync keeps about them. Rules live in services.py and
sync.py; credentials are encrypted by crypto.py before they reach these rows."""

from django.db import models

from daybook.core.outbound import validate_outbound_url

from .choices import Kind, LinkKind, MapKind, Trigger


class Connection(models.Model):
    """One PSA instance Daybook keeps in step with."""

    kind = models.CharField(max_length=20, choices=Kind.choices)
    name = models.CharField(max_length=100, unique=True)
    base_url = models.URLField(
        max_length=300,
        validators=[validate_outbound_url],
        help_text="The address of the PSA's REST API.",
    )
    # Fernet token of the JSON credentials (psa/crypto.py). Never shown, never logged.
    credentials = models.TextField(editable=False)
    # The secret part of the callback address (/psa/hooks/<id>/<token>/).
    webhook_token = models.CharField(max_length=64, editable=False)
    run_as = models.ForeignKey(
        "people.Member",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Changes the sync makes in Daybook are recorded as this admin's.",
    )
    is_active = models.BooleanField(default=True)
    push_entries = models.BooleanField(
        default=True, help_text="Send saved time entries to the PSA as its time records."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_result = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Cursor(models.Model):
    """Where the last pull of one record kind got to: the newest last-updated time seen."""

    # No index of its own: the (connection, record_kind) unique constraint leads with it.
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="cursors", db_index=False
    )
    record_kind = models.CharField(max_length=20)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "record_kind"], name="psa_cursor_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.record_kind} @ {self.updated_at:%Y-%m-%d %H:%M}"


class Mapping(models.Model):
    """A PSA board, status, work role, work type or member and what it is in Daybook:
    `local_id` (a Board, WorkRole, WorkType or Member) or `local_value` (a ticket status)."""

    # No index of its own: the (connection, kind, remote_id) unique constraint leads with it.
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="mappings", db_index=False
    )
    kind = models.CharField(max_length=20, choices=MapKind.choices)
    remote_id = models.CharField(max_length=100)
    remote_name = models.CharField(max_length=300)
    remote_parent = models.CharField(max_length=100, blank=True)
    local_id = models.PositiveBigIntegerField(null=True, blank=True)
    local_value = models.CharField(max_length=30, blank=True)
    automatic = models.BooleanField(
        default=True, help_text="Matched by name or email; an admin's choice is never replaced."
    )

    class Meta:
        ordering = ["kind", "remote_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind", "remote_id"], name="psa_mapping_one_per_remote"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.remote_name}"

    @property
    def is_mapped(self) -> bool:
        return self.local_id is not None or bool(self.local_value)


class RecordLink(models.Model):
    """A Daybook record and the PSA's record it is kept in step with. One per remote id and
    one per local record, so a pull or push seen twice changes nothing twice. `fingerprint`
    is a digest of what was last exchanged: an unchanged record is skipped. `uncertain` marks
    a push whose answer was lost (the PSA may hold it: look before creating again)."""

    # No index of its own: the (connection, kind, member) index leads with it.
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="links", db_index=False
    )
    kind = models.CharField(max_length=20, choices=LinkKind.choices)
    local_id = models.PositiveBigIntegerField()
    remote_id = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    uncertain = models.BooleanField(default=False)
    # For tickets: the Daybook status both sides last agreed on (a local move is pushed), and
    # which kind of PSA ticket it is (RemoteTicket.kind: ConnectWise charges time to service
    # and project tickets differently).
    state = models.CharField(max_length=30, blank=True)
    remote_kind = models.CharField(max_length=20, blank=True)
    # For entries: whose time it is (finding links whose entry was deleted).
    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    synced_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "kind", "local_id"], name="psa_link_one_per_local"
            ),
            models.UniqueConstraint(
                fields=["connection", "kind", "remote_id"],
                condition=~models.Q(remote_id=""),
                name="psa_link_one_per_remote",
            ),
        ]
        indexes = [models.Index(fields=["connection", "kind", "member"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.local_id} ↔ {self.remote_id or '?'}"


class SyncRun(models.Model):
    """One pass of the sync over a connection, with what it did."""

    # No index of its own: the (connection, started_at) index leads with it.
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="runs", db_index=False
    )
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    pulled = models.PositiveIntegerField(default=0)
    pushed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["connection", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.connection} run {self.started_at:%Y-%m-%d %H:%M}"


class SyncProblem(models.Model):
    """A record the sync could not take or send, with the PSA's own message. Open until a
    later run gets the record through (or an admin's retry does)."""

    # No index of its own: the (connection, resolved_at) index leads with it.
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="problems", db_index=False
    )
    run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="problems"
    )
    direction = models.CharField(max_length=4, choices=[("pull", "Pull"), ("push", "Push")])
    record_kind = models.CharField(max_length=20)
    remote_id = models.CharField(max_length=100, blank=True)
    local_id = models.PositiveBigIntegerField(null=True, blank=True)
    record = models.CharField(max_length=300, help_text="The record, in a few words.")
    summary = models.CharField(max_length=500)
    psa_message = models.TextField(blank=True)
    retryable = models.BooleanField(default=True)
    waiting_for_mapping = models.CharField(max_length=20, blank=True)
    # The PSA's last-updated time of the record: a later run pulls again from here, so a
    # record that waited (for a mapping, say) is taken once it can be.
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "-pk"]
        indexes = [models.Index(fields=["connection", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.record}: {self.summary}"


__all__ = ["Connection", "Cursor", "Mapping", "RecordLink", "SyncProblem", "SyncRun", "Trigger"]
