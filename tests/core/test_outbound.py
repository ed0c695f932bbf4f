"""The door for outbound requests, against real servers on 127.0.0.1: only allowed hosts at
public addresses, the checked address is the one connected to, one time limit for the whole
request, and failures told in our own words."""

import contextlib
import ipaddress
import logging
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError

from daybook.core import outbound
from daybook.core.outbound import (
    LINK_LOCAL,
    LOOPBACK,
    METADATA,
    MULTICAST,
    PRIVATE,
    RESERVED,
    SHARED,
    UNSPECIFIED,
    AddressRefused,
    OutboundError,
    address_refusal,
    host_allowed,
    validate_outbound_url,
)
from tests.core.test_settings import PRODUCTION, start_django

# What an internal service might say; none of it may reach a stored error.
BANNER = "SSH-2.0-OpenSSH_9.6p1 internal-bastion-7"
PUBLIC = "34.120.1.10"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local HTTP server. `answer` writes the response for each request it gets."""

    port: int = 0
    seen: list[Seen] = field(default_factory=list)
    answer: Callable[[BaseHTTPRequestHandler], None] | None = None
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def answer_ok(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "2")
    handler.end_headers()
    handler.wfile.write(b"ok")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    recv = Receiver(answer=answer_ok)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            recv.seen.append(Seen(self.path, dict(self.headers.items()), body))
            recv.answer(self)

        do_GET = do_POST

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    recv.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield recv
    recv.stop.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def loopback(settings) -> None:
    """What the tests' local server needs: its address allowed, over http, on loopback."""
    settings.DAYBOOK_OUTBOUND_HOSTS = ["127.0.0.1", "hooks.example"]
    settings.DAYBOOK_OUTBOUND_ALLOW_HTTP = True
    settings.DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK = True


@pytest.fixture
def resolver(monkeypatch) -> dict[str, list[str]]:
    """Names resolve from this table only; the lookups made are counted under '_calls'."""
    table: dict[str, list[str]] = {"_calls": []}

    def resolve(host: str, port: int) -> list[str]:
        table["_calls"].append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    monkeypatch.setattr(outbound, "resolve", resolve)
    return table


# --- which addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", LOOPBACK),
        ("127.8.9.10", LOOPBACK),
        ("::1", LOOPBACK),
        ("::ffff:127.0.0.1", LOOPBACK),
        ("10.0.0.5", PRIVATE),
        ("172.16.4.4", PRIVATE),
        ("192.168.1.1", PRIVATE),
        ("::ffff:192.168.1.1", PRIVATE),
        ("fd12:3456::1", PRIVATE),
        ("64:ff9b::a00:5", PRIVATE),  # NAT64 of 10.0.0.5
        ("2002:a00:5::1", PRIVATE),  # 6to4 of 10.0.0.5
        ("169.254.10.10", LINK_LOCAL),
        ("fe80::1", LINK_LOCAL),
        ("100.64.0.1", SHARED),
        ("224.0.0.1", MULTICAST),
        ("ff02::1", MULTICAST),
        ("0.0.0.0", UNSPECIFIED),  # noqa: S104 - an address to refuse, not to bind
        ("::", UNSPECIFIED),
        ("240.0.0.1", RESERVED),
        ("255.255.255.255", RESERVED),
        ("192.0.2.10", RESERVED),
        ("2001:db8::1", RESERVED),
        ("169.254.169.254", METADATA),
        ("fd00:ec2::254", METADATA),
        ("::ffff:169.254.169.254", METADATA),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_each_kind_of_internal_address_is_refused_and_public_ones_pass(address, reason):
    assert address_refusal(ipaddress.ip_address(address)) == reason


def test_the_loopback_override_lets_loopback_through_and_nothing_else():
    def allowed(address: str) -> bool:
        return address_refusal(ipaddress.ip_address(address), allow_loopback=True) is None

    assert allowed("127.0.0.1")
    assert allowed("::1")
    assert not allowed("10.0.0.5")
    assert not allowed("169.254.169.254")
    assert not allowed("192.168.1.1")


def test_a_wildcard_covers_hosts_under_the_suffix_only():
    patterns = ["hooks.slack.com", "*.webhook.office.com"]
    assert host_allowed("hooks.slack.com", patterns)
    assert host_allowed("contoso.webhook.office.com", patterns)
    assert host_allowed("a.b.webhook.office.com", patterns)
    assert not host_allowed("webhook.office.com", patterns)
    assert not host_allowed("evilwebhook.office.com", patterns)
    assert not host_allowed("hooks.slack.com.evil.example", patterns)
    assert not host_allowed("slack.com", patterns)


def test_the_default_list_is_chat_webhooks_and_published_calendars(settings):
    assert settings.DAYBOOK_OUTBOUND_HOSTS == [
        "hooks.slack.com",
        "*.webhook.office.com",
        "*.logic.azure.com",
        "*.environment.api.powerplatform.com",
        "outlook.office365.com",
        "outlook.live.com",
        "calendar.google.com",
    ]
    assert settings.DAYBOOK_OUTBOUND_ALLOW_HTTP is False
    assert settings.DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK is False


# --- refused before anything is sent ---------------------------------------------------------

SSRF_URLS = [
    ("https://127.0.0.1/hook", LOOPBACK),
    ("https://10.0.0.5/hook", PRIVATE),
    ("https://169.254.169.254/latest/meta-data/", METADATA),
    ("https://[::1]/hook", LOOPBACK),
    ("https://[::ffff:127.0.0.1]/hook", LOOPBACK),
]


@pytest.mark.parametrize(("url", "reason"), SSRF_URLS)
def test_internal_addresses_are_refused_at_send_time(url, reason, settings, resolver):
    with pytest.raises(AddressRefused) as refused:
        outbound.post_json(url, {"text": "hi"})
    assert refused.value.summary.startswith(f"address refused: {reason}")
    assert resolver["_calls"] == []


@pytest.mark.parametrize(("url", "reason"), SSRF_URLS)
def test_internal_addresses_are_refused_even_when_an_administrator_lists_them(
    url, reason, settings, resolver
):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["127.0.0.1", "10.0.0.5", "169.254.169.254", "::1"]
    with pytest.raises(AddressRefused) as refused:
        outbound.post_json(url, {"text": "hi"})
    assert refused.value.summary.startswith(f"address refused: {reason} (")


def test_a_name_resolving_to_a_private_address_is_refused(settings, resolver):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["hooks.example"]
    resolver["hooks.example"] = ["10.1.2.3"]
    with pytest.raises(AddressRefused) as refused:
        outbound.post_json("https://hooks.example/T1", {"text": "hi"})
    assert refused.value.summary == (
        "address refused: private network (hooks.example resolves to a private network address)"
    )


def test_one_private_address_among_public_ones_is_enough_to_refuse(settings, resolver):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["hooks.example"]
    resolver["hooks.example"] = [PUBLIC, "::ffff:10.0.0.1"]
    with pytest.raises(AddressRefused, match="private network"):
        outbound.post_json("https://hooks.example/T1", {"text": "hi"})


def test_the_loopback_override_does_not_open_private_networks(loopback, resolver):
    resolver["hooks.example"] = ["192.168.0.10"]
    with pytest.raises(AddressRefused, match="private network"):
        outbound.post_json("http://hooks.example/T1", {"text": "hi"})


def test_a_host_off_the_list_is_refused_without_a_lookup(resolver):
    with pytest.raises(AddressRefused) as refused:
        outbound.post_json("https://evil.example/hook", {"text": "hi"})
    assert refused.value.summary == (
        "evil.example is not on the administrator's list of allowed hosts"
    )
    assert resolver["_calls"] == []


def test_plain_http_is_refused_unless_allowed(settings, resolver):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["hooks.example"]
    resolver["hooks.example"] = [PUBLIC]
    with pytest.raises(AddressRefused, match=r"only https:// addresses"):
        outbound.post_json("http://hooks.example/T1", {"text": "hi"})


def test_credentials_in_the_address_are_refused(resolver):
    with pytest.raises(AddressRefused, match="user name or password"):
        outbound.post_json("https://evil@hooks.slack.com/services/T1", {"text": "hi"})


def test_a_name_that_does_not_resolve_is_reported_as_such(settings, resolver):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["nowhere.example"]
    with pytest.raises(OutboundError) as error:
        outbound.post_json("https://nowhere.example/T1", {"text": "hi"})
    assert error.value.summary == "could not find nowhere.example (name lookup failed)"


# --- the save-time validator -----------------------------------------------------------------


@pytest.mark.parametrize(("url", "reason"), SSRF_URLS)
def test_the_validator_refuses_internal_addresses_with_a_sentence(url, reason, resolver):
    with pytest.raises(ValidationError) as refused:
        validate_outbound_url(url)
    (message,) = refused.value.messages
    assert f" {reason} address" in message
    assert "cannot be used to reach systems inside the network" in message


def test_the_validator_refuses_a_name_resolving_inside_the_network(settings, resolver):
    settings.DAYBOOK_OUTBOUND_HOSTS = ["*.example"]
    resolver["intranet.example"] = ["172.20.0.4"]
    with pytest.raises(ValidationError) as refused:
        validate_outbound_url("https://intranet.example/hook")
    assert refused.value.messages == [
        "Daybook does not send to intranet.example: it resolves to a private network address. "
        "Requests from the server to internal or special addresses are refused, so that a "
        "webhook cannot be used to reach systems inside the network."
    ]


def test_the_validator_names_the_allowed_hosts_when_refusing_another(resolver):
    with pytest.raises(ValidationError) as refused:
        validate_outbound_url("https://example.com/hook")
    (message,) = refused.value.messages
    assert "example.com is not one of them" in message
    assert "hooks.slack.com, *.webhook.office.com" in message


def test_the_validator_refuses_http(resolver):
    with pytest.raises(ValidationError, match="Only https:// addresses are accepted"):
        validate_outbound_url("http://hooks.slack.com/services/T1")


def test_the_validator_accepts_slack_and_teams_addresses(resolver):
    resolver["hooks.slack.com"] = [PUBLIC]
    resolver["contoso.webhook.office.com"] = ["2603:1036::10"]
    validate_outbound_url("https://hooks.slack.com/services/T0/B0/XXXX")
    validate_outbound_url("https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/x")
    # Not resolvable now (no network): let through, and checked again when used.
    validate_outbound_url(
        "https://prod-23.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
    )


# --- sending ---------------------------------------------------------------------------------


def test_a_request_reaches_an_allowed_server_with_our_headers(loopback, receiver):
    answer = outbound.post_json(
        f"{receiver.url}/services/T1", {"text": "hi"}, headers={"Idempotency-Key": "k-1"}
    )

    assert (answer.status, answer.body, answer.truncated) == (200, b"ok", False)
    (seen,) = receiver.seen
    assert seen.path == "/services/T1"
    assert seen.body == b'{"text":"hi"}'
    assert seen.headers["Content-Type"] == "application/json"
    assert seen.headers["Idempotency-Key"] == "k-1"
    assert seen.headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_the_secret_address_is_not_written_to_the_log(loopback, receiver, caplog):
    # A webhook address is a password: httpx would log it in full at INFO.
    with caplog.at_level(logging.DEBUG):
        outbound.post_json(f"{receiver.url}/services/T0/B0/secret-token", {"text": "hi"})
    assert len(receiver.seen) == 1
    assert "secret-token" not in caplog.text


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    loopback, receiver, monkeypatch
):
    # DNS rebinding: the first answer passes the check, a later one would point inside.
    answers = iter([["127.0.0.1"], ["10.0.0.5"], ["10.0.0.5"]])
    calls = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    monkeypatch.setattr(outbound, "resolve", rebinding)

    answer = outbound.post_json(f"http://hooks.example:{receiver.port}/T1", {"text": "hi"})

    assert answer.status == 200
    assert calls == ["hooks.example"]
    (seen,) = receiver.seen
    assert seen.headers["Host"] == f"hooks.example:{receiver.port}"


def make_certificate(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA, and a certificate it signed for `name`: (ca.pem, cert.pem, key.pem)."""
    now = datetime.now(UTC)

    def build(subject: str, issuer: x509.Name | None, key, signer, *, ca: bool):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(issuer or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("Daybook test CA", None, ca_key, ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = build(name, ca.subject, key, ca_key, ca=False)
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch) -> Iterator[Callable[[str], Receiver]]:
    """Starts a receiver speaking TLS with a certificate for the name given, signed by a CA
    the test trusts (SSL_CERT_FILE)."""
    servers = []

    def serve(name: str) -> Receiver:
        ca, cert, key = make_certificate(tmp_path, name)
        monkeypatch.setenv("SSL_CERT_FILE", str(ca))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        recv = Receiver(answer=answer_ok)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recv.seen.append(Seen(self.path, dict(self.headers.items()), body))
                answer_ok(self)

            def log_message(self, format, *args) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        server.socket = context.wrap_socket(server.socket, server_side=True)
        recv.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        servers.append((server, thread))
        return recv

    yield serve
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join()


def test_https_goes_to_the_checked_address_and_verifies_the_name(loopback, tls_receiver, resolver):
    resolver["hooks.example"] = ["127.0.0.1"]
    recv = tls_receiver("hooks.example")

    answer = outbound.post_json(f"https://hooks.example:{recv.port}/T1", {"text": "hi"})

    assert answer.status == 200
    (seen,) = recv.seen
    assert seen.headers["Host"] == f"hooks.example:{recv.port}"


def test_a_certificate_for_another_name_is_refused(loopback, tls_receiver, resolver):
    resolver["hooks.example"] = ["127.0.0.1"]
    recv = tls_receiver("someone-else.example")

    with pytest.raises(OutboundError) as error:
        outbound.post_json(f"https://hooks.example:{recv.port}/T1", {"text": "hi"})

    assert error.value.summary == "the certificate of hooks.example could not be verified"
    assert recv.seen == []


def test_a_redirect_is_reported_and_not_followed(loopback, receiver, resolver):
    def redirect(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", "http://10.0.0.5/admin")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    receiver.answer = redirect

    with pytest.raises(OutboundError) as error:
        outbound.post_json(receiver.url, {"text": "hi"})

    assert (
        error.value.summary
        == "the receiver answered with a redirect (302); redirects are not followed"
    )
    assert error.value.status == 302
    assert len(receiver.seen) == 1
    assert resolver["_calls"] == []


def test_an_error_answer_is_summarised_without_its_body(loopback, receiver):
    def not_found(handler: BaseHTTPRequestHandler) -> None:
        body = f"{BANNER}\r\nno such hook".encode()
        handler.send_response(404, BANNER)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    receiver.answer = not_found

    with pytest.raises(OutboundError) as error:
        outbound.post_json(receiver.url, {"text": "hi"})

    assert error.value.summary == "the receiver answered 404 (Not Found)"
    assert "SSH" not in str(error.value)


@pytest.fixture
def banner_server() -> Iterator[int]:
    """A service that is not HTTP: it greets every connection with a banner."""

    class Greeter(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            self.request.sendall(f"{BANNER}\r\n".encode())
            time.sleep(0.1)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Greeter)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


def test_a_banner_from_a_service_that_is_not_http_never_comes_back(loopback, banner_server):
    with pytest.raises(OutboundError) as error:
        outbound.post_json(f"http://127.0.0.1:{banner_server}/", {"text": "hi"})

    assert error.value.summary == "the answer from 127.0.0.1 was not valid HTTP"
    assert "SSH" not in error.value.summary
    assert "bastion" not in error.value.sentence


def test_nothing_listening_is_a_refused_connection(loopback):
    port = free_port()
    with pytest.raises(OutboundError) as error:
        outbound.post_json(f"http://127.0.0.1:{port}/", {"text": "hi"})
    assert (
        error.value.summary == f"could not connect to 127.0.0.1:{port}: the connection was refused"
    )


def test_only_the_first_64_kb_of_an_answer_are_read(loopback, receiver):
    size = 1024 * 1024

    def large(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        with contextlib.suppress(OSError):  # the client stops reading, as it should
            handler.wfile.write(b"x" * size)

    receiver.answer = large

    answer = outbound.post_json(receiver.url, {"text": "hi"})

    assert answer.truncated
    assert len(answer.body) == outbound.MAX_RESPONSE_BYTES


def drip(receiver: Receiver, *, headers_first: bool) -> Callable[[BaseHTTPRequestHandler], None]:
    """An answer that arrives one byte a second, from its first line or after its headers."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        if headers_first:
            handler.send_response(200)
            handler.send_header("Content-Length", "1000")
            handler.end_headers()
            handler.wfile.flush()
        data = b"x" * 1000 if headers_first else b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        for byte in data:
            if receiver.stop.wait(1):
                return
            try:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
            except OSError:
                return

    return answer


@pytest.mark.parametrize("headers_first", [False, True], ids=["status-line", "body"])
def test_a_receiver_dripping_a_byte_a_second_is_cut_off_at_the_deadline(
    loopback, receiver, headers_first
):
    receiver.answer = drip(receiver, headers_first=headers_first)
    deadline = 2

    started = time.monotonic()
    with pytest.raises(OutboundError) as error:
        outbound.post_json(receiver.url, {"text": "hi"}, timeout=deadline)
    took = time.monotonic() - started

    assert error.value.summary == "timed out after 2 s"
    assert deadline - 0.1 <= took < deadline * 1.25


def test_the_deadline_comes_from_the_setting(loopback, receiver, settings):
    settings.DAYBOOK_OUTBOUND_TIMEOUT_SECONDS = 1
    receiver.answer = drip(receiver, headers_first=False)

    started = time.monotonic()
    with pytest.raises(OutboundError, match=r"^timed out after 1 s$"):
        outbound.post_json(receiver.url, {"text": "hi"})
    assert time.monotonic() - started < 1.5


def test_a_name_lookup_that_hangs_counts_against_the_deadline(loopback, monkeypatch):
    release = threading.Event()

    def hanging(host: str, port: int) -> list[str]:
        release.wait(5)
        return ["127.0.0.1"]

    monkeypatch.setattr(outbound, "resolve", hanging)
    started = time.monotonic()
    with pytest.raises(OutboundError, match=r"^timed out after 1 s$"):
        outbound.post_json("http://hooks.example/T1", {"text": "hi"}, timeout=1)
    release.set()
    assert time.monotonic() - started < 1.5


# --- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {**PRODUCTION, "DAYBOOK_OUTBOUND_ALLOW_HTTP": "true"},
            "DAYBOOK_OUTBOUND_ALLOW_HTTP and DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK must be off",
        ),
        (
            {**PRODUCTION, "DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK": "1"},
            "DAYBOOK_OUTBOUND_ALLOW_HTTP and DAYBOOK_OUTBOUND_UNSAFE_ALLOW_LOOPBACK must be off",
        ),
        (
            {"DAYBOOK_OUTBOUND_HOSTS": "hooks.slack.com,*"},
            "DAYBOOK_OUTBOUND_HOSTS entries must be host names or *.suffix, not '*'",
        ),
        (
            {"DAYBOOK_OUTBOUND_HOSTS": "https://hooks.slack.com/"},
            "DAYBOOK_OUTBOUND_HOSTS entries must be host names or *.suffix",
        ),
        ({"DAYBOOK_OUTBOUND_TIMEOUT_SECONDS": "0"}, "DAYBOOK_OUTBOUND_TIMEOUT_SECONDS must be"),
        ({"DAYBOOK_WORKER_THREADS": "0"}, "DAYBOOK_WORKER_THREADS must be from 1 to 64"),
    ],
)
def test_unsafe_or_mistyped_outbound_settings_stop_start_up(tmp_path, env, message):
    result = start_django(tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr
