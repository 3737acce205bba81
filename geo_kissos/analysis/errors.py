"""Errors of the analysis package."""

from __future__ import annotations

from ..errors import GeoKissosError


class AnalysisError(GeoKissosError):
    """Inputs to an analysis are inconsistent or incomplete (missing columns, bad values)."""


class NetworkYearError(AnalysisError):
    """A year the network of services has no rows for, while it has rows for other years.

    Attributes
    ----------
    year : int
        The year asked for.
    years : list of int
        The years of the network in the store.
    """

    def __init__(self, year: int, years: list[int]) -> None:
        self.year = int(year)
        self.years = [int(y) for y in years]
        super().__init__(f"the network of services has no units for {self.year} (years in the "
                         f"store: {', '.join(map(str, self.years))})")
