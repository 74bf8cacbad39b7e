"""Secret-like values never reach the audit trail: by key name, by shape, and by the operator's list."""

from __future__ import annotations

from pathlib import Path

import orjson

from portcullis.audit import REDACTED, Redactor, open_audit
from tests.audit.conftest import make_record

SECRETS = {
    "github": "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "openai": "sk-proj-" + "Abcdefghijklmnopqrstuvwx1234",
    "aws": "AKIA" + "ABCDEFGHIJKLMNOP",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
    "url": "postgresql://admin:s3cr3tpw@db.internal/prod",
}


def test_keys_and_shapes_are_redacted() -> None:
    r = Redactor()
    out = r.arguments({
        "password": "hunter2", "API_KEY": "abc", "nested": {"clientSecret": "x", "items": [{"access_token": "y"}]},
        "max_tokens": 100, "query": "select 1", "note": f"use {SECRETS['github']} please",
        "header": "Bearer abcdefghijklmnop", "dsn": SECRETS["url"], "key": SECRETS["pem"],
    })
    assert out["password"] == REDACTED and out["API_KEY"] == REDACTED
    assert out["nested"]["clientSecret"] == REDACTED
    assert out["nested"]["items"][0]["access_token"] == REDACTED
    assert out["max_tokens"] == 100 and out["query"] == "select 1"
    assert out["note"] == f"use {REDACTED} please"
    assert out["header"] == REDACTED
    assert out["dsn"] == f"postgresql://{REDACTED}@db.internal/prod"
    assert out["key"] == REDACTED


def test_every_secret_shape_is_caught() -> None:
    r = Redactor()
    for name, secret in SECRETS.items():
        assert secret not in orjson.dumps(r.value({"v": secret})).decode(), name


def test_operator_list_adds_keys_and_input_is_not_changed() -> None:
    args = {"iban": "DE89370400440532013000", "amount": 5}
    assert Redactor().arguments(args)["iban"] == "DE89370400440532013000"
    out = Redactor(["IBAN", "*account*"]).arguments({**args, "from_account": "1"})
    assert out == {"iban": REDACTED, "amount": 5, "from_account": REDACTED}
    assert args["iban"] == "DE89370400440532013000"


async def test_secrets_never_reach_the_stored_file(tmp_path: Path) -> None:
    db = tmp_path / "audit.jsonl"
    log = await open_audit(f"jsonl:///{db}", ["iban"])
    try:
        await log.write(make_record(1, arguments={"iban": "DE89370400440532013000", **SECRETS},
                                    reason=f"token {SECRETS['github']} was used"))
    finally:
        await log.close()
    text = db.read_text()
    for secret in [*SECRETS.values(), "DE89370400440532013000", "hunter2"]:
        assert secret not in text
    assert REDACTED in text
