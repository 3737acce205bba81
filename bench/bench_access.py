"""Benchmark: geo_kissos 2SFCA / E2SFCA against PySAL ``access`` on the same inputs.

40,000 demand cells (population-raster centroids) × 600 sites, seeded, on a ~100 km square in
EPSG:5514. Both libraries get the same demand, supply and catchment:

* geo_kissos is timed end to end: KD-tree sparse distances + FCA;
* ``access`` is timed on the FCA only, given our sparse cost table (pairs within the catchment)
  — building its own full 24-million-pair Euclidean table with ``create_euclidean_distance``
  would only make it slower.

Run: ``.venv/bin/python bench/bench_access.py [--cells 40000 --sites 600 --radius 15000]``.
Exits non-zero if the results differ (``np.allclose``, NaN where unreachable).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd

from geo_kissos.analysis.fca import (
    enhanced_two_step_fca,
    euclidean_costs,
    step_decay,
    two_step_fca,
)

X0, Y0 = -600_000.0, -1_180_000.0  # lower-left corner of the square (central Moravia)


def synthetic(cells: int, sites: int, extent: float, seed: int):
    """Demand on a regular grid of ``cells`` points, clustered population; random sites."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(cells)))
    step = extent / side
    gx, gy = np.meshgrid(np.arange(side), np.arange(side))
    gx, gy = gx.ravel()[:cells], gy.ravel()[:cells]
    x, y = X0 + (gx + 0.5) * step, Y0 + (gy + 0.5) * step
    towns = rng.uniform(0, extent, (30, 2))
    d = np.min(np.hypot(x[:, None] - X0 - towns[:, 0], y[:, None] - Y0 - towns[:, 1]), axis=1)
    pop = np.round(rng.gamma(2.0, 40.0, cells) * np.exp(-d / 8_000.0) + rng.integers(1, 5, cells))
    demand = gpd.GeoDataFrame(
        {"demand": pop.astype(float)},
        geometry=gpd.points_from_xy(x, y), crs=5514,
        index=pd.Index([f"c{k}" for k in range(cells)], name="geoid"),
    )
    supply = gpd.GeoDataFrame(
        {"supply": rng.integers(5, 120, sites).astype(float)},
        geometry=gpd.points_from_xy(rng.uniform(X0, X0 + extent, sites),
                                    rng.uniform(Y0, Y0 + extent, sites)), crs=5514,
        index=pd.Index([f"s{k}" for k in range(sites)], name="geoid"),
    )
    return demand, supply


def timed(fn, repeat: int = 1):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cells", type=int, default=40_000)
    p.add_argument("--sites", type=int, default=600)
    p.add_argument("--extent", type=float, default=100_000.0, help="square side, metres")
    p.add_argument("--radius", type=float, nargs="+", default=[15_000.0, 3_000.0],
                   help="catchment(s), metres (the small one leaves cells unreachable)")
    p.add_argument("--seed", type=int, default=2025)
    p.add_argument("--repeat", type=int, default=3, help="best of N for geo_kissos")
    a = p.parse_args(argv)
    demand, supply = synthetic(a.cells, a.sites, a.extent, a.seed)
    ok = all([run(demand, supply, a.extent, radius, a.repeat) for radius in a.radius])
    assert ok, "geo_kissos and access disagree"
    print("agreement: OK (np.allclose rtol=1e-9, identical NaN positions)")
    return 0


def run(demand: gpd.GeoDataFrame, supply: gpd.GeoDataFrame, extent: float, radius: float,
        repeat: int) -> bool:
    """Time and compare both libraries for one catchment size; True when they agree."""
    import access  # optional dependency (test extra): imported only when benchmarking

    a = argparse.Namespace(cells=len(demand), sites=len(supply), extent=extent, radius=radius,
                           repeat=repeat)
    steps = {a.radius / 3: 1.0, 2 * a.radius / 3: 0.68, a.radius: 0.22}
    costs, t_costs = timed(lambda: euclidean_costs(demand, supply, a.radius))
    print(f"{a.cells} demand cells × {a.sites} sites, {a.extent / 1000:g} km square, "
          f"catchment {a.radius / 1000:g} km: {len(costs):,} pairs within the catchment "
          f"(KD-tree: {t_costs:.3f} s)")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Pandas4Warning from access
        model, t_init = timed(lambda: access.Access(
            demand_df=pd.DataFrame(demand.drop(columns="geometry")), demand_index=True,
            demand_value="demand", supply_df=pd.DataFrame(supply.drop(columns="geometry")),
            supply_index=True, supply_value="supply", cost_df=costs, cost_origin="origin",
            cost_dest="destination", cost_name="cost"))
        logging.getLogger("access").setLevel(logging.WARNING)  # "Overwriting ..." on repeats
        theirs_2, t_a2 = timed(lambda: model.two_stage_fca(
            name="a2", max_cost=a.radius)["a2_supply"].reindex(demand.index), a.repeat)
        theirs_e, t_ae = timed(lambda: model.enhanced_two_stage_fca(
            name="ae", max_cost=a.radius, weight_fn=access.weights.step_fn(steps)
        )["ae_supply"].reindex(demand.index), a.repeat)

    ours_2, t_o2 = timed(lambda: two_step_fca(demand, supply, max_cost=a.radius)["access"],
                         a.repeat)
    ours_e, t_oe = timed(lambda: enhanced_two_step_fca(
        demand, supply, decay=step_decay(steps))["access"], a.repeat)

    ok = True
    print(f"{'method':8s} {'geo_kissos [s]':>15s} {'access [s]':>11s} {'ratio':>8s} "
          f"{'max |diff|':>11s} {'max rel diff':>13s} {'NaN (unreachable)':>18s}")
    for name, ours, theirs, t_o, t_a in (("2SFCA", ours_2, theirs_2, t_o2, t_a2),
                                         ("E2SFCA", ours_e, theirs_e, t_oe, t_ae)):
        same_nan = bool(np.array_equal(ours.isna().to_numpy(), theirs.isna().to_numpy()))
        close = bool(np.allclose(ours, theirs, rtol=1e-9, atol=0, equal_nan=True))
        diff = np.nanmax(np.abs(ours.to_numpy() - theirs.to_numpy()))
        rel = np.nanmax(np.abs(ours.to_numpy() - theirs.to_numpy()) / np.abs(theirs.to_numpy()))
        ok &= same_nan and close
        print(f"{name:8s} {t_o:15.3f} {t_a:11.3f} {t_a / t_o:7.1f}x {diff:11.3e} {rel:13.3e} "
              f"{int(ours.isna().sum()):>18d}")
    print(f"(access: Access() construction {t_init:.3f} s not included; geo_kissos timings "
          f"include the KD-tree distances; both best of {a.repeat})\n")
    return ok


if __name__ == "__main__":
    sys.exit(main())
