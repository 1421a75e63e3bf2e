"""Report sections for fitted models: regression tables, forest plots, survival curves.

Each builder takes a result of :mod:`medveil.analysis` (a GLM, a Cox model, Kaplan–Meier
curves) and returns a :class:`~medveil.report.Section`; the results hold pooled estimates
only, so a report holds nothing a site has not released.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from medveil.report._html import Section, Table, paragraph
from medveil.report._svg import forest_plot, line_chart

if TYPE_CHECKING:
    from medveil.analysis import CoxResult, GlmResult, KMResult

__all__ = ["cox_section", "glm_section", "km_section"]


def _p(value: float) -> str:
    if not math.isfinite(value):
        return "NA"
    return "<1e-16" if value < 1e-16 else f"{value:.3g}"


def glm_section(res: GlmResult, *, title: str | None = None) -> Section:
    """The coefficient table and, for logit/log links, a forest plot of exp(coef)."""
    ratio = {"logit": "odds ratio", "log": "rate ratio"}.get(res.link)
    rows = []
    for c in res.coefficients():
        row: list[object] = [c.name, c.estimate, c.std_error, c.z, _p(c.p_value),
                             c.ci_lower, c.ci_upper]
        if ratio:
            row += [math.exp(c.estimate), math.exp(c.ci_lower), math.exp(c.ci_upper)]
        rows.append(row)
    cols = ["term", "coef", "std err", "z", "P>|z|", f"[{res.alpha / 2:g}",
            f"{1 - res.alpha / 2:g}]"]
    if ratio:
        cols += [ratio, "CI low", "CI high"]
    body: list[str | Table] = [
        paragraph(
            f"{res.family} GLM with {res.link} link: {res.formula}. {res.n:,} rows at "
            f"{res.n_sites} sites ({res.n_dropped:,} dropped for missing values); deviance "
            f"{res.deviance:.6g} (null {res.null_deviance:.6g}), AIC {res.aic:.6g}, "
            f"{res.iterations} IRLS iterations. Per-site counts and coefficients were never "
            "released: every number is computed from sums pooled by secure aggregation."),
        Table(cols, rows, caption="Coefficients"),
    ]
    terms = [c for c in res.coefficients() if c.name != "Intercept"]
    if terms:
        if ratio:
            body.append(forest_plot(
                [c.name for c in terms], [math.exp(c.estimate) for c in terms],
                [math.exp(c.ci_lower) for c in terms], [math.exp(c.ci_upper) for c in terms],
                title=f"{ratio.capitalize()}s with {1 - res.alpha:.0%} CI",
                x_label=f"{ratio} (log scale)"))
        else:
            body.append(forest_plot(
                [c.name for c in terms], [c.estimate for c in terms],
                [c.ci_lower for c in terms], [c.ci_upper for c in terms],
                title=f"Coefficients with {1 - res.alpha:.0%} CI", x_label="coefficient",
                log_scale=False, reference=0.0))
    return Section(title or f"Regression: {res.formula}", body)


def cox_section(res: CoxResult, *, title: str | None = None) -> Section:
    """Hazard ratios as a table and a forest plot, the likelihood-ratio test, the grid."""
    rows = [[c["name"], c["coef"], c["hazard_ratio"], c["std_error"], c["z"],
             _p(c["p_value"]), c["hr_ci_lower"], c["hr_ci_upper"]]
            for c in res.coefficients()]
    strata = (" stratified by site" if res.strata_by_site else "") + (
        f" stratified by {res.strata}" if res.strata else "")
    body: list[str | Table] = [
        paragraph(
            f"Cox proportional hazards ({res.ties} ties){strata}: {res.covariates}. "
            f"{res.n:,} patients, {res.n_events:,} events at {res.n_sites} sites; durations on "
            f"a grid of width {res.grid.width:g} up to {res.grid.width * res.grid.n_points:g}. "
            f"Log partial likelihood {res.log_likelihood:.6g}; likelihood-ratio test "
            f"{res.lr_statistic:.4g} on {res.lr_df} df, p = {_p(res.lr_p_value)}. "
            f"Concordance {res.concordance_note}."),
        Table(["term", "coef", "HR", "std err", "z", "p", "HR CI low", "HR CI high"], rows,
              caption="Hazard ratios"),
        forest_plot(res.names, list(res.hazard_ratios), list(res.hr_conf_int[:, 0]),
                    list(res.hr_conf_int[:, 1]),
                    title=f"Hazard ratios with {1 - res.alpha:.0%} CI",
                    x_label="hazard ratio (log scale)"),
    ]
    body += [paragraph(n) for n in res.grid.notes]
    return Section(title or f"Cox model: {res.covariates}", body)


def km_section(res: KMResult, *, title: str | None = None, unit: str = "") -> Section:
    """Kaplan–Meier step curves with confidence bands, a summary table, the log-rank test."""
    series = {}
    bands = {}
    for g in res.groups:
        name = g.label if g.label is not None else "all"
        series[name] = (list(g.times), list(g.survival))
        bands[name] = (list(g.ci_lower), list(g.ci_upper))
    chart = line_chart(series, title="Kaplan–Meier survival",
                       x_label=f"{res.time} {unit}".strip(), y_label="survival probability",
                       step=True, bands=bands, y_range=(0.0, 1.0))
    rows = [[g.label if g.label is not None else "all", g.n, g.n_events,
             "not reached" if g.median is None else g.median,
             float(g.survival[-1]) if len(g.survival) else None]
            for g in res.groups]
    body: list[str | Table] = [
        paragraph(
            f"Durations ({res.time}) on a grid of width {res.grid.width:g} up to "
            f"{res.grid.width * res.grid.n_points:g}; intervals are Greenwood's, on the "
            f"log(-log) scale ({1 - res.alpha:.0%})."),
        chart,
        Table([res.by or "group", "n", "events", "median survival", "survival at end of grid"],
              rows, caption="Summary"),
    ]
    if res.logrank is not None:
        body.append(paragraph(
            f"Log-rank test: chi-square {res.logrank.statistic:.4g} on {res.logrank.df} df, "
            f"p = {_p(res.logrank.p_value)}."))
    body += [paragraph(n) for n in res.grid.notes]
    return Section(title or f"Kaplan–Meier: {res.time}" + (f" by {res.by}" if res.by else ""),
                   body)
