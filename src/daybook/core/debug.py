"""What error pages and error mails may show of the settings."""

import re

from django.views.debug import SafeExceptionReporterFilter


class SettingsFilter(SafeExceptionReporterFilter):
    """Django hides settings named like keys, tokens and passwords; we also hide addresses
    (`*_URL`, DSNs), since a database or Redis URL carries its password inside."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|DSN|DATABASES|CACHES|HUEY",
        flags=re.IGNORECASE,
    )
