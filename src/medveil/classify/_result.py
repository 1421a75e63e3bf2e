"""What classification returns: one :class:`ColumnClass` per column, one :class:`TableClass`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from medveil.detect import EntityType

# GB/T 39725-2020 (数据分类): the six categories of health and medical data, key -> Chinese name.
CATEGORIES: Mapping[str, str] = MappingProxyType({
    "personal_attribute": "个人属性数据",
    "health_status": "健康状况数据",
    "medical_application": "医疗应用数据",
    "medical_payment": "医疗支付数据",
    "health_resource": "卫生资源数据",
    "public_health": "公共卫生数据",
})


@dataclass(frozen=True)
class ColumnClass:
    """The class of one column.

    ``identifier_type`` is the identifier the column holds (``None`` for non-identifying
    columns and for free text, whose findings are in ``entity_counts``); ``confidence`` in
    [0, 1] is the confidence in the whole decision (see ``rules.toml`` for how header and
    value evidence combine). ``category`` is a GB/T 39725-2020 category key (``category_zh``
    its Chinese name) and ``grade`` its level 1–5. ``rules`` names the rules that decided,
    in the order they applied (``header:ID``, ``value:ID``, ``overrides:header:ID``,
    ``floor:header:ID``, ``free_text``, ``entity:TYPE``, ``keyword:ID``, ``default``).
    """

    column: str
    identifier_type: EntityType | None
    confidence: float
    quasi_identifier: bool
    category: str
    category_zh: str
    grade: int
    free_text: bool
    entity_counts: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "identifier_type": None if self.identifier_type is None else str(self.identifier_type),
            "confidence": round(self.confidence, 4),
            "quasi_identifier": self.quasi_identifier,
            "category": self.category,
            "category_zh": self.category_zh,
            "grade": self.grade,
            "free_text": self.free_text,
            "entity_counts": dict(self.entity_counts),
            "rules": list(self.rules),
        }


@dataclass(frozen=True)
class TableClass:
    """The classes of a table's columns; ``grade`` is the highest column grade (1 if none)."""

    source: str
    rows_total: int | None
    rows_sampled: int
    columns: tuple[ColumnClass, ...]
    grade: int

    def column(self, name: str) -> ColumnClass:
        """The class of column ``name`` (``KeyError`` if the table has no such column)."""
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rows_total": self.rows_total,
            "rows_sampled": self.rows_sampled,
            "grade": self.grade,
            "columns": [c.to_dict() for c in self.columns],
        }
