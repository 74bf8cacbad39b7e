"""The policy engine: which calls go through, which are denied, hidden or held for approval, and why.

- ``load_policy(path)`` / ``compile_policy(model)`` → ``CompiledPolicy``; ``deny_policy()`` for a grant
  without a policy. ``CompiledPolicy.decide(ToolCall)`` → ``Decision`` is pure (no I/O, no clock).
- ``take_limits`` (``take_marked``) / ``settle`` apply a decision's rate limits to a ``limits.CounterStore``.
- ``denial_result(decision)`` is the MCP tool result for a call that does not go through.
- ``authenticate(grants, key)`` finds the grant of an agent key; ``PolicyWatcher`` hot-reloads a file.
"""

from __future__ import annotations

from portcullis.policy.compile import CompiledPolicy, compile_policy, deny_policy, load_policy
from portcullis.policy.decision import Action, Decision, ToolCall
from portcullis.policy.enforce import LimitOutcome, settle, take_limits, take_marked
from portcullis.policy.grants import authenticate, grant_reaches, key_digest, new_key
from portcullis.policy.model import PolicyModel
from portcullis.policy.parse import parse_policy, policy_from_text, read_policy
from portcullis.policy.result import META_KEY, denial_result, unknown_tool_result
from portcullis.policy.watch import PolicyWatcher

__all__ = [
    "META_KEY",
    "Action",
    "CompiledPolicy",
    "Decision",
    "LimitOutcome",
    "PolicyModel",
    "PolicyWatcher",
    "ToolCall",
    "authenticate",
    "compile_policy",
    "denial_result",
    "deny_policy",
    "grant_reaches",
    "key_digest",
    "load_policy",
    "new_key",
    "parse_policy",
    "policy_from_text",
    "read_policy",
    "settle",
    "take_limits",
    "take_marked",
    "unknown_tool_result",
]
