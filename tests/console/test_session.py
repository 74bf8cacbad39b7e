"""The console's signed session cookie and CSRF tokens, and the OpenAPI document (no browser needed)."""

from __future__ import annotations

from starlette.routing import Route

from portcullis.api.openapi import OPERATIONS, openapi_document
from portcullis.config.model import AdminTokenConfig
from portcullis.console.session import SessionSigner


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


TOKEN = AdminTokenConfig("alice", "ab" * 32, "approver")


def test_a_session_reads_back_until_it_expires() -> None:
    clock = Clock()
    signer = SessionSigner(b"k" * 32, lifetime=60, clock=clock)
    cookie, issued = signer.issue(TOKEN)
    assert signer.read(cookie) == issued and issued.role == "approver" and issued.expires == clock.now + 60
    clock.now += 61
    assert signer.read(cookie) is None


def test_a_forged_or_foreign_cookie_is_refused() -> None:
    signer = SessionSigner(b"k" * 32)
    cookie, _ = signer.issue(TOKEN)
    body, _, mac = cookie.rpartition(".")
    assert signer.read(f"{body}x.{mac}") is None
    assert signer.read(f"{body}.{mac[:-2]}AA") is None
    assert SessionSigner(b"other" * 8).read(cookie) is None
    assert signer.read("") is None and signer.read("no-dot") is None


def test_csrf_tokens_belong_to_their_session() -> None:
    signer = SessionSigner(b"k" * 32)
    _, one = signer.issue(TOKEN)
    _, two = signer.issue(TOKEN)
    assert signer.csrf_ok(one.nonce, signer.csrf(one.nonce))
    assert not signer.csrf_ok(one.nonce, signer.csrf(two.nonce))
    assert not signer.csrf_ok(one.nonce, None) and not signer.csrf_ok(one.nonce, "")


def test_the_openapi_document_names_every_api_route() -> None:
    from portcullis.api.routes import api_routes

    class Nothing:
        approvals = None

    class Ctx:
        state = Nothing()

    routes = [r for r in api_routes(Ctx()) if isinstance(r, Route)]  # type: ignore[arg-type]
    served = {(m.lower(), r.path.replace("{id:int}", "{id}")) for r in routes for m in r.methods or () if m != "HEAD"}
    served.discard(("get", "/api/v1/openapi.json"))
    described = {(method, path) for method, path, *_ in OPERATIONS}
    assert served <= described, served - described
    document = openapi_document()
    assert document["openapi"] == "3.1.0" and set(document["paths"]) == {p for _, p in described}
