"""What-if scenarios: add, remove or resize services in memory and compare every metric.

A scenario is a small table, one change per row:

=========  ==========================================================================
action     columns used
=========  ==========================================================================
``add``    ``service_id`` (new, unique), ``type_code``, ``x``, ``y`` (EPSG:5514 metres),
           ``units``; optional ``municipality_code`` (found from the point when empty),
           ``forms`` (``;``-separated, default: the type's usual forms) and ``reach``
           (``;``-separated municipality codes, for field services)
``remove`` ``service_id``
``resize`` ``service_id``, ``units`` (the new number of units)
=========  ==========================================================================

:func:`apply_scenario` returns changed *copies*; the store and the original inputs are never
modified. :func:`compare_scenario` computes :func:`~geo_kissos.analysis.metrics.compute_metrics`
before and after and returns one long table of every number that can change.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from ..catalogue import SERVICE_TYPE_BY_CODE
from ._validate import require_columns, require_plausible_units
from .errors import AnalysisError
from .inputs import AnalysisInputs
from .metrics import compute_metrics

ACTIONS = ("add", "remove", "resize")

#: Numeric columns compared per metric table, and the key columns of each table.
COMPARED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "gaps": (
        ("code", "type_code"),
        ("units", "units_per_1000", "reference_per_1000", "need_units", "gap_units",
         "deficit_units", "surplus_units", "coverage_pct", "rank"),
    ),
    "field": (
        ("municipality_code", "type_code"),
        ("n_services", "units", "units_per_1000", "reached"),
    ),
    "access": (
        ("code", "type_code"),
        ("access_per_1000", "unreached_share", "unreached_demand"),
    ),
}


def _blank(v: object) -> bool:
    if v is None or v is pd.NA:
        return True
    if isinstance(v, float):
        return bool(np.isnan(v))
    return isinstance(v, str) and not v.strip()


def _split(v: object) -> tuple[str, ...]:
    if _blank(v):
        return ()
    return tuple(p.strip() for p in str(v).split(";") if p.strip())


def _number(v: object) -> float | None:
    """A float from a cell, None when it is not a finite number."""
    try:
        f = float(str(v).replace(",", ".")) if isinstance(v, str) else float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


def apply_scenario(inputs: AnalysisInputs, changes: pd.DataFrame,
                   source: str | None = None) -> AnalysisInputs:
    """Apply a table of changes to a copy of ``inputs``.

    Parameters
    ----------
    inputs : AnalysisInputs
    changes : pandas.DataFrame
        See the module documentation. Rows are applied in order.
    source : str, optional
        The file the changes were read from: messages then say ``<source>, row <index label>``
        (give the file's row numbers as the index); by default ``scenario row <1-based n>``.

    Returns
    -------
    AnalysisInputs
        A changed copy; ``inputs`` is left as it was.

    Raises
    ------
    AnalysisError
        Naming the row (1-based) of an invalid change.
    """
    require_columns(changes, ["action", "service_id"], "scenario")
    new = inputs.copy()
    services, sites, reach = new.services, new.sites, new.reach
    added_sites, added_reach, added_services = [], [], []
    known = set(new.municipalities["municipality_code"].astype(str))
    labels = changes.index if source else range(1, len(changes) + 1)
    for n, row in zip(labels, changes.to_dict("records"), strict=True):
        where = f"{source}, row {n}" if source else f"scenario row {n}"
        action = str(row.get("action", "")).strip().lower()
        sid = str(row.get("service_id", "")).strip()
        if action not in ACTIONS:
            raise AnalysisError(f"{where}: action must be one of {ACTIONS}, got {action!r}")
        if not sid:
            raise AnalysisError(f"{where}: service_id is empty")
        exists = services["service_id"].eq(sid).any() or any(
            s["service_id"] == sid for s in added_services)
        if action in ("remove", "resize") and not services["service_id"].eq(sid).any():
            raise AnalysisError(f"{where}: no service {sid!r} to {action}")
        if action == "remove":
            services = services[services["service_id"] != sid]
            sites = sites[sites["service_id"] != sid]
            reach = reach[reach["service_id"] != sid]
            continue
        units = _number(row.get("units"))
        if units is None or units < 0:
            raise AnalysisError(f"{where}: units must be a number >= 0, got {row.get('units')!r}")
        if action == "resize":
            mine = services.loc[services["service_id"] == sid]
            require_plausible_units(units, mine["unit"].iloc[0] if "unit" in mine.columns else None, where)
            services = services.copy()
            services.loc[services["service_id"] == sid, "units"] = float(units)
            continue
        # add
        if exists:
            raise AnalysisError(f"{where}: service_id {sid!r} already exists")
        code = str(row.get("type_code", "")).strip()
        if code not in SERVICE_TYPE_BY_CODE:
            raise AnalysisError(f"{where}: unknown type_code {code!r}")
        stype = SERVICE_TYPE_BY_CODE[code]
        require_plausible_units(units, stype.unit, where)
        forms = _split(row.get("forms")) or stype.forms
        reach_codes = _split(row.get("reach"))
        x, y = row.get("x"), row.get("y")
        point = None
        if not (_blank(x) or _blank(y)):
            fx, fy = _number(x), _number(y)
            if fx is None or fy is None:
                raise AnalysisError(f"{where}: x and y must be numbers (EPSG:5514 metres), "
                                    f"got {x!r}, {y!r}")
            point = Point(fx, fy)
        muni = None if _blank(row.get("municipality_code")) else str(row["municipality_code"]).strip()
        if muni is not None and muni.endswith(".0") and muni[:-2].isdigit():
            muni = muni[:-2]  # a code column read as floats
        if muni is not None and muni not in known:
            raise AnalysisError(f"{where}: municipality_code {muni!r} is no municipality of the "
                                "region")
        stray = [m for m in reach_codes if m not in known]
        if stray:
            raise AnalysisError(f"{where}: reach code(s) {', '.join(stray)} are no municipalities "
                                "of the region")
        if muni is None and point is not None:
            hit = new.municipalities[new.municipalities.geometry.covers(point)]
            if hit.empty:
                raise AnalysisError(f"{where}: point ({x}, {y}) lies in no municipality "
                                    "(coordinates must be EPSG:5514 metres)")
            muni = str(hit["municipality_code"].iloc[0])
        if muni is None and not reach_codes:
            raise AnalysisError(f"{where}: an added service needs x/y, municipality_code or reach")
        added_services.append({"service_id": sid, "type_code": code, "name": f"scenario {sid}",
                               "forms": tuple(forms), "units": float(units), "unit": stype.unit,
                               "units_source": "scenario"})
        if muni is not None:
            added_sites.append({"site_id": f"{sid}-scenario", "service_id": sid,
                                "municipality_code": muni,
                                "location_quality": "address_point" if point else "unlocated",
                                "_geom": point})
        added_reach += [{"service_id": sid, "municipality_code": m} for m in reach_codes]
    if added_services:
        services = pd.concat([services, pd.DataFrame(added_services)], ignore_index=True)
    if added_sites:
        extra = pd.DataFrame(added_sites).rename(columns={"_geom": sites.geometry.name})
        extra = gpd.GeoDataFrame(extra, geometry=sites.geometry.name, crs=sites.crs)
        sites = pd.concat([sites, extra], ignore_index=True)
    if added_reach:
        reach = pd.concat([reach, pd.DataFrame(added_reach)], ignore_index=True)
    new.services = services.reset_index(drop=True)
    new.sites = gpd.GeoDataFrame(sites, geometry=inputs.sites.geometry.name,
                                 crs=inputs.sites.crs).reset_index(drop=True)
    new.reach = reach.reset_index(drop=True)
    return new


def compare_metrics(before: dict[str, pd.DataFrame],
                    after: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Long table of every compared number: ``table``, keys, ``metric``, before/after/delta."""
    frames = []
    for table, (keys, values) in COMPARED.items():
        if table not in before or table not in after:
            continue
        b, a = before[table], after[table]
        vals = [v for v in values if v in b.columns and v in a.columns]
        m = b[list(keys) + vals].merge(a[list(keys) + vals], on=list(keys), how="outer",
                                       suffixes=("_before", "_after"))
        for v in vals:
            before_v = pd.to_numeric(m[f"{v}_before"].astype("Float64"), errors="coerce")
            after_v = pd.to_numeric(m[f"{v}_after"].astype("Float64"), errors="coerce")
            f = m[list(keys)].copy()
            f.insert(0, "table", table)
            f["metric"] = v
            f["before"] = before_v.astype(float).to_numpy()
            f["after"] = after_v.astype(float).to_numpy()
            frames.append(f)
    out = pd.concat(frames, ignore_index=True)
    if "municipality_code" in out.columns:
        out["code"] = out["code"].fillna(out.pop("municipality_code"))
    out["delta"] = out["after"] - out["before"]
    out["changed"] = ~np.isclose(out["before"].fillna(-1e300), out["after"].fillna(-1e300),
                                 rtol=1e-12, atol=1e-12)
    return out[["table", "code", "type_code", "metric", "before", "after", "delta", "changed"]]


def compare_scenario(inputs: AnalysisInputs, changes: pd.DataFrame, source: str | None = None,
                     **metric_kwargs) -> pd.DataFrame:
    """Metrics before and after a scenario, and their difference.

    Parameters
    ----------
    inputs : AnalysisInputs
    changes : pandas.DataFrame
        See :func:`apply_scenario`.
    source : str, optional
        File name for messages, see :func:`apply_scenario`.
    **metric_kwargs
        Passed to :func:`~geo_kissos.analysis.metrics.compute_metrics` (``norms``,
        ``access``, ``type_codes``...). By default the types of the inputs *and* of the
        added services.

    Returns
    -------
    pandas.DataFrame
        ``table`` (gaps / field / access), ``code`` (ORP or municipality), ``type_code``,
        ``metric``, ``before``, ``after``, ``delta``, ``changed``.
    """
    after_inputs = apply_scenario(inputs, changes, source=source)
    if metric_kwargs.get("type_codes") is None:
        present = set(inputs.type_codes()) | set(after_inputs.type_codes())
        metric_kwargs["type_codes"] = [c for c in SERVICE_TYPE_BY_CODE if c in present]
    before = compute_metrics(inputs, **metric_kwargs)
    after = compute_metrics(after_inputs, **metric_kwargs)
    return compare_metrics(before, after)
