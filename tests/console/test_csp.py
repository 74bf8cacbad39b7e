"""No inline style or script anywhere in the console: the strict Content-Security-Policy would block it.

- Every template's source, and every page and fragment a running gateway renders (signed in, each GET route
  of ``/console`` with its parameters filled, the builder's and the grants' form answers, sign-in, a
  missing page, the approval link page), has no ``style=`` attribute, no ``<style>`` element, no
  ``<script>`` without ``src`` and no ``on…=`` handler.
- Every one of those answers carries the CSP, and it allows no ``'unsafe-inline'``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import httpx
import pytest

from tests.console.support import ADMIN, TEMPLATES, console_folder, route_table, signed_in_client
from tests.e2e.support import KEY_A, connect, text_of
from tests.harness import Proc, running_gateway

POLICY = {"version": "1", "default": "deny", "tools": {"fx__echo": {}, "fx__add": {"action": "require_approval"}}}
_PARAMS = {"{server}": "fx", "{tool}": "echo", "{id:int}": "1"}


class _Inline(HTMLParser):
    """Collects what a strict CSP blocks: style attributes, <style>, inline <script>, on… handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _ in attrs}
        if "style" in names:
            self.found.append(f"<{tag} style=…>")
        self.found += [f"<{tag} {n}=…>" for n in sorted(names) if n.startswith("on")]
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")


def inline_parts(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    return parser.found


def test_the_checker_sees_each_kind_of_inline_part() -> None:
    html = "<p style='x'>a</p><style>p{}</style><script>x()</script><b onclick='y()'>b</b><script src='/s.js'></script>"
    assert inline_parts(html) == ["<p style=…>", "<style>", "<script> without src", "<b onclick=…>"]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_no_template_has_an_inline_style_or_script(template: str) -> None:
    source = (TEMPLATES / template).read_text(encoding="utf-8")
    assert re.search(r"\sstyle\s*=", source) is None, template
    assert re.search(r"<style[\s>]", source) is None, template
    assert re.search(r"\son[a-z]+\s*=", source) is None, template
    scripts = re.findall(r"<script\b[^>]*>", source)
    assert all("src=" in tag for tag in scripts), scripts


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proc]:
    folder = tmp_path_factory.mktemp("console-csp")
    with running_gateway(console_folder(folder, POLICY)) as gw:
        yield gw


def _strict(response: httpx.Response) -> None:
    csp = response.headers.get("content-security-policy", "")
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp, csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, csp
    assert inline_parts(response.text) == [], (str(response.url), inline_parts(response.text))


def _get_pages() -> list[str]:
    paths = sorted({r.path for r in route_table() if r.path.startswith("/console") and "GET" in (r.methods or ())})
    for name, value in _PARAMS.items():
        paths = [p.replace(name, value) for p in paths]
    return paths


async def test_every_console_answer_has_the_strict_csp_and_nothing_inline(gateway: Proc) -> None:
    async with connect(gateway.url, KEY_A) as agent:  # an audit record to show (its id is 1)
        assert text_of(await agent.call_tool("fx__echo", {"text": "csp"})) == "csp"
    console, csrf = signed_in_client(gateway.base_url, ADMIN)
    pages = _get_pages()
    assert {"/console", "/console/policy", "/console/tools/fx/echo", "/console/audit/1", "/console/grants"} <= set(
        pages
    )
    for path in pages:
        shown = console.get(path)
        assert shown.status_code == 200, (path, shown.status_code)
        _strict(shown)
    htmx = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    forms = [
        ("/console/policy/draft", {"text": '{"version": "1", "default": "nope"}', "step": "check"}),
        ("/console/policy/draft", {"text": "", "step": "apply", "tools": "fx__echo", "action": "deny"}),
        ("/console/policy/explain", {"text": "", "tool": "fx__echo", "arguments": "{}"}),
        ("/console/policy/explain", {"text": "", "tool": "fx__echo", "arguments": "[1]"}),
        ("/console/policy/replay", {"text": "", "since": "1h"}),
        ("/console/policy/save", {"text": "{}", "version": "stale"}),
        ("/console/grants", {"name": "csp-made", "policy": "policy.json"}),
        ("/console/grants", {"name": "bad name", "policy": "policy.json"}),
    ]
    for path, data in forms:
        answered = console.post(path, data=data, headers=htmx)
        assert answered.status_code == 200, (path, answered.text)
        _strict(answered)
    for path in ("/console/tools/fx/nothing", "/console/audit/999999"):  # missing.html
        _strict(console.get(path))
    _strict(httpx.get(f"{gateway.base_url}/console/login"))
    link = httpx.get(f"{gateway.base_url}/approvals/callback?token=forged")  # the signed link's page
    assert link.status_code in (403, 404) and "<h1>" in link.text
    _strict(link)
