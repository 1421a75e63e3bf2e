from __future__ import annotations

import dataclasses
from pathlib import Path

import medveil.classify
from medveil.classify import CATEGORIES, ColumnClass, TableClass

EXPECTED = {
    "CATEGORIES",
    "ColumnClass",
    "Rules",
    "TableClass",
    "classify_frame",
    "classify_table_file",
    "load_rules",
}


def test_public_surface_is_what_it_says() -> None:
    names = medveil.classify.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert set(names) == EXPECTED
    for name in names:
        assert getattr(medveil.classify, name) is not None


def test_implementation_modules_are_private() -> None:
    package = Path(medveil.classify.__file__).parent
    assert all(p.name.startswith("_") for p in package.glob("*.py"))


def test_rules_file_ships_in_the_package() -> None:
    assert (Path(medveil.classify.__file__).parent / "rules.toml").is_file()


def test_six_gbt_39725_categories() -> None:
    assert dict(CATEGORIES) == {
        "personal_attribute": "个人属性数据",
        "health_status": "健康状况数据",
        "medical_application": "医疗应用数据",
        "medical_payment": "医疗支付数据",
        "health_resource": "卫生资源数据",
        "public_health": "公共卫生数据",
    }


def test_results_are_frozen_with_the_documented_fields() -> None:
    assert [f.name for f in dataclasses.fields(ColumnClass)] == [
        "column", "identifier_type", "confidence", "quasi_identifier", "category",
        "category_zh", "grade", "free_text", "entity_counts", "rules",
    ]
    assert [f.name for f in dataclasses.fields(TableClass)] == [
        "source", "rows_total", "rows_sampled", "columns", "grade",
    ]
    assert ColumnClass.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert TableClass.__dataclass_params__.frozen  # type: ignore[attr-defined]
