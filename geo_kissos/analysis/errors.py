"""Errors of the analysis package: :class:`~geo_kissos.errors.AnalysisError`, defined with the
other error classes in :mod:`geo_kissos.errors` and kept importable from here."""

from __future__ import annotations

from ..errors import AnalysisError, NetworkYearError

__all__ = ["AnalysisError", "NetworkYearError"]
