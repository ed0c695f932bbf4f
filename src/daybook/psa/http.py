"""The HTTP client every PSA connector uses. Requests go out through core.outbound (the only door
for outbound requests: the administrator's allow-list and the address checks apply to PSA
addresses too); this module adds what talking to a PSA's REST API needs:

- a base URL and headers (authentication) set once per connection;
- retries with backoff for answers that say "later": 429 (waiting what Retry-After asks, as
  seconds or an HTTP date, capped), 502/503/504 and 500, time-outs and failed connections.
  A POST (which creates) is retried only when the PSA surely did not act on it (429, 503,
  connection refused), so a retry never creates a second record;
- a per-connection rate limit (requests per second, shared by every client of that connection
  in this process);
- errors turned into psa.records' ConnectorError kinds, carrying the PSA's own message as
  each connector reads it from its error bodies (`message_of`).
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from daybook.core import outbound

from .records import (
    AuthFailed,
    ConnectorError,
    Locked,
    Misconfigured,
    NotFound,
    RateLimited,
    Rejected,
    Unavailable,
)

# A PSA page of a thousand records is a few megabytes at most.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
# The longest a Retry-After is honoured; a PSA asking for longer makes the run stop and retry
# on the worker's schedule instead of holding a worker thread.
MAX_RETRY_AFTER_SECONDS = 120.0
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Statuses after which the PSA surely did not act on a request, so even a POST may be resent.
NOT_ACTED_STATUSES = frozenset({429, 503})
# core.outbound's summaries for requests that never reached the server.
NOT_SENT = ("could not connect", "could not find")


@dataclass(frozen=True)
class Reply:
    """A PSA's answer: status, headers (lower-case names) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        if not self.body:
            return None
        try:
            return jsonlib.loads(self.body)
        except ValueError:
            raise Unavailable(
                "the PSA's answer was not the JSON its API documents", status=self.status
            ) from None


def default_message_of(reply: Reply) -> str:
    """The PSA's own words from an error body: a "message" field, or the text as it is."""
    try:
        data = jsonlib.loads(reply.body)
    except ValueError:
        return reply.body[:500].decode("utf-8", "replace").strip()
    if isinstance(data, dict):
        for key in ("message", "Message", "error_description", "error"):
            if isinstance(data.get(key), str):
                return data[key]
    return reply.body[:500].decode("utf-8", "replace").strip()


class RateLimiter:
    """At most `per_second` requests per second for one key (a connection), across threads."""

    _lock = threading.Lock()
    _next_at: dict[str, float] = {}

    def __init__(self, key: str, per_second: float, *, clock=time.monotonic, sleep=time.sleep):
        self.key = key
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.clock = clock
        self.sleep = sleep

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = self.clock()
            at = max(now, self._next_at.get(self.key, now))
            self._next_at[self.key] = at + self.interval
        if at > now:
            self.sleep(at - now)


class PsaHttp:
    """One connection's HTTP client. `message_of(reply)` reads the PSA's error message from an
    error answer; `classify(reply, message)` may return a more precise ConnectorError for it
    (e.g. a 400 that means "closed period" becomes Locked) or None for the default mapping.

    `sleep` is what waits between retries (tests pass a recorder to see the waits without
    waiting); `backoff` the first wait in seconds, doubled per retry, with jitter."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        rate_key: str = "",
        per_second: float | None = None,
        attempts: int | None = None,
        backoff: float | None = None,
        timeout: float | None = None,
        message_of: Callable[[Reply], str] = default_message_of,
        classify: Callable[[Reply, str], ConnectorError | None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.attempts = max(1, attempts or settings.DAYBOOK_PSA_ATTEMPTS)
        self.backoff = settings.DAYBOOK_PSA_BACKOFF_SECONDS if backoff is None else backoff
        self.timeout = timeout
        self.message_of = message_of
        self.classify = classify
        self.sleep = sleep
        rate = settings.DAYBOOK_PSA_REQUESTS_PER_SECOND if per_second is None else per_second
        self.limiter = RateLimiter(rate_key or self.base_url, rate, sleep=sleep)
        self.requests_made = 0

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path  # a next-page address the PSA gave (Autotask's nextPageUrl)
        return f"{self.base_url}/{path.lstrip('/')}"

    # --- verbs --------------------------------------------------------------------------------

    def get(self, path: str, *, params: Mapping[str, Any] | None = None, **kw) -> Reply:
        return self.request("GET", path, params=params, **kw)

    def post(self, path: str, *, json: Any = None, **kw) -> Reply:
        return self.request("POST", path, json=json, **kw)

    def put(self, path: str, *, json: Any = None, **kw) -> Reply:
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path: str, *, json: Any = None, **kw) -> Reply:
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path: str, **kw) -> Reply:
        return self.request("DELETE", path, **kw)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        """Send, retrying what may be retried; return a 2xx Reply or raise ConnectorError."""
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        sent_headers = {"Accept": "application/json", **self.headers, **(headers or {})}
        creates = method.upper() == "POST"
        attempt = 0
        while True:
            attempt += 1
            last = attempt >= self.attempts
            self.limiter.wait()
            self.requests_made += 1
            try:
                answer = outbound.request(
                    method,
                    self.url(path),
                    json=json,
                    content=content,
                    params=query,
                    headers=sent_headers,
                    timeout=self.timeout,
                    max_bytes=MAX_RESPONSE_BYTES,
                    any_status=True,
                )
            except outbound.AddressRefused as refused:
                raise Misconfigured(refused.sentence) from None
            except outbound.OutboundError as error:
                # Nothing came back: a POST may have been acted on unless the connection
                # never opened.
                acted = creates and not error.summary.startswith(NOT_SENT)
                if last or acted:
                    raise Unavailable(f"the PSA could not be reached: {error.summary}") from None
                self._pause(attempt, None)
                continue
            reply = Reply(status=answer.status, headers=answer.headers, body=answer.body)
            if answer.truncated:
                raise Unavailable("the PSA's answer was larger than Daybook reads")
            if 200 <= reply.status < 300:
                return reply
            retryable = reply.status in RETRY_STATUSES and (
                not creates or reply.status in NOT_ACTED_STATUSES
            )
            if retryable and self.classify is not None:
                # Some PSAs (Autotask) answer a refusal with a 500 and a reason: a refusal
                # is final, so it is reported at once instead of after every retry.
                special = self.classify(reply, self.message_of(reply) if reply.body else "")
                if special is not None and not special.retryable:
                    raise special
            wait = retry_after(reply.headers.get("retry-after"))
            if retryable and not last and (wait is None or wait <= MAX_RETRY_AFTER_SECONDS):
                self._pause(attempt, wait)
                continue
            raise self.error_for(reply)

    def _pause(self, attempt: int, wait: float | None) -> None:
        if wait is None:
            wait = self.backoff * (2 ** (attempt - 1)) * (1 + random.random() / 4)
        self.sleep(wait)

    def error_for(self, reply: Reply) -> ConnectorError:
        message = self.message_of(reply) if reply.body else ""
        if self.classify is not None:
            special = self.classify(reply, message)
            if special is not None:
                return special
        status = reply.status
        kwargs = {"psa_message": message, "status": status}
        if status == 401:
            return AuthFailed("the PSA refused the credentials", **kwargs)
        if status == 403:
            return AuthFailed("the PSA's API user lacks a permission this needs", **kwargs)
        if status == 404:
            return NotFound("the PSA has no such record", **kwargs)
        if status in (409, 423):
            return Locked("the PSA holds this record locked or changed elsewhere", **kwargs)
        if status == 429:
            return RateLimited(
                "the PSA kept asking Daybook to slow down",
                retry_after=retry_after(reply.headers.get("retry-after")),
                **kwargs,
            )
        if status >= 500:
            return Unavailable(f"the PSA answered with a server error ({status})", **kwargs)
        return Rejected(f"the PSA refused the request ({status})", **kwargs)


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())
