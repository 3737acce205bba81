"""Bench of the applicants' register on a SYNTHETIC list (not a test: times are printed, never asserted).

Usage: ``python bench/bench_applicants.py LOADED.gpkg [N_PEOPLE]`` — copies the loaded demo store,
uploads the invented lists of its § 49/50 homes (1–3 homes per person), aggregates the year and
prints the region's published aggregates and the upload times.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from geo_kissos.accounts.roles import Actor
from geo_kissos.analysis import applicants as agg
from geo_kissos.collect import applicants as ap
from geo_kissos.demo.applicants import list_csv, synthetic_lists, synthetic_people
from geo_kissos.store import GpkgStore


def main(src: str, n: int = 3000) -> None:
    os.environ.setdefault("GEO_KISSOS_PSEUDONYM_KEY", "bench-only-synthetic-key-0123456789abcdef")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store.gpkg"
        shutil.copy(src, path)
        store = GpkgStore(path)
        svc = store.read("service")
        homes = (sorted(svc.loc[svc["type_code"] == "49", "service_id"].astype(str))[:9]
                 + sorted(svc.loc[svc["type_code"] == "50", "service_id"].astype(str))[:3])
        munis = store.read("municipality")[["municipality_code"]]
        pop = store.read("population", {"age_band": "total"})
        if len(pop):
            w = pop[pop["year"] == pop["year"].max()].groupby("municipality_code")["persons"].sum()
            munis = munis.assign(weight=munis["municipality_code"].map(w).fillna(1).to_numpy())
        day = date(2026, 11, 30)
        people = synthetic_people(munis, n, seed=42)
        lists = synthetic_lists(people, homes, day, seed=42)
        actor = Actor.system("bench")
        times = []
        for sid, frame in lists.items():
            t0 = time.perf_counter()
            res = ap.upload_list(store, actor, list_csv(frame), source=f"{sid}.csv", service_id=sid,
                                 free_places=int(len(frame) % 4), data_date=day)
            times.append((sid, res.rows, time.perf_counter() - t0))
        t0 = time.perf_counter()
        re_res = ap.upload_list(store, actor, list_csv(lists[homes[0]]), source="again.csv",
                                service_id=homes[0], data_date=day)
        t_again = time.perf_counter() - t0
        t0 = time.perf_counter()
        a = agg.store_aggregate(store, 2026)
        t_agg = time.perf_counter() - t0
        pub = agg.published_demand(a.cells)
        total = sum(r for _, r, _ in times)
        print(f"{n} synthetic persons, {total} applications on {len(homes)} homes")
        for sid, rows, sec in times:
            print(f"  upload {sid}: {rows} rows in {sec:.1f} s")
        print(f"  unchanged re-upload {homes[0]}: {re_res.rows} rows, {re_res.updated} changed, in {t_again:.1f} s")
        print(f"  aggregate: {t_agg:.1f} s; {a.source}")
        cols = ["type_code", "applicants", "urgent", "applications", "applications_per_applicant", "median_wait_days"]
        print(pub[pub["level"] == "region"][cols].to_string(index=False))
        orp = pub[(pub["level"] == "orp") & (pub["type_code"] == "*")]
        print(f"  ORPs: {len(orp)}; cells hidden (applicants, all levels): "
              f"{int((pub['applicants_mask'] == 1).sum())} '<5', {int((pub['applicants_mask'] == 2).sum())} 'skryto'"
              f" of {len(pub)}")
        print(orp[["code", "applicants", "urgent", "median_wait_days"]].head(8).to_string(index=False))
        print(f"  gpkg size: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3000)
