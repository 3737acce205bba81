"""Benchmark of the national folder beside the region: load, layer build, API payload per zoom.

For each data folder present — the region (``../shared/data``, 402 municipalities of the
Olomouc Region) and the whole country (``../shared/data-national``, 6,258 municipalities, 206
ORPs, 14 regions, population 2020) — the bench

1. loads it into a fresh temporary GeoPackage (``load_data_dir``, what ``geo-kissos setup``
   runs): wall time per file, warnings, store size;
2. builds every choropleth layer of ``layers/`` twice in the same process: the first build
   (after the imports, caches empty) and a second one (the store's read caches warm), seconds
   and the class breaks;
3. asks the API of a fresh app for each layer's items at the zooms the map uses
   (``/api/collections/{layer}/items?zoom=Z&limit=10000``, gzip accepted): status, features,
   vertices, raw and gzip bytes, and the time of the first request (which builds the layer and
   simplifies the coverage for that zoom) and of a repeated one.

4. under load (``--servers dev,gunicorn,production``, default; ``--servers ""`` skips it): the development and
   the production server on the loaded store, ``--clients`` (32) closed-loop clients with the
   cached, random and mixed mixes of ``bench/bench_webmap.py`` (p50/p95/p99, req/s, errors, the
   load average beside each figure) and the server's CPU time per random request.

A layer build over 2 s, or any answer other than 200, is reported as a failure (exit code 1).

Run: ``.venv/bin/python bench/bench_national.py [--region DIR] [--national DIR] [--zooms 6,8,10]
[--servers dev,gunicorn,production] [--clients 32] [--mix-requests 1000]``.
Results are printed and written to ``bench/results/bench_national.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import shapely

from geo_kissos.bootstrap import load_data_dir
from geo_kissos.config import REPO_ROOT
from geo_kissos.layers import load_layers
from geo_kissos.layers.choropleth import choropleth_frame
from geo_kissos.store import GpkgStore, Store
from webmap import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench_webmap beside this file

FOLDERS = {"region": REPO_ROOT.parent / "shared" / "data",
           "national": REPO_ROOT.parent / "shared" / "data-national"}
#: Longest acceptable build of one layer (issue 16: "none takes more than 2 s to build").
MAX_BUILD_S = 2.0
ZOOMS = (6, 8, 10, 12)


def load(folder: Path, path: Path) -> tuple[Store, dict[str, Any]]:
    """Load ``folder`` into a new GeoPackage at ``path``; times and sizes."""
    store = GpkgStore(path)
    t0 = time.perf_counter()
    results = load_data_dir(store, folder)
    wall = time.perf_counter() - t0
    files = [{"file": r.source, "counts": r.counts, "warnings": len(r.warnings)} for r in results]
    return store, {"seconds": round(wall, 2), "store_bytes": path.stat().st_size, "files": files,
                   "municipalities": store.count("municipality"), "orps": store.count("orp")}


def layer_builds(store: Store) -> list[dict[str, Any]]:
    """Seconds to build each choropleth layer, first and second time in this process."""
    rows = []
    for lid, layer in sorted(load_layers().items()):
        if layer.kind != "choropleth":
            continue
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            frame = choropleth_frame(store, layer, None, None)
            times.append(time.perf_counter() - t0)
        rows.append({"layer": lid, "level": layer.level, "features": len(frame),
                     "with_value": int(frame["value"].notna().sum()),
                     "first_s": round(times[0], 3), "second_s": round(times[1], 3),
                     "bins": [round(b, 3) for b in frame.attrs.get("bins", [])]})
    return rows


def api_payloads(store: Store, zooms: tuple[int, ...]) -> list[dict[str, Any]]:
    """Every layer's items per zoom from a fresh app: status, size, first and repeated time."""
    client = create_app({"STORE": store, "TILES": None}).test_client()
    client.get("/api/collections")  # imports and the app's start-up; not measured
    rows = []
    for lid, layer in sorted(load_layers().items()):
        if layer.kind != "choropleth":
            continue
        for zoom in zooms:
            url = f"/api/collections/{lid}/items?zoom={zoom}&limit=10000"
            t0 = time.perf_counter()
            packed = client.get(url, headers={"Accept-Encoding": "gzip"})
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            client.get(url, headers={"Accept-Encoding": "gzip"})
            again = time.perf_counter() - t0
            body = packed.get_data()
            raw = gzip.decompress(body) if packed.headers.get("Content-Encoding") == "gzip" else body
            row: dict[str, Any] = {"layer": lid, "zoom": zoom, "status": packed.status_code,
                                   "first_s": round(first, 3), "repeated_s": round(again, 4),
                                   "raw_bytes": len(raw), "gzip_bytes": len(body)}
            if packed.status_code == 200:
                fc = json.loads(raw)
                row["features"] = len(fc["features"])
                row["vertices"] = sum(int(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"])))
                                      for f in fc["features"] if f.get("geometry"))
            rows.append(row)
    return rows


def run(name: str, folder: Path, zooms: tuple[int, ...], workdir: Path, servers: list[str] | None = None,
        clients: int = 32, mix_requests: int = 1000) -> dict[str, Any]:
    """All measurements of one data folder."""
    store, loaded = load(folder, workdir / f"{name}.gpkg")
    print(f"\n== {name}: {folder} ({loaded['municipalities']} municipalities, {loaded['orps']} ORPs)")
    print(f"load: {loaded['seconds']:.1f} s, store {loaded['store_bytes'] / 1e6:.1f} MB")
    for f in loaded["files"]:
        print(f"  {f['file']}: {f['counts']}, {f['warnings']} warning(s)")
    builds = layer_builds(store)
    print(f"{'layer':28s} {'level':>12s} {'features':>8s} {'valued':>6s} {'first s':>8s} {'second s':>8s}")
    for b in builds:
        print(f"{b['layer']:28s} {b['level'] or '-':>12s} {b['features']:>8d} {b['with_value']:>6d} "
              f"{b['first_s']:>8.3f} {b['second_s']:>8.3f}")
    api = api_payloads(store, zooms)
    print(f"{'API items':28s} {'zoom':>4s} {'status':>6s} {'features':>8s} {'vertices':>8s} {'raw KiB':>8s} "
          f"{'gzip KiB':>8s} {'first s':>8s} {'again s':>8s}")
    for a in api:
        print(f"{a['layer']:28s} {a['zoom']:>4d} {a['status']:>6d} {a.get('features', 0):>8d} "
              f"{a.get('vertices', 0):>8d} {a['raw_bytes'] / 1024:>8.1f} {a['gzip_bytes'] / 1024:>8.1f} "
              f"{a['first_s']:>8.3f} {a['repeated_s']:>8.4f}")
    load_rows: list[dict[str, Any]] = []
    if servers:
        from bench_webmap import servers_side_by_side

        print(f"under load: {clients} clients, {mix_requests} requests per mix")
        load_rows = servers_side_by_side(store, servers, clients, mix_requests)
    store.close()
    return {"folder": str(folder), "load": loaded, "layers": builds, "api": api, "under_load": load_rows}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--region", type=Path, default=FOLDERS["region"], help="the region's data folder")
    ap.add_argument("--national", type=Path, default=FOLDERS["national"], help="the national data folder")
    ap.add_argument("--zooms", default=",".join(map(str, ZOOMS)), help="zooms asked of the API, comma-separated")
    ap.add_argument("--servers", default="dev,gunicorn,production",
                    help="servers under load, comma-separated ('' skips)")
    ap.add_argument("--clients", type=int, default=32, help="concurrent clients under load")
    ap.add_argument("--mix-requests", type=int, default=1000, help="requests per mix and server")
    args = ap.parse_args(argv)
    zooms = tuple(int(z) for z in args.zooms.split(","))
    servers = [k for k in args.servers.split(",") if k]
    result: dict[str, Any] = {"max_build_s": MAX_BUILD_S}
    with tempfile.TemporaryDirectory(prefix="gk-bench-national-") as tmp:
        for name, folder in (("region", args.region), ("national", args.national)):
            if not (folder / "boundaries").is_dir():
                print(f"\n== {name}: {folder} is absent, skipped")
                continue
            result[name] = run(name, folder, zooms, Path(tmp), servers, args.clients, args.mix_requests)
    failures = [f"{name}: {b['layer']} built in {max(b['first_s'], b['second_s'])} s"
                for name in ("region", "national") if name in result
                for b in result[name]["layers"] if max(b["first_s"], b["second_s"]) > MAX_BUILD_S]
    failures += [f"{name}: {a['layer']} zoom {a['zoom']} answered {a['status']}"
                 for name in ("region", "national") if name in result
                 for a in result[name]["api"] if a["status"] != 200]
    failures += [f"{name}: {r['server']} {r['mix']} had {r['errors']} errors"
                 for name in ("region", "national") if name in result
                 for r in result[name]["under_load"] if r.get("errors")]
    print("\nfailures: " + ("; ".join(failures) if failures else "none"))
    out = REPO_ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    result["failures"] = failures
    (out / "bench_national.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
