"""Targeted edits of ``mkdocs.yml``: add or retire a keyring entry without rewriting the file.

Re-dumping the YAML would drop comments and reorder things the issuer wrote by hand, so a new
entry is inserted as text after the last keyring item, at the items' own indentation, and
retiring a key adds (or flips) one ``retired: true`` line in its entry.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import CredpagesError
from ..fsio import atomic_write


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key and isinstance(v, yaml.Node):
                return v
    return None


def _keyring_node(root: yaml.Node) -> yaml.SequenceNode:
    plugins = _child(root, "plugins")
    items = plugins.value if isinstance(plugins, yaml.SequenceNode) else []
    for item in items:
        entry = _child(item, "credpages")
        keyring = _child(entry, "keyring") if entry is not None else None
        if isinstance(keyring, yaml.SequenceNode) and keyring.value and not keyring.flow_style:
            return keyring
    raise CredpagesError(
        "no block-style `keyring:` list under `plugins: - credpages:`; add the key by hand",
        field="plugins.credpages.keyring",
    )


def _line_after(node: yaml.Node, lines: list[str]) -> int:
    """The index of the line just after ``node``'s last value, ready for an insertion there.

    A block collection's end mark is where the *next* token starts (possibly the key after it),
    so this follows the innermost last value instead; trailing blank lines stay after the
    insertion, and the line before it is given its missing newline.
    """
    last = node
    while isinstance(last, yaml.CollectionNode) and last.value and not last.flow_style:
        last = last.value[-1][1] if isinstance(last, yaml.MappingNode) else last.value[-1]
    end = last.end_mark
    insert_at = end.line if end.column == 0 else end.line + 1
    while insert_at > 0 and not lines[insert_at - 1].strip():
        insert_at -= 1
    if insert_at > 0 and not lines[insert_at - 1].endswith("\n"):
        lines[insert_at - 1] += "\n"
    return insert_at


def _compose(config_file: Path) -> tuple[str, yaml.Node]:
    """The file's text and its YAML node tree (positions kept, for edits in place)."""
    text = config_file.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise CredpagesError(f"not valid YAML: {exc}", file=config_file) from exc
    if root is None:
        raise CredpagesError("is empty", file=config_file)
    return text, root


def add_key(config_file: Path, key_id: str, public_key: str, active_from: str) -> None:
    """Append ``{id, public_key, active_from}`` to the keyring, keeping the rest byte for byte."""
    text, root = _compose(config_file)
    keyring = _keyring_node(root)
    first = keyring.value[0]
    indent = " " * max(first.start_mark.column - 2, 0)
    lines = text.splitlines(keepends=True)
    insert_at = _line_after(keyring.value[-1], lines)
    entry = (
        f"{indent}- id: {key_id}\n"
        f"{indent}  public_key: {public_key}\n"
        f'{indent}  active_from: "{active_from}"\n'
    )
    lines.insert(insert_at, entry)
    edited = "".join(lines)
    try:
        edited_root = yaml.compose(edited, Loader=yaml.SafeLoader)
        items = _keyring_node(edited_root).value if edited_root is not None else []
    except yaml.YAMLError:
        items = []
    ids = [_child(item, "id") for item in items]
    if not any(isinstance(i, yaml.ScalarNode) and i.value == key_id for i in ids):
        raise CredpagesError(
            "could not add the key without breaking the file (left unchanged); add it by hand",
            file=config_file,
            field="plugins.credpages.keyring",
        )
    atomic_write(config_file, edited)


def _key_item(keyring: yaml.SequenceNode, key_id: str) -> yaml.MappingNode | None:
    for item in keyring.value:
        ident = _child(item, "id")
        found = isinstance(ident, yaml.ScalarNode) and ident.value == key_id
        if found and isinstance(item, yaml.MappingNode):
            return item
    return None


def _retired_value(text: str, key_id: str) -> str | None:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    item = _key_item(_keyring_node(root), key_id) if root is not None else None
    value = _child(item, "retired") if item is not None else None
    return value.value if isinstance(value, yaml.ScalarNode) else None


def retire_key(config_file: Path, key_id: str) -> None:
    """Mark keyring entry ``key_id`` ``retired: true``, keeping the rest byte for byte."""
    text, root = _compose(config_file)
    try:
        keyring = _keyring_node(root)
    except CredpagesError as exc:
        raise CredpagesError(
            exc.message.replace("add the key by hand", "add `retired: true` to the key by hand"),
            file=config_file,
            field=exc.field,
        ) from exc
    item = _key_item(keyring, key_id)
    if item is None:
        raise CredpagesError(
            f"no key {key_id!r} in the keyring", file=config_file, field="plugins.credpages.keyring"
        )
    current = _child(item, "retired")
    if isinstance(current, yaml.ScalarNode):
        if current.value == "true":
            raise CredpagesError(f"key {key_id!r} is already retired", file=config_file)
        start, end = current.start_mark.index, current.end_mark.index
        edited = text[:start] + "true" + text[end:]
    elif item.flow_style:  # - {id: key-1, public_key: …}
        close = item.end_mark.index - 1
        if text[close] != "}":
            raise CredpagesError(
                "could not find the end of the key's entry; add `retired: true` by hand",
                file=config_file,
            )
        edited = text[:close].rstrip() + ", retired: true" + text[close:]
    else:
        lines = text.splitlines(keepends=True)
        indent = " " * item.value[0][0].start_mark.column
        lines.insert(_line_after(item, lines), f"{indent}retired: true\n")
        edited = "".join(lines)
    try:
        ok = _retired_value(edited, key_id) == "true"
    except (yaml.YAMLError, CredpagesError):
        ok = False
    if not ok:
        raise CredpagesError(
            "could not mark the key retired without breaking the file (left unchanged); add "
            "`retired: true` to its keyring entry by hand",
            file=config_file,
            field="plugins.credpages.keyring",
        )
    atomic_write(config_file, edited)
