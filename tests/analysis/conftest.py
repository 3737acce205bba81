"""A tiny hand-checkable region for the analysis tests.

Four 10 km × 10 km municipalities in a row (EPSG:5514), two ORPs, one region::

    m1 (x 0–10 km) | m2 (10–20) | m3 (20–30) | m4 (30–40)
    ORP O1          ORP O1       ORP O2       ORP O2

Aged 65+: m1 1000, m2 500, m3 2000, m4 500 (year 2024; the analysis year is 2025).
§ 49 homes for the elderly: S1 60 beds in m1, S2 30 beds in m3.
§ 40 home care (field only): S3 6 FTE reaching m1, m2 (office in m1); S4 3 FTE reaching m3.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import MultiPolygon, Point, box

from geo_kissos.analysis.inputs import AnalysisInputs

X0, Y0 = -560_000.0, -1_130_000.0
KM = 1000.0

AGED = {"900001": 1000, "900002": 500, "900003": 2000, "900004": 500}
TOTAL = {"900001": 5000, "900002": 3000, "900003": 8000, "900004": 2000}


def municipalities_frame() -> gpd.GeoDataFrame:
    codes = list(AGED)
    return gpd.GeoDataFrame(
        {
            "municipality_code": codes,
            "name": ["Alfa", "Beta", "Gama", "Delta"],
            "orp_code": ["O1", "O1", "O2", "O2"],
            "orp_name": ["Orp One", "Orp One", "Orp Two", "Orp Two"],
            "district_code": ["D1"] * 4,
            "region_code": ["R1"] * 4,
            "region_name": ["Region"] * 4,
        },
        geometry=[
            MultiPolygon([box(X0 + k * 10 * KM, Y0, X0 + (k + 1) * 10 * KM, Y0 + 10 * KM)])
            for k in range(4)
        ],
        crs=5514,
    )


def population_frame() -> pd.DataFrame:
    rows = []
    for year, factor in ((2023, 2), (2024, 1)):  # 2023 deliberately different
        for code in AGED:
            rows += [
                (code, year, "65+", AGED[code] * factor),
                (code, year, "80+", AGED[code] * factor // 4),
                (code, year, "total", TOTAL[code] * factor),
                (code, year, "0-17", TOTAL[code] * factor // 5),
                (code, year, "18-64", TOTAL[code] * factor // 2),
            ]
    return pd.DataFrame(rows, columns=["municipality_code", "year", "age_band", "persons"])


def site(x_km: float, y_km: float = 5.0) -> Point:
    return Point(X0 + x_km * KM, Y0 + y_km * KM)


@pytest.fixture
def region_inputs() -> AnalysisInputs:
    services = pd.DataFrame(
        {
            "service_id": ["S1", "S2", "S3", "S4"],
            "type_code": ["49", "49", "40", "40"],
            "name": ["Home A", "Home B", "Care A", "Care B"],
            "forms": [("residential",), ("residential",), ("field",), ("field",)],
            "units": [60.0, 30.0, 6.0, 3.0],
            "unit": ["beds", "beds", "fte", "fte"],
            "units_source": ["network"] * 4,
        }
    )
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["S1-a", "S2-a", "S3-office", "S4-office"],
            "service_id": ["S1", "S2", "S3", "S4"],
            "municipality_code": ["900001", "900003", "900001", "900003"],
            "location_quality": ["address_point"] * 4,
        },
        geometry=[site(5), site(25), site(4), site(24)],
        crs=5514,
    )
    reach = pd.DataFrame(
        {"service_id": ["S3", "S3", "S4"], "municipality_code": ["900001", "900002", "900003"]}
    )
    return AnalysisInputs(
        year=2025,
        municipalities=municipalities_frame(),
        population=population_frame(),
        services=services,
        sites=sites,
        reach=reach,
    )


@pytest.fixture
def region_tables(region_inputs):
    """The conftest region as store tables, with the unit-selection cases the rules name."""
    svc = pd.DataFrame({
        "service_id": ["S1", "S2", "S3", "S4", "OLD", "NOUNITS"],
        "provider_ico": ["12345678"] * 6,
        "type_code": ["49", "49", "40", "40", "49", "49"],
        "name": ["Home A", "Home B", "Care A", "Care B", "Closed home", "Home without units"],
        "valid_from": pd.to_datetime(["2010-01-01", None, "2015-05-01", "2025-06-01",
                                      "2000-01-01", "2010-01-01"]),
        "valid_to": pd.to_datetime([None, None, None, None, "2020-12-31", None]),
    })
    forms = pd.DataFrame({
        "service_id": ["S1", "S2", "S3", "S4", "OLD", "NOUNITS"],
        "form": ["residential", "residential", "field", "field", "residential", "residential"],
    })
    network = pd.DataFrame({
        "service_id": ["S1", "S1", "S1", "S3", "S4", "OLD"],
        "year": [2025, 2025, 2024, 2025, 2025, 2025],
        "update_date": pd.to_datetime(["2025-03-31", "2025-07-31", "2024-07-31", "2025-03-31",
                                       "2025-03-31", "2025-03-31"]),
        "units": [55.0, 60.0, 10.0, 6.0, 99.0, 50.0],
        "unit": ["beds", "beds", "beds", "fte", "beds", "beds"],  # S4: wrong unit for § 40
        "status": ["included"] * 6,
    })
    capacity = pd.DataFrame({
        "service_id": ["S2", "S2", "S4", "S4"],
        "form": ["residential", "residential", "field", "field"],
        "unit": ["beds", "clients", "fte", "hours"],
        "value": [30.0, 25.0, 3.0, 4000.0],
    })
    sites = region_inputs.sites.rename_geometry("geom")
    reach = region_inputs.reach
    return {
        "municipality": region_inputs.municipalities.rename_geometry("geom"),
        "population": region_inputs.population,
        "service": svc,
        "service_form": forms,
        "network": network,
        "capacity": capacity,
        "site": sites,
        "reach": reach,
    }
