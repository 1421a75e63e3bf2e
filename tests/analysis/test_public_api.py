from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import medveil.analysis

EXPECTED = {
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
}


def test_public_surface_is_what_it_says() -> None:
    names = medveil.analysis.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert set(names) == EXPECTED
    for name in names:
        assert getattr(medveil.analysis, name) is not None


def test_implementation_modules_are_private() -> None:
    package = Path(medveil.analysis.__file__).parent
    assert all(p.name.startswith("_") for p in package.glob("*.py"))


def test_policy_does_not_import_analysis() -> None:
    code = "import sys, medveil.policy; sys.exit('medveil.analysis' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
