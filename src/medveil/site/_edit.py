"""Adding datasets and access rules to a site.toml without losing its comments."""

from __future__ import annotations

import json
from pathlib import Path

from medveil._atomic import write_atomic
from medveil.errors import ConfigError, InputError
from medveil.site._config import SiteConfig, parse_config


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _toml_list(values: list[str]) -> str:
    return "[" + ", ".join(_toml_str(v) for v in values) + "]"


def append_block(site_toml: Path, block: str) -> SiteConfig:
    """Append a TOML block; keep the change only if the whole file still validates."""
    text = site_toml.read_text(encoding="utf-8")
    new = text.rstrip("\n") + "\n\n" + block.strip("\n") + "\n"
    try:
        config = parse_config(new, site_toml)
    except ConfigError as exc:
        raise ConfigError(f"the change would not validate: {exc.args[0]}", path=site_toml,
                          field=exc.field) from None
    write_atomic(site_toml, new)
    return config


def access_block(*, name: str, key: str, role: str, datasets: list[str],
                 operations: list[str]) -> str:
    return (
        "[[access]]\n"
        f"name = {_toml_str(name)}\n"
        f"key = {_toml_str(key)}\n"
        f"role = {_toml_str(role)}\n"
        f"datasets = {_toml_list(datasets)}\n"
        f"operations = {_toml_list(operations)}\n"
    )


def dataset_block(*, name: str, path: str, fmt: str | None, table: str | None,
                  identifiers: list[str], pheno: str | None = None,
                  covar: str | None = None) -> str:
    lines = ["[[datasets]]", f"name = {_toml_str(name)}", f"path = {_toml_str(path)}"]
    if fmt:
        lines.append(f"format = {_toml_str(fmt)}")
    if table:
        lines.append(f"table = {_toml_str(table)}")
    if pheno:
        lines.append(f"pheno = {_toml_str(pheno)}")
    if covar:
        lines.append(f"covar = {_toml_str(covar)}")
    lines.append(f"identifiers = {_toml_list(identifiers)}")
    return "\n".join(lines) + "\n"


def check_new_name(existing: list[str], name: str, what: str) -> None:
    if name in existing:
        raise InputError(f"{what} {name!r} already exists", field="--name")


def grant_access(site_toml: Path, config: SiteConfig, *, name: str, key: str, role: str,
                 datasets: list[str], operations: list[str]) -> SiteConfig:
    """Add an [[access]] rule for a requester key (base64 raw Ed25519)."""
    check_new_name([r.name for r in config.access], name, "access rule")
    if any(r.key == key for r in config.access):
        raise InputError("this key already has an access rule", field="--key")
    return append_block(site_toml, access_block(name=name, key=key, role=role,
                                                datasets=datasets, operations=operations))
