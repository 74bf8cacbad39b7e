"""Everything the console's pages do, a script can do through ``/api/v1``, over the same service function.

- Every route a console form posts to is in ``console.app.API_TWINS`` (sign-in and sign-out excepted), and
  each of its twins is an operation of the OpenAPI document; every action a template sends straight to
  ``/api/v1`` (approve, deny, approve a definition, keep it blocked, revoke a grant) is documented too.
- Against a running gateway: the console's form and its API twin answer alike — a broken draft's problems,
  a sample call's explanation, a refused grant (same words), the recommendation, a replay.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from markupsafe import escape

from portcullis.api.openapi import openapi_document
from portcullis.console.app import API_TWINS, SESSION_ONLY
from tests.console.support import ADMIN, TEMPLATES, console_folder, route_table, signed_in_client
from tests.e2e.support import KEY_A, connect, text_of
from tests.harness import Proc, running_gateway

POLICY = {
    "version": "1",
    "default": "deny",
    "tools": {"fx__echo": {}, "fx__add": {"action": "deny", "reason": "no sums"}},
}
_ACTION = re.compile(r'hx-(post|put|patch|delete)="([^"]+)"|<form method="post" action="([^"]+)"')


def _documented() -> set[tuple[str, str]]:
    return {(method, path) for path, ops in openapi_document()["paths"].items() for method in ops}


def test_every_console_post_route_has_its_api_twin_in_the_openapi_document() -> None:
    routes = route_table()
    posted = {r.path for r in routes if r.path.startswith("/console") and "POST" in (r.methods or ())}
    assert posted == set(API_TWINS) | set(SESSION_ONLY), "a console POST route needs its /api/v1 twin in API_TWINS"
    documented = _documented()
    for path, twins in API_TWINS.items():
        assert twins and set(twins) <= documented, (path, set(twins) - documented)


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")


def test_every_action_a_template_sends_is_a_console_form_or_a_documented_api_operation() -> None:
    api = [(method, _pattern(path)) for method, path in _documented()]
    sent: list[tuple[str, str]] = []
    for template in sorted(TEMPLATES.glob("*.html")):
        for verb, url, form in _ACTION.findall(template.read_text(encoding="utf-8")):
            url = re.sub(r"\{\{[^}]*\}\}", "x", url or form).split("?")[0]
            sent.append((verb or "post", url))
    assert ("delete", "/api/v1/grants/x") in sent and ("post", "/api/v1/tools/x/x/keep-blocked") in sent
    for verb, url in sent:
        if url.startswith("/console"):
            assert url in API_TWINS or url in SESSION_ONLY, url
        else:
            assert any(m == verb and p.match(url) for m, p in api), (verb, url)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    folder = tmp_path_factory.mktemp("console-parity")
    with running_gateway(console_folder(folder, POLICY)) as gw:
        yield gw


def _api(base: str, method: str, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.request(method, f"{base}{path}", json=body, headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)


def test_a_console_form_and_its_api_twin_answer_alike(gateway: Proc) -> None:
    console, csrf = signed_in_client(gateway.base_url, ADMIN)
    headers = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    broken = '{"version": "1", "default": "maybe", "tools": {}}'
    page = console.post("/console/policy/draft", data={"text": broken, "step": "check"}, headers=headers).text
    api = _api(gateway.base_url, "POST", "/api/v1/policy/check", {"text": broken}).json()
    assert not api["ok"] and api["problems"]
    for problem in api["problems"]:  # the page lists every problem the API gives, in the same words
        assert str(escape(problem["message"])) in page, problem
    explained = console.post(
        "/console/policy/explain", data={"text": "", "tool": "fx__add", "arguments": "{}"}, headers=headers
    ).text
    twin = _api(gateway.base_url, "POST", "/api/v1/policy/explain", {"tool": "fx__add", "arguments": {}}).json()
    assert twin["decision"] == "deny" and twin["reason"] == "no sums" and "no sums" in explained
    refused = console.post("/console/grants", data={"name": "x1", "policy": "missing.json"}, headers=headers).text
    api_refused = _api(gateway.base_url, "POST", "/api/v1/grants", {"name": "x1", "policy": "missing.json"})
    assert api_refused.status_code == 400
    first_line = api_refused.json()["error"].splitlines()[0]
    assert first_line == "policy file missing.json does not exist" and str(escape(first_line)) in refused
    assert "x1" not in [g["name"] for g in _api(gateway.base_url, "GET", "/api/v1/grants").json()]
    recommended = console.post("/console/policy/draft", data={"text": "", "step": "recommended"}, headers=headers)
    text = _api(gateway.base_url, "GET", "/api/v1/policy/recommended").json()["text"]
    assert '"fx__echo"' in text and "fx__echo" in recommended.text


async def test_a_replay_through_the_api_and_the_builder_says_what_a_draft_would_change(gateway: Proc) -> None:
    async with connect(gateway.url, KEY_A) as agent:
        assert text_of(await agent.call_tool("fx__echo", {"text": "replayed"})) == "replayed"
    stricter = '{"version": "1", "default": "deny", "tools": {"fx__echo": {"action": "deny", "reason": "off"}}}'
    report = _api(gateway.base_url, "POST", "/api/v1/policy/replay", {"text": stricter, "since": "1h"}).json()
    assert report["changed"] >= 1 and "fx__echo" in report["tools"], report
    assert any(k.startswith("allow") and k.endswith("deny") for k in report["transitions"]), report["transitions"]
    console, csrf = signed_in_client(gateway.base_url, ADMIN)
    page = console.post(
        "/console/policy/replay",
        data={"text": stricter, "since": "1h"},
        headers={"X-CSRF-Token": csrf, "HX-Request": "true"},
    ).text
    assert f"{report['changed']} of {report['compared']} recorded call(s)" in page and "fx__echo" in page
    bad = _api(gateway.base_url, "POST", "/api/v1/policy/replay", {"text": stricter, "since": "whenever"})
    assert bad.status_code == 400
