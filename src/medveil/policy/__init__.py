"""Site policy: disclosure control applied to everything a node releases.

:class:`DisclosureThresholds` holds a site's minimum sizes; :func:`check_release`
is applied by a node to each contribution before it is masked and sent, and
:func:`check_sites` by the coordinator before a pooled computation starts.
"""

from __future__ import annotations

from medveil.policy._disclosure import DisclosureThresholds, check_release, check_sites

__all__ = ["DisclosureThresholds", "check_release", "check_sites"]
