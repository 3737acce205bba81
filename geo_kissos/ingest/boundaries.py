"""Import of municipality boundaries; ORP and region geometries are dissolved from them.

Reads GeoPackage, GeoJSON or Shapefile (anything pyogrio opens) in any declared CRS, reprojects
to EPSG:5514 and validates before writing anything: codes, ORP membership, geometry validity
(repaired with ``make_valid`` and reported), overlaps and gaps between neighbours (reported with
the codes involved). Writing is one transaction; loading the same file twice changes nothing.
"""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..crs import STORE_EPSG, coordinate_problems, parse_crs, to_store_crs
from ..errors import InputError, Problem
from ..store import Store
from .common import ImportResult, Problems, claim_import, snapshot_file
from .tabular import check_data_date

KIND = "boundaries"

#: Field names seen in official downloads, tried in order when no manifest maps them.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "municipality_code": ("municipality_code", "KOD_OBEC", "KOD", "OBEC_KOD", "kod_obec", "kod"),
    "name": ("name", "NAZ_OBEC", "NAZEV", "NAZEV_OBEC", "naz_obec", "nazev"),
    "orp_code": ("orp_code", "KOD_ORP", "ORP_KOD", "KOD_ORP_CSU", "kod_orp"),
    "orp_name": ("orp_name", "NAZ_ORP", "ORP_NAZEV", "NAZEV_ORP", "naz_orp"),
    "district_code": ("district_code", "KOD_OKRES", "OKRES_KOD", "KOD_LAU1", "kod_okres"),
    "district_name": ("district_name", "NAZ_OKRES", "OKRES_NAZEV", "NAZ_LAU1", "naz_okres"),
    "region_code": ("region_code", "KOD_KRAJ", "VUSC_KOD", "KOD_CZNUTS3", "KOD_VUSC", "kod_kraj"),
    "region_name": ("region_name", "NAZ_KRAJ", "VUSC_NAZEV", "NAZ_CZNUTS3", "naz_kraj"),
}
REQUIRED = ("municipality_code", "name", "orp_code", "region_code")

#: Lines of the import log's note naming the manifest (read back by the maps' source lines).
NOTE_TITLE, NOTE_PUBLISHER = "zdroj: ", "vydavatel: "


def boundary_note(title: str, publisher: str = "") -> str:
    """The import-log note lines of a manifest's title and publisher."""
    lines = [f"{NOTE_TITLE}{title}"] if title else []
    if publisher:
        lines.append(f"{NOTE_PUBLISHER}{publisher}")
    return "\n".join(lines)


#: Overlaps and gaps smaller than this (m²) are digitising noise, not reported.
AREA_TOLERANCE_M2 = 1.0
#: Suffixes of GeoJSON files (their ``crs`` member is read to check the declared CRS).
GEOJSON_SUFFIXES = (".geojson", ".json")
#: Bytes of a GeoJSON searched for its top-level ``crs`` member (writers put it before the features).
_CRS_HEAD_BYTES = 1 << 16
_CRS_MEMBER = re.compile(rb'"crs"\s*:\s*\{[^{}]*"properties"\s*:\s*\{[^{}]*"name"\s*:\s*"([^"]+)"')


@dataclass(frozen=True)
class BoundarySource:
    """A manifest in ``boundaries/``: where an official file comes from and how to read it."""

    id: str
    title: str
    url: str
    licence: str
    sha256: str
    layer: str | None
    fields: Mapping[str, str]
    path: Path | None = None
    publisher: str = ""

    @classmethod
    def from_toml(cls, path: str | Path) -> BoundarySource:
        """Read a manifest file."""
        path = Path(path)
        with open(path, "rb") as f:
            d = tomllib.load(f)
        try:
            return cls(
                id=d["id"],
                title=d["title"],
                url=d["url"],
                licence=d["licence"],
                sha256=d.get("sha256", ""),
                layer=d.get("layer") or None,
                fields=d.get("fields", {}),
                path=path,
                publisher=str(d.get("publisher", "")),
            )
        except KeyError as exc:
            raise InputError([Problem(str(path), "", exc.args[0], "required key missing")]) from None


def _pick_layer(path: Path, layer: str | None) -> str | None:
    layers = pyogrio.list_layers(path)
    if layer is not None:
        if layer not in {str(n) for n, _ in layers}:
            names = ", ".join(str(n) for n, _ in layers)
            raise InputError([Problem(path.name, "", "layer", f"no layer '{layer}' (has: {names})")])
        return layer
    polys = [str(n) for n, t in layers if t and "Polygon" in str(t)]
    if len(layers) > 1 and len(polys) != 1:
        names = ", ".join(str(n) for n, _ in layers)
        raise InputError(
            [Problem(path.name, "", "layer", f"several layers ({names}); choose one with --layer")]
        )
    return polys[0] if polys else None


def require_boundary_file(path: Path) -> None:
    """Refuse a missing path or a folder (naming the vector files in it) before anything is read."""
    if not path.exists():
        raise InputError([Problem(str(path), "", "", "file not found")])
    if path.is_dir():
        found = sorted(p.name for p in path.iterdir() if p.suffix.lower() in (".gpkg", ".shp", *GEOJSON_SUFFIXES))
        inside = f" (it holds {', '.join(found[:5])}{', ...' if len(found) > 5 else ''})" if found else ""
        raise InputError([Problem(str(path), "", "", f"is a folder, not a boundary file{inside}: "
                                  "give the file itself")])


def _geojson_declared_crs(path: Path) -> str | None:
    """The ``crs`` name a GeoJSON declares (the old GeoJSON 2008 member), None when it has none."""
    if path.suffix.lower() not in GEOJSON_SUFFIXES:
        return None
    with open(path, "rb") as f:
        head = f.read(_CRS_HEAD_BYTES)
    m = _CRS_MEMBER.search(head)
    return m.group(1).decode("utf-8", "replace") if m else None


def read_orp_relation(path: str | Path) -> dict[str, tuple[str, str | None]]:
    """Read the ČSÚ relation municipality → ORP (``VAZ0043_0065``: CHODNOTA1, CHODNOTA2, TEXT2).

    Parameters
    ----------
    path : str or Path
        CSV as published by ČSÚ (UTF-8 or Windows-1250, ``,`` or ``;`` separated).

    Returns
    -------
    dict
        Municipality code -> (ORP code, ORP name).
    """
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not the relation file" if path.is_dir() else "file not found"
        raise InputError([Problem(str(path), "", "", what)])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1250")
    sep = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    cols = {c.upper(): c for c in df.columns}
    probs = Problems(path.name)
    for need in ("CHODNOTA1", "CHODNOTA2"):
        if need not in cols:
            probs.add("header", need, f"column missing (file has: {', '.join(df.columns)})")
    out: dict[str, tuple[str, str | None]] = {}
    for i, row in enumerate(df.itertuples(index=False), start=2):
        rec = row._asdict()
        mun = rec[cols["CHODNOTA1"]].strip()
        orp = rec[cols["CHODNOTA2"]].strip()
        name = rec[cols["TEXT2"]].strip() if "TEXT2" in cols else None
        if mun in out and out[mun][0] != orp:
            probs.add(f"row {i}", "CHODNOTA2", f"municipality {mun} in two ORPs ({out[mun][0]}, {orp})")
        out[mun] = (orp, name or None)
    return out


def _map_fields(
    gdf: gpd.GeoDataFrame, fields: Mapping[str, str], source: str, required: tuple[str, ...] = REQUIRED
) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for target, aliases in FIELD_ALIASES.items():
        if target in fields:
            if fields[target] not in gdf.columns:
                msg = f"the manifest maps it to '{fields[target]}', which the file lacks"
                raise InputError([Problem(source, "", target, msg)])
            mapping[target] = fields[target]
            continue
        found = next((a for a in aliases if a in gdf.columns), None)
        if found:
            mapping[target] = found
    missing = [t for t in required if t not in mapping]
    if missing:
        have = ", ".join(c for c in gdf.columns if c != "geometry")
        msg = f"no column for {', '.join(missing)} (file has: {have}); map it in a manifest"
        raise InputError([Problem(source, "", missing[0], msg)])
    return mapping


def _text(v: Any) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or pd.isna(v):
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


def read_boundaries(
    path: str | Path,
    source: BoundarySource | None = None,
    layer: str | None = None,
    region: str | None = None,
    collect_all: bool = False,
    repair: bool = True,
    orp_relation: Mapping[str, tuple[str, str | None]] | None = None,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read and validate a boundary file; return municipalities (schema columns) and warnings.

    Parameters
    ----------
    path : str or Path
        GeoPackage, GeoJSON, Shapefile, ...
    source : BoundarySource, optional
        Manifest with the field mapping and layer.
    layer : str, optional
        Layer to read (overrides the manifest).
    region : str, optional
        Keep only municipalities of this region code (e.g. ``CZ071``).
    collect_all : bool
        Report every problem instead of stopping at the first.
    repair : bool
        Repair invalid polygons with ``make_valid`` (reported as warnings); ``False`` refuses them.
    orp_relation : mapping, optional
        Municipality code -> (ORP code, name), from :func:`read_orp_relation`, for files without
        an ORP field (RÚIAN); where the file has one too, both must agree.

    Raises
    ------
    InputError
        Bad codes, duplicates, missing ORP, empty or non-polygonal geometry.
    CRSError
        The file declares no CRS.
    """
    path = Path(path)
    name = path.name
    require_boundary_file(path)
    warnings: list[str] = []
    declared = _geojson_declared_crs(path)
    if declared is not None:
        parse_crs(declared, name)
    try:
        lyr = _pick_layer(path, layer or (source.layer if source else None))
        try:
            raw = gpd.read_file(path, layer=lyr, engine="pyogrio")
        except UnicodeDecodeError as exc:
            raw = gpd.read_file(path, layer=lyr, engine="pyogrio", encoding="cp1250")
            warnings.append(f"{name}: text fields are not UTF-8 ({exc.reason}; GeoJSON must be UTF-8 by "
                            "RFC 7946): read as Windows-1250 (cp1250), check the names")
    except pyogrio.errors.DataSourceError as exc:
        raise InputError([Problem(name, "", "", f"cannot read as a vector file: {exc}")]) from None
    if not isinstance(raw, gpd.GeoDataFrame) or raw.geometry.isna().all():
        raise InputError([Problem(name, "", "geometry", "no geometries: not a boundary file "
                                  "(expected municipality polygons: GeoPackage, GeoJSON, Shapefile)")])
    required = tuple(r for r in REQUIRED if not (orp_relation is not None and r == "orp_code"))
    mapping = _map_fields(raw, source.fields if source else {}, name, required)
    probs = Problems(name, collect_all)
    if region is not None:
        reg = raw[mapping["region_code"]].map(_text)
        raw = raw.loc[reg == region]
        if raw.empty:
            probs.add("", mapping["region_code"], f"no municipality of region '{region}'")
    if raw.crs is not None:
        parse_crs(raw.crs, name)
        codes = raw[mapping["municipality_code"]].map(_text)
        labels = [f"feature {i}" + (f" ({mapping['municipality_code']}={c})" if c else "")
                  for i, c in enumerate(codes, start=1)]
        note = ("; a GeoJSON without 'crs' is WGS 84 by RFC 7946"
                if declared is None and path.suffix.lower() in GEOJSON_SUFFIXES else "")
        polygonal = raw.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        labels = [lab for lab, ok in zip(labels, polygonal, strict=True) if ok]
        for problem in coordinate_problems(raw.geometry[polygonal], labels, name, note):
            probs.add(problem.location, problem.field, problem.message)
        probs.raise_if_any()
    raw = to_store_crs(raw, name)
    rows: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for i, (_, feat) in enumerate(raw.iterrows(), start=1):
        code = _text(feat[mapping["municipality_code"]])
        label = f"feature {i}" + (f" ({mapping['municipality_code']}={code})" if code else "")
        if code is None or not (len(code) == 6 and code.isdigit()):
            probs.add(label, mapping["municipality_code"], f"'{code}' is not a 6-digit code")
            continue
        if code in seen:
            probs.add(label, mapping["municipality_code"], f"code {code} repeats {seen[code]}")
            continue
        seen[code] = f"feature {i}"
        orp_field = mapping.get("orp_code", "orp_code")
        orp = _text(feat[orp_field]) if "orp_code" in mapping else None
        orp_name = _text(feat[mapping["orp_name"]]) if "orp_name" in mapping else None
        if orp_relation is not None:
            rel_orp, rel_name = orp_relation.get(code, (None, None))
            if orp is not None and rel_orp is not None and rel_orp != orp:
                probs.add(label, orp_field, f"ORP {orp} in the file, {rel_orp} in the ČSÚ relation")
                continue
            orp, orp_name = orp or rel_orp, orp_name or rel_name
        if orp is None:
            probs.add(label, orp_field, f"municipality {code} has no ORP")
            continue
        geom = feat.geometry
        if not isinstance(geom, shapely.Geometry) or geom.is_empty:
            probs.add(label, "geometry", "no geometry")
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            if not repair:
                probs.add(label, "geometry", f"invalid geometry: {reason}")
                continue
            geom = shapely.make_valid(geom)
            warnings.append(f"{label}: invalid geometry repaired with make_valid ({reason})")
        polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"]
        if not polys:
            probs.add(label, "geometry", f"{geom.geom_type} is not a polygon")
            continue
        row = {k: _text(feat[c]) for k, c in mapping.items()}
        row["municipality_code"], row["orp_code"], row["orp_name"] = code, orp, orp_name
        row["geom"] = shapely.MultiPolygon(polys)
        rows.append(row)
    probs.raise_if_any()
    gdf = gpd.GeoDataFrame(rows, geometry="geom", crs=STORE_EPSG)
    warnings += topology_warnings(gdf)
    gdf, cleaned = clean_coverage(gdf)
    warnings += cleaned
    return gdf, warnings


def clean_coverage(
    gdf: gpd.GeoDataFrame, tolerance: float = AREA_TOLERANCE_M2
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Make slightly overlapping neighbours a valid polygonal coverage, once, reporting the codes.

    Municipal borders digitised or generalised separately overlap a little where three
    municipalities meet (the national folder: 82 pairs, 6 - 68,156 m²). Coverage operations
    downstream — :func:`shapely.coverage_simplify` per zoom, :func:`shapely.coverage_union_all`
    for ORP outlines — need a valid coverage, so the file is cleaned here with
    :func:`shapely.coverage_clean` (GEOS CoverageCleaner: vertices snapped, each overlap given to
    the neighbour with the longest shared border; gaps are left as they are and reported by
    :func:`topology_warnings`). A coverage that is already valid is returned unchanged.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Municipalities in EPSG:5514 with ``municipality_code``.
    tolerance : float
        Smallest change of area (m²) named in the warning.

    Returns
    -------
    tuple
        The municipalities (cleaned, or as given) and the warnings (one, listing each changed
        municipality with its change of area; or why the coverage was left as it was).
    """
    geoms = gdf.geometry.to_numpy()
    if len(geoms) < 2 or shapely.coverage_is_valid(geoms):
        return gdf, []
    cleaned = shapely.coverage_clean(geoms)
    multi = [shapely.MultiPolygon([p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]) for g in cleaned]
    codes = gdf["municipality_code"].to_numpy()
    lost = [str(c) for c, g in zip(codes, multi, strict=True) if g.is_empty or not g.is_valid]
    if lost or not shapely.coverage_is_valid(np.asarray(multi, dtype=object)):
        why = (f"municipality(ies) {', '.join(lost[:10])} would lose their polygon" if lost
               else "the result is still not a valid coverage")
        return gdf, [f"borders not cleaned into a coverage ({why}): ORP outlines are dissolved with a "
                     "plain union and may show slivers"]
    delta = shapely.area(np.asarray(multi, dtype=object)) - shapely.area(geoms)
    changed = np.flatnonzero(np.abs(delta) > tolerance)
    order = changed[np.argsort(-np.abs(delta[changed]), kind="stable")]
    listed = ", ".join(f"{codes[i]} ({delta[i]:+,.0f} m²)" for i in order)
    out = gdf.copy()
    out["geom"] = gpd.GeoSeries(multi, index=gdf.index, crs=STORE_EPSG)
    msg = (f"borders cleaned into a valid coverage (shapely.coverage_clean: vertices snapped, each "
           f"overlap given to one neighbour): {len(changed)} municipality(ies) changed by more than "
           f"{tolerance:g} m²" + (f": {listed}" if listed else ""))
    return out, [msg]


def topology_warnings(gdf: gpd.GeoDataFrame, tolerance: float = AREA_TOLERANCE_M2) -> list[str]:
    """Overlaps between municipalities and gaps between neighbours, with the codes involved.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Municipalities in EPSG:5514 with ``municipality_code``.
    tolerance : float
        Smallest overlap or gap area reported, in m².
    """
    out: list[str] = []
    geoms = gdf.geometry.values
    codes = gdf["municipality_code"].to_numpy()
    left, right = gdf.sindex.query(geoms, predicate="intersects")
    pairs = left < right
    left, right = left[pairs], right[pairs]
    if len(left):
        inter = shapely.intersection(geoms[left], geoms[right])
        area = shapely.area(inter)
        for a, b, ar in zip(left[area > tolerance], right[area > tolerance], area[area > tolerance], strict=True):
            out.append(f"municipalities {codes[a]} and {codes[b]} overlap by {ar:,.0f} m²")
    union = shapely.union_all(geoms)
    holes = [shapely.Polygon(r) for p in shapely.get_parts(union) for r in p.interiors]
    for hole in holes:
        if hole.area <= tolerance:
            continue
        near = gdf.sindex.query(hole.buffer(1.0), predicate="intersects")
        around = ", ".join(sorted(codes[near]))
        out.append(f"gap of {hole.area:,.0f} m² between municipalities {around}")
    return out


def dissolve_territory(mun: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """ORP and region geometries dissolved from municipalities (schema columns of orp, region)."""

    def multi(g: shapely.Geometry) -> shapely.MultiPolygon:
        parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon"]
        return shapely.MultiPolygon(parts)

    mun = mun.copy()
    mun["orp_name"] = mun["orp_name"].fillna(mun["orp_code"])
    mun["region_name"] = mun["region_name"].fillna(mun["region_code"])
    orp = mun.dissolve(by="orp_code", aggfunc={"orp_name": "first", "region_code": "first"})
    orp = orp.reset_index().rename(columns={"orp_name": "name"})
    orp["geom"] = [multi(g) for g in orp.geometry]
    reg = mun.dissolve(by="region_code", aggfunc={"region_name": "first"})
    reg = reg.reset_index().rename(columns={"region_name": "name"})
    reg["geom"] = [multi(g) for g in reg.geometry]
    return orp, reg


def load_boundaries(
    store: Store,
    path: str | Path,
    source: BoundarySource | None = None,
    layer: str | None = None,
    region: str | None = None,
    data_date: pd.Timestamp | None = None,
    collect_all: bool = False,
    repair: bool = True,
    orp_relation: Mapping[str, tuple[str, str | None]] | None = None,
) -> ImportResult:
    """Validate a boundary file and store it in one transaction.

    Municipalities are upserted by code; ORP and region geometries are dissolved again from all
    stored municipalities. A file already imported (same SHA-256) is skipped.

    Returns
    -------
    ImportResult
        Counts written and warnings (repairs, overlaps, gaps).
    """
    path = Path(path)
    require_boundary_file(path)
    check_data_date(data_date, path.name)
    snap = snapshot_file(path, "*") if path.exists() else None  # parse a private copy: checksum = bytes parsed
    checksum = snap.checksum if snap is not None else ""
    if source and source.sha256 and checksum and source.sha256 != checksum:
        raise InputError(
            [Problem(path.name, "", "sha256", f"checksum {checksum} differs from the manifest's {source.sha256}")]
        )
    result = ImportResult(KIND, path.name, checksum, snapshot=snap)
    if checksum and store.already_imported(KIND, checksum):
        result.skipped = True
        return result
    mun, warnings = read_boundaries(snap.path if snap is not None else path, source, layer, region, collect_all,
                                    repair, orp_relation)
    result.warnings = warnings
    with store.transaction() as w:
        if not claim_import(w, result):
            return result
        result.counts["municipality"] = w.upsert("municipality", mun)
        orp, reg = dissolve_territory(w.read("municipality"))
        w.delete("orp")
        result.counts["orp"] = w.upsert("orp", orp)
        w.delete("region")
        result.counts["region"] = w.upsert("region", reg)
        # the manifest's title and publisher: the source line of every map reads them back
        lines = [boundary_note(source.title, source.publisher)] if source else []
        lines += [f"{len(warnings)} warning(s)"] if warnings else []
        note = "\n".join(line for line in lines if line) or None
        w.log_import(KIND, str(path), checksum, len(mun), len(mun), data_date, note)
    return result
