"""The fingerprint of a client statement: SHA-256 over what the client sees.

The input is the UTF-8 JSON text (no spaces, non-ASCII kept) of a list whose first item is
["daybook-statement", company identifier, first day, last day] and whose other items are the
rows in statement order, each [entry id, day, member, hours (2 places), work type, reference,
agreement, charge, amount (2 places), notes]. Anyone holding the CSV can recompute it.
"""

import hashlib
import json
from collections.abc import Iterable

from daybook.core.periods import Period


def fingerprint_payload(*, company_identifier: str, period: Period, rows: Iterable) -> bytes:
    data = [
        ["daybook-statement", company_identifier, period.start.isoformat(), period.end.isoformat()]
    ]
    data.extend(row.fingerprint_fields() for row in rows)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def statement_fingerprint(*, company_identifier: str, period: Period, rows: Iterable) -> str:
    return hashlib.sha256(
        fingerprint_payload(company_identifier=company_identifier, period=period, rows=rows)
    ).hexdigest()
