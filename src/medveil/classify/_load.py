"""Loading rules files: the shipped ``rules.toml`` plus a site's own, parsed and merged.

This module is the trust boundary for rules: every file is validated with pydantic, and an
error names the file and the rule (``header.name.category``). A site file has the same
schema as the shipped one; its rules come first (so they take precedence in first-match
header lookup and in ties between value rules), a site rule with the id of a shipped rule
replaces it, ``disable = [...]`` removes shipped rules, and the ``[defaults]``,
``[free_text]`` and ``[grades]`` tables are overridden key by key.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from medveil.classify._checks import make_check
from medveil.classify._rules import (
    Defaults,
    FreeTextSettings,
    Header,
    HeaderRule,
    KeywordRule,
    Mode,
    Outcome,
    Rules,
    ValueRule,
)
from medveil.detect import EntityType
from medveil.errors import ConfigError

SCHEMA_VERSION = 1
BUILTIN_LABEL = "medveil/classify/rules.toml"

Category = Literal[
    "personal_attribute", "health_status", "medical_application",
    "medical_payment", "health_resource", "public_health",
]
_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")
_REF = re.compile(r"^(header|value):[a-z0-9][a-z0-9_]{0,63}$")


# --- file schema (the trust boundary) -------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_regexes(v: list[str]) -> list[str]:
    for pattern in v:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r} ({exc})") from None
    return v


class _HeaderModel(_Strict):
    id: str = Field(pattern=_ID.pattern)
    tokens: list[str] = Field(default_factory=list)
    contains: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    identifier_type: EntityType | None = None
    quasi_identifier: bool = False
    category: Category
    grade: int = Field(ge=1, le=5)
    confidence: float = Field(default=0.8, gt=0.0, le=1.0)
    floor: bool = False
    note: str = ""

    _regex = field_validator("regex")(_check_regexes)

    @model_validator(mode="after")
    def _has_pattern(self) -> _HeaderModel:
        if not (self.tokens or self.contains or self.regex):
            raise ValueError("a header rule needs at least one of tokens, contains, regex")
        if any(not Header.of(t).tokens for t in self.tokens):
            raise ValueError("tokens must contain ASCII letters or digits (use contains "
                             "for Chinese)")
        return self


class _ValueModel(_Strict):
    id: str = Field(pattern=_ID.pattern)
    check: str
    params: dict[str, Any] = Field(default_factory=dict)
    mode: Mode = "decide"
    needs: list[str] = Field(default_factory=list)
    min_fraction: float = Field(default=0.8, ge=0.0, le=1.0)
    min_count: int = Field(default=1, ge=1)
    reliability: float = Field(default=0.9, gt=0.0, le=1.0)
    identifier_type: EntityType | None = None
    quasi_identifier: bool | None = None
    category: Category | None = None
    grade: int | None = Field(default=None, ge=1, le=5)
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> _ValueModel:
        make_check(self.check, self.params)  # ValueError names the unknown check / param
        for ref in self.needs:
            if not _REF.match(ref):
                raise ValueError(f"needs entry {ref!r} is not 'header:ID' or 'value:ID'")
        if self.mode == "refine":
            if not self.needs:
                raise ValueError("a refine rule needs `needs` (the rules it refines)")
        else:
            if self.needs:
                raise ValueError(f"`needs` is only for refine rules, not {self.mode}")
            if self.category is None or self.grade is None:
                raise ValueError(f"a {self.mode} rule must give category and grade")
        return self


class _KeywordModel(_Strict):
    id: str = Field(pattern=_ID.pattern)
    contains: list[str] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    category: Category | None = None
    grade: int = Field(ge=1, le=5)
    min_count: int = Field(default=1, ge=1)
    note: str = ""

    _regex = field_validator("regex")(_check_regexes)

    @model_validator(mode="after")
    def _has_pattern(self) -> _KeywordModel:
        if not (self.contains or self.regex):
            raise ValueError("a keyword rule needs contains or regex")
        return self


class _FreeTextModel(_Strict):
    min_mean_units: float | None = Field(default=None, gt=0)
    min_mean_chars: float | None = Field(default=None, ge=0)
    max_values: int | None = Field(default=None, ge=1)
    category: Category | None = None
    grade: int | None = Field(default=None, ge=1, le=5)
    confidence: float | None = Field(default=None, gt=0.0, le=1.0)
    min_entity_count: int | None = Field(default=None, ge=1)
    entity_grades: dict[EntityType, int] = Field(default_factory=dict)

    @field_validator("entity_grades")
    @classmethod
    def _grades(cls, v: dict[EntityType, int]) -> dict[EntityType, int]:
        for t, g in v.items():
            if not 1 <= g <= 5:
                raise ValueError(f"grade of {t} must be 1..5")
        return v


class _DefaultsModel(_Strict):
    category: Category | None = None
    grade: int | None = Field(default=None, ge=1, le=5)
    confidence: float | None = Field(default=None, gt=0.0, le=1.0)
    min_values: int | None = Field(default=None, ge=1)
    keyword_categories: list[Category] | None = None


class _FileModel(_Strict):
    version: int = Field(alias="schema")
    disable: list[str] = Field(default_factory=list)
    grades: dict[int, str] = Field(default_factory=dict)
    defaults: _DefaultsModel = _DefaultsModel()
    free_text: _FreeTextModel = _FreeTextModel()
    header: list[_HeaderModel] = Field(default_factory=list)
    value: list[_ValueModel] = Field(default_factory=list)
    keyword: list[_KeywordModel] = Field(default_factory=list)

    @field_validator("version")
    @classmethod
    def _version(cls, v: int) -> int:
        if v != SCHEMA_VERSION:
            raise ValueError(f"unsupported schema {v}; this medveil reads schema "
                             f"{SCHEMA_VERSION}")
        return v

    @field_validator("grades")
    @classmethod
    def _grade_keys(cls, v: dict[int, str]) -> dict[int, str]:
        if any(not 1 <= k <= 5 for k in v):
            raise ValueError("grades are 1..5")
        return v

    @field_validator("disable")
    @classmethod
    def _refs(cls, v: list[str]) -> list[str]:
        for ref in v:
            if not (_REF.match(ref) or re.match(r"^keyword:[a-z0-9_]+$", ref)):
                raise ValueError(f"disable entry {ref!r} is not 'header:ID', 'value:ID' "
                                 "or 'keyword:ID'")
        return v

    @model_validator(mode="after")
    def _unique_ids(self) -> _FileModel:
        for section in ("header", "value", "keyword"):
            seen: set[str] = set()
            for rule in getattr(self, section):
                if rule.id in seen:
                    raise ValueError(f"{section} rule id {rule.id!r} appears twice")
                seen.add(rule.id)
        return self


def _field_path(raw: Mapping[str, Any], loc: Sequence[int | str]) -> str:
    """``header.name.category`` for ``("header", 3, "category")``: rules are named by id."""
    parts: list[str] = []
    i = 0
    while i < len(loc):
        part = loc[i]
        if (part in ("header", "value", "keyword") and i + 1 < len(loc)
                and isinstance(loc[i + 1], int)):
            index = int(loc[i + 1])
            rules = raw.get(str(part))
            rid = None
            if isinstance(rules, list) and index < len(rules) and isinstance(rules[index], dict):
                rid = rules[index].get("id")
            parts.append(f"{part}.{rid}" if isinstance(rid, str) else f"{part}[{index}]")
            i += 2
            continue
        parts.append(str(part))
        i += 1
    return ".".join(parts)


def _parse_file(text: str, label: str) -> _FileModel:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(f"not valid TOML ({exc})", path=label,
                          line=int(m.group(1)) if m else None) from None
    try:
        return _FileModel.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(msg, path=label, field=_field_path(raw, err["loc"]) or None) from None


# --- merging ----------------------------------------------------------------------------

def _merge_rules(
    section: str, files: Sequence[tuple[str, _FileModel]], disabled: set[str]
) -> list[tuple[str, Any]]:
    """Later files' rules first; a later rule replaces an earlier one with its id."""
    out: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for label, model in reversed(files):
        for rule in getattr(model, section):
            if rule.id in seen or f"{section}:{rule.id}" in disabled:
                continue
            seen.add(rule.id)
            out.append((label, rule))
    return out


def _outcome(m: _HeaderModel) -> Outcome:
    return Outcome(m.identifier_type, m.quasi_identifier, m.category, m.grade)


def _build(files: Sequence[tuple[str, _FileModel]]) -> Rules:
    known = {
        f"{section}:{rule.id}"
        for _, model in files for section in ("header", "value", "keyword")
        for rule in getattr(model, section)
    }
    disabled_by: dict[str, str] = {}
    for label, model in files:
        for ref in model.disable:
            if ref not in known:
                raise ConfigError(f"disable names no known rule {ref!r}", path=label,
                                  field="disable")
            disabled_by[ref] = label
    disabled = set(disabled_by)

    header = tuple(
        HeaderRule(
            id=m.id,
            tokens=tuple(Header.of(t).tokens for t in m.tokens),
            contains=tuple(unicodedata.normalize("NFKC", c).casefold() for c in m.contains),
            regex=tuple(re.compile(r) for r in m.regex),
            outcome=_outcome(m), confidence=m.confidence, floor=m.floor, source=label,
        )
        for label, m in _merge_rules("header", files, disabled)
    )
    value = tuple(
        ValueRule(
            id=m.id, check=make_check(m.check, m.params), mode=m.mode, needs=tuple(m.needs),
            min_fraction=m.min_fraction, min_count=m.min_count, reliability=m.reliability,
            identifier_type=m.identifier_type, quasi_identifier=m.quasi_identifier,
            category=m.category, grade=m.grade, source=label,
        )
        for label, m in _merge_rules("value", files, disabled)
    )
    keyword = tuple(
        KeywordRule(
            id=m.id, contains=tuple(c.casefold() for c in m.contains),
            regex=tuple(re.compile(r, re.IGNORECASE) for r in m.regex),
            category=m.category, grade=m.grade, min_count=m.min_count, source=label,
        )
        for label, m in _merge_rules("keyword", files, disabled)
    )
    refs = {r.ref for r in header} | {r.ref for r in value}
    for rule in value:
        for ref in rule.needs:
            if ref not in refs and ref not in disabled_by:
                raise ConfigError(f"needs names no rule {ref!r}", path=rule.source,
                                  field=f"value.{rule.id}.needs")
        if rule.needs and not refs.intersection(rule.needs):
            ref = rule.needs[-1]
            raise ConfigError(f"disables {ref!r}, the last rule that value rule {rule.id!r} needs",
                              path=disabled_by[ref], field="disable")

    ft: dict[str, Any] = {}
    df: dict[str, Any] = {}
    entity_grades: dict[EntityType, int] = {}
    grades: dict[int, str] = {}
    for _, model in files:
        ft.update(model.free_text.model_dump(exclude_none=True, exclude={"entity_grades"}))
        df.update(model.defaults.model_dump(exclude_none=True))
        entity_grades.update(model.free_text.entity_grades)
        grades.update(model.grades)
    first = files[0][0]
    for key in _FreeTextModel.model_fields:
        if key != "entity_grades" and key not in ft:
            raise ConfigError("missing setting", path=first, field=f"free_text.{key}")
    for key in _DefaultsModel.model_fields:
        if key not in df:
            raise ConfigError("missing setting", path=first, field=f"defaults.{key}")
    return Rules(
        header=header, value=value, keyword=keyword,
        free_text=FreeTextSettings(entity_grades=MappingProxyType(entity_grades), **ft),
        defaults=Defaults(
            category=df["category"], grade=df["grade"], confidence=df["confidence"],
            min_values=df["min_values"], keyword_categories=tuple(df["keyword_categories"]),
        ),
        grades=MappingProxyType(dict(sorted(grades.items()))),
        sources=tuple(label for label, _ in files),
    )


def load_rules(extra: Path | None = None) -> Rules:
    """The shipped rules, extended by a site's rules file ``extra`` (same schema).

    Site rules take precedence: they are tried first, replace shipped rules of the same id,
    can ``disable`` shipped rules, and override ``[defaults]``, ``[free_text]`` and
    ``[grades]`` key by key. Raises :class:`~medveil.errors.ConfigError` naming the file
    and the rule (e.g. field ``header.name.category``) if a file does not validate.
    """
    text = resources.files("medveil.classify").joinpath("rules.toml").read_text("utf-8")
    files = [(BUILTIN_LABEL, _parse_file(text, BUILTIN_LABEL))]
    if extra is not None:
        try:
            site_text = Path(extra).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError("rules file not found", path=extra) from None
        except UnicodeDecodeError:
            raise ConfigError("rules file is not UTF-8 text", path=extra) from None
        except OSError as exc:
            raise ConfigError(f"rules file cannot be read ({exc.strerror})",
                              path=extra) from None
        files.append((str(extra), _parse_file(site_text, str(extra))))
    return _build(files)
