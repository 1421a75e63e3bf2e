"""Vetted federated statistics: each a node half and a coordinator half.

Node halves (:data:`NODE_OPS`, run by :func:`run_node_op`) are pure functions of
one site's rows and JSON params, returning a :class:`Contribution` of
sufficient statistics. Coordinator halves (:func:`count`, :func:`describe`,
:func:`table`, :func:`ttest`, :func:`anova`, :func:`correlation`,
:func:`histogram`, :func:`quantiles`) drive rounds through an
:class:`Aggregator` and see only pooled :class:`Totals`; their results equal
the same computation on the pooled rows. :class:`InProcessAggregator` runs all
sites in one process (the pooled reference); row filters are parsed by the safe
:func:`parse_where`.
"""

from __future__ import annotations

from medveil.analysis._aggregator import Aggregator, InProcessAggregator
from medveil.analysis._contribution import Contribution, NodeOp, Totals
from medveil.analysis._correlation import CorrelationResult, correlation
from medveil.analysis._describe import (
    AnovaResult,
    ColumnSummary,
    CountResult,
    DescribeResult,
    TTestResult,
    anova,
    count,
    describe,
    ttest,
)
from medveil.analysis._distribution import (
    HistogramResult,
    QuantileEstimate,
    QuantileResult,
    histogram,
    quantiles,
)
from medveil.analysis._glm import Coefficient, GlmResult, glm
from medveil.analysis._stats_node import NODE_OPS, columns_read, op_params_model, run_node_op
from medveil.analysis._survival import CoxResult, KMGroup, KMResult, cox, km
from medveil.analysis._table import ChiSquareTest, TableResult, table
from medveil.analysis._where import Where, parse_where

__all__ = [
    "NODE_OPS",
    "Aggregator",
    "AnovaResult",
    "ChiSquareTest",
    "Coefficient",
    "ColumnSummary",
    "Contribution",
    "CorrelationResult",
    "CountResult",
    "CoxResult",
    "DescribeResult",
    "GlmResult",
    "HistogramResult",
    "InProcessAggregator",
    "KMGroup",
    "KMResult",
    "NodeOp",
    "QuantileEstimate",
    "QuantileResult",
    "TTestResult",
    "TableResult",
    "Totals",
    "Where",
    "anova",
    "columns_read",
    "correlation",
    "count",
    "cox",
    "describe",
    "glm",
    "histogram",
    "km",
    "op_params_model",
    "parse_where",
    "quantiles",
    "run_node_op",
    "table",
    "ttest",
]
