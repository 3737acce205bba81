"""Official downloads: fetch the region's sources into the data folder and import them.

The sources (addresses, formats, how records are counted, where the data date is read) are
declared once in ``sources.toml`` beside this package (boundaries: in their manifests in
``boundaries/``). Modules: :mod:`.catalogue` (the catalogue and base URLs), :mod:`.fetch`
(pooch + tqdm), :mod:`.atom` (the ČÚZK Atom feeds), :mod:`.ruian` (the region's address-point
CSVs out of the national ZIP), :mod:`.records` (parse and count), :mod:`.place` (files in place,
with rollback), :mod:`.log` (``downloads.csv``), :mod:`.run` (the whole run).
"""

from .catalogue import Catalogue, Source, load_catalogue, parse_base_urls
from .fetch import DownloadError
from .run import Outcome, RunResult, download_region

__all__ = ["Catalogue", "DownloadError", "Outcome", "RunResult", "Source", "download_region", "load_catalogue",
           "parse_base_urls"]
