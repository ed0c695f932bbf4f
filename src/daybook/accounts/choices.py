from django.db import models


class TokenState(models.TextChoices):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class SecondStep(models.TextChoices):
    """What a signed-in session still has to do before Daybook opens."""

    NONE = "none", "Nothing: the session is fully signed in"
    VERIFY = "verify", "Enter a code from the authenticator app"
    ENROL = "enrol", "Set up two-factor sign-in first (the role requires it)"
