"""A small memo of per-request preparations a node repeats across iterations.

An iterative fit (IRLS, Newton–Raphson) sends the same model to a node many times with
new coefficients only; rebuilding the design matrix from the table each time can cost
more than the iteration itself. :class:`FrameMemo` keeps the last few preparations keyed
by the table *object* (held weakly, so a table that is gone is never matched by a reused
id) and by the parameters that define the preparation. Values are treated as read-only.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

import pandas as pd

__all__ = ["FrameMemo"]

T = TypeVar("T")


class FrameMemo(Generic[T]):
    """At most ``size`` prepared values, most recently used kept."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, str], tuple[weakref.ref[pd.DataFrame], T]] = (
            OrderedDict())
        self._lock = threading.Lock()

    def get(self, df: pd.DataFrame, params: Mapping[str, Any],
            build: Callable[[], T]) -> T:
        key = (id(df), json.dumps(params, sort_keys=True, default=str))
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0]() is df:
                self._items.move_to_end(key)
                return hit[1]
        value = build()
        with self._lock:
            self._items[key] = (weakref.ref(df), value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value
