"""The effect of a network application on the gaps: its scenario, computed with
:func:`~geo_kissos.analysis.scenarios.compare_scenario`.

An application is a one-row scenario (:func:`application_changes`): a new service is an ``add``
(site x/y or municipality, forms, reach, units requested), a change of units a ``resize`` of the
service to the units requested (the new total). :func:`application_effect` runs the scenario for
the application's § type and summarises it for its ORP:

* ``units``, ``units_per_1000``, ``gap_units``, ``deficit_units``, ``coverage_pct`` of the ORP ×
  type before and after (the gap table);
* ``access_per_1000`` and ``unreached_share`` of the ORP before and after (the accessibility
  table; absent for types without an access model);
* the municipalities that gain: those whose field coverage (units per 1,000 or reach) grows,
  and the site's municipality, where the units of a sited service are counted.

:class:`EffectCache` keeps effects per data version (the store's import log, which every
network change renews) and application version, so a changed application or changed data is
computed again, on demand.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .inputs import AnalysisInputs, load_inputs
from .scenarios import compare_scenario

__all__ = ["Effect", "EffectCache", "application_changes", "application_effect", "data_key",
           "scenario_service_id"]

#: Gap-table metrics summarised for the ORP.
GAP_METRICS = ("units", "units_per_1000", "need_units", "gap_units", "deficit_units", "coverage_pct")
ACCESS_METRICS = ("access_per_1000", "unreached_share")


def scenario_service_id(application_id: str) -> str:
    """The id an application's new service has in its scenario (the id it gets on approval)."""
    return "Z" + str(application_id).replace("-", "")[:12].upper()


def _s(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else v


def application_changes(app: Mapping[str, Any]) -> pd.DataFrame:
    """The scenario changes frame of an application (one row; see :mod:`.scenarios`)."""
    if app["kind"] == "change":
        return pd.DataFrame([{"action": "resize", "service_id": str(app["service_id"]),
                              "units": float(app["units"])}])
    return pd.DataFrame([{
        "action": "add", "service_id": scenario_service_id(str(app["application_id"])),
        "type_code": str(app["type_code"]), "x": _s(app.get("x")), "y": _s(app.get("y")),
        "municipality_code": _s(app.get("municipality_code")), "forms": _s(app.get("forms")),
        "reach": _s(app.get("reach")), "units": float(app["units"])}])


@dataclass
class Effect:
    """The effect of one application on its ORP × type."""

    application_id: str
    orp_code: str
    type_code: str
    before: dict[str, float | None]
    after: dict[str, float | None]
    gaining: list[str]  #: municipality codes
    comparison: pd.DataFrame = field(repr=False)  #: compare_scenario's whole table

    def delta(self, metric: str) -> float | None:
        """after − before of ``metric`` (None when either is missing)."""
        b, a = self.before.get(metric), self.after.get(metric)
        return None if b is None or a is None else a - b

    def summary(self) -> dict[str, Any]:
        """Flat numbers for tables: ``<metric>_before``/``_after`` and ``gaining``."""
        out: dict[str, Any] = {}
        for m in (*GAP_METRICS, *ACCESS_METRICS):
            if m in self.before or m in self.after:
                out[f"{m}_before"] = self.before.get(m)
                out[f"{m}_after"] = self.after.get(m)
        out["n_gaining"] = len(self.gaining)
        out["gaining"] = ";".join(self.gaining)
        return out


def _num(v: Any) -> float | None:
    return None if v is None or pd.isna(v) else float(v)


def application_effect(inputs: AnalysisInputs, app: Mapping[str, Any], **metric_kwargs: Any) -> Effect:
    """Run the scenario of ``app`` on ``inputs`` and summarise it for its ORP and § type.

    Parameters
    ----------
    inputs : AnalysisInputs
        The data the effect is computed on (:func:`~.inputs.load_inputs`).
    app : mapping
        An application record (``network_application``).
    **metric_kwargs
        Passed to :func:`compare_scenario` (default ``type_codes=[the application's type]``).
    """
    tc = str(app["type_code"])
    orp = str(app["orp_code"])
    metric_kwargs.setdefault("type_codes", [tc])
    cmp = compare_scenario(inputs, application_changes(app), **metric_kwargs)
    mine = cmp[(cmp["type_code"].astype(str) == tc)]
    before: dict[str, float | None] = {}
    after: dict[str, float | None] = {}
    for table, metrics in (("gaps", GAP_METRICS), ("access", ACCESS_METRICS)):
        rows = mine[(mine["table"] == table) & (mine["code"].astype(str) == orp)]
        for _, r in rows.iterrows():
            if r["metric"] in metrics:
                before[str(r["metric"])] = _num(r["before"])
                after[str(r["metric"])] = _num(r["after"])
    field_rows = mine[(mine["table"] == "field") & mine["metric"].isin(["units_per_1000", "reached"])
                      & (mine["delta"].fillna(0) > 1e-12)]
    gaining = set(field_rows["code"].astype(str))
    grows = (app["kind"] == "new") or _grows(inputs, app)
    site_muni = app.get("municipality_code") if app["kind"] == "new" else _site_of(inputs, app)
    if grows and site_muni:
        gaining.add(str(site_muni))
    return Effect(str(app["application_id"]), orp, tc, before, after, sorted(gaining), cmp)


def _grows(inputs: AnalysisInputs, app: Mapping[str, Any]) -> bool:
    s = inputs.services[inputs.services["service_id"] == str(app["service_id"])]
    return not s.empty and float(app["units"]) > float(s["units"].fillna(0).iloc[0])


def _site_of(inputs: AnalysisInputs, app: Mapping[str, Any]) -> str | None:
    s = inputs.sites[(inputs.sites["service_id"] == str(app["service_id"]))
                     & inputs.sites["municipality_code"].notna()]
    return None if s.empty else str(s["municipality_code"].iloc[0])


def data_key(store: Any) -> str:
    """A text that changes whenever the store's data change (its import log: count, latest)."""
    log = store.read("import_log")
    if log.empty:
        return "empty"
    return f"{len(log)}:{pd.to_datetime(log['imported_at']).max()}:{sorted(log['import_id'])[-1]}"


class EffectCache:
    """Effects of applications per data version and application version (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inputs: dict[tuple[str, int], AnalysisInputs] = {}
        self._effects: dict[tuple[str, int, str, int], Effect] = {}

    def inputs(self, store: Any, year: int, key: str | None = None) -> AnalysisInputs:
        """The analysis inputs of ``year`` for the store's current data."""
        k = (key or data_key(store), int(year))
        with self._lock:
            if k not in self._inputs:
                self._inputs = {kk: v for kk, v in self._inputs.items() if kk[0] == k[0]}
                self._inputs[k] = load_inputs(store, int(year))
            return self._inputs[k]

    def effect(self, store: Any, app: Mapping[str, Any], year: int) -> Effect:
        """The effect of ``app`` on the data of ``year`` (computed once per version)."""
        key = data_key(store)
        k = (key, int(year), str(app["application_id"]), int(app.get("rec_version") or 0))
        with self._lock:
            hit = self._effects.get(k)
        if hit is not None:
            return hit
        eff = application_effect(self.inputs(store, year, key), app)
        with self._lock:
            self._effects = {kk: v for kk, v in self._effects.items() if kk[0] == key}
            self._effects[k] = eff
        return eff
