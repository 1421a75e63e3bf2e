"""medveil: privacy-preserving biomedical data collaboration.

Detect, grade and de-identify sensitive data; compute across hospitals without
moving rows; and trace every use in a tamper-evident audit ledger.
"""

from __future__ import annotations

from medveil._version import __version__
from medveil.errors import MedveilError

__all__ = ["MedveilError", "__version__"]
