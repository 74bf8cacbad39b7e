"""Edit a config file's text the way a person would: one list item or one value, the rest untouched.

Used by ``portcullis keys`` and ``portcullis admin-token``, which add, remove and change entries of a
top-level list (``grants``, ``admin_tokens``) or set a top-level value (``metrics_token_sha256``). A
YAML file keeps its comments and layout: only the lines of the item (or the characters of the value)
change. A JSON file, or YAML in flow style, is rewritten from its data. Callers validate the result
(and keep the old text when it is not valid).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import yaml

__all__ = ["append_item", "remove_item", "set_item_field", "set_value"]


def _is_json(text: str, path: Path) -> bool:
    return path.suffix.lower() == ".json" or text.lstrip().startswith("{")


def _root(text: str) -> yaml.MappingNode | None:
    """The top-level mapping node of a block-style YAML document, or None (then rewrite from the data)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader) if text.strip() else None
    return root if isinstance(root, yaml.MappingNode) and not root.flow_style else None


def _child(root: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value_node in root.value:
        if key_node.value == key:
            return key_node, value_node
    return None


def _rewrite(text: str, path: Path, change: Any) -> str:
    """Apply ``change(data)`` to the parsed document and serialise it again (JSON stays JSON)."""
    if _is_json(text, path):
        data = orjson.loads(text) if text.strip() else {}
        change(data)
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n"
    data = yaml.safe_load(text) or {}
    change(data)
    return yaml.safe_dump(data, sort_keys=False)


def _scalar(value: Any) -> str:
    return orjson.dumps(value).decode()


def _yaml_item(entry: dict[str, Any]) -> str:
    lines = []
    for i, (k, v) in enumerate(entry.items()):
        lines.append(("- " if i == 0 else "  ") + f"{k}: {_scalar(v)}")
    return "\n".join(lines) + "\n"


def _indent(block: str, n: int) -> str:
    pad = " " * n
    return "".join(pad + line + "\n" for line in block.splitlines())


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _block_items(value: yaml.Node | None) -> yaml.SequenceNode | None:
    """A block sequence with items, the only kind edited in place."""
    if isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
        return value
    return None


def _item_end(text: str, item: yaml.Node) -> int:
    """The index just past the line on which ``item`` ends."""
    last: yaml.Node = item
    while isinstance(last, (yaml.MappingNode, yaml.SequenceNode)) and last.value:
        last = last.value[-1][1] if isinstance(last, yaml.MappingNode) else last.value[-1]
    cut = text.find("\n", last.end_mark.index)
    return len(text) if cut == -1 else cut + 1


def append_item(text: str, path: Path, key: str, entry: dict[str, Any]) -> str:
    """The config text with ``entry`` appended to its top-level list ``key`` (created when missing)."""
    if _is_json(text, path) or (text.strip() and _root(text) is None):
        return _rewrite(text, path, lambda data: data.__setitem__(key, [*(data.get(key) or []), entry]))
    item = _yaml_item(entry)
    root = _root(text)
    found = _child(root, key) if root is not None else None
    if found is None:
        return text + ("" if text.endswith("\n") or not text else "\n") + f"{key}:\n" + _indent(item, 2)
    key_node, value_node = found
    seq = _block_items(value_node)
    if seq is not None:
        first = seq.value[0]
        start = _line_start(text, first.start_mark.index)
        dash_col = len(text[start : first.start_mark.index]) - len(text[start : first.start_mark.index].lstrip())
        end = _item_end(text, seq.value[-1])
        block = _indent(item, dash_col)
        return text[:end] + ("" if text[:end].endswith("\n") else "\n") + block + text[end:]
    existing = (yaml.safe_load(text) or {}).get(key) or []
    block = "".join(_indent(_yaml_item(g), 2) for g in existing) + _indent(item, 2)
    start, end = key_node.start_mark.index, value_node.end_mark.index
    return text[:start] + f"{key}:\n" + block.rstrip("\n") + text[end:]


def remove_item(text: str, path: Path, key: str, index: int) -> str:
    """The config text without item ``index`` of its top-level list ``key``."""
    root = None if _is_json(text, path) else _root(text)
    found = _child(root, key) if root is not None else None
    seq = _block_items(found[1]) if found is not None else None
    if seq is None:
        return _rewrite(text, path, lambda data: data[key].pop(index))
    item = seq.value[index]
    start = _line_start(text, item.start_mark.index)
    end = _item_end(text, item)
    if len(seq.value) == 1:  # the list becomes empty: say so, rather than leave a bare 'key:'
        key_node = found[0] if found is not None else None
        assert key_node is not None
        key_start = _line_start(text, key_node.start_mark.index)
        return text[:key_start] + f"{key}: []\n" + text[end:]
    return text[:start] + text[end:]


def set_item_field(text: str, path: Path, key: str, index: int, field: str, value: Any) -> str:
    """The config text with ``field`` of item ``index`` of the top-level list ``key`` set to ``value``."""
    root = None if _is_json(text, path) else _root(text)
    found = _child(root, key) if root is not None else None
    seq = _block_items(found[1]) if found is not None else None
    item = seq.value[index] if seq is not None else None
    if isinstance(item, yaml.MappingNode) and not item.flow_style:
        old = _child(item, field)
        if old is not None and isinstance(old[1], yaml.ScalarNode):
            node = old[1]
            return text[: node.start_mark.index] + _scalar(value) + text[node.end_mark.index :]
    return _rewrite(text, path, lambda data: data[key][index].__setitem__(field, value))


def set_value(text: str, path: Path, key: str, value: Any) -> str:
    """The config text with the top-level ``key`` set to the scalar ``value`` (added when missing)."""
    if _is_json(text, path) or (text.strip() and _root(text) is None):
        return _rewrite(text, path, lambda data: data.__setitem__(key, value))
    root = _root(text)
    found = _child(root, key) if root is not None else None
    node = found[1] if found is not None else None
    if isinstance(node, yaml.ScalarNode) and node.end_mark.index > node.start_mark.index:
        return text[: node.start_mark.index] + _scalar(value) + text[node.end_mark.index :]
    if found is not None:
        return _rewrite(text, path, lambda data: data.__setitem__(key, value))
    return text + ("" if text.endswith("\n") or not text else "\n") + f"{key}: {_scalar(value)}\n"
