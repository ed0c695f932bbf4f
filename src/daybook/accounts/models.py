from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .choices import TokenState


class ApiToken(models.Model):
    """A key a script uses to call the API as its owner, until it expires or is revoked.

    Only a SHA-256 hash of the key is kept, so a copy of the database gives nobody a working
    key; the owner sees the key once, when it is made, and afterwards recognises it by its
    prefix and name. Revoked and expired tokens stay as a record of what existed.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, help_text="The start of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"
        indexes = [
            models.Index(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="api_token_live_by_user"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def state(self) -> TokenState:
        return self.state_at(timezone.now())

    def state_at(self, at: datetime) -> TokenState:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at <= at:
            return TokenState.EXPIRED
        return TokenState.ACTIVE
