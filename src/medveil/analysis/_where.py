"""Row filters (``--where``): a small, safe condition language.

A filter is parsed with :func:`ast.parse` (``mode="eval"``) and the tree is
walked against a whitelist, then evaluated by our own code. Nothing is ever
passed to ``eval``, ``exec`` or ``DataFrame.query``. The grammar::

    condition  := condition 'and' condition | condition 'or' condition
                | 'not' condition | '(' condition ')' | comparison
    comparison := operand (cmp operand)+          # chained: 18 <= age < 65
                | column ['not'] 'in' '[' constant, ... ']'   # or a tuple
                | column 'is' ['not'] 'None'
    cmp        := '==' | '!=' | '<' | '<=' | '>' | '>='
    operand    := column | constant
    column     := identifier | `any name in backticks`
    constant   := number | -number | 'text' | True | False

Everything else (calls, attributes, subscripts, arithmetic, lambdas,
comprehensions, f-strings, ...) is refused with an :class:`InputError` naming the
construct. Unknown columns are refused naming the column.

Types: a numeric (or boolean) column compares with numbers and booleans
(``True == 1``), compared as float64; any other column compares, as text
labels (see ``_frame``), with strings. Mixing the two is refused.

Missing values follow SQL's three-valued logic: a comparison (``==``, ``<``,
``in``, ``not in``, ...) with a missing value is *unknown*; ``not unknown`` is
unknown; ``and``/``or`` are Kleene's (``False and unknown`` is False, ``True or
unknown`` is True); a row is kept only when the condition is *true*. So
``x > 1`` and ``not (x > 1)`` both drop a row where ``x`` is missing, and
``x is None`` is the way to select it.
"""

from __future__ import annotations

import ast
import operator
import re
import warnings
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from medveil.analysis._frame import is_numeric, labels
from medveil.errors import InputError

__all__ = ["Where", "parse_where"]

FIELD = "--where"
MAX_LENGTH = 4096
MAX_DEPTH = 64
_MAX_INT = 2**1023  # numbers compare as float64

Scalar = str | int | float | bool
_CMP_OPS: dict[type[ast.cmpop], str] = {
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
}
_CONSTRUCTS: dict[type[ast.AST], str] = {
    ast.Call: "a function call",
    ast.Attribute: "attribute access",
    ast.Subscript: "a subscript",
    ast.Lambda: "a lambda",
    ast.BinOp: "arithmetic",
    ast.IfExp: "a conditional expression",
    ast.NamedExpr: "an assignment expression",
    ast.JoinedStr: "an f-string",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
    ast.Dict: "a dict",
    ast.Set: "a set",
    ast.Starred: "a starred expression",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Slice: "a slice",
}


def _refuse(what: str) -> InputError:
    return InputError(f"{what} is not allowed in a row filter", field=FIELD)


def _construct(node: ast.AST) -> str:
    return _CONSTRUCTS.get(type(node), f"'{type(node).__name__}'")


# -- the parsed form -------------------------------------------------------------


@dataclass(frozen=True)
class _Col:
    name: str


@dataclass(frozen=True)
class _Const:
    value: Scalar


_Operand = _Col | _Const


@dataclass(frozen=True)
class _Cmp:
    op: str
    left: _Operand
    right: _Operand


@dataclass(frozen=True)
class _In:
    column: str
    values: tuple[Scalar, ...]
    negate: bool


@dataclass(frozen=True)
class _IsNone:
    column: str
    negate: bool


@dataclass(frozen=True)
class _Not:
    operand: _Node


@dataclass(frozen=True)
class _BoolOp:
    conjunction: bool  # True: and; False: or
    operands: tuple[_Node, ...]


_Node = _Cmp | _In | _IsNone | _Not | _BoolOp


# -- parsing -----------------------------------------------------------------------


_BACKTICK_RE = re.compile(r"`([^`]*)`")


def _replace_backticks(text: str) -> tuple[str, dict[str, str]]:
    """Swap each `quoted name` outside string literals for a fresh identifier.

    The scan only has to find backticks; the AST whitelist remains the security
    boundary, so a scan fooled by odd input yields a refusal, never a bypass.
    """
    aliases: dict[str, str] = {}
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "'\"":
            quote = text[i : i + 3] if text[i : i + 3] in ("'''", '"""') else ch
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + len(quote))
            out.append(text[i:j])
            i = j
        elif ch == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise InputError("unbalanced backtick", field=FIELD)
            name = text[i + 1 : end]
            k = 0
            while (alias := f"_mv_col{len(aliases)}_{k}") in text:
                k += 1
            aliases[alias] = name
            out.append(f" {alias} ")
            i = end + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out), aliases


class _Parser:
    def __init__(self, columns: Collection[str], aliases: dict[str, str]) -> None:
        self.columns = set(columns)
        self.aliases = aliases
        self.used: set[str] = set()

    def condition(self, node: ast.expr, depth: int = 0) -> _Node:
        if depth > MAX_DEPTH:
            raise InputError(f"the condition nests deeper than {MAX_DEPTH}", field=FIELD)
        if isinstance(node, ast.BoolOp):
            return _BoolOp(
                isinstance(node.op, ast.And),
                tuple(self.condition(v, depth + 1) for v in node.values),
            )
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return _Not(self.condition(node.operand, depth + 1))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Name | ast.Constant):
            raise InputError(
                "a bare column or constant is not a condition: compare it "
                "(e.g. `x == True`)",
                field=FIELD,
            )
        raise _refuse(_construct(node))

    def compare(self, node: ast.Compare) -> _Node:
        parts = [node.left, *node.comparators]
        links: list[_Node] = []
        for k, op in enumerate(node.ops):
            left, right = parts[k], parts[k + 1]
            if type(op) in _CMP_OPS:
                a, b = self.operand(left), self.operand(right)
                if isinstance(a, _Const) and isinstance(b, _Const):
                    raise InputError("a comparison of two constants", field=FIELD)
                links.append(_Cmp(_CMP_OPS[type(op)], a, b))
            elif isinstance(op, ast.In | ast.NotIn):
                col = self.operand(left)
                if not isinstance(col, _Col) or not isinstance(right, ast.List | ast.Tuple):
                    raise InputError(
                        "`in` needs a column on the left and a list of constants on the right",
                        field=FIELD,
                    )
                values = []
                for elt in right.elts:
                    const = self.operand(elt)
                    if not isinstance(const, _Const):
                        raise InputError("`in` lists hold constants only", field=FIELD)
                    values.append(const.value)
                links.append(_In(col.name, tuple(values), isinstance(op, ast.NotIn)))
            elif isinstance(op, ast.Is | ast.IsNot):
                col = self.operand(left)
                if not (
                    isinstance(col, _Col)
                    and isinstance(right, ast.Constant)
                    and right.value is None
                ):
                    raise InputError("`is` only takes the form `column is [not] None`", field=FIELD)
                links.append(_IsNone(col.name, isinstance(op, ast.IsNot)))
            else:  # pragma: no cover - ast has no other comparison operators
                raise _refuse(f"'{type(op).__name__}'")
        return links[0] if len(links) == 1 else _BoolOp(True, tuple(links))

    def operand(self, node: ast.expr, depth: int = 0) -> _Operand:
        if depth > MAX_DEPTH:
            raise InputError(f"the condition nests deeper than {MAX_DEPTH}", field=FIELD)
        if isinstance(node, ast.Name):
            name = self.aliases.get(node.id, node.id)
            if name not in self.columns:
                raise InputError(f"unknown column {name!r}", field=FIELD)
            self.used.add(name)
            return _Col(name)
        if isinstance(node, ast.Constant):
            value = node.value
            if value is None:
                raise InputError("compare with None using `is None`", field=FIELD)
            if not isinstance(value, str | int | float | bool):
                raise _refuse(f"a {type(value).__name__} constant")
            if isinstance(value, int) and abs(value) > _MAX_INT:
                raise InputError("a number too large for a float", field=FIELD)
            return _Const(value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.operand(node.operand, depth + 1)
            if isinstance(inner, _Const) and isinstance(inner.value, int | float) and not (
                isinstance(inner.value, bool)
            ):
                sign = -1 if isinstance(node.op, ast.USub) else 1
                return _Const(sign * inner.value)
            raise _refuse("a sign on anything but a number")
        if isinstance(node, ast.List | ast.Tuple):
            raise InputError("a list is only allowed after `in`", field=FIELD)
        if isinstance(node, ast.Compare | ast.BoolOp) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
        ):
            raise InputError("a condition used as a value", field=FIELD)
        if isinstance(node, ast.UnaryOp):
            raise _refuse("arithmetic")
        raise _refuse(_construct(node))


def parse_where(text: str, columns: Collection[str]) -> Where:
    """Parse a row filter against the dataset's ``columns``.

    Raises :class:`InputError` (field ``--where``) naming an unknown column or the
    construct that is not allowed. The filter itself holds constants a researcher
    wrote (e.g. ``stage == 'III'``), never data.
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError("empty row filter", field=FIELD)
    if len(text) > MAX_LENGTH:
        raise InputError(f"row filter longer than {MAX_LENGTH} characters", field=FIELD)
    source, aliases = _replace_backticks(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "1or x"
            tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else "bad characters"
        raise InputError(f"not a valid condition ({reason})", field=FIELD) from None
    except (RecursionError, MemoryError):
        raise InputError("the condition nests too deeply", field=FIELD) from None
    parser = _Parser(columns, aliases)
    root = parser.condition(tree.body)
    return Where(text=text, columns=tuple(sorted(parser.used)), _root=root)


# -- evaluation --------------------------------------------------------------------

_Tri = tuple[NDArray[np.bool_], NDArray[np.bool_]]  # (true, known)


def _is_number(value: Scalar) -> bool:
    return not isinstance(value, str)


def _kind_error(column: str, numeric: bool) -> InputError:
    if numeric:
        return InputError(f"column {column!r} is numeric and is compared with text", field=FIELD)
    return InputError(
        f"column {column!r} is not numeric and is compared with a number", field=FIELD
    )


_Values = NDArray[np.float64] | NDArray[np.object_]


class _Evaluator:
    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df
        self.n = len(df)
        self.cache: dict[str, tuple[bool, _Values, NDArray[np.bool_]]] = {}

    def column(self, name: str) -> tuple[bool, _Values, NDArray[np.bool_]]:
        """(numeric?, values, missing) for a column."""
        if name not in self.cache:
            if name not in self.df.columns:
                raise InputError(f"unknown column {name!r}", field=FIELD)
            series = self.df[name]
            if is_numeric(series):
                values = series.to_numpy(dtype=np.float64, na_value=np.nan)
                self.cache[name] = (True, values, np.isnan(values))
            else:
                text, missing = labels(self.df, name)
                self.cache[name] = (False, text, missing)
        return self.cache[name]

    def eval(self, node: _Node) -> _Tri:
        if isinstance(node, _BoolOp):
            results = [self.eval(op) for op in node.operands]
            value, known = results[0]
            for v2, k2 in results[1:]:
                # Invariant: value is True only where known is True.
                if node.conjunction:
                    known = (known & k2) | (known & ~value) | (k2 & ~v2)
                    value = value & v2
                else:
                    known = (known & k2) | value | v2
                    value = value | v2
            return value, known
        if isinstance(node, _Not):
            value, known = self.eval(node.operand)
            return ~value & known, known
        if isinstance(node, _IsNone):
            _, _, missing = self.column(node.column)
            return (~missing if node.negate else missing.copy()), np.ones(self.n, dtype=bool)
        if isinstance(node, _In):
            return self.isin(node)
        return self.compare(node)

    def isin(self, node: _In) -> _Tri:
        numeric, values, missing = self.column(node.column)
        if any(_is_number(v) != numeric for v in node.values):
            raise _kind_error(node.column, numeric)
        wanted = (
            np.array([float(v) for v in node.values], dtype=np.float64)
            if numeric
            else np.array([str(v) for v in node.values], dtype=object)
        )
        hit = np.isin(values, wanted)
        known = ~missing
        return (~hit if node.negate else hit) & known, known

    def side(self, operand: _Operand) -> tuple[bool, _Values | float | str, NDArray[np.bool_]]:
        if isinstance(operand, _Col):
            return self.column(operand.name)
        value = operand.value
        none_missing = np.zeros(self.n, dtype=bool)
        if _is_number(value):
            return True, float(value), none_missing
        return False, str(value), none_missing

    def compare(self, node: _Cmp) -> _Tri:
        ln, lv, lm = self.side(node.left)
        rn, rv, rm = self.side(node.right)
        if ln != rn:
            if isinstance(node.left, _Col) and isinstance(node.right, _Col):
                raise InputError(
                    f"columns {node.left.name!r} and {node.right.name!r} have different types",
                    field=FIELD,
                )
            if isinstance(node.left, _Col):
                raise _kind_error(node.left.name, ln)
            assert isinstance(node.right, _Col)
            raise _kind_error(node.right.name, rn)
        known = ~(lm | rm)
        compare = _COMPARE[node.op]
        with np.errstate(invalid="ignore"):
            hit = np.asarray(compare(lv, rv)).astype(bool)
        hit = np.broadcast_to(hit, (self.n,))
        return hit & known, known


_COMPARE = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class Where:
    """A parsed row filter. ``columns``: the columns it reads, sorted."""

    text: str
    columns: tuple[str, ...]
    _root: _Node

    def mask(self, df: pd.DataFrame) -> NDArray[np.bool_]:
        """Rows of ``df`` for which the condition is true (missing-aware, see module)."""
        evaluator = _Evaluator(df)
        value, known = evaluator.eval(self._root)
        return np.asarray(value & known, dtype=bool)


def apply_where(df: pd.DataFrame, where: str | None) -> pd.DataFrame:
    """``df`` filtered by the row filter ``where`` (parsed against ``df``'s columns)."""
    if where is None:
        return df
    parsed = parse_where(where, [str(c) for c in df.columns])
    return df.loc[parsed.mask(df)]

