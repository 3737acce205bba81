"""The points layer: one row per located service site, with service, provider and capacity."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ..catalogue import FORMS, SERVICE_TYPE_BY_CODE
from ..crs import STORE_EPSG
from .choropleth import years_of
from .definitions import Layer
from .formatting import format_count
from .provenance import NO_REGISTER_LABEL, has_register, no_register_text

POINT_COLUMNS: tuple[str, ...] = (
    "code", "name", "site_id", "service_id", "service_name", "type_code", "type_name_cs",
    "type_name_en", "group", "group_name_cs", "forms", "form_codes", "target_groups", "provider_ico",
    "provider_name", "capacity", "capacity_beds", "capacity_fte", "network_years", "network_units",
    "network_text", "contact", "address", "municipality_code", "municipality_name", "orp_code", "orp_name",
    "location_quality", "colour", "label", "year",
)


_TARGET_PREFIX = "CilovaSkupinaOsoby/"


def _target_groups_text(value: object) -> str:
    """Target groups for display: names (resolved at import) as stored; codelist references left
    unresolved (no target-group codelist, or an unknown id) shortened to ``skupina 24``."""
    if value is None or pd.isna(value):
        return ""
    parts = [p.strip() for p in str(value).split(";") if p.strip()]
    return ";".join(f"skupina {p[len(_TARGET_PREFIX):]}" if p.startswith(_TARGET_PREFIX) else p for p in parts)


def _capacity_texts(cap: pd.DataFrame) -> pd.Series:
    """Capacity per form of each service as text, e.g. ``"pobytová: 60 lůžek"`` (by service id)."""
    order = {f: i for i, f in enumerate(FORMS)}
    rows = cap.assign(_o=cap["form"].astype(str).map(lambda f: order.get(f, 9))).sort_values(["service_id", "_o"])
    text = [f"{FORMS.get(str(f), str(f))}: {format_count(v, u)}"
            for f, v, u in zip(rows["form"], rows["value"], rows["unit"], strict=True)]
    return pd.Series(text, index=rows["service_id"].to_numpy()).groupby(level=0).agg("; ".join)


def _type_attr(type_code: str, attr: str) -> str:
    t = SERVICE_TYPE_BY_CODE.get(type_code)
    return str(getattr(t, attr)) if t else ""


def _forms_cs(codes: str) -> str:
    return ", ".join(FORMS.get(f, f) for f in codes.split(";") if f)


def _network_units(svc: pd.DataFrame, net: pd.DataFrame, cap: pd.DataFrame, year: int | None
                   ) -> tuple[pd.Series, pd.Series]:
    """Units in the network of each service in ``year`` as the coverage counts them, and as text.

    The rule is :func:`geo_kissos.analysis.service_units` (the latest network row of the year in
    the type's planning unit; a ``removed`` row is 0 units): a popup never shows units the
    coverage does not count. A network row in another unit (the coverage counts the capacity
    then) shows no network units.
    """
    from ..analysis.inputs import service_units

    if not len(net) or year is None:
        return pd.Series(dtype=float), pd.Series(dtype=str)
    known = svc[svc["type_code"].isin(SERVICE_TYPE_BY_CODE)]
    u = service_units(known, net, cap, year)
    u = u[u["units_source"].isin(["network", "network-removed"])].set_index("service_id")
    text = [format_count(v, unit) + (" (vyřazena ze sítě)" if src == "network-removed" else "")
            for v, unit, src in zip(u["units"], u["unit"], u["units_source"], strict=True)]
    return u["units"].astype(float), pd.Series(text, index=u.index, dtype=object)


def points_frame(store: Any, layer: Layer, year: int | None, orp: str | None) -> gpd.GeoDataFrame:
    site = store.read("site")
    empty = gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in POINT_COLUMNS},
                             geometry=gpd.GeoSeries([], crs=STORE_EPSG), crs=STORE_EPSG).rename_geometry("geom")
    empty.attrs.update({"layer": layer.id, "year": year,
                        "notice": "" if has_register(store) else no_register_text(),
                        "notice_label": "" if has_register(store) else NO_REGISTER_LABEL})
    if not isinstance(site, gpd.GeoDataFrame) or site.empty:
        return empty
    site = site[site.geometry.notna() & ~site.geometry.is_empty].copy()
    service = store.read("service")
    net = store.read("network")
    years = years_of(net)
    used = year if year is not None else (years[-1] if years else None)
    from ..analysis.inputs import active_in_year  # the analysis' rules, not a copy of them

    if used is not None and not service.empty:
        service = service[active_in_year(service, used)]
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
    nunits, ntext = _network_units(svc, net, cap, used)
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
        "provider_name": df["provider_ico"].astype(str).map(pmap).astype(object).fillna("").to_numpy(),
        "capacity": sid.map(cap_text).astype(object).fillna("").to_numpy(),
        "capacity_beds": sid.map(cap_sum["beds"]).to_numpy(float) if "beds" in cap_sum else np.nan,
        "capacity_fte": sid.map(cap_sum["fte"]).to_numpy(float) if "fte" in cap_sum else np.nan,
        "network_years": sid.map(nyears).astype(object).fillna("").to_numpy(),
        "network_units": sid.map(nunits).to_numpy(float),
        "network_text": sid.map(ntext).astype(object).fillna("").to_numpy(),
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
    out.attrs.update({"layer": layer.id, "year": used, "notice": ""})
    return out
