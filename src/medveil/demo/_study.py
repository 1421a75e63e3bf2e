"""The demo's federated study: three synthetic hospitals, real nodes on loopback.

Each hospital keeps its own table (with identifying columns withheld by its
site.toml); a researcher runs a descriptive study through secure aggregation,
and the demo prints each federated result beside the same computation on the
pooled rows (which only the demo, holding all synthetic data, can do).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from scipy import stats as sps

from medveil.analysis import (
    CoxResult,
    GlmResult,
    anova,
    correlation,
    count,
    cox,
    describe,
    glm,
    histogram,
    km,
    quantiles,
    table,
    ttest,
)
from medveil.analysis._survival_math import grid_index, grid_times
from medveil.demo._cohort import IDENTIFYING_COLUMNS, generate_cohorts, write_site_data
from medveil.errors import PolicyRefusal
from medveil.federation import Coordinator, init_identity, local_federation
from medveil.federation._auth import public_key_b64
from medveil.federation._data import add_dataset
from medveil.report import (
    Section,
    bar_chart,
    cox_section,
    glm_section,
    histogram_chart,
    km_section,
    paragraph,
    render_report,
    write_report,
)
from medveil.report import Table as ReportTable
from medveil.site import SITE_TOML, Site, init_site
from medveil.site._edit import grant_access

SITES = ("hospital-a", "hospital-b", "hospital-c")
DATASET = "crc"
LOGIT_FORMULA = "recurrence ~ C(stage) + age + sex + cea + msi"
COX_COVARIATES = "age + C(stage) + recurrence + msi"
SURVIVAL = {"time": "followup_months", "event": "status", "width": 1.0, "horizon": 60.0}


@dataclass
class Comparison:
    """Federated vs pooled values, for the printed equality check."""

    rows: list[tuple[str, float, float]] = field(default_factory=list)

    def add(self, label: str, federated: float, pooled: float) -> None:
        self.rows.append((label, float(federated), float(pooled)))

    @property
    def max_rel(self) -> float:
        worst = 0.0
        for _, f, p in self.rows:
            if p != 0 or f != 0:
                worst = max(worst, abs(f - p) / max(abs(p), 1e-300))
        return worst


def setup_sites(workdir: Path, sizes: Sequence[int], seed: int) -> tuple[list[Site], Path,
                                                                        pd.DataFrame]:
    """Create the hospitals, their data and a researcher granted at each; return pooled rows."""
    cohorts = generate_cohorts(seed=seed, sizes=sizes)
    key_path = workdir / "researcher" / "identity.key"
    key = init_identity(key_path)
    pub = public_key_b64(key.public_key())
    sites = []
    for name, df in zip(SITES, cohorts, strict=True):
        site = init_site(workdir / name, name)
        write_site_data(df, site.root / "data")
        add_dataset(site, name=DATASET, path="data/crc.parquet",
                    identifiers=list(IDENTIFYING_COLUMNS))
        site = Site.open(site.root)
        grant_access(site.path(SITE_TOML), site.config, name="demo-researcher", key=pub,
                     role="researcher", datasets=[DATASET],
                     operations=["stats.*", "glm.*", "surv.*", "datasets.list",
                                 "ledger.witness"])
        sites.append(Site.open(site.root))
    pooled = pd.concat(cohorts, ignore_index=True)
    return sites, key_path, pooled


def run_study(sites: Sequence[Site], key_path: Path, pooled: pd.DataFrame, workdir: Path,
              console: Console) -> Comparison:
    from medveil.federation import load_researcher

    key = load_researcher(key_path)
    cmp = Comparison()
    t0 = time.monotonic()
    with console.status("starting three hospital nodes on loopback ...") as status, \
            local_federation([s.root for s in sites]) as fed:
        console.print(f"nodes up in {time.monotonic() - t0:.1f} s: "
                      + ", ".join(f"{m.name} {m.url}" for m in fed.members), highlight=False)
        with Coordinator(fed, key, progress=lambda m: status.update(m)) as coord:
            n = count(coord, DATASET)
            cmp.add("patients (count)", n.n, len(pooled))

            desc = describe(coord, DATASET, ["age", "cea", "bmi"], by="sex")
            for g in desc.groups:
                for col in ("age", "cea", "bmi"):
                    st = desc.get(col, g)
                    ref = pooled.loc[pooled["sex"] == g, col].dropna()
                    cmp.add(f"mean {col} ({g})", st.mean, ref.mean())
                    cmp.add(f"SD {col} ({g})", st.sd, ref.std())

            tab = table(coord, DATASET, ["stage", "recurrence"])
            ref_tab = pd.crosstab(pooled["stage"], pooled["recurrence"].astype(str))
            chi2_ref = sps.chi2_contingency(ref_tab.to_numpy())
            assert tab.chi2 is not None
            cmp.add("chi-square stage x recurrence", tab.chi2.statistic, chi2_ref.statistic)
            cmp.add("p-value stage x recurrence", tab.chi2.pvalue, chi2_ref.pvalue)
            cmp.add("cells stage x recurrence (sum)", float(np.sum(tab.observed)),
                    float(ref_tab.to_numpy().sum()))

            tt = ttest(coord, DATASET, "cea", by="recurrence")
            groups = [pooled.loc[pooled["recurrence"] == v, "cea"].dropna() for v in (0, 1)]
            ref_t = sps.ttest_ind(groups[0], groups[1])
            cmp.add("t statistic CEA by recurrence", tt.statistic, ref_t.statistic)

            an = anova(coord, DATASET, "age", by="stage")
            ref_f = sps.f_oneway(*[pooled.loc[pooled["stage"] == s, "age"] for s in
                                   sorted(pooled["stage"].unique())])
            cmp.add("ANOVA F age by stage", an.statistic, ref_f.statistic)

            corr = correlation(coord, DATASET, ["age", "cea", "bmi"])
            ref_c = pooled[["age", "cea", "bmi"]].dropna().corr().to_numpy()
            cmp.add("corr(age, cea)", corr.correlation[0][1], ref_c[0, 1])

            status.update("logistic regression for recurrence (federated IRLS) ...")
            logit = glm(coord, DATASET, LOGIT_FORMULA, family_name="binomial")
            status.update("Cox model for survival (federated Newton-Raphson) ...")
            coxfit = cox(coord, DATASET, COX_COVARIATES, **SURVIVAL)  # type: ignore[arg-type]
            curves = km(coord, DATASET, by="stage", **SURVIVAL)  # type: ignore[arg-type]

            hist = histogram(coord, DATASET, "age", bins=list(range(40, 86, 5)), open_ends=True)
            q = quantiles(coord, DATASET, "age", [0.25, 0.5, 0.75])

            status.update("asking for an identifier column (must be refused) ...")
            try:
                table(coord, DATASET, ["resident_id"])
                refused = "NOT refused (bug)"
            except PolicyRefusal as exc:
                refused = str(exc)
            status.update("witnessing: nodes cosign each other's ledger checkpoints ...")
            cosigs = coord.witness()
            rounds = coord.rounds
    console.print(f"federated study: {rounds} secure-aggregation rounds, {len(cosigs)} "
                  f"cross-site cosignatures, {time.monotonic() - t0:.1f} s")
    console.print(f"identifier query refused as it must be: {refused}", highlight=False,
                  markup=False)
    console.print(
        f"logistic regression for recurrence ({LOGIT_FORMULA}): {len(logit.names)} "
        f"coefficients, {logit.iterations} IRLS iterations over {logit.n:,} complete rows; "
        f"Cox model ({COX_COVARIATES}): {len(coxfit.names)} hazard ratios, "
        f"{coxfit.n_events:,} deaths, grid width {coxfit.grid.width:g} month(s) up to "
        f"{coxfit.grid.width * coxfit.grid.n_points:g}", highlight=False)
    for note in coxfit.grid.notes:
        console.print(f"  note: {note}", highlight=False)

    _model_references(cmp, pooled, logit, coxfit, console)
    tbl = Table(title="federated result vs pooled computation (pandas/scipy/statsmodels/"
                      "lifelines on all rows)")
    for c in ("statistic", "federated", "pooled", "rel. diff"):
        tbl.add_column(c, justify="right" if c != "statistic" else "left")
    for label, f, p in cmp.rows:
        rel = abs(f - p) / abs(p) if p else abs(f - p)
        tbl.add_row(label, f"{f:.10g}", f"{p:.10g}", f"{rel:.1e}")
    console.print(tbl)
    console.print(f"largest relative difference: {cmp.max_rel:.2e} "
                  f"({'equal to 1e-9' if cmp.max_rel <= 1e-9 else 'NOT EQUAL'})")
    for qq, res in zip((0.25, 0.5, 0.75), q.estimates, strict=True):
        exact = float(np.quantile(pooled["age"], qq, method="inverted_cdf"))
        if not res.resolved or res.lo is None or res.hi is None:
            console.print(f"age quantile {qq}: not resolved ({res.reason})", highlight=False)
            continue
        inside = res.lo < exact <= res.hi
        console.print(f"age quantile {qq}: in ({res.lo:.6f}, {res.hi:.6f}] after {res.rounds} "
                      f"rounds; pooled {exact:.6f} {'inside' if inside else 'OUTSIDE'}",
                      highlight=False)

    report = render_report("medveil demo: a federated study of colorectal cancer", [
        Section("Study", [paragraph(
            f"Three hospitals ({', '.join(s.name for s in sites)}) kept their rows; only "
            f"masked aggregates left each site. {n.n} patients in total.")]),
        Section("Age distribution (all hospitals, federated)", [histogram_chart(
            hist.edges.tolist(), hist.counts.tolist(), title="Age at diagnosis",
            x_label="years")]),
        Section("Stage and recurrence (federated contingency table)", [bar_chart(
            list(tab.levels[0]), {f"recurrence = {lv}": [float(x) for x in tab.observed[:, j]]
                                  for j, lv in enumerate(tab.levels[1])},
            title="Patients by stage and recurrence", y_label="patients"),
            paragraph(f"chi-square {tab.chi2.statistic:.3f}, dof {tab.chi2.dof}, "
                      f"p = {tab.chi2.pvalue:.3g}")]),
        glm_section(logit, title="Logistic regression for recurrence"),
        cox_section(coxfit, title="Cox model for overall survival"),
        km_section(curves, title="Overall survival by stage", unit="(months)"),
        Section("Federated vs pooled", [ReportTable(
            ["statistic", "federated", "pooled"],
            [[lbl, f"{f:.10g}", f"{p:.10g}"] for lbl, f, p in cmp.rows],
            caption=f"largest relative difference {cmp.max_rel:.1e}")]),
    ])
    write_report(workdir / "report.html", report)
    console.print(f"HTML report: {workdir / 'report.html'}", highlight=False)
    return cmp


def _model_references(cmp: Comparison, pooled: pd.DataFrame, logit: GlmResult,
                      coxfit: CoxResult, console: Console) -> None:
    """The models refitted on the pooled rows by statsmodels and lifelines (the references
    the tests use), when they are installed (``pip install medveil[dev]``)."""
    try:
        import statsmodels.api as sm
        import statsmodels.formula.api as smf
        from lifelines import CoxPHFitter
    except ImportError:
        console.print("statsmodels/lifelines not installed: the models' pooled check is "
                      "skipped (pip install 'medveil[dev]')", highlight=False)
        return
    ref = smf.glm(LOGIT_FORMULA, pooled, family=sm.families.Binomial()).fit(tol=1e-13)
    for name, b, se in zip(logit.names, logit.params, logit.bse, strict=True):
        cmp.add(f"logit coef {name}", b, ref.params[name])
        cmp.add(f"logit SE {name}", se, ref.bse[name])
    k, ev = grid_index(pooled["followup_months"].to_numpy(float),
                       pooled["status"].to_numpy(bool), coxfit.grid.width, coxfit.grid.n_points)
    gridded = pooled.assign(T=grid_times(coxfit.grid.width, coxfit.grid.n_points)[k],
                            E=ev.astype(int))
    cph = CoxPHFitter().fit(gridded[["T", "E", "age", "stage", "recurrence", "msi"]], "T", "E",
                            formula=COX_COVARIATES, fit_options={"precision": 1e-12})
    for name, b, se in zip(coxfit.names, coxfit.params, coxfit.bse, strict=True):
        cmp.add(f"Cox log-HR {name}", b, cph.params_[name])
        cmp.add(f"Cox SE {name}", se, cph.standard_errors_[name])
