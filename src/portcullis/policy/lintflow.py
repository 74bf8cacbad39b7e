"""``policy check``: a session rule naming a data-flow tag that no tool has can never fire.

A tool has a tag when the policy sets it (``tags:``) or the classifier proposes it for a known tool
(the approved tools of the config's pin store). Pure: the known tools' tags are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable

from portcullis.policy.lint import PolicyWarning
from portcullis.policy.model import PolicyModel

__all__ = ["unused_tag_problems"]


def unused_tag_problems(model: PolicyModel, proposed: Iterable[str], tools_known: bool) -> list[PolicyWarning]:
    """A problem for each tag of a session rule that neither the policy nor the known tools carry."""
    have = set(proposed)
    for tool_rule in model.rules:
        have.update(tool_rule.tags or ())
    out = []
    for rule in model.sessions:
        for where, tags in (("after", rule.after), ("then", (rule.then,))):
            for tag in tags:
                if tag in have:
                    continue
                known = "the approved tools" if tools_known else "any tool known here (approve the tools, or pass -c)"
                out.append(
                    PolicyWarning(
                        f"{rule.location}.{where}",
                        f"session rule '{rule.name}' names tag '{tag}', which no tool has: no 'tags:' entry of "
                        f"this policy sets it and the classifier proposes it for none of {known}; the rule can "
                        f'never fire. Add "tags": ["{tag}"] to the tools it means',
                    )
                )
    return out
