"""The published event contracts as JSON Schema, and the check that a `.v1` only ever grows.

`docs/event-contracts.json` holds the JSON Schema of every event the apps publish, by wire
name: what a service lifted out of the monolith (in any language) codes against. The test
suite compares it with the code: a change that would break a reader of an existing version
(a field removed or renamed, a type changed, a field added without a default, an event
dropped) fails with the reason; an additive change (a new optional field, a new event or
version) only asks for the file to be written again (`manage.py event_contracts --write`).

Readers ignore fields they do not know (see `registry.load_event`), so an additive change
is safe in a rolling deploy: a worker still on the old code takes the new event.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings

from .registry import event_types

#: Keys that document a schema without constraining what a reader accepts.
_WORDS = frozenset({"title", "description", "examples", "default"})

Schema = dict[str, Any]


def contracts_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "event-contracts.json"


def current_contracts() -> dict[str, Schema]:
    """Every event the project publishes (the kernel's and the bounded apps', not a test
    app's), its JSON Schema by wire name, as the code declares it now."""
    ours = {"shop", *settings.BOUNDED_APPS}
    return {
        name: event.model_json_schema()
        for name, event in sorted(event_types().items())
        if event.__module__.split(".", 1)[0] in ours
    }


def stored_contracts(path: Path | None = None) -> dict[str, Schema]:
    path = path or contracts_path()
    if not path.exists():
        return {}
    data: dict[str, Schema] = json.loads(path.read_text(encoding="utf-8"))
    return data


def render(contracts: dict[str, Schema]) -> str:
    return json.dumps(contracts, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def breaking_changes(old: dict[str, Schema], new: dict[str, Schema]) -> list[str]:
    """What in `new` would break a reader (or a stored event) of the contracts in `old`."""
    problems: list[str] = []
    for name, schema in sorted(old.items()):
        if name not in new:
            problems.append(f"{name}: the event is gone (stored events and other services still use it)")
            continue
        problems += _compare(schema, new[name], schema, new[name], name)
    return problems


def _resolve(node: Any, root: Schema) -> Any:
    """`node` with a `$ref` into the root's `$defs` replaced by what it points at."""
    while isinstance(node, dict) and "$ref" in node:
        ref = str(node["$ref"])
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _plain(node: Any, root: Schema) -> Any:
    """The schema with references inlined and documentation left out, for comparison."""
    node = _resolve(node, root)
    if isinstance(node, dict):
        return {k: _plain(v, root) for k, v in node.items() if k not in _WORDS and k != "$defs"}
    if isinstance(node, list):
        return [_plain(item, root) for item in node]
    return node


#: Where a schema nests others: compared part by part, so a nested model may grow too.
_NESTED = ("properties", "required", "anyOf", "items", "prefixItems")


def _compare(old: Any, new: Any, old_root: Schema, new_root: Schema, where: str) -> list[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return [] if _plain(old, old_root) == _plain(new, new_root) else [f"{where}: its type changed"]
    own = {k: v for k, v in old.items() if k not in _NESTED}
    if _plain(own, old_root) != _plain({k: v for k, v in new.items() if k not in _NESTED}, new_root):
        return [f"{where}: its type changed (a reader of the old one cannot take it)"]
    problems: list[str] = []
    if "properties" in old or "properties" in new:
        problems += _compare_fields(old, new, old_root, new_root, where)
    for key in ("anyOf", "prefixItems"):
        olds, news = old.get(key, []), new.get(key, [])
        if len(olds) != len(news):
            problems.append(f"{where}: its type changed (a reader of the old one cannot take it)")
            continue
        for index, (before, after) in enumerate(zip(olds, news, strict=True)):
            problems += _compare(before, after, old_root, new_root, f"{where}[{index}]")
    if ("items" in old) != ("items" in new):
        problems.append(f"{where}: its type changed (a reader of the old one cannot take it)")
    elif "items" in old:
        problems += _compare(old["items"], new["items"], old_root, new_root, f"{where}[]")
    return problems


def _compare_fields(old: Schema, new: Schema, old_root: Schema, new_root: Schema, where: str) -> list[str]:
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for field in old_props:
        if field not in new_props:
            problems.append(f"{where}.{field}: removed or renamed (stored events and readers still carry it)")
    old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
    for field in sorted(new_required - old_required):
        if field in old_props:
            problems.append(f"{where}.{field}: now required (events stored without it no longer fit)")
        else:
            problems.append(f"{where}.{field}: a new field without a default (events stored before it do not fit)")
    for field in old_props:
        if field in new_props:
            problems += _compare(old_props[field], new_props[field], old_root, new_root, f"{where}.{field}")
    return problems
