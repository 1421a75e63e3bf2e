"""Federated GLM (in process) against statsmodels' GLM on the pooled rows.

Three sites with different sizes and covariate distributions (non-IID): the
federated fit must equal statsmodels to 1e-8 relative on coefficients and
standard errors, and on deviance, log-likelihood, AIC.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from medveil.analysis import InProcessAggregator, glm, run_node_op
from medveil.errors import DisclosureRefusal, InputError, ModelError
from medveil.policy import DisclosureThresholds

RTOL = 1e-8
SIZES = {"a": 900, "b": 600, "c": 400}


def _site(name: str, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    shift = {"a": 0.0, "b": 1.0, "c": -1.0}[name]
    stage = rng.choice(["I", "II", "III", "IV"], n, p=[0.3, 0.3, 0.25, 0.15])
    sex = rng.choice(["F", "M"], n)
    age = rng.normal(60 + 4 * shift, 9 + shift, n).round(1)
    cea = np.exp(rng.normal(1.0 + 0.2 * shift, 0.5, n))
    s = pd.Series(stage).map({"I": 0.0, "II": 0.4, "III": 0.9, "IV": 1.6}).to_numpy()
    male = (sex == "M").astype(float)
    eta = -4.0 + 0.05 * age + s + 0.3 * male - 0.01 * age * male + 0.1 * shift
    recurrence = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    followup = rng.uniform(0.5, 5.0, n).round(2)
    visits = rng.poisson(followup * np.exp(0.2 + 0.01 * (age - 60) + 0.2 * s))
    cost = 20_000 + 800 * age + 15_000 * s + rng.normal(0, 8_000, n) + 3_000 * shift
    weight = rng.integers(1, 4, n)
    df = pd.DataFrame({"stage": stage, "sex": sex, "age": age, "cea": cea,
                       "recurrence": recurrence, "followup": followup,
                       "log_followup": np.log(followup), "visits": visits, "cost": cost,
                       "w": weight, "grade": rng.integers(1, 4, n)})
    # missing values in blocks (listwise deletion)
    df.loc[df.index[:7], "cea"] = np.nan
    df.loc[df.index[10:15], "age"] = np.nan
    return df


SITES = {name: _site(name, n, seed) for (name, n), seed in zip(SIZES.items(), (1, 2, 3),
                                                              strict=True)}
POOLED = pd.concat(SITES.values(), ignore_index=True)
AGG = InProcessAggregator({name: {"crc": df} for name, df in SITES.items()})


def _agg(sites: dict[str, pd.DataFrame], **thresholds: Any) -> InProcessAggregator:
    return InProcessAggregator({n: {"crc": df} for n, df in sites.items()},
                               thresholds=DisclosureThresholds(**thresholds))


def _compare(ours: Any, ref: Any) -> None:
    assert list(ours.names) == list(ref.params.index)
    np.testing.assert_allclose(ours.params, ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours.bse, ref.bse.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours.pvalues, ref.pvalues.to_numpy(), rtol=1e-6, atol=1e-300)
    np.testing.assert_allclose(ours.conf_int, ref.conf_int().to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours.deviance, ref.deviance, rtol=RTOL)
    np.testing.assert_allclose(ours.null_deviance, ref.null_deviance, rtol=RTOL)
    np.testing.assert_allclose(ours.llf, ref.llf, rtol=RTOL)
    np.testing.assert_allclose(ours.llnull, ref.llnull, rtol=RTOL)
    np.testing.assert_allclose(ours.aic, ref.aic, rtol=RTOL)
    np.testing.assert_allclose(ours.pearson_chi2, ref.pearson_chi2, rtol=1e-7)
    np.testing.assert_allclose(ours.scale, ref.scale, rtol=1e-7)
    assert ours.df_model == ref.df_model
    np.testing.assert_allclose(ours.df_resid, ref.df_resid)
    assert ours.n == ref.nobs


def _data(formula: str, *extra: str) -> pd.DataFrame:
    """The pooled rows complete in the model's columns (listwise deletion)."""
    used = [c for c in POOLED.columns if re.search(rf"\b{c}\b", formula) or c in extra]
    return POOLED.dropna(subset=used)


def _reference(formula: str, family: Any) -> Any:
    return smf.glm(formula, _data(formula), family=family).fit(tol=1e-13)


CASES = [
    ("recurrence ~ age + C(stage) + sex + age:sex", "binomial", "logit", sm.families.Binomial()),
    ("recurrence ~ age + C(stage) + cea", "binomial", "probit",
     sm.families.Binomial(sm.families.links.Probit())),
    ("cost ~ age + C(stage) + sex", "gaussian", "identity", sm.families.Gaussian()),
    ("visits ~ age + C(stage) + C(grade)", "poisson", "log", sm.families.Poisson()),
    ("recurrence ~ age*sex + cea", "binomial", "logit", sm.families.Binomial()),
]


@pytest.mark.parametrize(("formula", "fam", "link", "ref_family"), CASES)
def test_glm_equals_statsmodels(formula: str, fam: str, link: str, ref_family: Any) -> None:
    ours = glm(AGG, "crc", formula, family_name=fam, link=link)
    ref = _reference(formula, ref_family)
    _compare(ours, ref)
    assert ours.converged and ours.iterations <= 50
    assert ours.n_dropped == len(POOLED) - len(_data(formula))


def test_poisson_with_exposure_and_offset() -> None:
    formula = "visits ~ age + C(stage)"
    ours = glm(AGG, "crc", formula, family_name="poisson", exposure="followup")
    data = _data(formula, "followup")
    ref = smf.glm(formula, data, family=sm.families.Poisson(),
                  exposure=data["followup"]).fit(tol=1e-13)
    _compare(ours, ref)
    ours_off = glm(AGG, "crc", formula, family_name="poisson", offset="log_followup")
    np.testing.assert_allclose(ours_off.params, ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours_off.null_deviance, ref.null_deviance, rtol=RTOL)


def test_case_weights_are_frequency_weights() -> None:
    formula = "recurrence ~ age + C(stage) + sex"
    ours = glm(AGG, "crc", formula, family_name="binomial", weights="w")
    data = _data(formula, "w")
    ref = smf.glm(formula, data, family=sm.families.Binomial(),
                  freq_weights=data["w"]).fit(tol=1e-13)
    np.testing.assert_allclose(ours.params, ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours.bse, ref.bse.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours.deviance, ref.deviance, rtol=RTOL)
    np.testing.assert_allclose(ours.llf, ref.llf, rtol=RTOL)
    np.testing.assert_allclose(ours.wnobs, data["w"].sum())


def test_gaussian_weights_and_scale() -> None:
    formula = "cost ~ age + sex"
    ours = glm(AGG, "crc", formula, family_name="gaussian", weights="w")
    data = _data(formula, "w")
    ref = smf.glm(formula, data, family=sm.families.Gaussian(),
                  freq_weights=data["w"]).fit(tol=1e-13)
    np.testing.assert_allclose(ours.params, ref.params.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours.bse, ref.bse.to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(ours.scale, ref.scale, rtol=RTOL)
    np.testing.assert_allclose(ours.llf, ref.llf, rtol=RTOL)


def test_where_filter_applies_at_every_site() -> None:
    formula = "recurrence ~ age + sex"
    ours = glm(AGG, "crc", formula, family_name="binomial", where="stage != 'IV'")
    data = _data(formula)
    data = data[data["stage"] != "IV"]
    ref = smf.glm(formula, data, family=sm.families.Binomial()).fit(tol=1e-13)
    np.testing.assert_allclose(ours.params, ref.params.to_numpy(), rtol=RTOL)


def test_result_json_has_a_coefficient_table() -> None:
    res = glm(AGG, "crc", "recurrence ~ age + sex", family_name="binomial")
    d = res.to_dict()
    assert [c["name"] for c in d["coefficients"]] == ["Intercept", "sex[T.M]", "age"]
    assert set(d["coefficients"][0]) == {"name", "estimate", "std_error", "z", "p_value",
                                         "ci_lower", "ci_upper"}
    np.testing.assert_allclose(res.odds_ratios, np.exp(res.params))


# -- model errors -------------------------------------------------------------------------

def _with(col: str, values: Any) -> dict[str, pd.DataFrame]:
    out = {}
    for name, df in SITES.items():
        df = df.copy()
        df[col] = values(df) if callable(values) else values
        out[name] = df
    return out


def test_perfect_separation_is_reported_without_infinite_coefficients() -> None:
    sites = _with("sep", lambda df: df["recurrence"] * 2.0 + np.arange(len(df)) % 2 * 0.1)
    with pytest.raises(ModelError, match="separation"):
        glm(_agg(sites), "crc", "recurrence ~ sep + age", family_name="binomial")


def test_non_convergence_reports_the_last_deviance() -> None:
    with pytest.raises(ModelError, match=r"did not converge in 2 iterations \(last deviance"):
        glm(AGG, "crc", "recurrence ~ age + C(stage)", family_name="binomial", max_iter=2)


def test_singular_design_names_the_column() -> None:
    sites = _with("age2", lambda df: 2.0 * df["age"])
    with pytest.raises(ModelError, match="'age2'"):
        glm(_agg(sites), "crc", "recurrence ~ age + age2", family_name="binomial")


def test_unknown_column() -> None:
    with pytest.raises(InputError, match="'nope'"):
        glm(AGG, "crc", "recurrence ~ age + nope", family_name="binomial")


def test_text_response_and_bad_family_inputs() -> None:
    with pytest.raises(InputError, match="response 'sex' must be numeric"):
        glm(AGG, "crc", "sex ~ age", family_name="binomial")
    with pytest.raises(InputError, match="must be 0/1"):
        glm(AGG, "crc", "visits ~ age", family_name="binomial")
    with pytest.raises(InputError, match="non-negative counts"):
        glm(AGG, "crc", "cost ~ age", family_name="poisson")
    with pytest.raises(InputError, match="link 'log' is not available for binomial"):
        glm(AGG, "crc", "recurrence ~ age", family_name="binomial", link="log")
    with pytest.raises(InputError, match="not numeric"):
        glm(AGG, "crc", "visits ~ age", family_name="poisson", offset="sex")


def test_column_kind_must_agree_across_sites() -> None:
    sites = dict(SITES)
    sites["b"] = sites["b"].assign(age=sites["b"]["age"].astype(str))
    with pytest.raises(InputError, match="numeric at some sites and text at others"):
        glm(_agg(sites), "crc", "recurrence ~ age", family_name="binomial")


def test_level_outside_the_agreed_levels_is_refused_at_the_node() -> None:
    params = {"formula": "recurrence ~ C(stage)", "family": "binomial", "link": "logit",
              "kinds": {"stage": "categorical"}, "levels": {"stage": ["I", "II", "III"]}}
    with pytest.raises(InputError, match="outside the agreed levels"):
        run_node_op("glm.summary", SITES["a"], params)


# -- disclosure ---------------------------------------------------------------------------

def test_too_many_parameters_for_a_small_site() -> None:
    sites = dict(SITES)
    sites["c"] = sites["c"].iloc[:25]
    with pytest.raises(DisclosureRefusal, match="max_param_ratio"):
        glm(_agg(sites, min_cell=1), "crc", "recurrence ~ age + C(stage) + sex + cea + C(grade)",
            family_name="binomial")


def test_rare_level_at_a_site_is_refused_not_merged() -> None:
    sites = dict(SITES)
    df = sites["c"].copy()
    df.loc[df.index[:3], "stage"] = "V"
    sites["c"] = df
    with pytest.raises(DisclosureRefusal, match="min_cell"):
        glm(_agg(sites), "crc", "recurrence ~ age + C(stage)", family_name="binomial")


def test_saturated_model_is_refused() -> None:
    with pytest.raises(DisclosureRefusal, match="saturated"):
        glm(AGG, "crc", "recurrence ~ C(stage)", family_name="binomial")


def test_min_sites_applies() -> None:
    two = _agg({k: SITES[k] for k in ("a", "b")})
    with pytest.raises(DisclosureRefusal, match="min_sites"):
        glm(two, "crc", "recurrence ~ age", family_name="binomial")


class _DropoutAggregator(InProcessAggregator):
    """A site leaves after a few rounds, as a node that goes down with --on-failure continue."""

    def __init__(self, sites: dict[str, pd.DataFrame], drop: str, after: int) -> None:
        super().__init__({n: {"crc": df} for n, df in sites.items()})
        self.active = list(self.sites)
        self._drop, self._after = drop, after

    def aggregate(self, op: str, dataset: str, where: str | None,
                  params: Any) -> Any:
        totals = super().aggregate(op, dataset, where, params)
        if self.rounds == self._after and self._drop in self.sites:
            del self.sites[self._drop]
            self.active.remove(self._drop)
        return totals


def test_a_site_leaving_mid_fit_restarts_the_fit_on_the_rest() -> None:
    four = {**SITES, "d": _site("a", 500, 4)}
    agg = _DropoutAggregator(four, drop="d", after=4)
    formula = "recurrence ~ age + sex"
    res = glm(agg, "crc", formula, family_name="binomial")
    assert res.n_sites == 3
    ref = smf.glm(formula, _data(formula), family=sm.families.Binomial()).fit(tol=1e-13)
    np.testing.assert_allclose(res.params, ref.params.to_numpy(), rtol=RTOL)
