"""Where the numbers come from, as imported: data dates, source lines, synthetic demo, register.

Every map, page, table and atlas prints its data date and source line from what the store
recorded when the files were imported, never from a fixed string:

* boundaries: the manifest's ``title`` (and ``publisher``) recorded in the import log's note by
  :func:`geo_kissos.ingest.boundaries.load_boundaries`, else the manifest beside the imported
  file, else the file name;
* population: the file name and its data date (``casref_do``) from the import log;
* indicators: the ``zdroj`` column of the indicator rows and their ``datum_dat``;
* register and network: the imported file and its data date, or the plain statement that no
  register is loaded and how to load one.

The synthetic demo (:mod:`geo_kissos.demo`) is recognised by its municipality codes: the demo
writes codes starting with 9, which no real municipality has (ČSÚ codes of municipalities are
5xxxxx), so the mark travels with the data into any store and cannot be lost with a file name.
"""

from __future__ import annotations

import importlib.util
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..catalogue import INDICATOR_BY_CODE
from ..ingest.boundaries import NOTE_PUBLISHER, NOTE_TITLE
from .definitions import Layer

#: Printed on every map, page, export and the API landing of the synthetic demo.
SYNTHETIC_LABEL = "syntetická demo data"
#: Short label used in legends and popups when the register is missing.
NO_REGISTER_LABEL = "registr služeb není nahrán"
#: Short label used in legends and popups when an indicator was never imported.
NO_INDICATOR_LABEL = "ukazatel není nahrán"


def czech_date(value: Any) -> str:
    """``31. 12. 2020`` ("" when unknown)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    ts = pd.Timestamp(value)
    return f"{ts.day}. {ts.month}. {ts.year}"


def is_synthetic(store: Any) -> bool:
    """True when the store holds the synthetic demo territory (municipality codes 9xxxxx)."""
    mun = store.read("municipality")
    if mun.empty:
        return False
    return bool(mun["municipality_code"].astype(str).str.startswith("9").any())


def has_register(store: Any) -> bool:
    """True when a register of social services has been imported (any service stored)."""
    return store.count("service") > 0


def needs_register(layer: Layer) -> bool:
    """True for layers computed from the register (sites, coverage, gaps, accessibility): their
    source kind says so (:attr:`geo_kissos.layers.sources.LayerSource.needs_register`)."""
    from .sources import get_source

    return get_source(layer.source_kind).needs_register


def load_register_hint() -> str:
    """How to load a register, in words (names the download command when it is installed)."""
    cmds = ["geo-kissos ingest services rpss.json (registr MPSV, s číselníky a adresními místy vedle)"]
    if importlib.util.find_spec("geo_kissos.cli.download") is not None:
        cmds.append("geo-kissos download --region CZ071")
    return "Nahrajte jej: " + ", nebo ".join(cmds) + "."


def no_register_text() -> str:
    """The plain statement shown wherever the register is needed and none is loaded."""
    return ("Registr poskytovatelů sociálních služeb není nahrán: místa služeb, kapacity, pokrytí, "
            "mezery a dostupnost nelze spočítat (nejde o nulu). " + load_register_hint())


def no_indicator_text(code: str) -> str:
    """The plain statement shown when an indicator layer's indicator was never imported."""
    name = INDICATOR_BY_CODE[code].name_cs if code in INDICATOR_BY_CODE else code
    return (f"Ukazatel „{name}“ ({code}) není nahrán (nejde o nulu). Nahrajte jej: "
            "geo-kissos ingest indicators indicators.csv (sloupce kod_obce;rok;ukazatel;hodnota;…).")


# --------------------------------------------------------------------------- the import log
def _latest(store: Any, kind: str) -> pd.Series | None:
    log = store.read("import_log", {"kind": kind})
    if log.empty:
        return None
    return log.sort_values("imported_at").iloc[-1]


def _note_value(note: Any, prefix: str) -> str:
    if note is None or (not isinstance(note, str) and pd.isna(note)):
        return ""
    for line in str(note).splitlines():
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    return ""


@dataclass(frozen=True)
class ImportedSource:
    """One imported input as the store recorded it."""

    kind: str
    title: str  #: what to print (manifest title, indicator source, file name)
    publisher: str = ""
    file: str = ""
    data_date: str = ""  #: Czech date, "" when unknown

    def text(self, what: str) -> str:
        """``what: title, k 31. 12. 2020``."""
        date = f", k {self.data_date}" if self.data_date else ""
        return f"{what}: {self.title}{date}"


def boundaries_source(store: Any) -> ImportedSource | None:
    """The boundary file last imported: its manifest title and publisher, else its file name."""
    row = _latest(store, "boundaries")
    if row is None:
        return None
    path = Path(str(row["source"]))
    title = _note_value(row.get("note"), NOTE_TITLE)
    publisher = _note_value(row.get("note"), NOTE_PUBLISHER)
    if not title:  # imported before manifests were logged: the manifest beside the file, if any
        manifest = path.with_suffix(".toml")
        try:
            with open(manifest, "rb") as f:
                meta = tomllib.load(f)
            title, publisher = str(meta.get("title", "")), str(meta.get("publisher", ""))
        except (OSError, tomllib.TOMLDecodeError):
            pass
    return ImportedSource("boundaries", title or path.name, publisher, path.name, czech_date(row["data_date"]))


def _file_source(store: Any, kind: str) -> ImportedSource | None:
    row = _latest(store, kind)
    if row is None:
        return None
    name = Path(str(row["source"])).name
    return ImportedSource(kind, name, "", name, czech_date(row["data_date"]))


def indicator_source(store: Any, code: str) -> ImportedSource | None:
    """The ``zdroj`` of an indicator's rows (as imported) and their latest ``datum_dat``."""
    rows = store.read("indicator_value", {"code": code})
    if rows.empty:
        return None
    src = sorted({str(s).strip() for s in rows["source"].dropna() if str(s).strip()})
    latest = rows["data_date"].dropna().max() if "data_date" in rows else None
    name = INDICATOR_BY_CODE[code].name_cs if code in INDICATOR_BY_CODE else code
    title = "; ".join(src[:2]) if src else f"{name} (zdroj neuveden)"
    return ImportedSource("indicators", title, "", "", czech_date(latest))


def population_text(store: Any) -> str:
    """``obyvatelé podle věku: population.csv, k 31. 12. 2020`` (or that none is loaded)."""
    s = _file_source(store, "population")
    return s.text("obyvatelé podle věku") if s else "obyvatelé: nenahráno"


def boundaries_text(store: Any) -> str:
    """``hranice obcí: <manifest title>`` (or the file name)."""
    s = boundaries_source(store)
    return s.text("hranice obcí") if s else "hranice obcí: nenahráno"


def register_text(store: Any) -> str:
    """The register (and network) as imported, or that none is loaded."""
    reg = _file_source(store, "services")
    if reg is None or not has_register(store):
        return "registr poskytovatelů sociálních služeb: nenahrán"
    parts = [reg.text("registr poskytovatelů sociálních služeb")]
    net = _file_source(store, "network")
    if net is not None:
        parts.append(net.text("síť sociálních služeb kraje"))
    return "; ".join(parts)


def latest_data_date(store: Any, kinds: tuple[str, ...] | list[str]) -> pd.Timestamp | None:
    """The latest data date of the last import of each of ``kinds`` (import-log kinds), None when unknown."""
    dates = []
    for k in kinds:
        row = _latest(store, k)
        if row is not None and pd.notna(row["data_date"]):
            dates.append(pd.Timestamp(row["data_date"]))
    return max(dates) if dates else None


def store_source_parts(store: Any) -> list[str]:
    """Everything the store holds, as imported: the register, the population, each indicator."""
    parts = [register_text(store), population_text(store)]
    codes = sorted(set(store.read("indicator_value")["code"].astype(str)))
    for code in codes:
        s = indicator_source(store, code)
        if s is not None:
            parts.append(s.text(INDICATOR_BY_CODE[code].name_cs if code in INDICATOR_BY_CODE else code))
    return parts


def source_line(layer: Layer | None, store: Any) -> str:
    """Where the numbers of ``layer`` come from, as imported (None: everything the store holds).

    The layer's own part comes from its source kind
    (:meth:`geo_kissos.layers.sources.LayerSource.source_parts`), then the boundaries. Starts
    with :data:`SYNTHETIC_LABEL` on the synthetic demo.
    """
    from .sources import source_for

    parts = store_source_parts(store) if layer is None else list(source_for(layer).source_parts(store))
    parts.append(boundaries_text(store))
    line = "; ".join(dict.fromkeys(parts))  # two indicators of one source: once
    return f"{SYNTHETIC_LABEL.upper()} – {line}" if is_synthetic(store) else line


def layer_data_date(layer: Layer, store: Any) -> pd.Timestamp | None:
    """The data date of what a layer shows (latest of its inputs), None when unknown
    (:meth:`geo_kissos.layers.sources.LayerSource.data_date`)."""
    from .sources import source_for

    return source_for(layer).data_date(store)


__all__ = [
    "NO_INDICATOR_LABEL",
    "NO_REGISTER_LABEL",
    "SYNTHETIC_LABEL",
    "ImportedSource",
    "boundaries_source",
    "boundaries_text",
    "czech_date",
    "has_register",
    "indicator_source",
    "is_synthetic",
    "latest_data_date",
    "layer_data_date",
    "load_register_hint",
    "needs_register",
    "no_indicator_text",
    "no_register_text",
    "population_text",
    "register_text",
    "source_line",
    "store_source_parts",
]
