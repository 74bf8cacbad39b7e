"""Who is asking the admin API, and may they: an admin token, or a console session with its CSRF token.

Every route of ``/api/v1`` (and every console page) asks ``OperatorAuth.check(request, role)``:

- ``Authorization: Bearer <admin token>`` (scripts): the token must be one of the admin tokens in force;
  an agent key is refused with 403 (agent keys never operate the gateway);
- otherwise the console's signed session cookie, re-checked against the admin tokens in force (a revoked
  token signs its sessions out); a request that changes anything must also carry the session's CSRF token
  (``X-CSRF-Token`` header, or the ``csrf_token`` form field).

The role is checked last: ``viewer`` < ``approver`` < ``admin``. Failures are JSON ``{"error": ...}``
with 401 (no or expired credentials), 403 (wrong token, agent key, missing CSRF token, role too low).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portcullis.config.model import GrantConfig, Role
from portcullis.console.session import COOKIE, CSRF_FIELD, CSRF_HEADER, ConsoleSession, SessionSigner
from portcullis.policy.grants import authenticate
from portcullis.policy.operators import AdminTokens, role_allows

__all__ = ["Operator", "OperatorAuth", "error"]

_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Operator:
    """A person (or script) allowed in: the admin token's name and role, and how it was presented."""

    name: str
    role: Role
    via: Literal["token", "session"]
    session: ConsoleSession | None = None

    def may(self, needed: Role) -> bool:
        return role_allows(self.role, needed)


def error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


class OperatorAuth:
    """Checks requests against the admin tokens in force (``tokens``) and the console's session signer."""

    def __init__(
        self,
        tokens: Callable[[], AdminTokens],
        signer: SessionSigner,
        grants: Callable[[], tuple[GrantConfig, ...]] = tuple,
    ) -> None:
        self.tokens = tokens
        self.signer = signer
        self.grants = grants

    def identify(self, request: Request) -> Operator | Response:
        """The operator behind the request, whatever their role, or the error response."""
        tokens = self.tokens()
        if not tokens:
            return error(
                403,
                "the admin API and the console are disabled: create an admin token with 'portcullis admin-token "
                "create NAME --role viewer|approver|admin' (or set admin_token_sha256 in the config)",
            )
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme:
            if scheme.lower() != "bearer" or not presented.strip():
                return error(401, "send the admin token as 'Authorization: Bearer <token>'")
            found = tokens.find(presented.strip())
            if found is None:
                if authenticate(self.grants(), presented.strip()) is not None:
                    return error(403, "this is an agent key: agent keys cannot use the admin API or the console")
                return error(403, "wrong admin token")
            return Operator(found.name, found.role, "token")
        session = self.signer.read(request.cookies.get(COOKIE))
        if session is None:
            return error(401, "not signed in (or the session expired): sign in at /console/login")
        current = next((t for t in tokens.tokens if t.token_sha256.lower() == session.token_sha256.lower()), None)
        if current is None:
            return error(401, "the admin token of this session was revoked: sign in again")
        return Operator(current.name, current.role, "session", session)

    async def check(self, request: Request, needed: Role) -> Operator | Response:
        """The operator, when allowed to do what ``needed`` may (and, for a session, with its CSRF token)."""
        found = self.identify(request)
        if isinstance(found, Response):
            return found
        if found.session is not None and request.method not in _SAFE:
            presented = request.headers.get(CSRF_HEADER)
            if presented is None and request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"
            ):
                form = await request.form()
                value = form.get(CSRF_FIELD)
                presented = value if isinstance(value, str) else None
            if not self.signer.csrf_ok(found.session.nonce, presented):
                return error(403, "missing or wrong CSRF token: reload the page and try again")
        if not found.may(needed):
            return error(403, f"admin token '{found.name}' has the role {found.role}; this needs {needed} or above")
        return found
