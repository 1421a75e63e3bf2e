"""Federated GWAS equal to PLINK on the pooled samples.

Each site keeps a PLINK 1 binary fileset (registered in ``site.toml`` with its phenotype
and covariate files); :func:`gwas` harmonises the sites' variants, runs PLINK's QC on
pooled counts, and tests every variant (allelic chi-square, trend test, or logistic /
linear regression with covariates) from sums pooled by secure aggregation.
:func:`write_outputs` writes PLINK-compatible tables, a JSON summary and an HTML report.
"""

from __future__ import annotations

from medveil.gwas._output import write_outputs
from medveil.gwas._plink import PlinkSet
from medveil.gwas._study import GwasResult, gwas

__all__ = ["GwasResult", "PlinkSet", "gwas", "write_outputs"]
