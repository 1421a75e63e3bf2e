"""Property tests: federated results equal pooled ones on random sites."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from medveil.analysis import InProcessAggregator, correlation, describe, quantiles
from medveil.policy import DisclosureThresholds

# No disclosure limits here: the properties are about arithmetic, not policy.
OPEN = DisclosureThresholds(min_cell=1, min_records=1, min_sites=2)

# Values on a 0.001 grid, as measured clinical values are: well-conditioned data.
_values = st.integers(-10_000_000, 10_000_000).map(lambda i: i / 1000)


@st.composite
def site_frames(draw: st.DrawFn, max_rows: int = 40) -> dict[str, dict[str, pd.DataFrame]]:
    n_sites = draw(st.integers(2, 4))
    out = {}
    for s in range(n_sites):
        n = draw(st.integers(1, max_rows))
        x = draw(arrays(np.float64, n, elements=_values))
        y = draw(arrays(np.float64, n, elements=_values))
        x[draw(arrays(np.bool_, n))] = np.nan
        g = draw(st.lists(st.sampled_from(["p", "q", "r", None]), min_size=n, max_size=n))
        out[f"site{s}"] = {"d": pd.DataFrame({"x": x, "y": y, "g": g})}
    return out


def pooled(sites: dict[str, dict[str, pd.DataFrame]]) -> pd.DataFrame:
    return pd.concat([d["d"] for d in sites.values()], ignore_index=True)


def close(a: float, b: float, scale: float) -> None:
    # Relative 1e-9, with an absolute floor at rounding level of the data's scale.
    np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12 * scale)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site_frames(), st.booleans())
def test_describe_equals_pandas(sites: dict[str, dict[str, pd.DataFrame]], grouped: bool) -> None:
    agg = InProcessAggregator(sites, thresholds=OPEN)
    p = pooled(sites)
    if grouped and p["g"].notna().any():
        result = describe(agg, "d", ["x", "y"], by="g")
        frames = {g: p[p["g"] == g] for g in result.groups}
        assert set(result.groups) == set(p["g"].dropna())
    else:
        result = describe(agg, "d", ["x", "y"])
        frames = {None: p}
    for group, frame in frames.items():
        for column in ("x", "y"):
            s = result.get(column, group)
            ref = frame[column]
            scale = float(np.nanmax(np.abs(ref))) if ref.notna().any() else 1.0
            assert s.n == ref.count() and s.n_missing == ref.isna().sum()
            if s.n == 0:
                assert np.isnan(s.mean)
                continue
            close(s.mean, ref.mean(), scale)
            if s.n < 2:
                assert np.isnan(s.variance)
                continue
            close(s.variance, ref.var(), scale * scale)
            close(s.sd, ref.std(), scale)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(site_frames())
def test_correlation_equals_pandas(sites: dict[str, dict[str, pd.DataFrame]]) -> None:
    p = pooled(sites)[["x", "y"]].dropna()
    result = correlation(InProcessAggregator(sites, thresholds=OPEN), "d", ["x", "y"])
    assert result.n == len(p)
    if len(p) >= 2:
        scale = float(np.abs(p.to_numpy()).max()) or 1.0
        np.testing.assert_allclose(
            result.covariance, p.cov().to_numpy(), rtol=1e-9, atol=1e-12 * scale * scale
        )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    site_frames(max_rows=30),
    st.lists(st.floats(0.001, 0.999), min_size=1, max_size=3),
    st.booleans(),
)
def test_quantile_interval_holds_numpy_inverted_cdf(
    sites: dict[str, dict[str, pd.DataFrame]], qs: list[float], ties: bool
) -> None:
    if ties:  # heavy ties and constant runs
        for d in sites.values():
            d["d"]["x"] = np.round(d["d"]["x"] / 5000) * 5
    x = pooled(sites)["x"].dropna().to_numpy()
    result = quantiles(InProcessAggregator(sites, thresholds=OPEN), "d", "x", qs)
    assert result.n == len(x)
    for est in result.estimates:
        if len(x) == 0:
            assert not est.resolved
            continue
        assert est.resolved, est.reason
        truth = np.quantile(x, est.q, method="inverted_cdf")
        assert est.lo < truth <= est.hi
        assert est.hi - est.lo <= result.resolution or np.nextafter(est.lo, np.inf) >= est.hi
