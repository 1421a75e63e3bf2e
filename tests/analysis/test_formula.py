from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from medveil.analysis._formula import (
    Design,
    Formula,
    Term,
    build_design,
    column_kind,
    parse_formula,
)
from medveil.analysis._frame import _label
from medveil.errors import InputError


def make_frame(n: int = 240, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "y": rng.normal(size=n),
            "age": rng.normal(50, 10, n),
            "bmi": rng.normal(25, 3, n),
            "dose": rng.normal(size=n),
            "sex": rng.choice(["F", "M"], n),
            "stage": rng.choice(["I", "II", "III", "IV"], n),
            "grade": rng.integers(1, 13, n),  # natural order 1..12, not "1", "10", ...
            "flag": rng.random(n) < 0.5,
            "site": rng.choice(["north", "south", "east"], n),
            "my col": rng.choice(["p", "q", "r"], n),
        }
    )
    return df


DF = make_frame()
KINDS = {c: column_kind(DF[c]) for c in DF.columns}


def levels_of(df: pd.DataFrame, columns: Sequence[str] | None = None) -> dict[str, list[str]]:
    """Agreed levels from the full frame, in first-seen (unsorted) order on purpose."""
    out: dict[str, list[str]] = {}
    for column in columns if columns is not None else df.columns:
        out[column] = list(dict.fromkeys(_label(v) for v in df[column].dropna()))
    return out


LEVELS = levels_of(DF)


def design(text: str, kinds: Mapping[str, str] = KINDS, levels: Mapping = LEVELS) -> Design:
    return build_design(parse_formula(text), kinds, levels)


def reference(text: str, df: pd.DataFrame = DF) -> tuple[list[str], np.ndarray]:
    model = smf.glm(text, df)
    return list(model.exog_names), np.asarray(model.exog, dtype=np.float64)


FORMULAS = [
    # numeric only
    "y ~ age + bmi",
    "y ~ age + bmi - 1",
    # C() of an int column (natural order 1..12) and of a string column
    "y ~ C(grade) + age",
    "y ~ C(stage)",
    # auto-categorical string and bool
    "y ~ sex + flag + site",
    # the example of the brief: patsy reorders terms
    "y ~ age + C(stage) + sex + age:sex + flag",
    # interactions numeric:numeric (3 factors), numeric:categorical, categorical:categorical
    "y ~ age:bmi + age:bmi:dose",
    "y ~ age:sex + bmi:C(stage)",
    "y ~ sex:C(stage)",
    "y ~ sex + sex:C(stage)",
    "y ~ sex:flag:site",
    "y ~ C(stage) + sex + C(stage):sex",
    # a*b, a*b*c
    "y ~ age*sex",
    "y ~ sex*flag*C(stage)",
    "y ~ age*bmi*sex",
    # parentheses
    "y ~ (age + bmi):sex",
    "y ~ (age + sex)*C(stage)",
    "y ~ (sex + flag):(site + age)",
    # no intercept with categoricals
    "y ~ C(stage) - 1",
    "y ~ 0 + age + C(stage)",
    "y ~ sex:flag - 1",
    "y ~ C(stage):age + 0",
    "y ~ -1 + sex + flag",
    "y ~ sex + flag + 0 + 1",
    # term removal, duplicate and reordered terms
    "y ~ age*sex - age",
    "y ~ sex*flag*site - sex:flag:site - flag",
    "y ~ age + age + sex:age + age:sex",
    # patsy's quirks: the intercept survives "(a - 1):b"; 1 on its own
    "y ~ (age - 1):sex",
    "y ~ 1",
    # Q("...") names
    'y ~ Q("my col")*age',
    "y ~ C(Q('my col')) + sex:C(Q('my col'))",
]


@pytest.mark.parametrize("text", FORMULAS)
def test_matches_statsmodels(text: str) -> None:
    names, exog = reference(text)
    built = design(text)
    assert list(built.names) == names
    matrix = built.matrix(DF)
    assert matrix.dtype == np.float64
    assert matrix.shape == exog.shape
    np.testing.assert_allclose(matrix, exog, rtol=0, atol=0)


def test_brief_example_names() -> None:
    names = design("y ~ age + C(stage) + sex + age:sex + flag").names
    assert names == (
        "Intercept",
        "C(stage)[T.II]",
        "C(stage)[T.III]",
        "C(stage)[T.IV]",
        "sex[T.M]",
        "flag[T.True]",
        "age",
        "age:sex[T.M]",
    )


def test_natural_level_order() -> None:
    names = design("y ~ C(grade)").names
    assert names == ("Intercept", *(f"C(grade)[T.{i}]" for i in range(2, 13)))
    full = design("y ~ C(grade) - 1").names
    assert full == tuple(f"C(grade)[{i}]" for i in range(1, 13))
    # numbers sort numerically, anything else as strings
    assert design("y ~ C(x)", {}, {"x": ["10", "2.5", "-1"]}).names[1:] == (
        "C(x)[T.2.5]",
        "C(x)[T.10]",
    )
    assert design("y ~ x", {"x": "categorical"}, {"x": ["b", "10", "B", "a"]}).names[1:] == (
        "x[T.B]",
        "x[T.a]",
        "x[T.b]",
    )


def test_backquoted_name_is_q() -> None:
    a = design("y ~ `my col`*age")
    b = design('y ~ Q("my col")*age')
    assert a.names == b.names
    assert a.columns() == b.columns() == ["my col", "age"]
    np.testing.assert_array_equal(a.matrix(DF), b.matrix(DF))


def test_other_dtypes_match_statsmodels() -> None:
    df = DF.copy()
    df["grade"] = df["grade"].astype("Int64")  # nullable integers: numeric
    df["bmi"] = df["bmi"].astype("Float64")
    df["stage"] = pd.Categorical(df["stage"], categories=["I", "II", "III", "IV"])
    df["site"] = df["site"].astype("string")
    kinds = {c: column_kind(df[c]) for c in df.columns}
    assert kinds["grade"] == "numeric" and kinds["stage"] == "categorical"
    text = "y ~ grade + bmi:stage + site + grade:sex"
    # patsy cannot read the nullable dtypes: it gets their plain numpy equivalents
    plain = df.astype({"grade": "int64", "bmi": "float64"})
    names, exog = reference(text, plain)
    built = build_design(parse_formula(text), kinds, levels_of(df))
    assert list(built.names) == names
    np.testing.assert_allclose(built.matrix(df), exog, rtol=0, atol=0)


def test_node_lacking_a_level_gets_zero_column() -> None:
    text = "y ~ age + C(stage) + C(stage):sex"
    full = design(text)
    local = DF[DF["stage"] != "III"].reset_index(drop=True)
    assert len(local) < len(DF)
    part = design(text)  # same formula, same agreed levels -> same names
    assert part.names == full.names
    matrix = part.matrix(local)
    names, exog = reference(text)
    assert list(part.names) == names
    keep = (DF["stage"] != "III").to_numpy()
    np.testing.assert_allclose(matrix, exog[keep], rtol=0, atol=0)
    for j, name in enumerate(part.names):
        if "III" in name:
            assert (matrix[:, j] == 0).all()


def test_missing_values_give_nan_rows() -> None:
    df = DF.copy()
    df["age"] = df["age"].astype(object)
    df.loc[[1, 5], "age"] = None
    df["age"] = df["age"].astype(float)
    df.loc[[2], "sex"] = None
    df["grade"] = df["grade"].astype("Int64")
    df.loc[[7], "grade"] = pd.NA
    df.loc[[9], "dose"] = np.nan  # not used by the design: row kept
    text = "y ~ age*sex + C(grade)"
    kinds = {c: column_kind(df[c]) for c in df.columns}
    built = build_design(parse_formula(text), kinds, LEVELS)
    matrix = built.matrix(df)
    bad = [1, 2, 5, 7]
    assert np.isnan(matrix[bad]).all()
    good = np.ones(len(df), dtype=bool)
    good[bad] = False
    assert not np.isnan(matrix[good]).any()
    # statsmodels drops the rows (dropped here first: patsy cannot read Int64)
    names, exog = reference(text, df[good].astype({"grade": "int64"}))
    assert list(built.names) == names
    np.testing.assert_allclose(matrix[good], exog, rtol=0, atol=0)


def test_parse_result() -> None:
    f = parse_formula("out ~ C(grade)*age + (sex + flag):age - flag:age")
    assert isinstance(f, Formula)
    assert f.response == "out"
    assert f.intercept
    assert f.forced_categorical == frozenset({"grade"})
    assert f.terms == (
        Term(("grade",)),
        Term(("age",)),
        Term(("grade", "age")),
        Term(("sex", "age")),
    )
    assert f.columns() == ["out", "grade", "age", "sex"]
    assert not parse_formula("y ~ a - 1").intercept
    assert not parse_formula("y ~ a + 0").intercept
    assert not parse_formula("y ~ 0 + a").intercept
    assert parse_formula("y ~ 0 + a + 1").intercept
    assert parse_formula("y~a*b*c").terms == tuple(
        Term(t)
        for t in [
            ("a",),
            ("b",),
            ("a", "b"),
            ("c",),
            ("a", "c"),
            ("b", "c"),
            ("a", "b", "c"),
        ]
    )
    # duplicates and b:a == a:b removed
    assert parse_formula("y ~ a:b + b:a + a + a").terms == (Term(("a", "b")), Term(("a",)))
    # CJK identifiers and back-quoted names
    g = parse_formula("结果 ~ 年龄 + `blood pressure` + C( 分期 )")
    assert g.columns() == ["结果", "年龄", "blood pressure", "分期"]
    assert g.forced_categorical == frozenset({"分期"})


def test_design_columns() -> None:
    built = design("y ~ age:sex + C(stage) - 1")
    assert built.columns() == ["age", "sex", "stage"]
    assert built.columns() == parse_formula("y ~ age:sex + C(stage) - 1").columns()[1:]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("y ~ np.log(x)", "'np.' at position 4"),
        ("y ~ log(x)", "'log(' at position 4"),
        ("y ~ I(x**2)", "'I(' at position 4"),
        ("y ~ x**2", "'**' at position 5"),
        ("y ~ C(x, Treatment('b'))", "',' at position 7"),
        ("y ~ C(x + z)", "'+'"),
        ("y ~ a | b", "'|' at position 6"),
        ("y ~ a / b", "'/' at position 6"),
        ("y ~ a + 2", "'2' at position 8"),
        ("y ~ a + 1.0", "'1.0' at position 8"),
        ("y ~ a + 01", "'01' at position 8"),
        ("y ~ a b", "'b' at position 6"),
        ("y ~ (a + b", "'(' at position 4"),
        ("y ~ a + b)", "')' at position 9"),
        ("y ~ a +", "ends"),
        ("y ~ -a", "unary '-' at position 4"),
        ("y ~ (a + 1):b", "intercept"),
        ("y ~ a + lambda", "'lambda' at position 8"),
        ("y ~ `a", "back-quote at position 4"),
        ("y ~ ``", "empty column name at position 4"),
        ('y ~ Q("a\\"b")', "escapes"),
        ("y ~ Q(a)", "Q() at position 4"),
        ("y ~ a + C(a)", "two ways"),
        ("y ~ a ~ b", "second '~' at position 6"),
        ("y + z ~ a", "one column name"),
        ("C(y) ~ a", "one column name"),
        ("y a", "no '~'"),
        ("y ~ ", "right side"),
        ("~ a", "left side"),
        ("y ~ 0", "neither terms nor an intercept"),
        ("y ~ a - a - 1", "neither terms nor an intercept"),
        ("y ~ a; import os", "';' at position 5"),
        ("y ~ __import__('os').system('x')", "'__import__('"),
    ],
)
def test_parse_errors(text: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        parse_formula(text)
    assert info.value.field == "formula"
    assert expected in str(info.value)


def test_limits() -> None:
    with pytest.raises(InputError, match="longer than 2000"):
        parse_formula("y ~ " + "a + " * 600 + "b")
    parse_formula("y ~ " + " + ".join(f"x{i}" for i in range(64)))
    with pytest.raises(InputError, match="more than 64 terms"):
        parse_formula("y ~ " + " + ".join(f"x{i}" for i in range(65)))
    with pytest.raises(InputError, match="more than 64 terms"):
        parse_formula("y ~ a*b*c*d*e*f*g")  # 127 terms
    parse_formula("y ~ " + ":".join(f"x{i}" for i in range(8)))
    with pytest.raises(InputError, match="more than 8 factors"):
        parse_formula("y ~ " + ":".join(f"x{i}" for i in range(9)))
    with pytest.raises(InputError, match="nests deeper"):
        parse_formula("y ~ " + "(" * 40 + "a" + ")" * 40)
    with pytest.raises(InputError, match="nests deeper"):
        parse_formula("y ~ a + " + "- " * 100 + "1")
    with pytest.raises(InputError, match="more than 2048 columns"):
        build_design(
            parse_formula("y ~ a:b - 1"),
            {"a": "categorical", "b": "categorical"},
            {"a": [str(i) for i in range(50)], "b": [f"v{i}" for i in range(50)]},
        )


def test_build_design_errors() -> None:
    f = parse_formula("y ~ age + sex")
    with pytest.raises(InputError) as info:
        build_design(f, {"age": "numeric"}, {})
    assert info.value.field == "sex"
    with pytest.raises(InputError) as info:
        build_design(f, KINDS, {})
    assert info.value.field == "sex"
    with pytest.raises(InputError) as info:
        build_design(f, {"age": "numeric", "sex": "text"}, LEVELS)
    assert info.value.field == "sex"
    with pytest.raises(InputError):
        build_design(f, KINDS, {"sex": ["F", "M", "F"]})
    with pytest.raises(InputError):
        build_design(f, KINDS, {"sex": []})


def test_matrix_errors_name_the_column_not_the_value() -> None:
    built = design("y ~ age + sex")
    secret = "Jane-Doe-1961"

    with pytest.raises(InputError) as info:
        built.matrix(DF.drop(columns=["sex"]))
    assert info.value.field == "sex"

    df = DF.copy()
    df["age"] = df["age"].astype(object)
    df.loc[3, "age"] = secret
    with pytest.raises(InputError) as info:
        built.matrix(df)
    assert info.value.field == "age"
    assert secret not in str(info.value)

    df = DF.copy()
    df.loc[4, "sex"] = secret
    with pytest.raises(InputError, match="outside the agreed levels") as info:
        built.matrix(df)
    assert info.value.field == "sex"
    assert secret not in str(info.value)

    df = DF.copy()
    df.loc[5, "age"] = np.inf
    with pytest.raises(InputError, match="infinite") as info:
        built.matrix(df)
    assert info.value.field == "age"
    assert "inf" not in str(info.value).replace("infinite", "")

    twice = pd.concat([DF, DF[["sex"]]], axis=1)
    with pytest.raises(InputError) as info:
        built.matrix(twice)
    assert info.value.field == "sex"

    df = DF.copy()
    df["age"] = df["age"] > 50  # bools are categorical, not numeric
    with pytest.raises(InputError) as info:
        built.matrix(df)
    assert info.value.field == "age"


def test_column_kind() -> None:
    assert column_kind(pd.Series([1, 2])) == "numeric"
    assert column_kind(pd.Series([1.5, None])) == "numeric"
    assert column_kind(pd.Series([1, None], dtype="Int64")) == "numeric"
    assert column_kind(pd.Series([1.5, None], dtype="Float64")) == "numeric"
    assert column_kind(pd.Series([True, False])) == "categorical"
    assert column_kind(pd.Series([True, None], dtype="boolean")) == "categorical"
    assert column_kind(pd.Series(["a", None])) == "categorical"
    assert column_kind(pd.Series(["a", None], dtype="string")) == "categorical"
    assert column_kind(pd.Series([1, 2], dtype="category")) == "categorical"
    with pytest.raises(InputError) as info:
        column_kind(pd.Series(pd.to_datetime(["2020-01-01"]), name="when"))
    assert info.value.field == "when"


FORMULA_CHARS = st.sampled_from(
    [*"yabxC Q()~+-*:01`'\"\\,.|/%^&![]{}", "**", "C(", "Q(", " - 1", "年", "\x00", "\u200b"]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(FORMULA_CHARS, max_size=40).map("".join)))
def test_parse_formula_raises_only_input_error(text: str) -> None:
    try:
        parsed = parse_formula(text)
    except InputError as error:
        assert error.field == "formula"
    else:
        assert parsed.text == text
        assert parsed.terms or parsed.intercept
        assert all(0 < len(t.factors) <= 8 for t in parsed.terms)
