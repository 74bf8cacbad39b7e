"""Benchmark of OAuth token checks on the request path (issue 14: ≤ 30 µs per call for a cached JWT).

Measures, in one run, µs per call of ``OAuthGate.authenticate`` for:
- an agent key (the path every key caller takes, for comparison);
- a JWT already seen (the usual case: a client sends the same access token on every call) — RS256 and ES256;
- a JWT seen for the first time with its signing key cached (signature, iss, aud, exp, nbf checked) —
  RS256 and ES256: what a new token costs once.
No network: the key set is loaded from memory, as after the gateway's first read.
Usage: ``python bench/oauth.py``. Budget: a cached JWT ≤ 30 µs.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from portcullis.config.model import GrantConfig
from portcullis.oauth.gate import OAuthGate
from portcullis.oauth.jwks import parse_jwks
from portcullis.oauth.settings import OAuthSettings
from portcullis.policy.grants import key_digest

ROUNDS = 7
ISSUER = "https://login.example.test"
AUDIENCE = "https://gw.example.test/mcp"
KEY = "pcu_bench_agent_key"


def _per_call(fn: Callable[[], Any], n: int) -> float:
    """Median over ROUNDS of µs per call."""
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - start) / n * 1e6)
    return statistics.median(samples)


def _gate() -> tuple[OAuthGate, dict[str, Any]]:
    settings = OAuthSettings(issuer=ISSUER, audience=AUDIENCE, scopes=("mcp:tools",))
    gate = OAuthGate(settings)
    private: dict[str, Any] = {
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": ec.generate_private_key(ec.SECP256R1()),
    }
    jwks = []
    for alg, key in private.items():
        algo = RSAAlgorithm if alg == "RS256" else ECAlgorithm
        jwks.append({**algo.to_jwk(key.public_key(), as_dict=True), "kid": alg, "alg": alg})
    gate.keys.keys = parse_jwks({"keys": jwks})
    return gate, private


def _mint(private: Any, alg: str, n: int) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": f"user{n}", "exp": now + 3600, "iat": now}
    return jwt.encode({**claims, "scope": "mcp:tools", "groups": ["sre"]}, private, algorithm=alg, headers={"kid": alg})


def main() -> None:
    gate, private = _gate()
    grants = (
        GrantConfig("keyed", key_digest(KEY)),
        GrantConfig("sre", "", ("*",), "p.json", (("groups", ("sre",)),)),
    )
    rows = [("agent key", _per_call(lambda: gate.authenticate(KEY, grants), 20_000))]
    for alg in ("RS256", "ES256"):
        token = _mint(private[alg], alg, 0)
        assert isinstance(gate.authenticate(token, grants), GrantConfig)
        rows.append((f"cached JWT {alg}", _per_call(lambda t=token: gate.authenticate(t, grants), 20_000)))  # type: ignore[misc]
    for alg in ("RS256", "ES256"):
        fresh = iter([_mint(private[alg], alg, i) for i in range(ROUNDS * 300)])
        rows.append((f"new JWT {alg} (verify)", _per_call(lambda f=fresh: gate.authenticate(next(f), grants), 300)))  # type: ignore[misc]
    for name, us in rows:
        print(f"{name:<24} {us:8.2f} µs/call")
    cached = max(us for name, us in rows if name.startswith("cached"))
    print(f"budget: cached JWT ≤ 30 µs: {'ok' if cached <= 30 else 'OVER'} ({cached:.2f} µs)")
    asyncio.run(gate.close())


if __name__ == "__main__":
    main()
