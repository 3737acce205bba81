"""Sensitivity grid; zonal statistics on a tiny GeoTIFF written with rasterio (EPSG:5514)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import box

from geo_kissos.analysis import (
    AnalysisError,
    catchment_population,
    floating_catchment,
    raster_demand_points,
    sensitivity_grid,
    zonal_population,
)
from geo_kissos.errors import CRSError

X0, Y0 = -560_000.0, -1_130_000.0

# rasterstats/rasterio multiply affine transforms with `*` (affine deprecates it)
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")


def _pts(xs, values, col, prefix):
    return gpd.GeoDataFrame(
        {col: np.asarray(values, float)},
        geometry=gpd.points_from_xy(np.asarray(xs, float) + X0, np.full(len(xs), Y0)),
        crs=5514, index=[f"{prefix}{k}" for k in range(len(xs))],
    )


def test_sensitivity_grid_moves_with_catchment():
    demand = _pts([0, 1000, 10_000], [100, 300, 50], "demand", "d")
    supply = _pts([500, 1800], [10, 20], "supply", "s")
    groups = pd.Series(["A", "A", "B"], index=demand.index)
    grid = sensitivity_grid(demand, supply, max_costs=[1000, 20_000],
                            methods=["2sfca", "e2sfca", "3sfca"], decays=["none", "steps", 800.0],
                            groups=groups)
    combos = grid[["method", "decay"]].drop_duplicates().apply(tuple, axis=1).tolist()
    assert ("2sfca", "none") in combos and ("2sfca", "steps") not in combos
    assert ("e2sfca", "none") not in combos and ("e2sfca", "gaussian(800)") in combos
    g = grid.set_index(["method", "max_cost", "decay", "code"])
    # 1 km: group B (the far point) unreachable; 20 km: everyone reaches everything
    assert g.loc[("2sfca", 1000.0, "none", "B"), "unreached_share"] == 1.0
    assert g.loc[("2sfca", 20_000.0, "none", "B"), "unreached_share"] == 0.0
    # at 20 km with no decay every point sees 30 units for 450 people
    assert g.loc[("2sfca", 20_000.0, "none", "A"), "access_per_1000"] == pytest.approx(
        30 / 450 * 1000)
    assert g.loc[("2sfca", 20_000.0, "none", "A"), "access_gap_units"] == pytest.approx(0)
    # equal to a direct run at 1 km
    direct = floating_catchment(demand, supply, method="2sfca", max_cost=1000)
    a = direct.loc[["d0", "d1"]]
    expected = (a["access"] * a["demand"]).sum() / 400 * 1000
    assert g.loc[("2sfca", 1000.0, "none", "A"), "access_per_1000"] == pytest.approx(expected)
    # the overall row and gaps: B has nothing at 1 km -> gap = -reference × 50 / 1000
    ref = g.loc[("2sfca", 1000.0, "none", "all"), "access_per_1000"]
    assert g.loc[("2sfca", 1000.0, "none", "B"), "access_gap_units"] == pytest.approx(-ref * 0.05)
    with pytest.raises(AnalysisError):
        sensitivity_grid(demand, supply, max_costs=[])


@pytest.fixture
def tiny_raster(tmp_path):
    """4 × 4 cells of 100 m from (X0, Y0 + 400); cell value = 1..16 row by row; one nodata."""
    data = np.arange(1, 17, dtype="float32").reshape(4, 4)
    data[3, 3] = -1
    path = tmp_path / "pop.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="float32",
                       crs="EPSG:5514", transform=from_origin(X0, Y0 + 400, 100, 100),
                       nodata=-1) as ds:
        ds.write(data, 1)
    return path


def test_zonal_population_over_polygons(tiny_raster):
    zones = gpd.GeoDataFrame(
        {"municipality_code": ["west", "east", "outside"]},
        geometry=[box(X0, Y0, X0 + 200, Y0 + 400), box(X0 + 200, Y0, X0 + 400, Y0 + 400),
                  box(X0 + 5000, Y0, X0 + 5100, Y0 + 100)],
        crs=5514,
    )
    z = zonal_population(tiny_raster, zones, stats=("sum", "count")).set_index("municipality_code")
    # west columns 0-1: 1+2+5+6+9+10+13+14 = 60; east columns 2-3 without nodata cell 16: 76
    assert z.loc["west", "sum"] == 60 and z.loc["west", "count"] == 8
    assert z.loc["east", "sum"] == 3 + 4 + 7 + 8 + 11 + 12 + 15 and z.loc["east", "count"] == 7
    assert z.loc["outside", "sum"] == 0 and z.loc["outside", "count"] == 0
    with pytest.raises(CRSError):
        zonal_population(tiny_raster, zones.to_crs(4326))


def test_catchment_population_and_demand_points(tiny_raster):
    # centre of cell (row 0, col 0) is (X0 + 50, Y0 + 350); 80 m radius holds that centre only
    sites = gpd.GeoDataFrame({"n": [1, 2]}, geometry=gpd.points_from_xy(
        [X0 + 50, X0 + 200], [Y0 + 350, Y0 + 200]), crs=5514, index=["a", "b"])
    c = catchment_population(tiny_raster, sites, 80)
    assert c.loc["a", "sum"] == 1
    # b at the corner of 4 cells (rows 1-2, cols 1-2), centres 70.7 m away: 6 + 7 + 10 + 11
    assert c.loc["b", "sum"] == 34
    pts = raster_demand_points(tiny_raster)
    assert len(pts) == 15 and pts["demand"].sum() == 120
    first = pts.loc["r0c0"]
    assert (first.geometry.x, first.geometry.y) == (X0 + 50, Y0 + 350)
    # demand points feed FCA directly
    out = floating_catchment(pts, sites.assign(supply=[3.0, 0.0]), method="2sfca", max_cost=60)
    assert out.loc["r0c0", "access"] == pytest.approx(3.0)
    assert np.isnan(out.loc["r3c2", "access"])


def test_raster_in_other_crs_is_refused(tmp_path):
    path = tmp_path / "wgs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=1, height=1, count=1, dtype="float32",
                       crs="EPSG:4326", transform=from_origin(17, 49, 0.01, 0.01)) as ds:
        ds.write(np.ones((1, 1), "float32"), 1)
    with pytest.raises(CRSError):
        raster_demand_points(path)


def test_raster_demand_is_dasymetric_and_feeds_access(region_inputs, tmp_path):
    from geo_kissos.analysis import access_by_orp, raster_demand

    # 5 km cells over m1 (columns 0-1) and m2 (columns 2-3); m3 and m4 have no cells
    data = np.array([[1, 3, 2, 0], [0, 4, 2, 0]], dtype="float32")
    path = tmp_path / "pop.tif"
    with rasterio.open(path, "w", driver="GTiff", width=4, height=2, count=1, dtype="float32",
                       crs="EPSG:5514", transform=from_origin(X0, Y0 + 10_000, 5000, 5000)) as ds:
        ds.write(data, 1)
    d = raster_demand(region_inputs, path, "49")
    # m1 has 1000 aged 65+ spread 1:3:4 over its cells; m2 500 spread 2:2
    assert d.loc["r0c0", "demand"] == pytest.approx(125)
    assert d.loc["r1c1", "demand"] == pytest.approx(500)
    assert d.loc["r0c2", "demand"] == pytest.approx(250)
    assert d.loc["900003", "demand"] == 2000  # no cells: the municipality point
    assert d["demand"].sum() == pytest.approx(4000)
    assert set(d.loc[["r0c0", "r0c2"], "orp_code"]) == {"O1"}
    acc = access_by_orp(region_inputs, ["49"], raster=path).set_index("code")
    assert acc.loc["O1", "demand"] == pytest.approx(1500)
    assert acc.loc["O2", "demand"] == pytest.approx(2500)


def test_missing_raster_is_an_analysis_error(tmp_path):
    with pytest.raises(AnalysisError, match="cannot open raster"):
        raster_demand_points(tmp_path / "nope.tif")
