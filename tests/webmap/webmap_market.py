"""A small, known market written into a store copy (used by ``conftest.market_store``)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo_kissos.store import Store

#: (service id, § type, forms, unit, capacity, municipality index) of the synthetic market.
MARKET = (
    ("T49A", "49", ("residential",), "beds", 60.0, 0),
    ("T49B", "49", ("residential",), "beds", 40.0, 5),
    ("T40A", "40", ("field", "outpatient"), "fte", 6.5, 0),
    ("T37A", "37", ("outpatient",), "fte", 2.0, 12),
    ("T65A", "65", ("field",), "fte", 3.0, 20),
)
YEARS = (2024, 2025)


def write_market(store: Store) -> None:
    """Add population, indicators and the :data:`MARKET` services to ``store``."""
    mun = store.read("municipality").sort_values("municipality_code").reset_index(drop=True)
    pop, ind = [], []
    for i, code in enumerate(mun["municipality_code"]):
        total = 200 + 37 * i
        for year in YEARS:
            p65 = total * (10 + i % 17) // 100
            pop += [(code, year, "total", total), (code, year, "65+", p65), (code, year, "80+", p65 // 4),
                    (code, year, "0-17", total // 5), (code, year, "18-64", total - p65 - total // 5)]
            ind += [(code, year, "PNP_TOTAL", float(i % 23), "persons"),
                    (code, year, "UNEMP_SHARE", 1.0 + (i % 9), "percent")]
    services, forms, caps, sites, nets = [], [], [], [], []
    for k, (sid, type_code, fs, unit, value, idx) in enumerate(MARKET):
        row = mun.iloc[idx]
        services.append((sid, f"1234567{k}", type_code, f"Služba {sid}", "senioři", "tel. 585 000 000"))
        for f in fs:
            forms.append((sid, f))
        caps.append((sid, fs[0], unit, value))
        pt = row.geom.representative_point()
        sites.append((f"{sid}-1", sid, f"Zařízení {sid}", f"Náměstí 1, {row['name']}", row.municipality_code,
                       "address", Point(pt.x, pt.y)))
        nets += [(sid, y, pd.Timestamp(f"{y}-03-31"), value, unit, "approved") for y in YEARS]
    providers = pd.DataFrame({"ico": [f"1234567{k}" for k in range(len(MARKET))],
                              "name": [f"Poskytovatel {k}, o.p.s." for k in range(len(MARKET))]})
    with store.transaction() as w:
        w.upsert("population", pd.DataFrame(pop, columns=["municipality_code", "year", "age_band", "persons"]))
        w.upsert("indicator_value", pd.DataFrame(ind, columns=["municipality_code", "year", "code", "value", "unit"]))
        w.upsert("provider", providers)
        w.upsert("service", pd.DataFrame(services, columns=["service_id", "provider_ico", "type_code", "name",
                                                            "target_groups", "contact"]))
        w.upsert("service_form", pd.DataFrame(forms, columns=["service_id", "form"]))
        w.upsert("capacity", pd.DataFrame(caps, columns=["service_id", "form", "unit", "value"]))
        w.upsert("site", gpd.GeoDataFrame(
            pd.DataFrame(sites, columns=["site_id", "service_id", "name", "address", "municipality_code",
                                         "location_quality", "geom"]), geometry="geom", crs=5514))
        w.upsert("network", pd.DataFrame(nets, columns=["service_id", "year", "update_date", "units", "unit",
                                                        "status"]))
