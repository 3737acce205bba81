"""Errors of the analysis package."""

from __future__ import annotations

from ..errors import GeoKissosError


class AnalysisError(GeoKissosError):
    """Inputs to an analysis are inconsistent or incomplete (missing columns, bad values)."""
