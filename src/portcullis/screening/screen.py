"""Screen a ``tools/call`` result before the agent reads it: secrets, text aimed at the model, size.

Pure and synchronous: a result and a ``ScreenRule`` in, a ``Screened`` out (the result to send, what
was found, and whether it is withheld). Both eras' results have the same shape here (``content`` and
``structuredContent``); the gateway screens before it adapts the result to the client's era. A
``resources/read`` or ``prompts/get`` result reaches the model too (``screen_read``): every string in it is
screened as ``structuredContent`` is, but a resource's base64 ``blob`` and the ``_meta``.

- **Secrets**: every string of the result — each text block, an embedded resource's text, and every
  string of ``structuredContent`` at any depth — is run through the audit trail's ``Redactor`` (PEM
  private keys, cloud keys, tokens, ``password=…``; in ``structuredContent`` also values under secret
  keys such as ``password``). ``redact`` keeps the redacted copy.
- **Instructions**: the same detectors as the description scan (``catalog.scan``): tags addressed to
  the model, orders to ignore instructions or to keep something from the user, invisible characters.
  ``redact`` replaces the offending string with a notice.
- **Size**: a result whose JSON is larger than ``max_result_bytes`` is withheld.

``deny`` (or a result too large) turns the result into a tool error saying what was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from portcullis.audit.redact import REDACTED, Redactor
from portcullis.catalog.scan import LONG_DESCRIPTION, scan_definition
from portcullis.screening.settings import ScreenRule

__all__ = ["META_KEY", "WITHHELD_TEXT", "Finding", "Screened", "screen_read", "screen_result"]

META_KEY = "io.portcullis/screening"
WITHHELD_TEXT = "[WITHHELD: text aimed at the model]"
_CHUNK = LONG_DESCRIPTION - 1_000  # scanned in overlapping windows: a long result is not a finding by itself
_OVERLAP = 500
_MAX_DEPTH = 32
_REDACTOR = Redactor()


@dataclass(frozen=True)
class Finding:
    """One thing found in a result: ``kind`` (secret, instruction, size), where, and the evidence."""

    kind: str
    where: str
    evidence: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "evidence": self.evidence}


@dataclass
class Screened:
    """The result to send, the findings, and the action taken (``none``, ``warn``, ``redact``, ``deny``)."""

    result: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    action: str = "none"

    @property
    def withheld(self) -> bool:
        return self.action == "deny"

    def summary(self) -> str:
        """One line for the audit record's reason."""
        kinds = sorted({f.kind for f in self.findings})
        return f"result screened ({self.action}): {', '.join(kinds)} — " + "; ".join(
            f"{f.kind} in {f.where}: {f.evidence}" for f in self.findings[:3]
        )


def _instruction_hits(text: str) -> list[str]:
    hits: list[str] = []
    start = 0
    while True:
        chunk = text[start : start + _CHUNK]
        for hit in scan_definition({"description": chunk}):
            evidence = hit.evidence.replace(" in description", "")
            if evidence not in hits:
                hits.append(evidence)
        if start + _CHUNK >= len(text):
            return hits
        start += _CHUNK - _OVERLAP


def _strings(value: Any, where: str, out: list[tuple[str, str]], depth: int = 0) -> None:
    if isinstance(value, str):
        out.append((where, value))
    elif depth < _MAX_DEPTH and isinstance(value, dict):
        for k, v in value.items():
            _strings(v, f"{where}.{k}", out, depth + 1)
    elif depth < _MAX_DEPTH and isinstance(value, list):
        for i, v in enumerate(value):
            _strings(v, f"{where}[{i}]", out, depth + 1)


def _content_texts(result: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    content = result.get("content")
    if isinstance(content, list):
        for i, block in enumerate(content):
            if not isinstance(block, dict):
                continue
            if isinstance(block.get("text"), str):
                out.append((f"content[{i}].text", block["text"]))
            resource = block.get("resource")
            if isinstance(resource, dict) and isinstance(resource.get("text"), str):
                out.append((f"content[{i}].resource.text", resource["text"]))
    if "structuredContent" in result:
        _strings(result["structuredContent"], "structuredContent", out)
    return out


def _replace_texts(result: dict[str, Any], fix: Any) -> dict[str, Any]:
    """A copy of ``result`` with ``fix(where, text)`` applied to every screened string."""
    out = dict(result)
    content = result.get("content")
    if isinstance(content, list):
        blocks = []
        for i, block in enumerate(content):
            if isinstance(block, dict):
                block = dict(block)
                if isinstance(block.get("text"), str):
                    block["text"] = fix(f"content[{i}].text", block["text"])
                resource = block.get("resource")
                if isinstance(resource, dict) and isinstance(resource.get("text"), str):
                    block["resource"] = {**resource, "text": fix(f"content[{i}].resource.text", resource["text"])}
            blocks.append(block)
        out["content"] = blocks
    if "structuredContent" in result:
        out["structuredContent"] = _fix_value(result["structuredContent"], "structuredContent", fix, 0)
    return out


def _fix_value(value: Any, where: str, fix: Any, depth: int) -> Any:
    if isinstance(value, str):
        return fix(where, value)
    if depth < _MAX_DEPTH and isinstance(value, dict):
        return {k: _fix_value(v, f"{where}.{k}", fix, depth + 1) for k, v in value.items()}
    if depth < _MAX_DEPTH and isinstance(value, list):
        return [_fix_value(v, f"{where}[{i}]", fix, depth + 1) for i, v in enumerate(value)]
    return value


def _withheld(findings: list[Finding]) -> dict[str, Any]:
    lines = "; ".join(f"{f.kind} in {f.where} ({f.evidence})" for f in findings[:5])
    text = (
        f"The gateway withheld this tool's result: {lines}. The tool ran; ask the operator to look at it "
        "(the audit trail has the details) or to change the 'screening' setting for this tool."
    )
    return {
        "content": [{"type": "text", "text": text}],
        "isError": True,
        "_meta": {META_KEY: {"action": "deny", "findings": [f.as_dict() for f in findings]}},
    }


def screen_result(result: dict[str, Any], rule: ScreenRule) -> Screened:
    """Screen ``result`` under ``rule`` (see the module docstring); ``result`` is never mutated."""
    findings: list[Finding] = []
    if rule.max_result_bytes:
        size = len(orjson.dumps(result))
        if size > rule.max_result_bytes:
            findings.append(Finding("size", "result", f"{size} bytes, more than the {rule.max_result_bytes} allowed"))
            return Screened(_withheld(findings), findings, "deny")
    texts = _content_texts(result) if rule.secrets != "off" or rule.instructions != "off" else []
    secret_at: set[str] = set()
    instruction_at: set[str] = set()
    for where, text in texts:
        # (ordinary text skips the redaction patterns it cannot match: audit.credentials)
        if rule.secrets != "off" and _REDACTOR.text(text) != text:
            secret_at.add(where)
            findings.append(Finding("secret", where, "a credential-like value"))
    if rule.secrets != "off" and "structuredContent" in result:
        for where in _secret_keys(result["structuredContent"], "structuredContent", 0):
            secret_at.add(where)
            findings.append(Finding("secret", where, "a value under a secret key"))
    if rule.instructions != "off" and texts:
        joined = "\n".join(text for _, text in texts)  # one scan of everything; strings looked at only on a hit
        if _instruction_hits(joined):
            for where, text in texts:
                for evidence in _instruction_hits(text):
                    instruction_at.add(where)
                    findings.append(Finding("instruction", where, evidence))
    if not findings:
        return Screened(result)
    actions = []
    if secret_at:
        actions.append(rule.secrets)
    if instruction_at:
        actions.append(rule.instructions)
    action = "deny" if "deny" in actions else "redact" if "redact" in actions else "warn"
    if action == "deny":
        return Screened(_withheld(findings), findings, "deny")
    screened = result
    if action == "redact":
        screened = _redacted(result, rule, secret_at, instruction_at)
    meta = dict(screened.get("_meta") or {})
    meta[META_KEY] = {"action": action, "findings": [f.as_dict() for f in findings]}
    return Screened({**screened, "_meta": meta}, findings, action)


def screen_read(result: dict[str, Any], rule: ScreenRule) -> Screened:
    """Screen a ``resources/read`` or ``prompts/get`` result under ``rule``: its strings (``contents[0].text``,
    ``messages[1].content.text``, a prompt's ``description``) as ``structuredContent``'s are; a ``blob`` (base64)
    and ``_meta`` are left as they are. A withheld result is ``Screened.withheld`` with the findings (the
    caller answers an error: there is no ``isError`` result for a read)."""
    body = {k: v for k, v in result.items() if k != "_meta"}
    blobs = _without_blobs(body, "", 0)
    screened = screen_result({"structuredContent": body}, rule)
    findings = [Finding(f.kind, f.where.removeprefix("structuredContent."), f.evidence) for f in screened.findings]
    if screened.withheld or not findings:
        return Screened(result, findings, screened.action)
    fixed = screened.result["structuredContent"]
    _put_blobs(fixed, blobs)
    meta = dict(result.get("_meta") or {})
    meta[META_KEY] = {"action": screened.action, "findings": [f.as_dict() for f in findings]}
    return Screened({**fixed, "_meta": meta}, findings, screened.action)


def _without_blobs(value: Any, where: str, depth: int) -> dict[str, Any]:
    """Take every ``blob`` string out of ``value`` (a copy the caller made: each dict and list below it is copied
    before it is changed), returning them by where they were."""
    found: dict[str, Any] = {}
    if depth >= _MAX_DEPTH:
        return found
    if isinstance(value, dict):
        for k in list(value):
            v = value[k]
            if k == "blob" and isinstance(v, str):
                found[f"{where}.{k}"] = v
                value[k] = ""
            elif isinstance(v, (dict, list)):
                value[k] = copy = dict(v) if isinstance(v, dict) else list(v)
                found.update(_without_blobs(copy, f"{where}.{k}", depth + 1))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, (dict, list)):
                value[i] = copy = dict(v) if isinstance(v, dict) else list(v)
                found.update(_without_blobs(copy, f"{where}[{i}]", depth + 1))
    return found


def _put_blobs(value: Any, blobs: dict[str, Any], where: str = "", depth: int = 0) -> None:
    if not blobs or depth >= _MAX_DEPTH:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{where}.{k}"
            if here in blobs:
                value[k] = blobs[here]
            else:
                _put_blobs(v, blobs, here, depth + 1)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _put_blobs(v, blobs, f"{where}[{i}]", depth + 1)


def _secret_keys(value: Any, where: str, depth: int) -> list[str]:
    """Where in ``value`` a non-empty value sits under a secret key (``password``, ``api_key``, …)."""
    found: list[str] = []
    if depth >= _MAX_DEPTH:
        return found
    if isinstance(value, dict):
        for k, v in value.items():
            here = f"{where}.{k}"
            if _REDACTOR.secret_key(str(k)) and v not in (None, "", [], {}):
                found.append(here)
            else:
                found.extend(_secret_keys(v, here, depth + 1))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(_secret_keys(v, f"{where}[{i}]", depth + 1))
    return found


def _redacted(
    result: dict[str, Any], rule: ScreenRule, secret_at: set[str], instruction_at: set[str]
) -> dict[str, Any]:
    def fix(where: str, text: str) -> str:
        if rule.instructions == "redact" and where in instruction_at:
            return WITHHELD_TEXT
        return _REDACTOR.text(text) if rule.secrets == "redact" and where in secret_at else text

    out = _replace_texts(result, fix)
    if rule.secrets == "redact" and "structuredContent" in out:
        keys = {w for w in secret_at if w.startswith("structuredContent.") or w.startswith("structuredContent[")}
        if keys:
            out["structuredContent"] = _blank(out["structuredContent"], "structuredContent", keys, 0)
    return out


def _blank(value: Any, where: str, targets: set[str], depth: int) -> Any:
    """``value`` with the values at ``targets`` replaced by the redaction marker."""
    if where in targets:
        return REDACTED
    if depth < _MAX_DEPTH and isinstance(value, dict):
        return {k: _blank(v, f"{where}.{k}", targets, depth + 1) for k, v in value.items()}
    if depth < _MAX_DEPTH and isinstance(value, list):
        return [_blank(v, f"{where}[{i}]", targets, depth + 1) for i, v in enumerate(value)]
    return value
