"""Regression formulas: a safe parser and the design matrix statsmodels would build.

Every hospital node receives the same formula text over the network, parses it
with :func:`parse_formula` and builds its design matrix from its own rows with
:func:`build_design` and :meth:`Design.matrix`. The column names, their order
and the values are exactly those of ``statsmodels.formula.api.glm(formula,
df).exog_names`` / ``.exog`` (patsy's design matrix), provided the category
levels are the ones agreed across sites beforehand: a node lacking a level
locally still gets that level's column, all zeros.

Supported syntax (a subset of the Wilkinson / patsy notation)::

    y ~ a + b            main effects
    y ~ C(x)             x coded as categorical whatever its dtype
    y ~ a:b:c            interaction (product of numeric columns, dummy
                         columns of categorical ones), up to 8 factors
    y ~ a*b              a + b + a:b   (a*b*c: every sub-interaction)
    y ~ (a + b):c        parentheses group terms: a:c + b:c
    y ~ a*b - a          ``-`` removes a term
    y ~ a - 1, y ~ a + 0, y ~ 0 + a    no intercept;  ``+ 1`` puts it back

Column names are Python identifiers (letters, CJK included, digits,
underscore; not keywords), or back-quoted names (```my col```), or patsy's
``Q("my col")``. Anything else (function calls other than ``C(column)``,
``C()`` with extra arguments, ``**``, ``/``, ``|``, numbers other than 0 and 1)
is refused with :class:`~medveil.errors.InputError` naming the token and its
character position (0-based). Formulas are at most 2000 characters, 64 terms
and 8 factors per term.

The text is tokenised and parsed by hand: nothing in it is ever evaluated,
compiled or imported.

Term order, column order and the choice between full-rank and reduced-rank
(treatment) coding of each categorical factor follow patsy's own algorithm
(``patsy.build._make_subterm_infos`` and ``patsy.redundancy``): the intercept
first, then the terms grouped by their set of numeric factors (the group
without numeric factors first), by degree within a group, and each term coded
so that it spans only what earlier terms of its group do not.

Category levels are the labels of ``medveil.analysis._frame`` (``2`` and
``2.0`` are both ``"2"``) sorted like patsy sorts values: numerically when
every label is a number, as strings otherwise. Error messages never contain a
cell value.
"""

from __future__ import annotations

import keyword
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from medveil.analysis._frame import label_codes
from medveil.errors import InputError

__all__ = ["Design", "Formula", "Term", "build_design", "column_kind", "parse_formula"]

FIELD = "formula"
MAX_LENGTH = 2000
MAX_TERMS = 64
MAX_FACTORS = 8
MAX_DEPTH = 32
MAX_COLUMNS = 2048

NUMERIC = "numeric"
CATEGORICAL = "categorical"

_NAME = re.compile(r"[^\W\d]\w*")
_SPACE = frozenset(" \t\r\n")
_OPERATORS = frozenset("~+-*:()")
_PRECEDENCE = {"+": 100, "-": 100, "*": 200, ":": 300}
_UNARY_PRECEDENCE = 100


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Term:
    """An interaction of data columns (one column: a main effect)."""

    factors: tuple[str, ...]


@dataclass(frozen=True)
class Formula:
    """A parsed formula. ``terms`` exclude the intercept (see ``intercept``)."""

    text: str
    response: str
    terms: tuple[Term, ...]
    intercept: bool
    forced_categorical: frozenset[str]
    # How each predictor column is spelled in design column names ("age",
    # 'Q("my col")'); a column not listed is spelled like patsy would need it.
    spelling: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    def columns(self) -> list[str]:
        """Response first, then each predictor column once, in order of appearance."""
        out = [self.response]
        for column in _predictors(self.terms):
            if column not in out:
                out.append(column)
        return out


@dataclass(frozen=True)
class Design:
    """The design matrix layout: ``names`` equal statsmodels' ``exog_names``.

    Design column ``j`` is the product, in order, of the parts ``plan[j]``: a
    part ``(column, -1)`` is the numeric column's value, ``(column, k)`` is 1
    where the categorical column holds its ``k``-th agreed level and 0 elsewhere.
    An empty product (the intercept) is 1.
    """

    names: tuple[str, ...]
    plan: tuple[tuple[tuple[str, int], ...], ...] = field(default=(), repr=False)
    numeric: tuple[str, ...] = field(default=(), repr=False)
    categorical: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), repr=False)
    used: tuple[str, ...] = field(default=(), repr=False)

    def columns(self) -> list[str]:
        """The data columns the design reads (predictors only)."""
        return list(self.used)

    def matrix(self, df: pd.DataFrame) -> NDArray[np.float64]:
        """``len(df) x len(names)`` float64; a row missing any used value is all NaN."""
        for column in self.used:
            count = int((df.columns == column).sum())
            if count == 0:
                raise InputError(f"unknown column {column!r}", field=column)
            if count > 1:
                raise InputError(f"column {column!r} appears more than once", field=column)
        n = len(df)
        missing = np.zeros(n, dtype=bool)
        values: dict[str, NDArray[np.float64]] = {}
        codes: dict[str, NDArray[np.int64]] = {}
        for column in self.numeric:
            series = df[column]
            if _kind(series) != NUMERIC:
                raise InputError(
                    f"column {column!r} was agreed as numeric but is not numeric here",
                    field=column,
                )
            array = series.to_numpy(dtype=np.float64, na_value=np.nan)
            nan = np.isnan(array)
            if np.isinf(array).any():
                raise InputError(f"column {column!r} holds infinite values", field=column)
            missing |= nan
            values[column] = array
        for column, levels in self.categorical:
            found = label_codes(df, column, levels)
            missing |= found < 0
            codes[column] = found
        out = np.empty((n, len(self.names)), dtype=np.float64)
        for j, parts in enumerate(self.plan):
            col = np.ones(n, dtype=np.float64)
            for column, level in parts:
                if level < 0:
                    col *= values[column]
                else:
                    col *= codes[column] == level
            out[:, j] = col
        out[missing, :] = np.nan
        return out


# --------------------------------------------------------------------------- kinds


def _kind(series: pd.Series) -> str | None:
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return CATEGORICAL
    if pd.api.types.is_bool_dtype(dtype):
        return CATEGORICAL
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return NUMERIC
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return CATEGORICAL
    return None


def column_kind(series: pd.Series) -> str:
    """``"numeric"`` for numeric dtypes, ``"categorical"`` for bool, text and categories.

    Dates, durations and complex numbers are refused (InputError).
    """
    kind = _kind(series)
    if kind is None:
        name = str(series.name)
        raise InputError(
            f"column {name!r} is neither numeric nor categorical ({series.dtype})", field=name
        )
    return kind


def _sorted_levels(labels: Sequence[str]) -> list[str]:
    """Patsy's order: numeric when every label is a (finite) number, else as strings."""
    numbers: list[float] = []
    for label in labels:
        try:
            number = float(label)
        except ValueError:
            return sorted(labels)
        if not math.isfinite(number):
            return sorted(labels)
        numbers.append(number)
    order = sorted(range(len(labels)), key=lambda i: (numbers[i], labels[i]))
    return [labels[i] for i in order]


# --------------------------------------------------------------------------- tokens


@dataclass(frozen=True)
class _Token:
    kind: str  # "op", "name", "zero", "one"
    text: str  # operator, or the column name
    pos: int
    spelling: str = ""  # how a name is written in design column names (without C())
    wrapped: bool = False  # written as C(...)


def _error(message: str) -> InputError:
    return InputError(message, field=FIELD)


def _show(text: str) -> str:
    return repr(text if len(text) <= 30 else text[:27] + "...")


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACE:
        i += 1
    return i


def _check_name_text(name: str, pos: int) -> None:
    if not name:
        raise _error(f"empty column name at position {pos}")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise _error(f"column name at position {pos} holds a control character")


def _spell(name: str) -> str:
    if name.isidentifier() and not keyword.iskeyword(name):
        return name
    return f'Q("{name}")' if '"' not in name else f"Q('{name}')"


def _read_identifier(text: str, i: int) -> tuple[str, int]:
    match = _NAME.match(text, i)
    assert match is not None
    name = match.group()
    if not name.isidentifier() or unicodedata.normalize("NFKC", name) != name:
        raise _error(f"name {_show(name)} at position {i} is not a plain identifier; back-quote it")
    return name, match.end()


def _read_backquoted(text: str, i: int) -> tuple[str, str, int]:
    end = text.find("`", i + 1)
    if end < 0:
        raise _error(f"unclosed back-quote at position {i}")
    name = text[i + 1 : end]
    _check_name_text(name, i)
    return name, _spell(name), end + 1


def _read_q(text: str, i: int, start: int) -> tuple[str, str, int]:
    """``Q("name")`` whose ``(`` is at ``i``; ``start`` is the position of ``Q``."""
    j = _skip_space(text, i + 1)
    quote = text[j] if j < len(text) else ""
    if quote not in ('"', "'"):
        raise _error(f'Q() at position {start} takes one quoted column name: Q("my col")')
    end = text.find(quote, j + 1)
    if end < 0:
        raise _error(f"unclosed quote at position {j}")
    name = text[j + 1 : end]
    if "\\" in name:
        raise _error(f"escapes in the Q() at position {start} are not supported")
    _check_name_text(name, j)
    k = _skip_space(text, end + 1)
    if k >= len(text) or text[k] != ")":
        found = text[k] if k < len(text) else "the end of the formula"
        raise _error(f"expected ')' to close the Q() at position {start}, found {_show(found)}")
    return name, f"Q({quote}{name}{quote})", k + 1


def _read_column(text: str, i: int) -> tuple[str, str, int]:
    """One column reference at ``i``: identifier, back-quoted name or Q("...")."""
    ch = text[i] if i < len(text) else ""
    if ch == "`":
        return _read_backquoted(text, i)
    if ch and _NAME.match(text, i):
        name, end = _read_identifier(text, i)
        after = _skip_space(text, end)
        nxt = text[after] if after < len(text) else ""
        if name == "Q" and nxt == "(":
            return _read_q(text, after, i)
        if nxt == "(":
            raise _error(
                f"function call {_show(name + '(')} at position {i} is not supported: "
                'only C(column) and Q("column")'
            )
        if nxt == ".":
            raise _error(
                f"{_show(name + '.')} at position {i}: attribute access and function calls "
                "are not supported"
            )
        if keyword.iskeyword(name):
            raise _error(
                f"{_show(name)} at position {i} is a Python keyword; back-quote it to use it "
                "as a column name"
            )
        return name, name, end
    found = ch if ch else "the end of the formula"
    raise _error(f"expected a column name at position {i}, found {_show(found)}")


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in _SPACE:
            i += 1
        elif ch == "*" and text.startswith("**", i):
            raise _error(f"'**' at position {i} is not supported")
        elif ch in _OPERATORS:
            tokens.append(_Token("op", ch, i))
            i += 1
        elif ch in "0123456789":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "._"):
                j += 1
            number = text[i:j]
            if number == "0":
                tokens.append(_Token("zero", number, i))
            elif number == "1":
                tokens.append(_Token("one", number, i))
            else:
                raise _error(
                    f"number {_show(number)} at position {i} is not supported (only 0 and 1)"
                )
            i = j
        elif ch == "`" or _NAME.match(text, i):
            start = i
            if ch != "`":
                name, end = _read_identifier(text, i)
                after = _skip_space(text, end)
                if name == "C" and after < n and text[after] == "(":
                    inner = _skip_space(text, after + 1)
                    column, spelling, end = _read_column(text, inner)
                    close = _skip_space(text, end)
                    if close < n and text[close] == ",":
                        raise _error(
                            f"extra arguments (',' at position {close}) to the C() at "
                            f"position {start} are not supported"
                        )
                    if close >= n or text[close] != ")":
                        found = text[close] if close < n else "the end of the formula"
                        raise _error(
                            f"expected ')' to close the C() at position {start}, "
                            f"found {_show(found)}"
                        )
                    tokens.append(_Token("name", column, start, spelling, wrapped=True))
                    i = close + 1
                    continue
            column, spelling, end = _read_column(text, i)
            tokens.append(_Token("name", column, start, spelling))
            i = end
        else:
            raise _error(f"unexpected character {_show(ch)} at position {i}")
    return tokens


# --------------------------------------------------------------------------- parser


@dataclass(frozen=True)
class _Expr:
    """patsy's IntermediateExpr: intercept flags and a list of terms (factor tuples)."""

    intercept: bool
    removed: bool
    terms: tuple[tuple[str, ...], ...]


_ZERO = _Expr(False, True, ())
_ONE = _Expr(True, False, ())


def _unique_terms(terms: Sequence[tuple[str, ...]], pos: int) -> tuple[tuple[str, ...], ...]:
    seen: set[frozenset[str]] = set()
    out: list[tuple[str, ...]] = []
    for term in terms:
        key = frozenset(term)
        if key not in seen:
            seen.add(key)
            out.append(term)
    if len(out) > MAX_TERMS:
        raise _error(f"the formula expands to more than {MAX_TERMS} terms (at position {pos})")
    return tuple(out)


def _interaction(left: _Expr, right: _Expr, pos: int) -> tuple[tuple[str, ...], ...]:
    if left.intercept or right.intercept:
        raise _error(f"the intercept cannot interact with anything (operator at position {pos})")
    terms: list[tuple[str, ...]] = []
    for lt in left.terms:
        for rt in right.terms:
            factors = tuple(dict.fromkeys(lt + rt))
            if len(factors) > MAX_FACTORS:
                raise _error(
                    f"a term with more than {MAX_FACTORS} factors (operator at position {pos})"
                )
            terms.append(factors)
    return _unique_terms(terms, pos)


def _apply(op: _Token, left: _Expr, right: _Expr, right_literal: str) -> _Expr:
    pos = op.pos
    if op.text == "+":
        if right_literal == "zero":
            return _Expr(False, True, left.terms)
        terms = _unique_terms(left.terms + right.terms, pos)
        if right.intercept:
            return _Expr(True, False, terms)
        return _Expr(left.intercept, left.removed, terms)
    if op.text == "-":
        if right_literal == "zero":
            return _Expr(True, False, left.terms)
        if right_literal == "one":
            return _Expr(False, True, left.terms)
        removed = {frozenset(t) for t in right.terms}
        kept = tuple(t for t in left.terms if frozenset(t) not in removed)
        if right.intercept:
            return _Expr(False, True, kept)
        return _Expr(left.intercept, left.removed, kept)
    if op.text == "*":
        inter = _interaction(left, right, pos)
        return _Expr(False, False, _unique_terms(left.terms + right.terms + inter, pos))
    assert op.text == ":"
    return _Expr(False, False, _interaction(left, right, pos))


class _Parser:
    """Precedence climbing, with patsy's precedences and evaluation rules.

    Each parse returns the evaluated expression and, for a bare ``0`` or ``1``
    (possibly in parentheses), which literal it was: patsy treats ``a + 0``,
    ``a - 0`` and ``a - 1`` by the syntax of the right operand.
    """

    def __init__(self, tokens: list[_Token], end: int) -> None:
        self.tokens = tokens
        self.i = 0
        self.end = end  # character position after the last token, for messages

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def expression(self, min_prec: int, depth: int) -> tuple[_Expr, str]:
        left, literal = self.operand(depth)
        while True:
            tok = self.peek()
            if tok is None or tok.kind != "op" or tok.text not in _PRECEDENCE:
                return left, literal
            prec = _PRECEDENCE[tok.text]
            if prec < min_prec:
                return left, literal
            self.i += 1
            right, right_literal = self.expression(prec + 1, depth + 1)
            left, literal = _apply(tok, left, right, right_literal), ""

    def operand(self, depth: int) -> tuple[_Expr, str]:
        if depth > MAX_DEPTH:
            raise _error(f"the formula nests deeper than {MAX_DEPTH}")
        tok = self.peek()
        if tok is None:
            raise _error(f"the formula ends where a term is expected (position {self.end})")
        self.i += 1
        if tok.kind == "name":
            return _Expr(False, False, ((tok.text,),)), ""
        if tok.kind == "zero":
            return _ZERO, "zero"
        if tok.kind == "one":
            return _ONE, "one"
        if tok.text == "(":
            inner = self.expression(0, depth + 1)
            close = self.peek()
            if close is None or close.text != ")" or close.kind != "op":
                where = f"position {close.pos}" if close else "the end of the formula"
                raise _error(f"'(' at position {tok.pos} is not closed (at {where})")
            self.i += 1
            return inner
        if tok.text == "-":
            _, literal = self.expression(_UNARY_PRECEDENCE + 1, depth + 1)
            if literal == "zero":
                return _ONE, ""
            if literal == "one":
                return _ZERO, ""
            raise _error(f"unary '-' at position {tok.pos} can only be applied to 0 or 1")
        if tok.text == "+":
            value, _ = self.expression(_UNARY_PRECEDENCE + 1, depth + 1)
            return value, ""
        raise _error(f"expected a term at position {tok.pos}, found {_show(tok.text)}")


def _predictors(terms: Sequence[Term]) -> list[str]:
    out: list[str] = []
    for term in terms:
        for column in term.factors:
            if column not in out:
                out.append(column)
    return out


def parse_formula(text: str) -> Formula:
    """Parse ``text`` (never evaluated); InputError(field="formula") if invalid."""
    if not isinstance(text, str):
        raise _error("the formula must be text")
    if len(text) > MAX_LENGTH:
        raise _error(f"formula longer than {MAX_LENGTH} characters")
    tokens = _tokenize(text)
    tildes = [t for t in tokens if t.kind == "op" and t.text == "~"]
    if not tildes:
        raise _error("the formula has no '~' (write: response ~ terms)")
    if len(tildes) > 1:
        raise _error(f"a second '~' at position {tildes[1].pos}")
    split = tokens.index(tildes[0])
    lhs, rhs = tokens[:split], tokens[split + 1 :]
    if not lhs:
        raise _error("the left side of '~' is empty (the response column is missing)")
    if not rhs:
        raise _error("the right side of '~' is empty")
    if len(lhs) != 1 or lhs[0].kind != "name" or lhs[0].wrapped:
        bad = lhs[0] if lhs[0].kind != "name" or lhs[0].wrapped else lhs[1]
        raise _error(f"the left side of '~' must be one column name (see position {bad.pos})")
    response = lhs[0].text

    spelling: dict[str, tuple[str, bool]] = {}
    for tok in rhs:
        if tok.kind != "name":
            continue
        written = (tok.spelling, tok.wrapped)
        previous = spelling.setdefault(tok.text, written)
        if previous != written:
            raise _error(
                f"column {tok.text!r} is written in two ways (again at position {tok.pos}); "
                "write it the same way everywhere, e.g. always C(...)"
            )

    parser = _Parser(rhs, len(text.rstrip()))
    value, _ = parser.expression(0, 0)
    leftover = parser.peek()
    if leftover is not None:
        raise _error(f"unexpected {_show(leftover.text)} at position {leftover.pos}")
    intercept = not value.removed
    terms = tuple(Term(t) for t in value.terms)
    if not terms and not intercept:
        raise _error("the right side of '~' has neither terms nor an intercept")
    used = _predictors(terms)
    return Formula(
        text=text,
        response=response,
        terms=terms,
        intercept=intercept,
        forced_categorical=frozenset(c for c in used if spelling[c][1]),
        spelling=tuple((c, spelling[c][0]) for c in used),
    )


# --------------------------------------------------------------------------- redundancy


# A subterm is a tuple of (factor, full_rank) pairs; compared as sets, as patsy does.
_Subterm = frozenset[tuple[str, bool]]


def _subsets_sorted(items: Sequence[str]) -> list[tuple[str, ...]]:
    """All subsets, shortest first, ties in the order of the items (patsy's order)."""
    indexed = list(enumerate(items))
    subsets: list[tuple[tuple[int, str], ...]] = [()]
    for item in indexed:
        subsets += [(*s, item) for s in subsets]
    subsets.sort()
    subsets.sort(key=len)
    return [tuple(obj for _, obj in s) for s in subsets]


def _simplify(subterms: list[_Subterm]) -> None:
    """patsy.redundancy._simplify_subterms: absorb a- into a-:b- giving a+:b-, greedily."""
    changed = True
    while changed:
        changed = False
        for short_i, short in enumerate(subterms):
            for long_i in range(short_i + 1, len(subterms)):
                long = subterms[long_i]
                if len(long) - len(short) == 1 and long.issuperset(short):
                    ((factor, full),) = long - short
                    assert not full
                    subterms[long_i] = short | {(factor, True)}
                    subterms.pop(short_i)
                    changed = True
                    break
            if changed:
                break


def _pick_contrasts(categorical: Sequence[str], used: set[frozenset[str]]) -> list[dict[str, bool]]:
    """patsy.redundancy.pick_contrasts_for_term: factor -> full rank, per subterm."""
    subterms: list[_Subterm] = []
    for subset in _subsets_sorted(categorical):
        key = frozenset(subset)
        if key not in used:
            subterms.append(frozenset((f, False) for f in subset))
    used.update(frozenset(f for f, _ in s) for s in subterms)
    _simplify(subterms)
    return [dict(s) for s in subterms]


# --------------------------------------------------------------------------- design


def build_design(
    formula: Formula, kinds: Mapping[str, str], levels: Mapping[str, Sequence[str]]
) -> Design:
    """The design layout for ``formula`` given each column's kind and agreed levels.

    ``kinds[col]`` is ``"numeric"`` or ``"categorical"`` (see :func:`column_kind`);
    columns written ``C(col)`` are categorical whatever their kind and need no
    entry. ``levels[col]`` are the agreed labels of each categorical column, in
    any order (they are sorted the way patsy sorts).
    """
    spelled = dict(formula.spelling)
    used = _predictors(formula.terms)
    categorical: dict[str, list[str]] = {}
    numeric: list[str] = []
    for column in used:
        kind = CATEGORICAL if column in formula.forced_categorical else kinds.get(column)
        if kind is None:
            raise InputError(f"no kind given for column {column!r}", field=column)
        if kind == NUMERIC:
            numeric.append(column)
            continue
        if kind != CATEGORICAL:
            raise InputError(f"unknown kind for column {column!r}", field=column)
        given = levels.get(column)
        if given is None or isinstance(given, str):
            raise InputError(f"no agreed levels for column {column!r}", field=column)
        labels = list(given)
        if not labels:
            raise InputError(f"column {column!r} has no agreed levels", field=column)
        if not all(isinstance(label, str) for label in labels):
            raise InputError(f"the levels of column {column!r} must be text", field=column)
        if len(set(labels)) != len(labels):
            raise InputError(f"the levels of column {column!r} repeat", field=column)
        categorical[column] = _sorted_levels(labels)

    def factor_name(column: str) -> str:
        base = spelled.get(column) or _spell(column)
        return f"C({base})" if column in formula.forced_categorical else base

    terms: list[tuple[str, ...]] = [()] if formula.intercept else []
    terms += [t.factors for t in formula.terms]
    # patsy.build._make_subterm_infos: bucket by the set of numeric factors.
    buckets: dict[frozenset[str], list[tuple[str, ...]]] = {}
    for term in terms:
        key = frozenset(f for f in term if f not in categorical)
        buckets.setdefault(key, []).append(term)
    order = list(buckets)
    if frozenset() in buckets:
        order.remove(frozenset())
        order.insert(0, frozenset())

    names: list[str] = []
    plan: list[tuple[tuple[str, int], ...]] = []
    for key in order:
        bucket = sorted(buckets[key], key=len)
        used_subterms: set[frozenset[str]] = set()
        for term in bucket:
            codings = _pick_contrasts([f for f in term if f in categorical], used_subterms)
            for coding in codings:
                factors = [f for f in term if f not in categorical or f in coding]
                choices: list[list[tuple[str, int, str]]] = []
                for f in factors:
                    if f not in categorical:
                        choices.append([(f, -1, factor_name(f))])
                    elif coding[f]:
                        choices.append(
                            [
                                (f, k, f"{factor_name(f)}[{lv}]")
                                for k, lv in enumerate(categorical[f])
                            ]
                        )
                    else:
                        choices.append(
                            [
                                (f, k, f"{factor_name(f)}[T.{lv}]")
                                for k, lv in enumerate(categorical[f])
                                if k > 0
                            ]
                        )
                count = math.prod(len(c) for c in choices)
                if len(names) + count > MAX_COLUMNS:
                    raise InputError(
                        f"the design would have more than {MAX_COLUMNS} columns", field=FIELD
                    )
                # patsy: the left-most factor varies fastest.
                for combo in product(*reversed(choices)):
                    parts = combo[::-1]
                    names.append(":".join(p[2] for p in parts) or "Intercept")
                    plan.append(tuple((p[0], p[1]) for p in parts))
    if not names:
        raise InputError("the design has no columns", field=FIELD)
    return Design(
        names=tuple(names),
        plan=tuple(plan),
        numeric=tuple(numeric),
        categorical=tuple((c, tuple(v)) for c, v in categorical.items()),
        used=tuple(used),
    )
