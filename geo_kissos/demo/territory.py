"""A synthetic territory shaped like the Olomouc Region, for demos and tests without real data.

The 13 ORPs carry their real names, ČSÚ codes and districts and sit at their real seats; the
~400 municipalities are a seeded Voronoi tessellation of the region's approximate outline, with
synthetic names and **synthetic codes starting with 9** (no real municipality code does), so the
demo can never be mistaken for, or joined to, real data. The file is written the way official
boundary downloads come: a GeoPackage in EPSG:5514 with ArcČR-style field names.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from ..crs import STORE_EPSG

REGION_CODE = "CZ071"
REGION_NAME = "Olomoucký kraj"

#: ORP: ČSÚ code, name, seat (lon, lat), district code and name.
ORPS: tuple[tuple[str, str, tuple[float, float], str, str], ...] = (
    ("7101", "Hranice", (17.735, 49.548), "CZ0714", "Přerov"),
    ("7102", "Jeseník", (17.205, 50.229), "CZ0711", "Jeseník"),
    ("7103", "Konice", (16.889, 49.589), "CZ0713", "Prostějov"),
    ("7104", "Lipník nad Bečvou", (17.586, 49.527), "CZ0714", "Přerov"),
    ("7105", "Litovel", (17.076, 49.701), "CZ0712", "Olomouc"),
    ("7106", "Mohelnice", (16.919, 49.777), "CZ0715", "Šumperk"),
    ("7107", "Olomouc", (17.251, 49.594), "CZ0712", "Olomouc"),
    ("7108", "Prostějov", (17.112, 49.472), "CZ0713", "Prostějov"),
    ("7109", "Přerov", (17.451, 49.455), "CZ0714", "Přerov"),
    ("7110", "Šternberk", (17.299, 49.730), "CZ0712", "Olomouc"),
    ("7111", "Šumperk", (16.971, 49.965), "CZ0715", "Šumperk"),
    ("7112", "Uničov", (17.121, 49.771), "CZ0712", "Olomouc"),
    ("7113", "Zábřeh", (16.872, 49.883), "CZ0715", "Šumperk"),
)

#: Approximate outline of the region (lon, lat), clockwise from the north.
OUTLINE: tuple[tuple[float, float], ...] = (
    (17.02, 50.45), (17.30, 50.36), (17.42, 50.25), (17.30, 50.10), (17.45, 49.95),
    (17.62, 49.78), (17.85, 49.68), (17.98, 49.58), (17.86, 49.46), (17.60, 49.40),
    (17.40, 49.33), (17.12, 49.30), (16.92, 49.40), (16.74, 49.55), (16.72, 49.75),
    (16.70, 49.95), (16.82, 50.12), (16.95, 50.30),
)

_PREFIX = ("Horní", "Dolní", "Velká", "Malá", "Nová", "Stará", "Česká", "Moravská", "")
_BASE = (
    "Lhota", "Ves", "Petrovice", "Újezd", "Bystřice", "Loučka", "Dubany", "Lipová", "Hradec",
    "Olešnice", "Březová", "Křelov", "Kamenná", "Vrbátky", "Pavlovice", "Radslavice", "Doloplazy",
    "Senice", "Luká", "Stachovice", "Trusovice", "Bělkovice", "Daskabát", "Štěpánov", "Hlubočky",
)

DEFAULT_MUNICIPALITIES = 400


def outline_5514() -> shapely.Polygon:
    """The region outline in EPSG:5514."""
    tr = Transformer.from_crs(4326, STORE_EPSG, always_xy=True)
    xs, ys = tr.transform(*zip(*OUTLINE, strict=True))
    return shapely.Polygon(zip(xs, ys, strict=True))


def seats_5514() -> np.ndarray:
    """ORP seats as an (13, 2) array of EPSG:5514 coordinates, in :data:`ORPS` order."""
    tr = Transformer.from_crs(4326, STORE_EPSG, always_xy=True)
    xs, ys = tr.transform([o[2][0] for o in ORPS], [o[2][1] for o in ORPS])
    return np.column_stack([xs, ys])


def make_municipalities(n: int = DEFAULT_MUNICIPALITIES, seed: int = 71) -> gpd.GeoDataFrame:
    """Generate the synthetic municipalities (EPSG:5514, ArcČR-style fields).

    Parameters
    ----------
    n : int
        Number of municipalities (the 13 ORP seats included).
    seed : int
        Seed of the generator; the same seed gives the same territory.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``KOD_OBEC, NAZ_OBEC, KOD_ORP, NAZ_ORP, KOD_OKRES, NAZ_OKRES, KOD_KRAJ,
        NAZ_KRAJ`` and MultiPolygon geometries that tile the outline without gaps or overlaps.
    """
    rng = np.random.default_rng(seed)
    region = outline_5514()
    seats = seats_5514()
    minx, miny, maxx, maxy = region.bounds
    pts: list[np.ndarray] = [seats]
    need = n - len(seats)
    while need > 0:
        cand = rng.uniform((minx, miny), (maxx, maxy), size=(need * 3, 2))
        inside = shapely.contains_xy(region, cand[:, 0], cand[:, 1])
        d = np.min(np.hypot(*(cand[:, None, :] - seats[None, :, :]).transpose(2, 0, 1)), axis=1)
        cand = cand[inside & (d > 1500)][:need]
        pts.append(cand)
        need -= len(cand)
    xy = np.vstack(pts)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(xy), extend_to=region.buffer(20000))
    cells = shapely.get_parts(cells)
    # voronoi_polygons does not keep input order: match cells back to their generator points.
    gen = shapely.points(xy)
    order = np.array([np.flatnonzero(shapely.contains(c, gen))[0] for c in cells])
    polys = np.empty(len(xy), dtype=object)
    polys[order] = cells
    polys = shapely.intersection(polys, region)
    polys = np.array([g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g]) for g in polys])
    nearest = np.argmin(
        np.hypot(xy[:, None, 0] - seats[None, :, 0], xy[:, None, 1] - seats[None, :, 1]), axis=1
    )
    codes, names = [], []
    for i in range(len(xy)):
        codes.append(f"9{i + 1:05d}")
        if i < len(seats):
            names.append(ORPS[i][1])
        else:
            prefix = _PREFIX[rng.integers(len(_PREFIX))]
            names.append(f"{prefix} {_BASE[rng.integers(len(_BASE))]}".strip())
    orp = [ORPS[j] for j in nearest]
    gdf = gpd.GeoDataFrame(
        {
            "KOD_OBEC": codes,
            "NAZ_OBEC": names,
            "KOD_ORP": [o[0] for o in orp],
            "NAZ_ORP": [o[1] for o in orp],
            "KOD_OKRES": [o[3] for o in orp],
            "NAZ_OKRES": [o[4] for o in orp],
            "KOD_KRAJ": REGION_CODE,
            "NAZ_KRAJ": REGION_NAME,
        },
        geometry=list(polys),
        crs=STORE_EPSG,
    )
    return gdf


def write_boundaries(path: str | Path, n: int = DEFAULT_MUNICIPALITIES, seed: int = 71) -> Path:
    """Write the synthetic municipalities as a GeoPackage (layer ``obce``) and return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    make_municipalities(n, seed).to_file(path, layer="obce", driver="GPKG", engine="pyogrio")
    return path
