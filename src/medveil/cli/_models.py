"""`medveil glm`, `medveil cox`, `medveil km`: multi-centre models equal to the pooled fit."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from medveil.cli._common import console, handled
from medveil.cli._stats import StatsOptions, _session
from medveil.errors import InputError

Federation = Annotated[Path | None, typer.Option(help="Membership file.")]
Local = Annotated[list[Path] | None, typer.Option(
    help="Site folder to run a loopback node for (repeat: --local a --local b ...).")]
Identity = Annotated[Path | None, typer.Option(
    help="Researcher key (default $MEDVEIL_IDENTITY or ~/.medveil/identity.key).")]
Dataset = Annotated[str, typer.Option(help="Dataset name registered at every site.")]
Where = Annotated[str | None, typer.Option(help="Row filter, e.g. \"stage != 'IV'\".")]
Fmt = Annotated[str, typer.Option("--format", help="table | json")]
Report = Annotated[Path | None, typer.Option(help="Also write an HTML report here.")]
OnFailure = Annotated[str, typer.Option(
    help="If a node is down: abort, or start again without it (min-sites permitting).")]
MinSites = Annotated[int, typer.Option(help="Fewest sites a release may pool.", min=2)]
Witness = Annotated[bool, typer.Option(help="Cosign ledgers across nodes afterwards.")]
Alpha = Annotated[float, typer.Option(help="1 - confidence level of the intervals.")]


def _opts(federation: Path | None, local: list[Path] | None, identity: Path | None,
          dataset: str, where: str | None, fmt: str, on_failure: str, min_sites: int,
          witness: bool) -> StatsOptions:
    return StatsOptions(federation, list(local or []), identity, dataset, where, fmt,
                        on_failure, min_sites, witness)


def _num(v: float, digits: int = 4) -> str:
    if not math.isfinite(v):
        return "NA"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
        return f"{v:.{digits}e}"
    return f"{v:.{digits}f}"


def _p(v: float) -> str:
    return "<1e-16" if v < 1e-16 else f"{v:.3g}"


def _json(result: Any) -> None:
    console.print(json.dumps(result.to_dict(), ensure_ascii=False, allow_nan=True, default=str),
                  highlight=False, markup=False, soft_wrap=True)


def _write_report(path: Path | None, title: str, section: Any) -> None:
    if path is None:
        return
    from medveil.report import render_report, write_report

    write_report(path, render_report(title, [section]))
    console.print(f"report written to {path}", highlight=False)


def glm_command(
    formula: Annotated[str, typer.Option(help="e.g. \"recurrence ~ age + C(stage) + sex\".")],
    dataset: Dataset,
    family: Annotated[str, typer.Option(help="binomial | gaussian | poisson")] = "gaussian",
    link: Annotated[str | None, typer.Option(
        help="logit or probit (binomial); identity or log (gaussian); log or identity "
             "(poisson). Default: the canonical link.")] = None,
    offset: Annotated[str | None, typer.Option(help="Column added to the linear predictor.")]
    = None,
    exposure: Annotated[str | None, typer.Option(
        help="Column whose log is the offset (poisson rates).")] = None,
    weights: Annotated[str | None, typer.Option(help="Column of case (frequency) weights.")]
    = None,
    federation: Federation = None,
    local: Local = None,
    identity: Identity = None,
    where: Where = None,
    fmt: Fmt = "table",
    report: Report = None,
    max_iter: Annotated[int, typer.Option(help="Most IRLS iterations.")] = 50,
    alpha: Alpha = 0.05,
    on_failure: OnFailure = "abort",
    min_sites: MinSites = 3,
    witness: Witness = True,
) -> None:
    """Fit a GLM across sites by federated IRLS; equal to statsmodels on the pooled rows."""
    from medveil.analysis import glm

    opts = _opts(federation, local, identity, dataset, where, fmt, on_failure, min_sites,
                 witness)
    with handled():
        with _session(opts) as coord:
            res = glm(coord, dataset, formula, family_name=family, link=link, where=where,
                      offset=offset, exposure=exposure, weights=weights, max_iter=max_iter,
                      alpha=alpha)
        if fmt == "json":
            _json(res)
        else:
            _print_glm(res)
        from medveil.report import glm_section

        _write_report(report, f"GLM: {formula}", glm_section(res))


def _print_glm(res: Any) -> None:
    head = Table(title=f"{res.family} GLM ({res.link} link): {res.formula}", show_header=False)
    head.add_column("field")
    head.add_column("value")
    for k, v in (("dataset", res.dataset), ("rows used", f"{res.n:,}"),
                 ("rows dropped (missing)", f"{res.n_dropped:,}"), ("sites", res.n_sites),
                 ("df model / resid", f"{res.df_model} / {res.df_resid:g}"),
                 ("deviance", _num(res.deviance)), ("null deviance", _num(res.null_deviance)),
                 ("log-likelihood", _num(res.llf)), ("AIC", _num(res.aic)),
                 ("scale", _num(res.scale)), ("IRLS iterations", res.iterations)):
        head.add_row(k, str(v))
    console.print(head)
    lo, hi = f"[{res.alpha / 2:g}", f"{1 - res.alpha / 2:g}]"
    t = Table()
    for c in ("", "coef", "std err", "z", "P>|z|", lo, hi):
        t.add_column(c, justify="right" if c else "left")
    ratio = res.link in ("logit", "log")
    if ratio:
        t.add_column("exp(coef)", justify="right")
    for c in res.coefficients():
        row = [c.name, _num(c.estimate), _num(c.std_error), f"{c.z:.3f}", _p(c.p_value),
               _num(c.ci_lower), _num(c.ci_upper)]
        if ratio:
            row.append(_num(math.exp(c.estimate)))
        t.add_row(*row)
    console.print(t)


def cox_command(
    covariates: Annotated[str, typer.Option(help="Right-hand side, e.g. \"age + C(stage)\".")],
    time: Annotated[str, typer.Option(help="Duration column (e.g. days).")],
    event: Annotated[str, typer.Option(help="Event column: 1 event, 0 censored.")],
    grid: Annotated[float, typer.Option(help="Grid width in the duration's units (e.g. 30).")],
    horizon: Annotated[float, typer.Option(help="Longest follow-up the grid covers.")],
    dataset: Dataset,
    ties: Annotated[str, typer.Option(help="efron (as lifelines) | breslow")] = "efron",
    strata: Annotated[str | None, typer.Option(help="Column whose levels get their own "
                                                     "baseline hazard.")] = None,
    strata_by_site: Annotated[bool, typer.Option(
        help="Give every site its own baseline hazard.")] = False,
    federation: Federation = None,
    local: Local = None,
    identity: Identity = None,
    where: Where = None,
    fmt: Fmt = "table",
    report: Report = None,
    alpha: Alpha = 0.05,
    on_failure: OnFailure = "abort",
    min_sites: MinSites = 3,
    witness: Witness = True,
) -> None:
    """Cox proportional hazards across sites; equal to lifelines on the pooled gridded rows."""
    from medveil.analysis import cox

    opts = _opts(federation, local, identity, dataset, where, fmt, on_failure, min_sites,
                 witness)
    with handled():
        with _session(opts) as coord:
            res = cox(coord, dataset, covariates, time=time, event=event, width=grid,
                      horizon=horizon, ties=ties, strata=strata, strata_by_site=strata_by_site,
                      where=where, alpha=alpha)
        if fmt == "json":
            _json(res)
        else:
            _print_cox(res)
        from medveil.report import cox_section

        _write_report(report, f"Cox model: {covariates}", cox_section(res))


def _print_cox(res: Any) -> None:
    head = Table(title=f"Cox proportional hazards ({res.ties} ties): {res.covariates}",
                 show_header=False)
    head.add_column("field")
    head.add_column("value")
    strata = "by site" if res.strata_by_site else (res.strata or "none")
    for k, v in (("dataset", res.dataset), ("patients / events", f"{res.n:,} / {res.n_events:,}"),
                 ("sites", res.n_sites), ("strata", strata),
                 ("time grid", f"width {res.grid.width:g}, {res.grid.n_points} points"),
                 ("log partial likelihood", _num(res.log_likelihood)),
                 ("LR test", f"{res.lr_statistic:.4g} on {res.lr_df} df, p={_p(res.lr_p_value)}"),
                 ("AIC (partial)", _num(res.aic_partial)), ("iterations", res.iterations),
                 ("concordance", res.concordance_note)):
        head.add_row(k, str(v))
    console.print(head)
    t = Table()
    for c in ("", "coef", "exp(coef)", "std err", "z", "p", "HR low", "HR high"):
        t.add_column(c, justify="right" if c else "left")
    for c in res.coefficients():
        t.add_row(c["name"], _num(c["coef"]), _num(c["hazard_ratio"]), _num(c["std_error"]),
                  f"{c['z']:.3f}", _p(c["p_value"]), _num(c["hr_ci_lower"]),
                  _num(c["hr_ci_upper"]))
    console.print(t)
    for note in res.grid.notes:
        console.print(f"note: {note}", highlight=False)


def km_command(
    time: Annotated[str, typer.Option(help="Duration column (e.g. days).")],
    event: Annotated[str, typer.Option(help="Event column: 1 event, 0 censored.")],
    grid: Annotated[float, typer.Option(help="Grid width in the duration's units (e.g. 30).")],
    horizon: Annotated[float, typer.Option(help="Longest follow-up the grid covers.")],
    dataset: Dataset,
    by: Annotated[str | None, typer.Option(help="One curve per level of this column, and "
                                                 "the log-rank test between them.")] = None,
    federation: Federation = None,
    local: Local = None,
    identity: Identity = None,
    where: Where = None,
    fmt: Fmt = "table",
    report: Report = None,
    alpha: Alpha = 0.05,
    on_failure: OnFailure = "abort",
    min_sites: MinSites = 3,
    witness: Witness = True,
) -> None:
    """Kaplan–Meier curves and the log-rank test; equal to lifelines on the pooled gridded
    rows."""
    from medveil.analysis import km

    opts = _opts(federation, local, identity, dataset, where, fmt, on_failure, min_sites,
                 witness)
    with handled():
        if not 0 < alpha < 1:
            raise InputError("alpha must be in (0, 1)", field="--alpha")
        with _session(opts) as coord:
            res = km(coord, dataset, time=time, event=event, width=grid, horizon=horizon, by=by,
                     where=where, alpha=alpha)
        if fmt == "json":
            _json(res)
        else:
            _print_km(res)
        from medveil.report import km_section

        _write_report(report, f"Kaplan–Meier: {time}", km_section(res))


def _print_km(res: Any) -> None:
    t = Table(title=f"Kaplan–Meier: {res.time} (grid width {res.grid.width:g}, "
                    f"{res.grid.n_points} points)")
    for c in (res.by or "group", "n", "events", "median", "S(end)", "CI low", "CI high"):
        t.add_column(c, justify="left" if c == (res.by or "group") else "right")
    for g in res.groups:
        t.add_row(g.label or "all", f"{g.n:,}", f"{g.n_events:,}",
                  "not reached" if g.median is None else f"{g.median:g}",
                  _num(float(g.survival[-1])), _num(float(g.ci_lower[-1])),
                  _num(float(g.ci_upper[-1])))
    console.print(t)
    if res.logrank is not None:
        console.print(f"log-rank: chi2 = {res.logrank.statistic:.4g} on {res.logrank.df} df, "
                      f"p = {_p(res.logrank.p_value)}", highlight=False)
    for note in res.grid.notes:
        console.print(f"note: {note}", highlight=False)
