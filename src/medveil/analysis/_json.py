"""Result values as JSON: numpy scalars and arrays to Python, NaN and inf to null."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["JsonResult", "json_object", "jsonable"]


def jsonable(value: Any) -> Any:
    """``value`` with numpy types made plain and non-finite floats made ``None``;
    objects with a ``to_dict`` (results nested in results) become their dict."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    return value


def json_object(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A result's fields as a JSON object (see :func:`jsonable`)."""
    return {str(k): jsonable(v) for k, v in fields.items()}


class JsonResult:
    """Base of the frozen result dataclasses: ``to_dict()`` is every field, JSON-able."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: jsonable(getattr(self, f.name))
                for f in dataclasses.fields(self)}  # type: ignore[arg-type]
