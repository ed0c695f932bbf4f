"""A small but real OpenID Connect provider for tests, on 127.0.0.1 in a thread.

It serves a discovery document, its signing keys (JWKS), an authorization endpoint that
approves the configured test user at once and sends the browser back with a code and the
state, and a token endpoint that checks the code, the client's secret, the redirect address
and the PKCE verifier before it hands out an RS256-signed ID token.

ID tokens are signed with joserfc, the JOSE library authlib itself verifies them with (authlib's
own `authlib.jose` is deprecated in favour of it).

`tamper` changes what goes into the next ID tokens, to try Daybook against a provider (or an
attacker) that gets them wrong: {"aud": "someone-else"}, {"nonce": "not-the-one-sent"}...
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str


@dataclass
class LocalProvider:
    client_id: str = "daybook-test-client"
    client_secret: str = "daybook-test-secret"
    claims: dict = field(
        default_factory=lambda: {
            "sub": "user-1",
            "email": "tess@example.test",
            "email_verified": True,
            "name": "Tess",
        }
    )
    tamper: dict = field(default_factory=dict)
    issuer: str = ""
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    grants: dict[str, Grant] = field(default_factory=dict)
    # What the provider saw, for assertions.
    authorize_requests: list[dict] = field(default_factory=list)
    token_requests: list[dict] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"],
        }

    def jwks(self) -> dict:
        return KeySet([self.key]).as_dict(private=False)

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            **({"nonce": grant.nonce} if grant.nonce else {}),
            **self.claims,
            **self.tamper,
        }
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)


def _pkce_s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_handler(provider: LocalProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _json(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _refuse(self, error: str, description: str) -> None:
            provider.refusals.append(f"{error}: {description}")
            self._json(400, {"error": error, "error_description": description})

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/.well-known/openid-configuration":
                self._json(200, provider.discovery())
            elif url.path == "/jwks":
                self._json(200, provider.jwks())
            elif url.path == "/authorize":
                self._authorize({k: v[0] for k, v in parse_qs(url.query).items()})
            else:
                self._json(404, {"error": "not_found"})

        def _authorize(self, query: dict) -> None:
            provider.authorize_requests.append(query)
            if query.get("client_id") != provider.client_id:
                return self._refuse("unauthorized_client", "unknown client_id")
            if query.get("response_type") != "code" or "openid" not in query.get("scope", ""):
                return self._refuse("invalid_request", "expected an OpenID code request")
            if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
                return self._refuse("invalid_request", "PKCE with S256 is required")
            code = secrets.token_urlsafe(16)
            provider.grants[code] = Grant(
                client_id=query["client_id"],
                redirect_uri=query["redirect_uri"],
                nonce=query.get("nonce"),
                code_challenge=query["code_challenge"],
                code_challenge_method=query["code_challenge_method"],
            )
            # The test user is signed in here already and approves at once.
            back = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            self.send_response(302)
            self.send_header("Location", back)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/token":
                return self._json(404, {"error": "not_found"})
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            provider.token_requests.append(form)
            client_id, secret = form.get("client_id"), form.get("client_secret")
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            if client_id != provider.client_id or secret != provider.client_secret:
                return self._refuse("invalid_client", "wrong client id or secret")
            grant = provider.grants.pop(form.get("code", ""), None)
            if form.get("grant_type") != "authorization_code" or grant is None:
                return self._refuse("invalid_grant", "unknown or used code")
            if form.get("redirect_uri") != grant.redirect_uri:
                return self._refuse("invalid_grant", "redirect_uri differs from the request")
            if _pkce_s256(form.get("code_verifier", "")) != grant.code_challenge:
                return self._refuse("invalid_grant", "PKCE verifier does not match")
            self._json(
                200,
                {
                    "access_token": secrets.token_urlsafe(16),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(grant),
                },
            )

        def log_message(self, format, *args) -> None:
            pass  # keep the test output to the tests

    return Handler


class RunningProvider:
    """Start with `with RunningProvider(LocalProvider()) as provider: ...`."""

    def __init__(self, provider: LocalProvider):
        self.provider = provider
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(provider))
        provider.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> LocalProvider:
        self.thread.start()
        return self.provider

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
