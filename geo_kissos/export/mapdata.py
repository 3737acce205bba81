"""From a store and a layer id to :class:`~geo_kissos.export.maps.MapData` (region-wide, once).

The layer's data come from :func:`geo_kissos.layers.layer_frame` for the *whole region*, so
classes and colours are those of the web map and are shared by every ORP. Service sites come
from the ``sites`` points layer: for a coverage or gap layer of a § type only the sites of that
type are drawn, for other layers all sites (coloured by group of types).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ..catalogue import DEFAULT_LAYER, FALLBACK_LAYER, SERVICE_TYPE_BY_CODE
from ..layers import Layer, format_number, get_layer, layer_frame, layer_left_out, layer_legend, provenance
from ..text import czech_sort_key
from .maps import MapData

#: Id of the points layer the service sites are taken from.
SITES_LAYER = "sites"

_SCHEMES_CS = {
    "NaturalBreaks": "přirozené zlomy",
    "FisherJenks": "přirozené zlomy (Fisher-Jenks)",
    "Quantiles": "kvantily",
    "EqualInterval": "stejné intervaly",
}

def ascii_slug(text: str) -> str:
    """``Lipník nad Bečvou`` → ``lipnik-nad-becvou`` (for file names)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    out = "".join(c if c.isalnum() else "-" for c in plain)
    return "-".join(p for p in out.split("-") if p) or "orp"


def format_date(value: Any) -> str:
    """Czech date ``31. 12. 2025`` ("" when unknown)."""
    if value is None or pd.isna(value):
        return ""
    ts = pd.Timestamp(value)
    return f"{ts.day}. {ts.month}. {ts.year}"


def source_line(layer: Layer, store: Any) -> str:
    """Where the numbers of a layer come from, as imported (see :mod:`geo_kissos.layers.provenance`):
    the manifest of the boundaries, the population file and date, the indicator's ``zdroj``, the
    register or that none is loaded; starts with "SYNTETICKÁ DEMO DATA" on the demo."""
    return provenance.source_line(layer, store)


def default_layer(store: Any) -> str:
    """The layer exported when none is named: :data:`DEFAULT_LAYER` (§ 49 accessibility), or
    :data:`FALLBACK_LAYER` (population 65+) when no register is loaded."""
    return DEFAULT_LAYER if provenance.has_register(store) else FALLBACK_LAYER


def parse_sites(spec: str) -> str | tuple[str, ...]:
    """``auto``, ``all``, ``none`` or a comma-separated list of § codes (``"49,50"``).

    Raises
    ------
    ValueError
        For anything else (unknown § codes included).
    """
    spec = str(spec).strip().lower().replace("§", "")
    if spec in ("auto", "all", "none"):
        return spec
    codes = tuple(c.strip() for c in spec.split(",") if c.strip())
    bad = [c for c in codes if c not in SERVICE_TYPE_BY_CODE]
    if not codes or bad:
        raise ValueError(f"sites: use auto, all, none or § codes such as 49,50 (unknown: {bad or spec!r})")
    return codes


def _sites_for(layer: Layer, sites: gpd.GeoDataFrame, sites_layer: Layer, mode: str | tuple[str, ...]
               ) -> tuple[gpd.GeoDataFrame | None, list[tuple[str, str]]]:
    if mode == "none" or sites is None or not len(sites):
        return None, []
    if mode == "auto":
        own = layer.source_arg if layer.source_kind in ("coverage", "gap", "access") else None
        mode = (own,) if own else "all"
    if mode == "all":
        return sites, layer_legend(sites_layer, sites)
    pts = sites[sites["type_code"].astype(str).isin(mode)]
    if not len(pts):
        return None, []
    if len(mode) == 1:  # one type: one colour, the type named in the legend
        code = mode[0]
        colour = sites_layer.colour_of_type(code)
        return pts.assign(colour=colour), [(f"§ {code} {SERVICE_TYPE_BY_CODE[code].name_cs}", colour)]
    return pts, layer_legend(sites_layer, pts)


def load_map_data(store: Any, layer_id: str = DEFAULT_LAYER, year: int | None = None, *,
                  sites: str | tuple[str, ...] = "auto", layers_dir: str | Path | None = None) -> MapData:
    """Everything needed to draw any ORP of a layer, computed once for the whole region.

    Parameters
    ----------
    store : Store
        An open store (:func:`geo_kissos.store.open_store`).
    layer_id : str
        A layer of ``layers/`` (:func:`geo_kissos.layers.load_layers`).
    year : int, optional
        Year shown (the latest year ``<=`` it with data; default: the latest).
    sites : {"auto", "all", "none"} or str or tuple of str
        Service sites drawn: ``auto`` = the sites of the layer's § type for coverage/gap
        layers, all sites otherwise; or § codes (``"49,50"`` or ``("49", "50")``).
    layers_dir : str or Path, optional
        Folder of layer files (default ``layers/``).

    Returns
    -------
    MapData

    Raises
    ------
    geo_kissos.errors.UnknownLayerError
        When no layer file defines ``layer_id``.
    """
    sites = parse_sites(",".join(sites)) if isinstance(sites, tuple) else parse_sites(sites)
    layer = get_layer(layer_id, layers_dir)
    frame = layer_frame(store, layer, year)
    used = frame.attrs.get("year")
    mun = store.read("municipality")
    municipalities = gpd.GeoDataFrame(
        {"code": mun["municipality_code"].astype(str).to_numpy(),
         "name": mun["name"].astype(str).to_numpy(),
         "orp_code": mun["orp_code"].astype(str).to_numpy(),
         "orp_name": mun["orp_name"].astype("string").fillna("").astype(str).to_numpy()},
        geometry=mun.geometry.to_numpy(), crs=mun.crs,
    ).sort_values("code").reset_index(drop=True)
    orp = store.read("orp")
    orps = gpd.GeoDataFrame({"orp_code": orp["orp_code"].astype(str).to_numpy(),
                             "name": orp["name"].astype(str).to_numpy()},
                            geometry=orp.geometry.to_numpy(), crs=orp.crs)
    orps = orps.iloc[sorted(range(len(orps)), key=lambda i: czech_sort_key(orps["name"].iloc[i]))]
    orps = orps.reset_index(drop=True)

    points, points_legend = None, []
    if layer.kind == "points":
        areas, legend = None, []
        points, points_legend = frame, layer_legend(layer, frame)
    else:
        areas, legend = frame, layer_legend(layer, frame)
        if sites != "none":
            try:
                sites_layer = get_layer(SITES_LAYER, layers_dir)
            except Exception:  # no sites layer defined: maps without sites
                sites_layer = None
            if sites_layer is not None:
                site_frame = layer_frame(store, sites_layer, used)
                points, points_legend = _sites_for(layer, site_frame, sites_layer, sites)

    scheme = _SCHEMES_CS.get(layer.scheme, layer.scheme)
    notice = frame.attrs.get("notice", "")
    synthetic = provenance.is_synthetic(store)
    bits = [provenance.SYNTHETIC_LABEL.upper()] if synthetic else []
    notice_label = frame.attrs.get("notice_label", "") or provenance.NO_REGISTER_LABEL
    if notice:
        bits.append(notice_label.capitalize())
    else:
        bits.append(f"Rok {used}" if used else "Bez dat pro zvolený rok")
    classes = 0 if notice else len([e for e in legend if not e[0].startswith("bez dat")])
    if layer.kind == "choropleth" and classes:
        level = "obce" if layer.level == "municipality" else "ORP"
        bits.append(f"{level}, {classes} tříd ({scheme}) společných pro celý kraj")
    if layer.description_cs:
        bits.append(layer.description_cs.rstrip("."))
    data = MapData(
        layer_id=layer.id,
        title=layer.title_cs,
        subtitle=" · ".join(bits),
        legend_title=layer.legend_title_cs if layer.kind == "choropleth" else "Druh služby",
        legend_unit=layer.unit,
        municipalities=municipalities,
        orps=orps,
        areas=areas,
        legend=legend,
        points=points,
        points_legend=points_legend,
        year=int(used) if used is not None else None,
        # the date of what the layer shows; none when its input is missing (never another input's)
        data_date="" if notice else format_date(provenance.layer_data_date(layer, store) or store.data_date()),
        source=source_line(layer, store),
        left_out=layer_left_out(frame),
        notice=notice,
        synthetic=synthetic,
    )
    data.key_figures = key_figures(data, layer, store)
    return data


def _orp_gaps(store: Any, type_code: str, year: int) -> pd.DataFrame | None:
    """The ORP rows of one type's gap table (:func:`geo_kissos.analysis.territory_tables`, the
    numbers of the CLI and the export tables); None when the year cannot be analysed."""
    from ..analysis import AnalysisError, TerritoryParams, territory_from_store

    try:
        result = territory_from_store(store, year, TerritoryParams(level="orp", type_codes=(type_code,)))
    except AnalysisError:
        return None
    return result.values(type_code, "gaps")


def key_figures(data: MapData, layer: Layer, store: Any) -> dict[str, list[tuple[str, str]]]:
    """Numbers printed beside the legend of each ORP page.

    Always: municipalities, inhabitants, sites drawn. For coverage/gap layers also the ORP's
    units, units per 1,000 and the regional average (from the ORP-level analysis, the same
    numbers as the gap table).
    """
    out: dict[str, list[tuple[str, str]]] = {}
    register = provenance.has_register(store)
    pop_total = pd.Series(dtype=float)
    if data.year is not None:
        pop = store.read("population", {"age_band": "total"})
        if len(pop):
            years = sorted(int(y) for y in pop["year"].dropna().unique() if int(y) <= data.year)
            if years:
                p = pop[pop["year"] == years[-1]]
                orp_of = data.municipalities.set_index("code")["orp_code"]
                pop_total = p.groupby(p["municipality_code"].astype(str).map(orp_of))["persons"].sum()
    counts: list[tuple[str, pd.Series]] = []
    if data.areas is not None and layer.level == "municipality":
        for p in layer.popup:
            if p.field.startswith("indicator:") and p.field in data.areas.columns:
                counts.append((p.label_cs, data.areas.groupby("orp_code")[p.field].sum(min_count=1).dropna()))
    orp_level = None
    if layer.source_kind in ("coverage", "gap", "access") and data.year is not None and not data.notice:
        orp_level = _orp_gaps(store, layer.source_arg, data.year)
    unit = SERVICE_TYPE_BY_CODE[layer.source_arg].unit if orp_level is not None else ""
    unit_cs = {"beds": "Lůžka", "fte": "Úvazky"}.get(unit, "Jednotky")
    for code in data.orp_codes():
        rows = [("Obcí", str(int((data.municipalities["orp_code"] == code).sum())))]
        if code in pop_total.index:
            rows.append(("Obyvatel", format_number(float(pop_total[code]), 0)))
        for label, values in counts:  # counts shown in the layer's popup (e.g. persons in distraint)
            if code in values.index:
                rows.append((label, format_number(float(values[code]), 0)))
        if data.points is not None:
            rows.append(("Míst poskytování", str(int((data.points["orp_code"] == code).sum()))))
        elif register is False:  # no sites because there is no register, not because there are none
            rows.append(("Registr služeb", "není nahrán"))
        if orp_level is not None and code in orp_level.index:
            r = orp_level.loc[code]
            rows += [
                (f"{unit_cs} § {layer.source_arg}", format_number(r.get("units"), 0 if unit == "beds" else 1)),
                ("Na 1 000 cílové skupiny", format_number(r.get("units_per_1000"), 1)),
                ("Průměr kraje na 1 000", format_number(r.get("reference_per_1000"), 1)),
                ("Rozdíl proti potřebě", format_number(r.get("gap_units"), 0 if unit == "beds" else 1)),
            ]
        out[code] = rows
    return out


__all__ = [
    "DEFAULT_LAYER",
    "FALLBACK_LAYER",
    "SITES_LAYER",
    "ascii_slug",
    "default_layer",
    "format_date",
    "key_figures",
    "load_map_data",
    "parse_sites",
    "source_line",
]
