"""The one door for HTTP requests Daybook makes to other servers (chat webhooks today; calendar
feeds and PSA connectors later).

Members type these addresses, so every request is treated as an attempt to reach somewhere it
should not (server-side request forgery). A request goes out only when:

- its scheme is https (http only where an administrator allowed it for development);
- its host is on the administrator's allow-list, DAYBOOK_OUTBOUND_HOSTS;
- every address the host resolves to is public: loopback, private (RFC 1918, ULA), link-local,
  shared (CGNAT), multicast, reserved, unspecified and cloud metadata addresses are refused,
  for IPv4 and IPv6 alike, including IPv4 addresses wrapped in IPv6.

The same checks run when an address is saved (validate_outbound_url, a model field validator)
and again when it is used, because DNS answers change. The connection is then made to the
address that was checked, never to a second lookup's answer (DNS rebinding), while TLS still
verifies the certificate for the host name. Redirects are not followed. One time limit covers
the whole request, from the lookup to the last byte of the answer, so a server that answers a
byte at a time cannot hold a worker longer than that. Failures are described in our own words:
nothing the remote server said is ever passed on.
"""

import contextlib
import functools
import ipaddress
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httpcore
import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

# The most of an answer that is read; the rest is left unread.
MAX_RESPONSE_BYTES = 64 * 1024
# Saving an address waits at most this long for its name lookup; a name that does not resolve
# by then is checked again when it is used.
SAVE_LOOKUP_SECONDS = 3.0

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

LOOPBACK = "loopback"
PRIVATE = "private network"
LINK_LOCAL = "link-local"
SHARED = "shared carrier network (CGNAT)"
MULTICAST = "multicast"
RESERVED = "reserved"
UNSPECIFIED = "unspecified"
METADATA = "cloud metadata service"

# Instance metadata endpoints answer credentials to whoever asks from inside the cloud.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")
)

_V4_RANGES: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", UNSPECIFIED),
    ("127.0.0.0/8", LOOPBACK),
    ("10.0.0.0/8", PRIVATE),
    ("172.16.0.0/12", PRIVATE),
    ("192.168.0.0/16", PRIVATE),
    ("169.254.0.0/16", LINK_LOCAL),
    ("100.64.0.0/10", SHARED),
    ("224.0.0.0/4", MULTICAST),
    ("240.0.0.0/4", RESERVED),  # includes the broadcast address
    ("192.0.0.0/24", RESERVED),
    ("192.0.2.0/24", RESERVED),
    ("198.18.0.0/15", RESERVED),
    ("198.51.100.0/24", RESERVED),
    ("203.0.113.0/24", RESERVED),
)
_V6_RANGES: tuple[tuple[str, str], ...] = (
    ("::/128", UNSPECIFIED),
    ("::1/128", LOOPBACK),
    ("fc00::/7", PRIVATE),
    ("fec0::/10", PRIVATE),  # the old site-local range
    ("fe80::/10", LINK_LOCAL),
    ("ff00::/8", MULTICAST),
    ("::/96", RESERVED),  # the old IPv4-compatible form
    ("100::/64", RESERVED),
    ("2001:db8::/32", RESERVED),
)
_RANGES = tuple(
    (ipaddress.ip_network(network), reason) for network, reason in _V4_RANGES + _V6_RANGES
)
# IPv6 ranges whose addresses carry an IPv4 address that is reached in the end.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")


class OutboundError(Exception):
    """A request that was refused or got no good answer. `summary` is short and in our own
    words, safe to store and show to the member who set the address; `sentence` says the same
    for someone saving the address in a form."""

    def __init__(self, summary: str, *, sentence: str = "", status: int | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.sentence = sentence or f"{summary[:1].upper()}{summary[1:]}."
        self.status = status


class AddressRefused(OutboundError):
    """The host is not one Daybook may send to."""


class LookupFailed(OutboundError):
    """The host's name did not resolve, or not in time: nothing is known about it yet."""


@dataclass(frozen=True)
class Answer:
    """A 2xx answer (or, with `any_status`, any answer but a redirect): its status, at most
    `max_bytes` of its body and its headers (names in lower case)."""

    status: int
    body: bytes
    truncated: bool
    headers: Mapping[str, str] = field(default_factory=dict)


# --- what may be reached ---------------------------------------------------------------------


def address_refusal(address: IPAddress, *, allow_loopback: bool = False) -> str | None:
    """Why Daybook does not send to `address` (a few words), or None when it may."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            address = ipaddress.IPv6Address(address.compressed.split("%")[0])
        inner = _embedded_ipv4(address)
        if inner is not None:
            reason = address_refusal(inner, allow_loopback=allow_loopback)
            if reason is not None or address.ipv4_mapped is not None:
                return reason
    if allow_loopback and address.is_loopback:
        return None
    if address in METADATA_ADDRESSES:
        return METADATA
    for network, reason in _RANGES:
        if address.version == network.version and address in network:
            return reason
    if not address.is_global:
        return RESERVED
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def host_allowed(host: str, patterns: list[str]) -> bool:
    """Whether `host` (lower case, ASCII) matches an allow-list entry: an exact host, or
    `*.suffix` for any host under that suffix (not the suffix itself)."""
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]):
                return True
        elif host == pattern:
            return True
    return False


def allowed_hosts() -> list[str]:
    return [_normal_host(p) for p in settings.DAYBOOK_OUTBOUND_HOSTS]


def _normal_host(host: str) -> str:
    host = host.strip().strip("[]").rstrip(".").lower()
    literal = _literal(host)
    return literal.compressed if literal is not None else host


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


@dataclass(frozen=True)
class Target:
    url: httpx.URL
    host: str
    port: int
    literal: IPAddress | None


def _target(url: str, *, allow_loopback: bool) -> Target:
    """Parse `url` and check what can be checked without a name lookup."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise OutboundError(
            "not a valid web address", sentence="That is not a valid web address."
        ) from None
    allow_http = settings.DAYBOOK_OUTBOUND_ALLOW_HTTP
    if parsed.scheme != "https" and not (allow_http and parsed.scheme == "http"):
        raise AddressRefused(
            "only https:// addresses are used",
            sentence="Only https:// addresses are accepted: messages must not travel unencrypted.",
        )
    if parsed.userinfo:
        raise AddressRefused(
            "addresses with a user name or password are not used",
            sentence="Addresses with a user name or password in them are not accepted.",
        )
    host = _normal_host(parsed.raw_host.decode("ascii"))
    if not host:
        raise OutboundError("the address has no host", sentence="That address has no host.")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    literal = _literal(host)
    if literal is not None:
        reason = address_refusal(literal, allow_loopback=allow_loopback)
        if reason is not None:
            raise _refused(host, reason, resolved=False)
    if not host_allowed(host, allowed_hosts()):
        raise AddressRefused(
            f"{host} is not on the administrator's list of allowed hosts",
            sentence=f"Daybook only sends to hosts an administrator allowed, and {host} is not "
            f"one of them. Allowed: {', '.join(settings.DAYBOOK_OUTBOUND_HOSTS) or 'none'}.",
        )
    return Target(url=parsed, host=host, port=port, literal=literal)


def _refused(host: str, reason: str, *, resolved: bool) -> AddressRefused:
    article = "an" if reason[0] in "aeiou" else "a"
    what = f"{'resolves to' if resolved else 'is'} {article} {reason} address"
    return AddressRefused(
        f"address refused: {reason} ({host} {what})",
        sentence=f"Daybook does not send to {host}: it {what}. Requests from the server to "
        "internal or special addresses are refused, so that a webhook cannot be used to reach "
        "systems inside the network.",
    )


# --- name lookup -----------------------------------------------------------------------------


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to, in the resolver's order. Tests replace this."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _LookupFailed(Exception):
    pass


def _lookup(host: str, port: int, *, within: float) -> list[IPAddress]:
    """resolve() with a time limit (getaddrinfo has none): a resolver that hangs leaves its
    thread behind, not the caller. Raises TimeoutError or _LookupFailed."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["addresses"] = resolve(host, port)
        except (OSError, UnicodeError) as error:
            outcome["error"] = error

    thread = threading.Thread(target=run, name="outbound-lookup", daemon=True)
    thread.start()
    thread.join(max(within, 0))
    if thread.is_alive():
        raise TimeoutError
    if "error" in outcome:
        raise _LookupFailed
    addresses = [_literal(a.split("%")[0]) for a in outcome["addresses"]]
    if not addresses or None in addresses:
        raise _LookupFailed
    return addresses  # type: ignore[return-value]


def _vetted(target: Target, *, deadline: float, limit: float, allow_loopback: bool) -> list[str]:
    """The addresses to connect to, every one of them checked."""
    if target.literal is not None:
        return [target.literal.compressed]
    try:
        addresses = _lookup(target.host, target.port, within=deadline - time.monotonic())
    except TimeoutError:
        raise LookupFailed(_timed_out(limit).summary) from None
    except _LookupFailed:
        raise LookupFailed(f"could not find {target.host} (name lookup failed)") from None
    for address in addresses:
        reason = address_refusal(address, allow_loopback=allow_loopback)
        if reason is not None:
            raise _refused(target.host, reason, resolved=True)
    return [a.compressed for a in addresses]


def _loopback_allowed(allow_loopback: bool | None) -> bool:
    if allow_loopback is not None:
        return allow_loopback
    return settings.DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK


def validate_outbound_url(value: str) -> None:
    """Model field validator: refuse an address Daybook would not send to, with a sentence
    saying why. A name that does not resolve now is let through; it is checked again, like
    every address, each time it is used."""
    allow_loopback = _loopback_allowed(None)
    try:
        target = _target(value, allow_loopback=allow_loopback)
        if target.literal is None:
            deadline = time.monotonic() + SAVE_LOOKUP_SECONDS
            _vetted(
                target, deadline=deadline, limit=SAVE_LOOKUP_SECONDS, allow_loopback=allow_loopback
            )
    except LookupFailed:
        return
    except AddressRefused as refused:
        raise ValidationError(refused.sentence, code="outbound_refused") from None
    except OutboundError as error:
        raise ValidationError(error.sentence, code="outbound_invalid") from None


# --- sending ---------------------------------------------------------------------------------


def _timed_out(limit: float) -> OutboundError:
    return OutboundError(f"timed out after {limit:g} s")


class _Deadline:
    def __init__(self, at: float) -> None:
        self.at = at

    def clip(self, timeout: float | None, expired: type[Exception]) -> float:
        """The time an operation may take: what it asked for, but never past the deadline."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise expired("the request's time limit has passed")
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        clipped = self._deadline.clip(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, clipped), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Connects to the addresses that were checked, whatever a new lookup would say now."""

    def __init__(self, *, host: str, addresses: list[str], deadline: _Deadline) -> None:
        self._host = host
        self._addresses = addresses
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        if _normal_host(host) != self._host:
            raise httpcore.ConnectError(f"not the host that was checked: {host}")
        failure: Exception = httpcore.ConnectError("no address to connect to")
        for address in self._addresses:
            try:
                stream = self._inner.connect_tcp(
                    address,
                    port,
                    timeout=self._deadline.clip(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as error:
                failure = error
                continue
            return _DeadlineStream(stream, self._deadline)
        raise failure

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for outbound requests")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _CoreStream(httpx.SyncByteStream):
    def __init__(self, response: httpcore.Response) -> None:
        self._response = response

    def __iter__(self) -> Iterator[bytes]:
        yield from self._response.iter_stream()

    def close(self) -> None:
        self._response.close()


@functools.cache
def _ssl_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """httpx's default context (certifi's roots, or SSL_CERT_FILE / SSL_CERT_DIR when set),
    built once: loading the roots takes longer than a whole local request."""
    return httpx.create_ssl_context()


class _PinnedTransport(httpx.BaseTransport):
    """httpx's transport, over a connection pool that only reaches the checked addresses and
    ignores proxy variables (a proxy would make the address checks meaningless)."""

    def __init__(self, backend: _PinnedBackend) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(
                os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
            ),
            network_backend=backend,
            max_connections=1,
            retries=0,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        response = self._pool.handle_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_CoreStream(response),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()


def request(
    method: str,
    url: str,
    *,
    json: Any = None,
    content: bytes | None = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float | None = None,
    max_bytes: int = MAX_RESPONSE_BYTES,
    allow_loopback: bool | None = None,
    any_status: bool = False,
) -> Answer:
    """Make one HTTP request under the rules above and return its 2xx answer. Anything else
    raises OutboundError: refused, timed out (after `timeout`, default
    DAYBOOK_OUTBOUND_TIMEOUT_SECONDS, for the whole request), unreachable, or answered with a
    redirect or an error status. `allow_loopback` (default: the setting
    DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK) lets tests reach a server on this machine.

    `params` are added to the address's query string; `content` is sent as the body as it is
    (instead of `json`). With `any_status`, an error status is returned as an Answer, body and
    headers included, for callers (the PSA connectors) that read the server's own account of
    what went wrong; redirects are still refused."""
    limit = float(timeout if timeout is not None else settings.DAYBOOK_OUTBOUND_TIMEOUT_SECONDS)
    deadline = _Deadline(time.monotonic() + limit)
    loopback = _loopback_allowed(allow_loopback)
    if params:
        # An address httpx cannot read is left as it is: _target says what is wrong with it.
        with contextlib.suppress(httpx.InvalidURL, TypeError):
            url = str(httpx.URL(url).copy_merge_params(params))
    target = _target(url, allow_loopback=loopback)
    addresses = _vetted(target, deadline=deadline.at, limit=limit, allow_loopback=loopback)
    backend = _PinnedBackend(host=target.host, addresses=addresses, deadline=deadline)
    sent_headers = {"Accept-Encoding": "identity", "User-Agent": "Daybook", **(headers or {})}
    try:
        with (
            httpx.Client(
                transport=_PinnedTransport(backend),
                follow_redirects=False,
                trust_env=False,
                timeout=limit,
            ) as client,
            client.stream(
                method, target.url, json=json, content=content, headers=sent_headers
            ) as response,
        ):
            status = response.status_code
            if 300 <= status < 400:
                raise OutboundError(
                    f"the receiver answered with a redirect ({status}); redirects are not followed",
                    status=status,
                )
            if not 200 <= status < 300 and not any_status:
                raise OutboundError(f"the receiver answered {_status_words(status)}", status=status)
            body, truncated = _read_capped(response, max_bytes)
            received = {name.lower(): value for name, value in response.headers.items()}
    except (httpcore.TimeoutException, httpx.TimeoutException):
        raise _timed_out(limit) from None
    except (httpcore.ConnectError, httpx.ConnectError) as error:
        raise OutboundError(_connect_failure(target, error)) from None
    except (httpcore.ProtocolError, httpx.ProtocolError):
        raise OutboundError(f"the answer from {target.host} was not valid HTTP") from None
    except (httpcore.NetworkError, httpx.NetworkError):
        raise OutboundError(f"the connection to {target.host} broke off") from None
    except (
        httpcore.ConnectionNotAvailable,
        httpcore.UnsupportedProtocol,
        httpx.HTTPError,
        httpx.StreamError,
    ):
        raise OutboundError(f"the request to {target.host} failed") from None
    return Answer(status=status, body=body, truncated=truncated, headers=received)


def post_json(
    url: str,
    payload: Any,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float | None = None,
    allow_loopback: bool | None = None,
) -> Answer:
    """POST `payload` as JSON through request()."""
    return request(
        "POST", url, json=payload, headers=headers, timeout=timeout, allow_loopback=allow_loopback
    )


def _read_capped(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    body = bytearray()
    for chunk in response.iter_raw():
        body += chunk
        if len(body) > max_bytes:
            return bytes(body[:max_bytes]), True
    return bytes(body), False


def _status_words(status: int) -> str:
    try:
        return f"{status} ({HTTPStatus(status).phrase})"
    except ValueError:
        return str(status)


def _connect_failure(target: Target, error: Exception) -> str:
    # httpcore wraps the OSError as its argument; the chain is not always kept.
    wrapped = error.args[0] if error.args and isinstance(error.args[0], Exception) else None
    cause = error.__cause__ or wrapped or error.__context__
    where = f"{target.host}:{target.port}"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"the certificate of {target.host} could not be verified"
    if isinstance(cause, ssl.SSLError):
        return f"the secure connection to {where} could not be set up"
    if isinstance(cause, ConnectionRefusedError):
        return f"could not connect to {where}: the connection was refused"
    return f"could not connect to {where}"
