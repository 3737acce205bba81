"""Export one ORP or all of them: map (PNG, PDF, HTML), tables (CSV, XLSX) and the atlas.

:class:`Exporter` reads the store once per layer and year (map data and analysis tables for the
whole region), then writes any number of ORPs from memory::

    from geo_kissos.store import open_store
    from geo_kissos.export import Exporter

    with open_store() as store:
        ex = Exporter(store, "access-49-municipality")
        ex.export_orp("Hranice", "out/")             # name (diacritics optional) or code
        ex.export_all("out/")                        # 13 ORPs + out/atlas_<layer>.pdf

Files of an ORP go to ``<out>/<code>_<slug>/``::

    <slug>_<layer>.png / .pdf / .html     map (A4, shared classes)
    <slug>_gaps_<year>.csv                gap table (ORP × § type)
    <slug>_coverage_<year>.csv            coverage table (municipalities × § type)
    <slug>_tables_<year>.xlsx             both tables + an "about" sheet
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from ..errors import GeoKissosError, UnknownOrpError
from ..layers import provenance
from . import layout as L
from .html import write_html
from .mapdata import ascii_slug, default_layer, load_map_data
from .maps import MapData, orp_figure, overview_figure
from .tables import RegionTables, region_tables, write_csv, write_xlsx

#: Every output format, in the order written.
FORMATS: tuple[str, ...] = ("png", "pdf", "html", "csv", "xlsx")
MAP_FORMATS = ("png", "pdf", "html")
TABLE_FORMATS = ("csv", "xlsx")


def parse_formats(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"png,pdf"`` → ``("png", "pdf")`` in canonical order; None or ``"all"`` → every format.

    Raises
    ------
    GeoKissosError
        For an unknown format.
    """
    if spec is None:
        return FORMATS
    items = spec.split(",") if isinstance(spec, str) else list(spec)
    wanted = {s.strip().lower().lstrip(".") for s in items if s.strip()}
    if wanted == {"all"} or not wanted:
        return FORMATS
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise GeoKissosError(f"unknown format(s) {', '.join(unknown)}; use {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in wanted)


def _fold(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.lower().split())


@dataclass
class ExportResult:
    """What was written for one ORP."""

    orp_code: str
    orp_name: str
    directory: Path
    files: dict[str, Path] = field(default_factory=dict)


class Exporter:
    """Exports of one layer and year (see the module documentation).

    Parameters
    ----------
    store : Store
        An open store.
    layer_id : str, optional
        Layer to map (default :data:`~geo_kissos.export.mapdata.DEFAULT_LAYER`, or population 65+
        when no register is loaded: :func:`~geo_kissos.export.mapdata.default_layer`).
    year : int, optional
        Year of the map and the tables (default: the latest with data).
    sites : {"auto", "all", "none"}
        Which service sites to draw (see :func:`~geo_kissos.export.mapdata.load_map_data`).
    dpi : int
        PNG resolution (A4 at 150 dpi = 1240 × 1753 px).
    norms : pandas.DataFrame, optional
        Planning norms for the gap table (``type_code``, ``units_per_1000``).
    layers_dir : str or Path, optional
        Folder of layer files.
    """

    def __init__(self, store: Any, layer_id: str | None = None, year: int | None = None, *,
                 sites: str | tuple[str, ...] = "auto", dpi: int = L.DEFAULT_DPI, norms: pd.DataFrame | None = None,
                 layers_dir: str | Path | None = None) -> None:
        self.store = store
        self.layer_id = layer_id or default_layer(store)
        self.requested_year = year
        self.sites = sites
        self.dpi = dpi
        self.norms = norms
        self.layers_dir = layers_dir
        self._data: MapData | None = None
        self._tables: RegionTables | None = None

    # ------------------------------------------------------------------ lazily computed
    @property
    def data(self) -> MapData:
        """Region-wide map data of the layer (computed on first use)."""
        if self._data is None:
            self._data = load_map_data(self.store, self.layer_id, self.requested_year,
                                       sites=self.sites, layers_dir=self.layers_dir)
        return self._data

    @property
    def year(self) -> int | None:
        """The year exported: the map's year, else the requested one."""
        return self.data.year if self.data.year is not None else self.requested_year

    @property
    def tables(self) -> RegionTables:
        """Region-wide gap and coverage tables of the year (computed on first use)."""
        if self._tables is None:
            from ..analysis import load_inputs

            year = self.year
            if year is None:
                raise GeoKissosError("no year with data: load population and services first")
            inputs = load_inputs(self.store, int(year))
            self._tables = region_tables(inputs, self.norms)
            from ..analysis.applicants import with_waiting  # applicants' demand (issue 13)

            self._tables.gaps = with_waiting(self.store, int(year), self._tables.gaps)
        return self._tables

    # ------------------------------------------------------------------ ORPs
    def orp_codes(self) -> list[str]:
        """ORP codes in atlas order (Czech alphabetical order of names)."""
        return self.data.orp_codes()

    def resolve_orp(self, name_or_code: str) -> str:
        """The code of an ORP given by code or name (case and diacritics optional).

        Raises
        ------
        UnknownOrpError
            Naming the ORPs that exist.
        """
        orps = self.data.orps
        key = str(name_or_code).strip()
        if key in set(orps["orp_code"]):
            return key
        folded = _fold(key)
        hits = orps[orps["name"].map(_fold) == folded]
        if len(hits) == 1:
            return str(hits["orp_code"].iloc[0])
        known = ", ".join(f"{n} ({c})" for c, n in zip(orps["orp_code"], orps["name"], strict=True))
        raise UnknownOrpError(f"no ORP {name_or_code!r}; known: {known}")

    def orp_dir(self, out_dir: str | Path, orp_code: str) -> Path:
        """The folder of one ORP's files."""
        return Path(out_dir) / f"{orp_code}_{ascii_slug(self.data.orp_name(orp_code))}"

    def file_name(self, orp_code: str, kind: str) -> str:
        """File name of an output: ``kind`` is png/pdf/html/gaps/coverage/xlsx."""
        slug = ascii_slug(self.data.orp_name(orp_code))
        if kind in MAP_FORMATS:
            return f"{slug}_{self.layer_id}.{kind}"
        year = f"_{self.year}" if self.year is not None else ""  # no year: no data for the layer
        if kind == "xlsx":
            return f"{slug}_tables{year}.xlsx"
        return f"{slug}_{kind}{year}.csv"

    # ------------------------------------------------------------------ writing
    def figure(self, orp_code: str, page_label: str = "") -> Figure:
        """The A4 map page of an ORP."""
        return orp_figure(self.data, orp_code, page_label)

    def write_png(self, orp_code: str, path: str | Path, fig: Figure | None = None) -> Path:
        """Write the map of an ORP as PNG."""
        return L.save_png(fig or self.figure(orp_code), path, self.dpi)

    def write_pdf(self, orp_code: str, path: str | Path, fig: Figure | None = None) -> Path:
        """Write the map of an ORP as a one-page PDF."""
        name = self.data.orp_name(orp_code)
        return L.save_pdf([fig or self.figure(orp_code)], path, title=f"ORP {name}: {self.data.title}",
                          subject=self.data.subtitle)

    def write_html(self, orp_code: str, path: str | Path) -> Path:
        """Write the standalone interactive HTML map of an ORP."""
        return write_html(self.data, orp_code, path)

    def orp_tables(self, orp_code: str) -> dict[str, pd.DataFrame]:
        """The gap and coverage tables of an ORP (and its network applications, when any).

        Without a register they hold one row saying so and how to load one (an empty table, or
        zeros, would read as "no services here").
        """
        if not provenance.has_register(self.store):
            note = pd.DataFrame({"poznamka": [provenance.no_register_text()]})
            tables = {"gaps": note, "coverage": note.copy()}
        else:
            tables = self.tables.for_orp(orp_code)
        from ..collect.ranking import orp_applications

        apps = orp_applications(self.store, orp_code)
        if not apps.empty:
            tables["applications"] = apps
        return tables

    def write_tables(self, orp_code: str, directory: str | Path, formats: Sequence[str] = TABLE_FORMATS
                     ) -> dict[str, Path]:
        """Write the ORP's tables as CSV and/or XLSX into ``directory``."""
        directory = Path(directory)
        tables = self.orp_tables(orp_code)
        files: dict[str, Path] = {}
        if "csv" in formats:
            for kind, df in tables.items():
                files[f"{kind}.csv"] = write_csv(df, directory / self.file_name(orp_code, kind))
        if "xlsx" in formats:
            files["xlsx"] = write_xlsx(tables, directory / self.file_name(orp_code, "xlsx"),
                                       about=self.about(orp_code))
        return files

    def about(self, orp_code: str) -> list[tuple[str, str]]:
        """Metadata rows of the XLSX ``about`` sheet."""
        d = self.data
        tables_source = provenance.source_line(None, self.store)
        rows = [("data", provenance.SYNTHETIC_LABEL.upper())] if d.synthetic else []
        if not provenance.has_register(self.store):
            rows.append(("registr", provenance.no_register_text()))
        return [
            *rows,
            ("ORP", f"{d.orp_name(orp_code)} ({orp_code})"),
            ("rok", str(self.year)),
            ("data k", d.data_date or "neuvedeno"),
            ("zdroj mapy", d.source),
            ("zdroj tabulek", tables_source),
            ("srovnání", "normy kraje" if self.norms is not None else "průměr kraje vážený obyvateli"),
            *(self.tables.about_rows() if provenance.has_register(self.store) else []),
            ("vytvořeno", "geo-kissos export"),
        ]

    def export_orp(self, orp: str, out_dir: str | Path, formats: Iterable[str] | str | None = None,
                   *, fig: Figure | None = None) -> ExportResult:
        """Write the chosen formats of one ORP.

        Parameters
        ----------
        orp : str
            ORP code or name.
        out_dir : str or Path
            Output folder (the ORP gets a sub-folder).
        formats : str or iterable of str, optional
            Subset of :data:`FORMATS` (default all).
        fig : Figure, optional
            An already drawn page (reused by :meth:`export_all`).

        Returns
        -------
        ExportResult
        """
        code = self.resolve_orp(orp)
        fmts = parse_formats(formats)
        directory = self.orp_dir(out_dir, code)
        directory.mkdir(parents=True, exist_ok=True)
        result = ExportResult(code, self.data.orp_name(code), directory)
        if "png" in fmts or "pdf" in fmts:
            fig = fig or self.figure(code)
            if "png" in fmts:
                result.files["png"] = self.write_png(code, directory / self.file_name(code, "png"), fig)
            if "pdf" in fmts:
                result.files["pdf"] = self.write_pdf(code, directory / self.file_name(code, "pdf"), fig)
        if "html" in fmts:
            result.files["html"] = self.write_html(code, directory / self.file_name(code, "html"))
        table_fmts = [f for f in fmts if f in TABLE_FORMATS]
        if table_fmts:
            result.files.update(self.write_tables(code, directory, table_fmts))
        return result

    def atlas_path(self, out_dir: str | Path) -> Path:
        """Where :meth:`export_all` writes the atlas."""
        return Path(out_dir) / f"atlas_{self.layer_id}.pdf"

    def atlas_title(self) -> str:
        """Heading of the atlas title page: coverage atlas for layers of services, else the
        region's ORPs (a population or phenomenon atlas is no "coverage" atlas)."""
        from ..layers import get_layer, needs_register

        if needs_register(get_layer(self.layer_id, self.layers_dir)):
            return "Atlas pokrytí sociálními službami podle ORP"
        region = self.store.read("region")
        name = str(region["name"].iloc[0]) if len(region) == 1 else "kraje"
        return f"Atlas ORP: {name}"

    def export_all(self, out_dir: str | Path, formats: Iterable[str] | str | None = None, *,
                   atlas: bool = True, progress: bool = True) -> tuple[list[ExportResult], Path | None]:
        """Write every ORP and, with ``atlas``, one multi-page PDF (title page + one page per ORP).

        Returns
        -------
        (list of ExportResult, Path or None)
            Per ORP results, and the atlas path.
        """
        from tqdm import tqdm

        fmts = parse_formats(formats)
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        codes = self.orp_codes()
        total = len(codes) + 1
        results: list[ExportResult] = []
        atlas_file = self.atlas_path(out) if atlas else None
        pdf = PdfPages(atlas_file, metadata={**L.PDF_METADATA, "Title": self.atlas_title(),
                                             "Subject": self.data.title}) if atlas_file else None
        try:
            if pdf is not None:
                contents = [(self.data.orp_name(c), str(i + 2)) for i, c in enumerate(codes)]
                first = overview_figure(self.data, self.atlas_title(), contents, f"strana 1 / {total}")
                pdf.savefig(first)
            with tqdm(codes, desc=f"export {self.layer_id}", unit="ORP", disable=not progress,
                      leave=True) as bar:
                for i, code in enumerate(bar):
                    bar.set_postfix_str(self.data.orp_name(code))
                    fig = self.figure(code) if ("png" in fmts or "pdf" in fmts or pdf) else None
                    results.append(self.export_orp(code, out, fmts, fig=fig))
                    if pdf is not None and fig is not None:
                        L.draw_page_label(fig, f"strana {i + 2} / {total}")
                        pdf.savefig(fig)
        finally:
            if pdf is not None:
                pdf.close()
        return results, atlas_file


def export_orp(store: Any, orp: str, out_dir: str | Path, layer_id: str | None = None,
               year: int | None = None, formats: Iterable[str] | str | None = None,
               **kwargs: Any) -> ExportResult:
    """Shortcut: ``Exporter(store, layer_id, year, **kwargs).export_orp(orp, out_dir, formats)``."""
    return Exporter(store, layer_id, year, **kwargs).export_orp(orp, out_dir, formats)


def export_all(store: Any, out_dir: str | Path, layer_id: str | None = None, year: int | None = None,
               formats: Iterable[str] | str | None = None, *, atlas: bool = True, progress: bool = True,
               **kwargs: Any) -> tuple[list[ExportResult], Path | None]:
    """Shortcut for :meth:`Exporter.export_all`."""
    return Exporter(store, layer_id, year, **kwargs).export_all(out_dir, formats, atlas=atlas,
                                                                progress=progress)


__all__ = [
    "FORMATS",
    "ExportResult",
    "Exporter",
    "UnknownOrpError",
    "export_all",
    "export_orp",
    "parse_formats",
]
