from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medveil.analysis import Where, parse_where
from medveil.errors import InputError

NA = np.nan


def frame() -> pd.DataFrame:
    """Every combination of a few values and missing, for numeric, text and bool."""
    xs = [-1.0, 0.0, 0.5, 1.0, 2.0, NA]
    ys = [0, 1, 3, None]
    ss = ["a", "b", "", None]
    rows = [(x, y, s, (i % 3 == 0)) for i, (x, y, s) in enumerate(
        (x, y, s) for x in xs for y in ys for s in ss
    )]
    df = pd.DataFrame(rows, columns=["x", "y", "s", "flag"])
    df["y"] = df["y"].astype("Int64")  # nullable integers
    df["my col"] = df["s"]
    return df


DF = frame()
COLUMNS = list(DF.columns)


def mask(text: str, df: pd.DataFrame = DF) -> np.ndarray:
    return parse_where(text, df.columns).mask(df)


def kleene(series: pd.Series) -> np.ndarray:
    """A pandas nullable-boolean result, NA counted as not selected."""
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


X = DF["x"].astype("Float64")
Y = DF["y"].astype("Float64")
S = DF["s"].astype("string[python]")  # comparisons give nullable "boolean"


def isin(series: pd.Series, values: list[object]) -> pd.Series:
    out = series.isin(values).astype("boolean")
    out[series.isna()] = pd.NA
    return out


CASES: list[tuple[str, Callable[[], pd.Series]]] = [
    ("x > 0.5", lambda: X > 0.5),
    ("x >= 0.5", lambda: X >= 0.5),
    ("x == 1", lambda: X == 1),
    ("x != 1", lambda: X != 1),
    ("x < -0.5", lambda: X < -0.5),
    ("-1 < x", lambda: X > -1),
    ("0 <= x < 2", lambda: (X >= 0) & (X < 2)),
    ("0 < x <= y", lambda: (X > 0) & (X <= Y)),
    ("x < y", lambda: X < Y),
    ("s == 'a'", lambda: S == "a"),
    ("s != 'a'", lambda: S != "a"),
    ("s == ''", lambda: S == ""),
    ("'a' == s", lambda: S == "a"),
    ("s >= 'b'", lambda: S >= "b"),
    ("s in ['a', 'b']", lambda: isin(S, ["a", "b"])),
    ("s not in ('a',)", lambda: ~isin(S, ["a"])),
    ("y in [0, 3]", lambda: isin(Y, [0.0, 3.0])),
    ("y not in [0, 3]", lambda: ~isin(Y, [0.0, 3.0])),
    ("x in []", lambda: isin(X, [])),
    ("x is None", lambda: X.isna()),
    ("s is not None", lambda: S.notna()),
    ("flag == True", lambda: DF["flag"].astype("boolean") == True),  # noqa: E712
    ("flag != 1", lambda: DF["flag"].astype("Float64") != 1),
    ("not (x > 1)", lambda: ~(X > 1)),
    ("not x > 1", lambda: ~(X > 1)),
    ("x > 1 or s == 'a'", lambda: (X > 1) | (S == "a")),
    ("x > 1 and s == 'a'", lambda: (X > 1) & (S == "a")),
    ("not (x > 1 and s == 'b')", lambda: ~((X > 1) & (S == "b"))),
    ("not (x > 1 or s == 'b')", lambda: ~((X > 1) | (S == "b"))),
    (
        "(x > 0 or y == 1) and not s in ['b'] or x is None",
        lambda: (((X > 0) | (Y == 1)) & ~isin(S, ["b"])) | X.isna(),
    ),
    ("`my col` == 'a' and `x` > 0", lambda: (S == "a") & (X > 0)),
    ("x > -0.5 and x < +1.5", lambda: (X > -0.5) & (X < 1.5)),
    ("x > 1e-3", lambda: X > 1e-3),
]


@pytest.mark.parametrize(("text", "reference"), CASES, ids=[c[0] for c in CASES])
def test_where_equals_pandas_with_three_valued_logic(
    text: str, reference: Callable[[], pd.Series]
) -> None:
    np.testing.assert_array_equal(mask(text), kleene(reference()))


def test_missing_compares_false_and_negation_stays_false() -> None:
    df = pd.DataFrame({"x": [NA, 2.0, 0.0]})
    assert mask("x > 1", df).tolist() == [False, True, False]
    assert mask("not (x > 1)", df).tolist() == [False, False, True]
    assert mask("x != 1", df).tolist() == [False, True, True]
    assert mask("x not in [1]", df).tolist() == [False, True, True]
    # Kleene: False and unknown is False, so its negation keeps the row.
    assert mask("not (x > 1 and x < 0)", df).tolist() == [False, True, True]
    assert mask("x > 1 or x is None", df).tolist() == [True, True, False]


def test_example_from_the_docs() -> None:
    df = pd.DataFrame(
        {"stage": ["III", "III", "II", None, "III"], "age": [50, 49, 70, 80, NA]}
    )
    w = parse_where("stage == 'III' and age >= 50", df.columns)
    assert isinstance(w, Where)
    assert w.columns == ("age", "stage")
    assert w.text == "stage == 'III' and age >= 50"
    assert w.mask(df).tolist() == [True, False, False, False, False]


def test_integral_float_labels_match_text_of_integers() -> None:
    # A categorical stored as object mixing codes still compares as text labels.
    df = pd.DataFrame({"code": ["1", 2, 2.0, 2.5, None]}, dtype=object)
    assert mask("code in ['1', '2']", df).tolist() == [True, True, True, False, False]


def test_backtick_inside_a_string_is_text() -> None:
    df = pd.DataFrame({"s": ["`x`", "x"]})
    assert mask("s == '`x`'", df).tolist() == [True, False]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("__import__('os')", "function call"),
        ("__import__('os').system('true') == 0", "function call"),
        ("abs(x) > 1", "function call"),
        ("x.real > 1", "attribute access"),
        ("x.__class__ == 1", "attribute access"),
        ("x[0] > 1", "subscript"),
        ("x + 1 > 2", "arithmetic"),
        ("-x > 2", "sign on anything but a number"),
        ("~x > 2", "arithmetic"),
        ("(lambda: 1) == 1", "lambda"),
        ("[v for v in s] == 1", "comprehension"),
        ("{'a': 1} == 1", "dict"),
        ("(x := 1) == 1", "assignment"),
        ("f'{x}' == 'a'", "f-string"),
        ("(x if y else s) == 1", "conditional"),
        ("x == b'a'", "bytes"),
        ("x == 1j", "complex"),
        ("x == ...", "ellipsis"),
        ("x", "bare column"),
        ("True", "bare column"),
        ("x == None", "is None"),
        ("x is 1", "is [not] None"),
        ("1 < 2", "two constants"),
        ("1 in x", "`in` needs a column"),
        ("x in y", "`in` needs a column"),
        ("x in [y]", "constants only"),
        ("x == [1]", "only allowed after `in`"),
        ("(x > 1) == True", "condition used as a value"),
        ("x > 1; import os", "not a valid condition"),
        ("import os", "not a valid condition"),
        ("x >", "not a valid condition"),
        ("`x", "unbalanced backtick"),
        ("", "empty"),
        ("   ", "empty"),
        ("x > 1 " + "and x > 1 " * 600, "longer than"),
        ("not " * 100 + "x > 1", "nests deeper"),
        ("(" * 300 + "x > 1" + ")" * 300, "not a valid condition"),
        ("x > " + "-" * 2000 + "1", "nests deeper"),
        ("x > 1" + "0" * 400, "too large"),
        ("x in [1" + "0" * 400 + "]", "too large"),
    ],
)
def test_constructs_outside_the_grammar_are_refused(text: str, needle: str) -> None:
    with pytest.raises(InputError) as info:
        parse_where(text, COLUMNS)
    assert info.value.field == "--where"
    assert needle in str(info.value)


def test_unknown_column_is_named() -> None:
    with pytest.raises(InputError, match="unknown column 'weight'") as info:
        parse_where("x > 1 and weight < 3", COLUMNS)
    assert info.value.field == "--where"
    with pytest.raises(InputError, match="unknown column 'no such'"):
        parse_where("`no such` == 1", COLUMNS)


def test_column_missing_at_a_site_is_named_at_mask_time() -> None:
    w = parse_where("extra == 1", ["extra"])
    with pytest.raises(InputError, match="unknown column 'extra'"):
        w.mask(DF)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("s > 1", "'s' is not numeric"),
        ("x == 'a'", "'x' is numeric"),
        ("s in [1, 2]", "'s' is not numeric"),
        ("x in [1, 'a']", "'x' is numeric"),
        ("x == s", "different types"),
        ("'a' < x", "'x' is numeric"),
    ],
)
def test_type_mismatch_is_refused_naming_the_column(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle) as info:
        mask(text)
    assert info.value.field == "--where"


def test_messages_hold_no_constants_from_the_filter() -> None:
    with pytest.raises(InputError) as info:
        mask("s > 12345")
    assert "12345" not in str(info.value)


# -- property tests ------------------------------------------------------------------

Expr = tuple[str, Callable[[], pd.Series]]

_NUM_OPS: dict[str, Callable[[pd.Series, object], pd.Series]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NUM = {"x": X, "y": Y}
_TEXT = {"s": S, "`my col`": S}
_num_const = st.sampled_from([-1, 0, 0.5, 1, 2, 3, -0.5])
_text_const = st.sampled_from(["a", "b", "", "c"])


@st.composite
def _atom(draw: st.DrawFn) -> Expr:
    kind = draw(st.sampled_from(["num", "text", "in", "none", "chain", "colcol", "flipped"]))
    op = draw(st.sampled_from(sorted(_NUM_OPS)))
    if kind == "num":
        col, c = draw(st.sampled_from(sorted(_NUM))), draw(_num_const)
        return f"{col} {op} {c}", lambda: _NUM_OPS[op](_NUM[col], c)
    if kind == "flipped":
        col, c = draw(st.sampled_from(sorted(_NUM))), draw(_num_const)
        return f"{c} {op} {col}", lambda: _NUM_OPS[_FLIP[op]](_NUM[col], c)
    if kind == "text":
        col, c = draw(st.sampled_from(sorted(_TEXT))), draw(_text_const)
        return f"{col} {op} {c!r}", lambda: _NUM_OPS[op](_TEXT[col], c)
    if kind == "in":
        negate = draw(st.booleans())
        if draw(st.booleans()):
            col = draw(st.sampled_from(sorted(_NUM)))
            values: list[object] = draw(st.lists(_num_const, max_size=3))
            ser = _NUM[col]
        else:
            col = draw(st.sampled_from(sorted(_TEXT)))
            values = draw(st.lists(_text_const, max_size=3))
            ser = _TEXT[col]
        text = f"{col} {'not in' if negate else 'in'} {values!r}"
        return text, lambda: (~isin(ser, values) if negate else isin(ser, values))
    if kind == "none":
        negate = draw(st.booleans())
        col = draw(st.sampled_from(sorted(_NUM) + sorted(_TEXT)))
        ser = {**_NUM, **_TEXT}[col]
        text = f"{col} is {'not ' if negate else ''}None"
        return text, lambda: (ser.notna() if negate else ser.isna()).astype("boolean")
    if kind == "chain":
        op2 = draw(st.sampled_from(sorted(_NUM_OPS)))
        a, b = draw(_num_const), draw(_num_const)
        return (
            f"{a} {op} x {op2} {b}",
            lambda: _NUM_OPS[_FLIP[op]](X, a) & _NUM_OPS[op2](X, b),
        )
    return f"x {op} y", lambda: _NUM_OPS[op](X, Y)


def _combine(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    def neg(e: Expr) -> Expr:
        return f"not ({e[0]})", lambda: ~e[1]().astype("boolean")

    def conj(pair: tuple[Expr, Expr]) -> Expr:
        (ta, fa), (tb, fb) = pair
        return f"({ta}) and ({tb})", lambda: fa().astype("boolean") & fb().astype("boolean")

    def disj(pair: tuple[Expr, Expr]) -> Expr:
        (ta, fa), (tb, fb) = pair
        return f"({ta}) or ({tb})", lambda: fa().astype("boolean") | fb().astype("boolean")

    return st.one_of(
        children.map(neg),
        st.tuples(children, children).map(conj),
        st.tuples(children, children).map(disj),
    )


_expressions = st.recursive(_atom(), _combine, max_leaves=8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_expressions)
def test_grammar_expressions_equal_a_kleene_reference(expr: Expr) -> None:
    text, reference = expr
    np.testing.assert_array_equal(mask(text), kleene(reference()), err_msg=text)


_FORBIDDEN = [
    "__import__('os')",
    "__import__('os').system('touch /tmp/medveil-pwned')",
    "open('/etc/passwd')",
    "x.real",
    "x.__class__.__bases__",
    "x[0]",
    "s[1:2]",
    "abs(x)",
    "eval('1')",
    "(lambda: 1)()",
    "x + 1",
    "x * y",
    "x @ y",
    "[c for c in s]",
    "{c for c in s}",
    "(c for c in s)",
    "{'k': x}",
    "{x}",
    "(q := 1)",
    "f'{x}'",
    "x if y else s",
    "globals()",
    "b'x'",
    "1j",
    "...",
    "*x",
    "await x",
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(_FORBIDDEN),
    _expressions,
    st.sampled_from(
        ["{f} == 1", "{f} > x", "x in [{f}]", "not {f}", "({e}) and {f}", "{f} or ({e})",
         "x < {f} < 3", "{f}", "({e}) and ({f} is None)", "s == {f}"]
    ),
)
def test_constructs_outside_the_grammar_are_always_refused(
    fragment: str, expr: Expr, template: str
) -> None:
    text = template.format(f=fragment, e=expr[0])
    with pytest.raises(InputError) as info:
        parse_where(text, COLUMNS).mask(DF)
    assert info.value.field == "--where"


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("xys ()[]'\"`<>=!-.,0123abinotrdNe_")), max_size=40))
def test_arbitrary_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        w = parse_where(text, COLUMNS)
    except InputError:
        return
    result = None
    try:
        result = w.mask(DF)
    except InputError:
        return
    assert result.dtype == bool and result.shape == (len(DF),)
