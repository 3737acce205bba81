"""Map layers: one declarative TOML file per layer in ``layers/``, and their data.

A layer file says *what* to show (``source``), at which territorial ``level``, how to classify
and colour it, and how to label legend and popups. The market map, its API and the exporter all
read layers through this module, so a map on screen and an exported PDF agree.

Layer file keys
---------------
``id``, ``title_cs``, ``title_en``, ``kind`` (``choropleth`` | ``points``), ``level``
(``municipality`` | ``orp``; choropleths only), ``source``, ``measure``, ``year``
(``"latest"`` or a year), ``description_cs``; tables ``[classification]`` (``scheme``:
NaturalBreaks | FisherJenks | Quantiles | EqualInterval, ``k``), ``[style]`` (``colours``: a
ColorBrewer ramp name, e.g. ``"YlOrRd"`` or ``"YlGnBu_r"``, or a list of hex colours;
``no_data``), ``[legend]`` (``title_cs``, ``title_en``, ``unit``, ``decimals``), ``[[popup]]``
(``field``, ``label_cs``, ``label_en``, ``decimals``) and, for points, ``[[groups]]`` (``id``,
``name_cs``, ``name_en``, ``colour``, ``types``).

Sources and measures
--------------------
``population:<band>``
    ``share`` (% of all inhabitants) or ``count`` (persons).
``indicator:<code>``
    ``value`` (as reported; ORP: sum, or population-weighted mean for percentages) or
    ``per_1000`` (per 1,000 inhabitants).
``coverage:<§>``
    ``per_1000``: units (beds, FTE) per 1,000 of the type's target population, from
    :func:`geo_kissos.analysis.coverage_ratios`.
``gap:<§>``
    ``deficit`` (units missing against the regional average), ``gap`` (units minus need) or
    ``coverage_pct``, from :func:`geo_kissos.analysis.availability_gaps`.
``sites``
    Located service sites (points), coloured by § type group.

Classification bins are computed over the whole region, never per ORP, so maps of two ORPs
are comparable. ``NaturalBreaks`` is computed with the exact Fisher-Jenks optimisation
(mapclassify's ``NaturalBreaks`` is k-means with random starts and could change between runs).
"""

from __future__ import annotations

import datetime as dt
import math
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .catalogue import FORMS, INDICATOR_BY_CODE, SERVICE_TYPE_BY_CODE, UNITS
from .config import layers_dir
from .crs import STORE_EPSG
from .errors import ConfigError, UnknownLayerError

__all__ = [
    "KINDS",
    "LEVELS",
    "NO_DATA_LABEL",
    "Layer",
    "Legend",
    "PopupField",
    "TypeGroup",
    "available_years",
    "get_layer",
    "layer_frame",
    "layer_legend",
    "load_layers",
]

KINDS = ("choropleth", "points")
LEVELS = ("municipality", "orp")
SCHEMES = ("NaturalBreaks", "FisherJenks", "Quantiles", "EqualInterval")
SOURCES = ("population", "indicator", "coverage", "gap", "sites")
MEASURES: dict[str, tuple[str, ...]] = {
    "population": ("share", "count"),
    "indicator": ("value", "per_1000"),
    "coverage": ("per_1000",),
    "gap": ("deficit", "gap", "coverage_pct"),
    "sites": ("sites",),
}
NO_DATA_LABEL = "bez dat / no data"
NO_DATA_COLOUR = "#d9d9d9"
OTHER_COLOUR = "#7f7f7f"

#: (label, colour) pairs, first class first.
Legend = list[tuple[str, str]]

_TOP_KEYS = {"id", "title_cs", "title_en", "kind", "level", "source", "measure", "year",
             "description_cs", "classification", "style", "legend", "popup", "groups"}


@dataclass(frozen=True)
class PopupField:
    """One line of a popup: a frame column and its labels."""

    field: str
    label_cs: str
    label_en: str = ""
    decimals: int | None = None  #: None: shown as text


@dataclass(frozen=True)
class TypeGroup:
    """A group of § types sharing one colour on the points layer."""

    id: str
    name_cs: str
    name_en: str
    colour: str
    types: tuple[str, ...]


@dataclass(frozen=True)
class Layer:
    """A map layer as declared in its TOML file (see the module docstring)."""

    id: str
    title_cs: str
    title_en: str
    kind: str
    source: str
    level: str | None = "municipality"
    measure: str = "value"
    year: int | None = None  #: None: the latest year with data
    scheme: str = "FisherJenks"
    k: int = 5
    colours: tuple[str, ...] = ()
    ramp: str | None = None
    no_data_colour: str = NO_DATA_COLOUR
    legend_title_cs: str = ""
    legend_title_en: str = ""
    unit: str = ""
    decimals: int = 1
    popup: tuple[PopupField, ...] = ()
    groups: tuple[TypeGroup, ...] = ()
    description_cs: str = ""
    path: Path | None = field(default=None, compare=False)

    @property
    def source_kind(self) -> str:
        """``population``, ``indicator``, ``coverage``, ``gap`` or ``sites``."""
        return self.source.split(":", 1)[0]

    @property
    def source_arg(self) -> str:
        """What follows the colon of ``source`` (age band, indicator or § code)."""
        return self.source.split(":", 1)[1] if ":" in self.source else ""

    def colour_of_type(self, type_code: str) -> str:
        """Colour of a § type on a points layer (grey when in no group)."""
        for g in self.groups:
            if type_code in g.types:
                return g.colour
        return OTHER_COLOUR

    def group_of_type(self, type_code: str) -> TypeGroup | None:
        """The group a § type belongs to, if any."""
        return next((g for g in self.groups if type_code in g.types), None)


# --------------------------------------------------------------------------- reading files
def _ramp(name: str, n: int) -> list[str]:
    from branca.utilities import color_brewer

    reverse = name.endswith("_r")
    base = name[:-2] if reverse else name
    cols = color_brewer(base, max(n, 3))
    cols = [c.lower() for c in cols]
    if n < 3:
        cols = [cols[0], cols[-1]][:n] if n == 2 else [cols[-1]]
    return cols[::-1] if reverse else cols


def _pick(colours: tuple[str, ...], n: int) -> list[str]:
    """``n`` colours spread evenly over a ramp (first and last kept)."""
    if n <= 0:
        return []
    if n >= len(colours):
        return list(colours)
    if n == 1:
        return [colours[-1]]
    idx = np.round(np.linspace(0, len(colours) - 1, n)).astype(int)
    return [colours[i] for i in idx]


def _is_hex(c: object) -> bool:
    return isinstance(c, str) and c.startswith("#") and len(c) in (4, 7) and all(
        ch in "0123456789abcdefABCDEF" for ch in c[1:])


def _parse(path: Path) -> Layer:
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not a valid TOML file: {exc}") from exc

    def need(key: str, table: dict[str, Any] = raw, prefix: str = "") -> Any:
        if key not in table or table[key] in ("", None):
            raise ConfigError(f"{where}: missing key '{prefix}{key}'")
        return table[key]

    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_TOP_KEYS)}")
    kind = need("kind")
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind {kind!r} is not one of {KINDS}")
    source = str(need("source"))
    skind = source.split(":", 1)[0]
    arg = source.split(":", 1)[1] if ":" in source else ""
    if skind not in SOURCES:
        raise ConfigError(f"{where}: source {source!r}: use one of {', '.join(SOURCES)}")
    if (kind == "points") != (skind == "sites"):
        raise ConfigError(f"{where}: source {source!r} does not fit kind {kind!r}")
    if skind in ("coverage", "gap") and arg not in SERVICE_TYPE_BY_CODE:
        raise ConfigError(f"{where}: source {source!r}: unknown § type {arg!r}")
    if skind == "indicator" and arg not in INDICATOR_BY_CODE:
        raise ConfigError(f"{where}: source {source!r}: unknown indicator {arg!r}")
    if skind == "population" and not arg:
        raise ConfigError(f"{where}: source {source!r}: name the age band, e.g. population:65+")
    measure = str(raw.get("measure", MEASURES[skind][0]))
    if measure not in MEASURES[skind]:
        raise ConfigError(f"{where}: measure {measure!r} is not one of {MEASURES[skind]} for {skind}")
    level = raw.get("level", "municipality" if kind == "choropleth" else None)
    if kind == "choropleth" and level not in LEVELS:
        raise ConfigError(f"{where}: level {level!r} is not one of {LEVELS}")
    year_raw = raw.get("year", "latest")
    if year_raw == "latest":
        year = None
    elif isinstance(year_raw, int) and 1900 <= year_raw <= 2100:
        year = year_raw
    else:
        raise ConfigError(f"{where}: year {year_raw!r}: use \"latest\" or a year")
    cls = raw.get("classification", {})
    scheme = cls.get("scheme", "FisherJenks")
    if scheme not in SCHEMES:
        raise ConfigError(f"{where}: classification.scheme {scheme!r} is not one of {SCHEMES}")
    k = cls.get("k", 5)
    if not isinstance(k, int) or not 1 <= k <= 9:
        raise ConfigError(f"{where}: classification.k must be an integer 1..9, not {k!r}")
    style = raw.get("style", {})
    spec = style.get("colours", "YlOrRd")
    ramp = None
    if isinstance(spec, str):
        ramp = spec
        try:
            colours = tuple(_ramp(spec, k))
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"{where}: style.colours {spec!r} is not a ColorBrewer ramp") from exc
    elif isinstance(spec, list) and spec and all(_is_hex(c) for c in spec):
        colours = tuple(str(c).lower() for c in spec)
        if kind == "choropleth" and len(colours) < k:
            raise ConfigError(f"{where}: style.colours has {len(colours)} colours for k={k}")
    else:
        raise ConfigError(f"{where}: style.colours must be a ramp name or a list of #hex colours")
    no_data = style.get("no_data", NO_DATA_COLOUR)
    if not _is_hex(no_data):
        raise ConfigError(f"{where}: style.no_data {no_data!r} is not a #hex colour")
    legend = raw.get("legend", {})
    popup = []
    for i, p in enumerate(raw.get("popup", [])):
        popup.append(PopupField(field=str(need("field", p, f"popup[{i}].")),
                                label_cs=str(need("label_cs", p, f"popup[{i}].")),
                                label_en=str(p.get("label_en", "")),
                                decimals=p.get("decimals")))
    groups = []
    for i, g in enumerate(raw.get("groups", [])):
        colour = need("colour", g, f"groups[{i}].")
        if not _is_hex(colour):
            raise ConfigError(f"{where}: groups[{i}].colour {colour!r} is not a #hex colour")
        types = tuple(str(t) for t in need("types", g, f"groups[{i}]."))
        bad = [t for t in types if t not in SERVICE_TYPE_BY_CODE]
        if bad:
            raise ConfigError(f"{where}: groups[{i}].types: unknown § type(s) {bad}")
        groups.append(TypeGroup(id=str(need("id", g, f"groups[{i}].")),
                                name_cs=str(need("name_cs", g, f"groups[{i}].")),
                                name_en=str(g.get("name_en", "")), colour=colour.lower(), types=types))
    return Layer(
        id=str(need("id")), title_cs=str(need("title_cs")), title_en=str(need("title_en")),
        kind=kind, source=source, level=level if kind == "choropleth" else None, measure=measure,
        year=year, scheme=scheme, k=k, colours=colours, ramp=ramp, no_data_colour=no_data.lower(),
        legend_title_cs=str(legend.get("title_cs", raw["title_cs"])),
        legend_title_en=str(legend.get("title_en", raw["title_en"])),
        unit=str(legend.get("unit", "")), decimals=int(legend.get("decimals", 1)),
        popup=tuple(popup), groups=tuple(groups), description_cs=str(raw.get("description_cs", "")),
        path=path,
    )


def load_layers(directory: str | Path | None = None) -> dict[str, Layer]:
    """Read every ``*.toml`` layer file of a folder.

    Parameters
    ----------
    directory : str or Path, optional
        Default :func:`geo_kissos.config.layers_dir`.

    Returns
    -------
    dict of str to Layer
        By layer id, in file-name order.

    Raises
    ------
    ConfigError
        When a file is invalid (the message names file and key) or two files share an id.
    """
    folder = Path(directory) if directory is not None else layers_dir()
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no layers folder")
    out: dict[str, Layer] = {}
    for path in sorted(folder.glob("*.toml")):
        layer = _parse(path)
        if layer.id in out:
            raise ConfigError(f"{path}: layer id {layer.id!r} is also defined in {out[layer.id].path}")
        out[layer.id] = layer
    return out


def get_layer(layer_id: str, directory: str | Path | None = None) -> Layer:
    """The layer with this id.

    Raises
    ------
    UnknownLayerError
        When no layer file defines ``layer_id``.
    """
    layers = load_layers(directory)
    try:
        return layers[layer_id]
    except KeyError:
        raise UnknownLayerError(
            f"unknown layer {layer_id!r}; known layers: {', '.join(layers) or 'none'}") from None


# --------------------------------------------------------------------------- formatting
def format_number(value: float | None, decimals: int = 1) -> str:
    """Czech number format: decimal comma, no-break space between thousands."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "–"
    text = f"{float(value):,.{max(decimals, 0)}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def _with_unit(text: str, unit: str) -> str:
    return f"{text}\u00a0{unit}" if unit else text


# --------------------------------------------------------------------------- years
def _years(frame: pd.DataFrame) -> list[int]:
    if frame.empty or "year" not in frame.columns:
        return []
    return sorted({int(y) for y in frame["year"].dropna().unique()})


def available_years(store: Any, layer: Layer) -> list[int]:
    """Years for which ``layer`` has data in ``store`` (ascending; may be empty)."""
    skind = layer.source_kind
    if skind == "population":
        return _years(store.read("population", {"age_band": layer.source_arg}))
    if skind == "indicator":
        return _years(store.read("indicator_value", {"code": layer.source_arg}))
    if skind in ("coverage", "gap"):
        if store.read("service", {"type_code": layer.source_arg}).empty:
            return []
        return _years(store.read("population", {"age_band": "total"}))
    net = _years(store.read("network"))
    return net


def _resolve_year(years: list[int], year: int | None) -> int | None:
    """``year`` itself or the latest earlier year with data (None: the latest)."""
    if not years:
        return None
    if year is None:
        return years[-1]
    earlier = [y for y in years if y <= year]
    return earlier[-1] if earlier else None


# --------------------------------------------------------------------------- territories
def _territory(store: Any, level: str) -> gpd.GeoDataFrame:
    if level == "orp":
        orp = store.read("orp")
        out = gpd.GeoDataFrame(
            {"code": orp["orp_code"].astype(str).to_numpy(), "name": orp["name"].astype(str).to_numpy(),
             "orp_code": orp["orp_code"].astype(str).to_numpy(), "orp_name": orp["name"].astype(str).to_numpy()},
            geometry=gpd.GeoSeries(orp.geometry.to_numpy(), crs=STORE_EPSG), crs=STORE_EPSG)
    else:
        mun = store.read("municipality")
        out = gpd.GeoDataFrame(
            {"code": mun["municipality_code"].astype(str).to_numpy(), "name": mun["name"].astype(str).to_numpy(),
             "orp_code": mun["orp_code"].astype(str).to_numpy(),
             "orp_name": mun["orp_name"].astype("string").fillna("").astype(str).to_numpy()},
            geometry=gpd.GeoSeries(mun.geometry.to_numpy(), crs=STORE_EPSG), crs=STORE_EPSG)
    out = out.rename_geometry("geom")
    return out.sort_values("code").reset_index(drop=True)


def _municipality_orp(store: Any) -> pd.Series:
    mun = store.read("municipality")
    return pd.Series(mun["orp_code"].astype(str).to_numpy(), index=mun["municipality_code"].astype(str).to_numpy())


def _per_level(values: pd.DataFrame, store: Any, level: str) -> pd.DataFrame:
    """Sum municipal columns per ORP (index: municipality code -> ORP code)."""
    if level == "municipality" or values.empty:
        return values
    orp = _municipality_orp(store)
    return values.groupby(values.index.map(orp)).sum(min_count=1)


# --------------------------------------------------------------------------- values
def _population_values(store: Any, layer: Layer, year: int) -> pd.DataFrame:
    band = layer.source_arg
    pop = store.read("population", {"year": year})
    wide = pop.pivot_table(index="municipality_code", columns="age_band", values="persons", aggfunc="sum")
    wide.index = wide.index.astype(str)
    cols = pd.DataFrame(index=wide.index)
    cols["persons"] = wide[band].astype(float) if band in wide.columns else np.nan
    cols["population"] = wide["total"].astype(float) if "total" in wide.columns else np.nan
    cols = _per_level(cols, store, layer.level or "municipality")
    if layer.measure == "share":
        tot = cols["population"].to_numpy(float)
        cols["value"] = np.divide(100 * cols["persons"].to_numpy(float), tot,
                                  out=np.full(len(cols), np.nan), where=tot > 0)
    else:
        cols["value"] = cols["persons"]
    return cols


def _indicator_values(store: Any, layer: Layer, year: int) -> pd.DataFrame:
    code = layer.source_arg
    rows = store.read("indicator_value", {"code": code, "year": year})
    vals = rows.groupby(rows["municipality_code"].astype(str))["value"].sum().astype(float)
    pop = store.read("population", {"age_band": "total"})
    pop_years = _years(pop)
    py = _resolve_year(pop_years, year)
    if py is not None:
        p = pop[pop["year"] == py].groupby(pop["municipality_code"].astype(str))["persons"].sum().astype(float)
    else:
        p = pd.Series(dtype=float)
    cols = pd.DataFrame({"indicator": vals}).join(pd.DataFrame({"population": p}), how="left")
    percent = INDICATOR_BY_CODE[code].unit == "percent"
    level = layer.level or "municipality"
    if level != "municipality" and not cols.empty:
        orp = _municipality_orp(store)
        key = cols.index.map(orp)
        if percent:
            w = cols["population"].fillna(0.0)
            weighted = (cols["indicator"] * w).groupby(key).sum(min_count=1)
            wsum = w.groupby(key).sum()
            plain = cols["indicator"].groupby(key).mean()
            ind = (weighted / wsum.where(wsum > 0)).fillna(plain)
            cols = pd.DataFrame({"indicator": ind, "population": cols["population"].groupby(key).sum(min_count=1)})
        else:
            cols = cols.groupby(key).sum(min_count=1)
    if layer.measure == "per_1000":
        p_ = cols["population"].to_numpy(float)
        cols["value"] = np.divide(1000 * cols["indicator"].to_numpy(float), p_,
                                  out=np.full(len(cols), np.nan), where=p_ > 0)
    else:
        cols["value"] = cols["indicator"]
    return cols


def _analysis_values(store: Any, layer: Layer, year: int) -> pd.DataFrame:
    from . import analysis as ga

    type_code = layer.source_arg
    level = layer.level or "municipality"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            inputs = ga.load_inputs(store, year)
            inputs.services = inputs.services[inputs.services["type_code"].astype(str) == type_code]
            base = ga.base_population(inputs, [type_code])
            units = ga.attribute_units(inputs, base)
            if layer.source_kind == "coverage":
                table = ga.coverage_ratios(units, base, inputs.municipalities, level=level)
            else:
                table = ga.availability_gaps(units, base, inputs.municipalities, level=level)
    except ga.AnalysisError:
        return pd.DataFrame(columns=["value"])
    table = table[table["type_code"].astype(str) == type_code].copy()
    table.index = table["code"].astype(str)
    keep = [c for c in ("units", "target_population", "units_per_1000", "reference_per_1000", "index",
                        "need_units", "gap_units", "deficit_units", "surplus_units", "coverage_pct", "rank")
            if c in table.columns]
    out = pd.DataFrame(table[keep]).astype({c: float for c in keep if c != "rank"})
    if "rank" in out.columns:
        out["rank"] = pd.to_numeric(out["rank"], errors="coerce")
    measure_col = {"per_1000": "units_per_1000", "deficit": "deficit_units", "gap": "gap_units",
                   "coverage_pct": "coverage_pct"}[layer.measure]
    out["value"] = out[measure_col].astype(float)
    return out


# --------------------------------------------------------------------------- classification
def _classify(values: np.ndarray, layer: Layer) -> tuple[np.ndarray, list[float]]:
    """Class index per value (-1 for NaN) and upper bounds, computed on all values given."""
    import mapclassify

    klass = np.full(len(values), -1, dtype=int)
    ok = ~np.isnan(values)
    y = values[ok]
    if y.size == 0:
        return klass, []
    uniq = np.unique(y)
    k = min(layer.k, uniq.size)
    if k <= 1:
        klass[ok] = 0
        return klass, [float(uniq.max())]
    scheme = "FisherJenks" if layer.scheme == "NaturalBreaks" else layer.scheme
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls = getattr(mapclassify, scheme)(y, k=k)
    bins = [float(b) for b in cls.bins]
    yb = np.asarray(cls.yb, dtype=int)
    # Quantiles may give repeated bins: keep distinct upper bounds, re-index classes
    distinct = sorted(set(bins))
    if len(distinct) != len(bins):
        yb = np.searchsorted(np.asarray(distinct), y, side="left")
        bins = distinct
    klass[ok] = yb
    return klass, bins


def _class_colours(layer: Layer, n: int) -> list[str]:
    if layer.ramp:
        return _ramp(layer.ramp, n) if n >= 1 else []
    return _pick(layer.colours, n)


def _choropleth(store: Any, layer: Layer, year: int | None, orp: str | None) -> gpd.GeoDataFrame:
    level = layer.level or "municipality"
    terr = _territory(store, level)
    years = available_years(store, layer)
    used = _resolve_year(years, year if year is not None else layer.year)
    skind = layer.source_kind
    if used is None:
        vals = pd.DataFrame(columns=["value"])
    elif skind == "population":
        vals = _population_values(store, layer, used)
    elif skind == "indicator":
        vals = _indicator_values(store, layer, used)
    else:
        vals = _analysis_values(store, layer, used)
    vals = vals.copy()
    vals.index = vals.index.astype(str)
    frame = terr.merge(vals, left_on="code", right_index=True, how="left")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    frame.loc[~np.isfinite(frame["value"].to_numpy(float)), "value"] = np.nan
    klass, bins = _classify(frame["value"].to_numpy(float), layer)
    colours = _class_colours(layer, len(bins))
    frame["klass"] = klass
    frame["colour"] = [colours[c] if c >= 0 else layer.no_data_colour for c in klass]
    frame["label"] = [
        _with_unit(format_number(v, layer.decimals), layer.unit) if c >= 0 else "bez dat"
        for v, c in zip(frame["value"], klass, strict=True)
    ]
    frame["year"] = pd.array([used] * len(frame), dtype="Int64")
    values = frame["value"].dropna()
    frame.attrs.update({
        "layer": layer.id, "year": used, "bins": bins, "colours": colours,
        "min": float(values.min()) if len(values) else None,
    })
    if orp is not None:
        frame = frame[frame["orp_code"] == str(orp)].reset_index(drop=True)
    for p in layer.popup:
        if p.field not in frame.columns:
            frame[p.field] = np.nan
    lead = ["code", "name", "orp_code", "orp_name", "value", "klass", "colour", "label", "year"]
    rest = [c for c in frame.columns if c not in lead and c != "geom"]
    out = gpd.GeoDataFrame(frame[lead + rest + ["geom"]], geometry="geom", crs=STORE_EPSG)
    out.attrs.update(frame.attrs)
    return out


# --------------------------------------------------------------------------- points
POINT_COLUMNS: tuple[str, ...] = (
    "code", "name", "site_id", "service_id", "service_name", "type_code", "type_name_cs",
    "type_name_en", "group", "group_name_cs", "forms", "form_codes", "target_groups", "provider_ico",
    "provider_name", "capacity", "capacity_beds", "capacity_fte", "network_years", "network_units",
    "network_text", "contact", "address", "municipality_code", "municipality_name", "orp_code", "orp_name",
    "location_quality", "colour", "label", "year",
)


def _active(service: pd.DataFrame, year: int) -> np.ndarray:
    start, end = pd.Timestamp(dt.date(year, 1, 1)), pd.Timestamp(dt.date(year, 12, 31))
    vf = pd.to_datetime(service["valid_from"], errors="coerce")
    vt = pd.to_datetime(service["valid_to"], errors="coerce")
    return ((vf.isna() | (vf <= end)) & (vt.isna() | (vt >= start))).to_numpy(dtype=bool)


#: Czech names of the capacity units of the register (beyond the planning units of the catalogue).
UNIT_NAMES: dict[str, str] = {**UNITS, "beds": "lůžek", "clients": "klientů", "contacts": "kontaktů",
                              "interventions": "intervencí", "calls": "hovorů", "fte": "úvazků"}
_TARGET_PREFIX = "CilovaSkupinaOsoby/"


def _target_groups_text(value: object) -> str:
    """Target groups for display: register codelist references shortened (``skupina 24``)."""
    if value is None or pd.isna(value):
        return ""
    parts = [p.strip() for p in str(value).split(";") if p.strip()]
    return ";".join(f"skupina {p[len(_TARGET_PREFIX):]}" if p.startswith(_TARGET_PREFIX) else p for p in parts)


def _capacity_texts(cap: pd.DataFrame) -> pd.Series:
    """Capacity per form of each service as text, e.g. ``"pobytová: 60 lůžek"`` (by service id)."""
    order = {f: i for i, f in enumerate(FORMS)}
    rows = cap.assign(_o=cap["form"].astype(str).map(lambda f: order.get(f, 9))).sort_values(["service_id", "_o"])
    text = [f"{FORMS.get(str(f), str(f))}: {format_number(v, 0 if float(v).is_integer() else 1)} "
            f"{UNIT_NAMES.get(str(u), str(u))}"
            for f, v, u in zip(rows["form"], rows["value"], rows["unit"], strict=True)]
    return pd.Series(text, index=rows["service_id"].to_numpy()).groupby(level=0).agg("; ".join)


def _type_attr(type_code: str, attr: str) -> str:
    t = SERVICE_TYPE_BY_CODE.get(type_code)
    return str(getattr(t, attr)) if t else ""


def _forms_cs(codes: str) -> str:
    return ", ".join(FORMS.get(f, f) for f in codes.split(";") if f)


def _points(store: Any, layer: Layer, year: int | None, orp: str | None) -> gpd.GeoDataFrame:
    site = store.read("site")
    empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in POINT_COLUMNS},
                             geometry=gpd.GeoSeries([], crs=STORE_EPSG), crs=STORE_EPSG).rename_geometry("geom")
    empty.attrs.update({"layer": layer.id, "year": year})
    if not isinstance(site, gpd.GeoDataFrame) or site.empty:
        return empty
    site = site[site.geometry.notna() & ~site.geometry.is_empty].copy()
    service = store.read("service")
    net = store.read("network")
    years = _years(net)
    used = year if year is not None else (years[-1] if years else None)
    if used is not None and not service.empty:
        service = service[_active(service, used)]
    svc = pd.DataFrame(service).astype({"service_id": str, "provider_ico": str, "type_code": str})
    site["service_id"] = site["service_id"].astype(str)
    df = site.merge(svc.rename(columns={"name": "service_name"}), on="service_id", how="inner")
    if df.empty:
        return empty
    prov = store.read("provider")
    pmap = pd.Series(prov["name"].astype(str).to_numpy(), index=prov["ico"].astype(str).to_numpy())
    forms = store.read("service_form")
    forms = forms.assign(service_id=forms["service_id"].astype(str), form=forms["form"].astype(str))
    order = {f: i for i, f in enumerate(FORMS)}
    fcodes = forms.groupby("service_id")["form"].agg(lambda s: ";".join(sorted(set(s), key=lambda f: order.get(f, 9))))
    cap = store.read("capacity")
    cap = cap.assign(service_id=cap["service_id"].astype(str))
    if len(cap):
        cap_text = _capacity_texts(cap)
        cap_sum = cap.pivot_table(index="service_id", columns="unit", values="value", aggfunc="sum")
    else:
        cap_text, cap_sum = pd.Series(dtype=str), pd.DataFrame()
    net = net.assign(service_id=net["service_id"].astype(str)) if len(net) else net
    nyears = (net.groupby("service_id")["year"].agg(lambda s: ";".join(str(int(y)) for y in sorted(set(s))))
              if len(net) else pd.Series(dtype=str))
    if len(net) and used is not None:
        ny = net[net["year"] == used].sort_values("update_date").groupby("service_id").tail(1)
        nunits = pd.Series(ny["units"].astype(float).to_numpy(), index=ny["service_id"].to_numpy())
        ntext = pd.Series([f"{format_number(u, 0 if float(u).is_integer() else 1)} {UNIT_NAMES.get(str(n), str(n))}"
                           for u, n in zip(ny["units"], ny["unit"], strict=True)], index=ny["service_id"].to_numpy())
    else:
        nunits, ntext = pd.Series(dtype=float), pd.Series(dtype=str)
    mun = store.read("municipality")
    mun = pd.DataFrame(mun.drop(columns=mun.geometry.name)).astype({"municipality_code": str})
    mun_idx = mun.set_index("municipality_code")
    mcode = df["municipality_code"].astype("string")
    missing = mcode.isna() | ~mcode.isin(mun_idx.index)
    if missing.any():
        mgeo = store.read("municipality")[["municipality_code", "geom"]]
        hit = gpd.sjoin(gpd.GeoDataFrame(df.loc[missing, ["site_id"]], geometry=df.loc[missing].geometry,
                                         crs=STORE_EPSG), mgeo, how="left", predicate="within")
        hit = hit[~hit.index.duplicated()]
        mcode = mcode.copy()
        mcode.loc[missing] = hit["municipality_code"].astype("string")
    mcode = mcode.astype(str)
    types = df["type_code"].astype(str)
    group = types.map(lambda t: g.id if (g := layer.group_of_type(t)) else "other")
    gname = types.map(lambda t: g.name_cs if (g := layer.group_of_type(t)) else "ostatní")
    sid = df["service_id"]
    out = gpd.GeoDataFrame({
        "code": df["site_id"].astype(str).to_numpy(),
        "name": df["name"].astype("string").fillna(df["service_name"].astype("string")).fillna("").to_numpy(),
        "site_id": df["site_id"].astype(str).to_numpy(),
        "service_id": sid.to_numpy(),
        "service_name": df["service_name"].astype("string").fillna("").to_numpy(),
        "type_code": types.to_numpy(),
        "type_name_cs": types.map(lambda t: _type_attr(t, "name_cs")).to_numpy(),
        "type_name_en": types.map(lambda t: _type_attr(t, "name_en")).to_numpy(),
        "group": group.to_numpy(),
        "group_name_cs": gname.to_numpy(),
        "forms": sid.map(fcodes).fillna("").map(_forms_cs).to_numpy(),
        "form_codes": sid.map(fcodes).fillna("").to_numpy(),
        "target_groups": df["target_groups"].map(_target_groups_text).to_numpy(),
        "provider_ico": df["provider_ico"].astype(str).to_numpy(),
        "provider_name": df["provider_ico"].astype(str).map(pmap).fillna("").to_numpy(),
        "capacity": sid.map(cap_text).fillna("").to_numpy(),
        "capacity_beds": sid.map(cap_sum["beds"]).to_numpy(float) if "beds" in cap_sum else np.nan,
        "capacity_fte": sid.map(cap_sum["fte"]).to_numpy(float) if "fte" in cap_sum else np.nan,
        "network_years": sid.map(nyears).fillna("").to_numpy(),
        "network_units": sid.map(nunits).to_numpy(float),
        "network_text": sid.map(ntext).fillna("").to_numpy(),
        "contact": df["contact"].astype("string").fillna("").to_numpy(),
        "address": df["address"].astype("string").fillna("").to_numpy(),
        "municipality_code": mcode.to_numpy(),
        "municipality_name": mcode.map(mun_idx["name"]).astype("string").fillna("").to_numpy(),
        "orp_code": mcode.map(mun_idx["orp_code"]).astype("string").fillna("").to_numpy(),
        "orp_name": mcode.map(mun_idx["orp_name"]).astype("string").fillna("").to_numpy(),
        "location_quality": df["location_quality"].astype(str).to_numpy(),
        "colour": types.map(layer.colour_of_type).to_numpy(),
        "label": types.map(lambda t: f"§ {t} {_type_attr(t, 'name_cs')}".strip()).to_numpy(),
        "year": pd.array([used] * len(df), dtype="Int64"),
    }, geometry=gpd.GeoSeries(df.geometry.to_numpy(), crs=STORE_EPSG), crs=STORE_EPSG).rename_geometry("geom")
    if orp is not None:
        out = out[out["orp_code"] == str(orp)]
    out = out.sort_values("code").reset_index(drop=True)
    out.attrs.update({"layer": layer.id, "year": used})
    return out


def layer_frame(store: Any, layer: Layer, year: int | None = None, orp: str | None = None) -> gpd.GeoDataFrame:
    """The data of a layer, ready to draw or export, in EPSG:5514.

    Parameters
    ----------
    store : Store
        Where to read from (any :class:`geo_kissos.store.Store`).
    layer : Layer
        The layer definition.
    year : int, optional
        Year to show; the latest year ``<=`` it with data is used (default: the layer's
        ``year``, else the latest). The year used is in column ``year`` and
        ``frame.attrs["year"]``.
    orp : str, optional
        ORP code: keep only this ORP's municipalities (or the ORP itself). Classes are still
        computed on the whole region.

    Returns
    -------
    geopandas.GeoDataFrame
        Choropleths: one row per municipality (or ORP) with ``code, name, orp_code, orp_name,
        value, klass`` (-1: no data)``, colour, label, year`` and the popup fields; bins in
        ``attrs["bins"]``. Points: one row per located site with service, provider, type,
        forms, capacity, network and ``colour`` per § type group (see :data:`POINT_COLUMNS`).
        Empty tables give rows without data (choropleths) or no rows (points).
    """
    if layer.kind == "points":
        return _points(store, layer, year, orp)
    return _choropleth(store, layer, year, orp)


def layer_legend(layer: Layer, frame: gpd.GeoDataFrame) -> Legend:
    """Legend entries ``(label, colour)`` of a frame made by :func:`layer_frame`.

    Choropleths: one entry per class of the whole region (``"12,3 – 18,0 %"``), and
    ``"bez dat / no data"`` when some feature has no value. Points: one entry per § type
    group present (``"ostatní"`` for types in no group).
    """
    if layer.kind == "points":
        present = set(frame["type_code"].astype(str)) if len(frame) else set()
        entries = [(g.name_cs, g.colour) for g in layer.groups if present & set(g.types)]
        if any(layer.group_of_type(t) is None for t in present):
            entries.append(("ostatní / other", OTHER_COLOUR))
        return entries
    bins = frame.attrs.get("bins")
    lo = frame.attrs.get("min")
    colours = frame.attrs.get("colours")
    if bins is None or colours is None:  # attrs lost: rebuild from the frame
        valid = frame[frame["klass"] >= 0]
        stats = valid.groupby("klass").agg(lo=("value", "min"), hi=("value", "max"), colour=("colour", "first"))
        bins, colours = list(stats["hi"]), list(stats["colour"])
        lo = float(stats["lo"].min()) if len(stats) else None
    entries: Legend = []
    d = layer.decimals
    for i, (hi, colour) in enumerate(zip(bins, colours, strict=True)):
        start = lo if i == 0 else bins[i - 1]
        if i == 0 and start is not None and start == hi:
            text = format_number(hi, d)
        elif i == 0:
            text = f"{format_number(start, d)} – {format_number(hi, d)}"
        else:
            text = f"> {format_number(start, d)} – {format_number(hi, d)}"
        entries.append((_with_unit(text, layer.unit), colour))
    if len(frame) and (frame["klass"] < 0).any() or not entries:
        entries.append((NO_DATA_LABEL, layer.no_data_colour))
    return entries
