"""Imports into the store: every input is checked whole before anything is written.

The public surface of the imports (the modules below are their implementations):

- :func:`load_boundaries` (municipality polygons, any declared CRS; :class:`BoundarySource` is a
  manifest) and :func:`load_services` (the MPSV register, streamed);
- the CSV imports, one :class:`CsvImporter` each, listed in load order by :data:`CSV_IMPORTERS`:
  :class:`ReachImport` (:func:`load_reach`), :class:`NetworkImport` (:func:`load_network`),
  :class:`PopulationImport` (:func:`load_population`), :class:`IndicatorImport`
  (:func:`load_indicators`). ``geo-kissos setup`` and ``geo-kissos ingest`` iterate the list;
  adding a CSV kind is one subclass and one entry;
- :class:`ImportResult`, what an import did (``skipped`` when the same file was imported before);
- the small tables a user hands to the command line: :func:`read_norms_file`,
  :func:`read_changes_file`, :func:`read_user_table`, :func:`type_code`.

Bad input is refused as :class:`~geo_kissos.errors.InputError`, whose problems name the file,
the row or feature and the field.
"""

from __future__ import annotations

from .boundaries import BoundarySource, load_boundaries
from .common import ImportResult
from .importer import Batch, CsvImporter
from .network import NetworkImport, ReachImport, load_network, load_reach
from .phenomena import IndicatorImport, PopulationImport, load_indicators, load_population
from .services import load_services
from .user_tables import read_changes_file, read_norms_file, read_user_table, type_code

#: The CSV imports in load order (after the boundaries and the register).
CSV_IMPORTERS: tuple[type[CsvImporter], ...] = (ReachImport, NetworkImport, PopulationImport, IndicatorImport)

__all__ = [
    "CSV_IMPORTERS",
    "Batch",
    "BoundarySource",
    "CsvImporter",
    "ImportResult",
    "IndicatorImport",
    "NetworkImport",
    "PopulationImport",
    "ReachImport",
    "load_boundaries",
    "load_indicators",
    "load_network",
    "load_population",
    "load_reach",
    "load_services",
    "read_changes_file",
    "read_norms_file",
    "read_user_table",
    "type_code",
]
