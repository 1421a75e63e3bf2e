"""Report sections of fitted models: tables, forest plots, Kaplan–Meier curves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medveil.analysis import InProcessAggregator, cox, glm, km
from medveil.report import cox_section, glm_section, km_section, render_report


def _sites() -> InProcessAggregator:
    frames = {}
    for i, name in enumerate("abc"):
        rng = np.random.default_rng(i)
        n = 400
        age = rng.normal(60, 10, n)
        sex = rng.choice(["F", "M"], n)
        risk = np.exp(0.03 * (age - 60) + 0.3 * (sex == "M"))
        days = np.minimum(rng.exponential(900 / risk), 1500).round()
        frames[name] = {"crc": pd.DataFrame({
            "age": age, "sex": sex, "days": days, "died": (days < 1500).astype(int),
            "y": (rng.random(n) < 1 / (1 + np.exp(-(age - 60) / 10))).astype(int)})}
    return InProcessAggregator(frames)


def test_sections_render_tables_and_charts() -> None:
    agg = _sites()
    logit = glm(agg, "crc", "y ~ age + sex", family_name="binomial")
    fit = cox(agg, "crc", "age + sex", time="days", event="died", width=60, horizon=1500)
    curves = km(agg, "crc", time="days", event="died", width=60, horizon=1500, by="sex")
    html = render_report("models", [glm_section(logit), cox_section(fit),
                                    km_section(curves, unit="(days)")])
    assert html.count("<svg") == 3
    assert "Odds ratios with 95% CI" in html and "Hazard ratios with 95% CI" in html
    assert "Kaplan–Meier survival" in html and "Log-rank test" in html
    assert "sex[T.M]" in html and "Per-site counts and coefficients were never" in html
    gaussian = glm(agg, "crc", "age ~ sex + y", family_name="gaussian")
    assert "Coefficients with 95% CI" in render_report("g", [glm_section(gaussian)])
