"""GLM families and links, with statsmodels' conventions.

Everything a node needs to evaluate one IRLS step on its own rows: the inverse
link, its derivative, the variance function, the working weights and response,
the deviance and the log-likelihood per row. The formulas follow statsmodels'
``genmod.families`` (including its clipping of probabilities away from 0 and 1),
so the pooled fit converges to the statsmodels estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

from medveil.errors import InputError

__all__ = ["FAMILIES", "Family", "family"]

F64 = NDArray[np.float64]
_EPS = np.finfo(float).eps
LINKS: dict[str, tuple[str, ...]] = {
    "binomial": ("logit", "probit"),
    "gaussian": ("identity", "log"),
    "poisson": ("log", "identity"),
}
FAMILIES = tuple(LINKS)


def _clip01(p: F64) -> F64:
    return np.clip(p, _EPS, 1.0 - _EPS)


@dataclass(frozen=True)
class Family:
    """One family with one link. ``name`` and ``link`` are statsmodels' names."""

    name: str
    link: str

    # -- link --------------------------------------------------------------------------

    def inverse(self, eta: F64) -> F64:
        """mu = g^-1(eta)."""
        if self.link == "logit":
            return np.asarray(special.expit(eta), dtype=np.float64)
        if self.link == "probit":
            return np.asarray(stats.norm.cdf(eta), dtype=np.float64)
        if self.link == "log":
            return np.exp(eta)
        return eta

    def link_of(self, mu: F64) -> F64:
        """eta = g(mu)."""
        if self.link == "logit":
            p = _clip01(mu)
            return np.log(p / (1.0 - p))
        if self.link == "probit":
            return np.asarray(stats.norm.ppf(_clip01(mu)), dtype=np.float64)
        if self.link == "log":
            return np.log(np.maximum(mu, _EPS))
        return mu

    def deriv(self, mu: F64) -> F64:
        """g'(mu)."""
        if self.link == "logit":
            p = _clip01(mu)
            return 1.0 / (p * (1.0 - p))
        if self.link == "probit":
            return 1.0 / np.asarray(stats.norm.pdf(stats.norm.ppf(_clip01(mu))))
        if self.link == "log":
            return 1.0 / np.maximum(mu, _EPS)
        return np.ones_like(mu)

    # -- family ------------------------------------------------------------------------

    def variance(self, mu: F64) -> F64:
        if self.name == "binomial":
            p = _clip01(mu)
            return p * (1.0 - p)
        if self.name == "poisson":
            return np.maximum(mu, _EPS)
        return np.ones_like(mu)

    def starting_mu(self, y: F64, y_mean: float) -> F64:
        """statsmodels' start: (y + 0.5) / 2 for binomial, (y + mean(y)) / 2 otherwise."""
        if self.name == "binomial":
            return (y + 0.5) / 2.0
        return (y + y_mean) / 2.0

    def check_response(self, y: F64, column: str) -> None:
        """Refuse responses outside the family's support (never naming a value)."""
        if self.name == "binomial" and not np.isin(y, (0.0, 1.0)).all():
            raise InputError(
                f"response {column!r} must be 0/1 (or true/false) for the binomial family",
                field=column,
            )
        if self.name == "poisson" and (
            (y < 0).any() or not np.array_equal(y, np.floor(y))
        ):
            raise InputError(
                f"response {column!r} must hold non-negative counts for the poisson family",
                field=column,
            )

    def deviance_rows(self, y: F64, mu: F64) -> F64:
        """Unit deviances (before case weights)."""
        if self.name == "binomial":
            p = _clip01(mu)
            return np.asarray(
                2.0 * (special.xlogy(y, y / p) + special.xlogy(1.0 - y, (1.0 - y) / (1.0 - p))),
                dtype=np.float64)
        if self.name == "poisson":
            m = np.maximum(mu, _EPS)
            return np.asarray(2.0 * (special.xlogy(y, y / m) - (y - m)), dtype=np.float64)
        return (y - mu) ** 2

    def loglike_rows(self, y: F64, mu: F64) -> F64:
        """Log-likelihood per row for the scale-free families (binomial, poisson)."""
        if self.name == "binomial":
            p = _clip01(mu)
            return np.asarray(special.xlogy(y, p) + special.xlogy(1.0 - y, 1.0 - p),
                              dtype=np.float64)
        if self.name == "poisson":
            m = np.maximum(mu, _EPS)
            return np.asarray(special.xlogy(y, m) - m - special.gammaln(y + 1.0),
                              dtype=np.float64)
        raise ValueError("the gaussian log-likelihood needs the scale: see glm results")

    @property
    def estimates_scale(self) -> bool:
        return self.name == "gaussian"


def family(name: str, link: str | None = None) -> Family:
    """The family ``name`` with ``link`` (default: the canonical link)."""
    if name not in LINKS:
        raise InputError(f"unknown family {name!r}; one of {', '.join(FAMILIES)}",
                         field="family")
    link = link or LINKS[name][0]
    if link not in LINKS[name]:
        raise InputError(
            f"link {link!r} is not available for {name}; one of {', '.join(LINKS[name])}",
            field="link",
        )
    return Family(name, link)
