"""Secret-like values never reach the audit trail: by key name, by shape, and by the operator's list."""

from __future__ import annotations

from pathlib import Path

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from portcullis.audit import REDACTED, Redactor, credentials, open_audit
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
    out = r.arguments(
        {
            "password": "hunter2",
            "API_KEY": "abc",
            "nested": {"clientSecret": "x", "items": [{"access_token": "y"}]},
            "max_tokens": 100,
            "query": "select 1",
            "note": f"use {SECRETS['github']} please",
            "header": "Bearer abcdefghijklmnop",
            "dsn": SECRETS["url"],
            "key": SECRETS["pem"],
        }
    )
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
        await log.write(
            make_record(
                1, arguments={"iban": "DE89370400440532013000", **SECRETS}, reason=f"token {SECRETS['github']} was used"
            )
        )
    finally:
        await log.close()
    text = db.read_text()
    for secret in [*SECRETS.values(), "DE89370400440532013000", "hunter2"]:
        assert secret not in text
    assert REDACTED in text


def test_secret_words_are_words_of_their_own() -> None:
    """``auth`` redacts ``x-auth`` and ``basicAuth`` but not ``author``; a describing last word
    (``card_id``, ``auth_type``, ``otpEnabled``) names a property of the secret, not the secret."""
    r = Redactor()
    secret = [
        "auth",
        "x-auth",
        "basicAuth",
        "authToken",
        "HTTPAuth",
        "pwd",
        "db_pwd",
        "passcode",
        "otp",
        "otp_code",
        "totp",
        "private_key",
        "privateKey",
        "card",
        "card_number",
        "creditCard",
        "cvv",
        "cvv2",
        "card_cvv",
        "ssn",
        "customer_ssn",
        "sessionid",
        "sessionId",
        "session_id",
        "SESSIONID",
        "pin_code",
    ]
    harmless = [
        "author",
        "authorEmail",
        "auth_type",
        "authentication_method",
        "oauth_provider",
        "otpEnabled",
        "card_id",
        "cardId",
        "allow_online_credit_card_payment",
        "cardinality",
        "discard",
        "scorecard",
        "session",
        "sessions",
        "spinner",
        "opinion",
        "max_tokens",
        "description",
    ]
    assert [k for k in secret if not r.secret_key(k)] == []
    assert [k for k in harmless if r.secret_key(k)] == []


def test_inline_passwords_keep_their_name() -> None:
    r = Redactor()
    assert r.text("user=ada password=hunter2 host=db") == f"user=ada password={REDACTED} host=db"
    assert r.text("https://x/login?user=a&PWD=s3cret&next=/") == f"https://x/login?user=a&PWD={REDACTED}&next=/"
    assert r.text('{"api_key": "abc", "n": 1}') == f'{{"api_key": {REDACTED}, "n": 1}}'
    assert r.text("token = 'two words'") == f"token = {REDACTED}"
    assert r.text("Reset your password: click the link") == "Reset your password: click the link"
    assert r.text("author=ada max_tokens=100") == "author=ada max_tokens=100"


# Every credential shape _VALUE_PATTERNS knows, as an agent might send it (mixed case where it may be).
SHAPES = [
    *SECRETS.values(),
    "BeArEr abcdefghijklmnop",
    "BASIC dXNlcjpwYXNzd29yZDEy",
    "xoxb-1234567890-abcdefghij",
    "sk_live_" + "abcdefghijklmnop1234",
    "pk_test_" + "abcdefghijklmnop1234",
    "ASIA" + "ABCDEFGHIJKLMNOP",
    "AIza" + "SyA1234567890abcdefghijklmnopqrstuv",
    "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnop",
    "https://user:pa55word@example.com/x",
]
# The inline form's key words (in mixed case), its separators, and words that hold a hint by chance.
_INLINE_PARTS = ["PassWord", "pwd", "secret", "API-key", "apikey", "Token", "auth", "otp", "cvv", "ssn", "session_id"]
_FRAGMENTS = [
    *SHAPES,
    *(s[: len(s) // 2] for s in SHAPES),
    *_INLINE_PARTS,
    *("'", '"', "&", ";", ",", "hunter2", "through", "basically", "://"),
    *(" ", "=", ":", "@", "/", "-", "_", "ſ", "é", "\u212a", "x", "9"),
]


def _every_pattern(value: str) -> str:
    """What ``Redactor.text`` returned before its hints: every pattern run on every text, everywhere."""
    value = credentials.VALUE_RE.sub(REDACTED, value)
    if "=" in value or ":" in value:
        value = credentials.INLINE_RE.sub(credentials.keep_name, value)
    return value


def test_each_credential_shape_is_redacted_inside_text() -> None:
    r = Redactor()
    for shape in SHAPES:
        assert shape not in r.text(f"please use {shape} now"), shape
        assert r.text(f"please use {shape} now") == _every_pattern(f"please use {shape} now")


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=12).map("".join))
def test_the_hints_never_change_what_is_redacted(text: str) -> None:
    """Running each pattern only where its hint says it may match (``audit.credentials``) redacts exactly
    what every pattern run on every text does."""
    assert Redactor().text(text) == _every_pattern(text)


def test_a_long_text_is_redacted_where_its_credentials_are() -> None:
    """A tool argument may be a whole file: the credentials in it go, wherever they are, and nothing else."""
    body = "The quick brown fox: jumps through the lazy dog; key = value, see https://example.com/a. " * 50
    text = f"{body}password=hunter2 {body}Authorization: Bearer abcdefghijkl0123 {body}{SECRETS['github']}"
    redacted = Redactor().text(text)
    assert redacted == _every_pattern(text)
    assert "hunter2" not in redacted and "abcdefghijkl0123" not in redacted and SECRETS["github"] not in redacted
    assert redacted.count(REDACTED) == 3 and redacted.startswith(body)
