"""Benchmark of the market map's API: payload of the municipality layer by zoom, latency under load.

1. Payload: ``/api/collections/population-65-share/items?zoom=Z`` (coverage-simplified,
   coordinates rounded by zoom) for zooms 6-14 and without zoom, raw and gzip-compressed,
   against the unsimplified ``GeoDataFrame.to_crs(4326).to_json()`` of the same layer.
2. Latency: a werkzeug threaded server on 127.0.0.1, a bounded loop of concurrent requests
   (``ThreadPoolExecutor``, 8 workers by default) over a mix of map requests (municipality
   layer at zooms 8/10/12, ORP layer, sites, collection metadata), gzip accepted; p50/p95/max and
   requests per second, once with warm caches and once with caching off (every request
   recomputes its layer from the store).

3. Servers side by side (``--servers dev,gunicorn,production``): ``geo-kissos serve`` (werkzeug's
   development server), gunicorn (the production server a user would otherwise pick: gthread
   workers, one per core, 4 threads each, on ``webmap.wsgi:app``) and ``geo-kissos serve
   --production`` (Granian, one worker per core, 4 threads each), each started as a subprocess on
   127.0.0.1, each loaded by ``--clients`` (default 32) concurrent clients with three
   mixes: *cached* (the map's usual requests, repeated: answered from the response cache),
   *random* (every request a different bbox / zoom / ORP / filter, so no response is cached:
   what panning and zooming many maps costs) and *mixed* (half and half); p50/p95/p99, req/s,
   errors and the load average per server and mix. The load generator is one asyncio loop of
   closed-loop clients on raw sockets (HTTP/1.1, the connection kept while the server keeps it),
   cheap enough not to compete with the server for the cores, the same for both servers. Before
   the mixes every worker is warmed (each layer and zoom of the mixes asked at once on new
   connections), and the server's own CPU time (user + system of its processes) per random
   request is measured on sequential requests: the figure that does not depend on what else
   the machine runs. ``--data-dir ../shared/data-national`` measures the national folder.

The synthetic demo municipalities are Voronoi cells with straight borders (~7 vertices each),
far simpler than real RÚIAN boundaries. With ``--detail M`` (default 20) every shared border is
given a deterministic wiggle with a vertex every ~M metres, identical for both neighbours, so the
coverage stays valid and looks like surveyed boundaries (~150,000 vertices for 400
municipalities). ``--detail 0`` keeps the plain demo polygons.

Run: ``.venv/bin/python bench/bench_webmap.py [--store PATH | --data-dir DIR] [--detail 20]
[--workers 8] [--requests 400] [--clients 32] [--mix-requests 1000] [--cpu-requests 300]
[--servers dev,gunicorn,production] [--only-servers] [--server-root PATH]``. Results are printed and written
to ``bench/results/bench_webmap.json``
(``bench_webmap_servers.json`` for the side-by-side part). ``--server-root`` runs the servers
from another checkout (e.g. before a change) with the same store and requests.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gzip
import http.client
import json
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo_kissos.bootstrap import load_data_dir
from geo_kissos.config import REPO_ROOT
from geo_kissos.demo import build_demo
from geo_kissos.layers import get_layer, layer_frame
from geo_kissos.store import GpkgStore, Store, open_store
from webmap import create_app

LAYER = "population-65-share"
ZOOMS = (6, 7, 8, 9, 10, 11, 12, 13, 14)
#: What the map asks for: the municipality layer at three zooms, an ORP layer, sites, metadata.
MIX = (f"/api/collections/{LAYER}/items?zoom=8&limit=10000",
       f"/api/collections/{LAYER}/items?zoom=10&limit=10000",
       f"/api/collections/{LAYER}/items?zoom=12&limit=10000",
       "/api/collections/coverage-49-orp/items?zoom=9",
       "/api/collections/sites/items?limit=10000",
       f"/api/collections/{LAYER}")


# --------------------------------------------------------------------------- detailed borders
def _wiggle(p: tuple[float, float], q: tuple[float, float], spacing: float) -> list[tuple[float, float]]:
    """Intermediate vertices of segment p->q, the same (reversed) for q->p."""
    flip = p > q
    a, b = (q, p) if flip else (p, q)
    length = float(np.hypot(b[0] - a[0], b[1] - a[1]))
    n = int(length // spacing)
    if n < 2:
        return []
    rng = np.random.default_rng(abs(hash((round(a[0], 3), round(a[1], 3), round(b[0], 3), round(b[1], 3)))) % 2**32)
    t = np.linspace(0, 1, n + 1)[1:-1]
    amp = min(0.02 * length, 150.0)
    phases = rng.uniform(0, 2 * np.pi, 3)
    off = amp * (np.sin(np.pi * t) * (0.6 * np.sin(3 * np.pi * t + phases[0]) + 0.3 * np.sin(11 * np.pi * t + phases[1])
                                      + 0.1 * np.sin(37 * np.pi * t + phases[2])))
    ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
    pts = [(a[0] + ux * length * ti - uy * o, a[1] + uy * length * ti + ux * o) for ti, o in zip(t, off, strict=True)]
    return pts[::-1] if flip else pts


def _detailed_ring(ring: shapely.LinearRing, spacing: float) -> list[tuple[float, float]]:
    coords = [tuple(map(float, c)) for c in ring.coords]
    out: list[tuple[float, float]] = []
    for p, q in zip(coords[:-1], coords[1:], strict=True):
        out.append(p)
        out.extend(_wiggle(p, q, spacing))
    out.append(coords[-1])
    return out


def detailed_coverage(geoms: gpd.GeoSeries, spacing: float) -> gpd.GeoSeries:
    """Every border wiggled with a vertex every ``spacing`` metres; shared borders stay shared."""
    def poly(p: shapely.Polygon) -> shapely.Polygon:
        return shapely.Polygon(_detailed_ring(p.exterior, spacing),
                               [_detailed_ring(r, spacing) for r in p.interiors])

    out = []
    for g in geoms:
        parts = list(g.geoms) if g.geom_type == "MultiPolygon" else [g]
        out.append(shapely.MultiPolygon([poly(p) for p in parts]))
    return gpd.GeoSeries(out, crs=geoms.crs, index=geoms.index)


def prepare_store(path: str | None, detail: float, workdir: Path, data_dir: Path | None = None) -> Store:
    """The store to measure: given, a data folder (e.g. ``../shared/data-national``) or the demo
    data loaded into a temporary GeoPackage."""
    if path:
        return open_store(path)
    if data_dir is not None:
        store = GpkgStore(workdir / "bench.gpkg")
        load_data_dir(store, data_dir)
        return store
    data = workdir / "data"
    build_demo(data)
    store = GpkgStore(workdir / "bench.gpkg")
    load_data_dir(store, data)
    if detail > 0:
        mun = store.read("municipality")
        mun = mun.set_geometry(detailed_coverage(mun.geometry, detail))
        assert shapely.coverage_is_valid(mun.geometry.to_numpy()), "detailed borders must stay a coverage"
        with store.transaction() as w:
            w.upsert("municipality", mun)
    return store


# --------------------------------------------------------------------------- measurements
def payloads(store: Store) -> list[dict[str, object]]:
    """Bytes and vertices of the municipality layer per zoom, and of a plain ``to_json()``."""
    client = create_app({"STORE": store, "TILES": None}).test_client()
    rows = []
    layer = get_layer(LAYER)
    frame = layer_frame(store, layer).to_crs(4326)
    naive = frame.to_json().encode("utf-8")
    rows.append({"variant": "geopandas to_json (unsimplified, full precision)", "zoom": None,
                 "vertices": int(shapely.get_num_coordinates(frame.geometry.to_numpy()).sum()),
                 "raw_bytes": len(naive), "gzip_bytes": len(gzip.compress(naive, 6))})
    for zoom in (None, *ZOOMS):
        url = f"/api/collections/{LAYER}/items?limit=10000" + (f"&zoom={zoom}" if zoom is not None else "")
        raw = client.get(url).get_data()
        packed = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert packed.headers.get("Content-Encoding") == "gzip"
        fc = json.loads(raw)
        n = sum(int(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"]))) for f in fc["features"])
        rows.append({"variant": "API" + ("" if zoom is not None else " (no zoom: 6 decimals, unsimplified)"),
                     "zoom": zoom, "vertices": n, "raw_bytes": len(raw), "gzip_bytes": len(packed.get_data())})
    return rows


def _request(port: int, path: str) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return time.perf_counter() - t0, resp.status, len(body)


def load_test(store: Store, workers: int, requests: int, cache_seconds: float) -> dict[str, object]:
    """Concurrent requests over :data:`MIX` against a threaded werkzeug server on loopback."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app({"STORE": store, "TILES": None, "CACHE_SECONDS": cache_seconds})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    mix = MIX
    try:
        for path in mix:  # warm-up (imports, first computation); not measured
            _request(port, path)
        paths = [mix[i % len(mix)] for i in range(requests)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(lambda p: _request(port, p), paths))
        wall = time.perf_counter() - t0
    finally:
        server.shutdown()
        thread.join()
    lat = sorted(r[0] * 1000 for r in results)
    bad = [r for r in results if r[1] != 200]
    return {
        "cache_seconds": cache_seconds, "workers": workers, "requests": requests, "errors": len(bad),
        "p50_ms": round(statistics.median(lat), 1), "p95_ms": round(lat[int(0.95 * (len(lat) - 1))], 1),
        "max_ms": round(lat[-1], 1), "req_per_s": round(requests / wall, 1),
        "mean_body_bytes": int(statistics.mean(r[2] for r in results)),
    }


def cold_requests(store: Store) -> list[dict[str, object]]:
    """Latency of the first request of each kind on a fresh app (empty caches, imports done)."""
    create_app({"STORE": store, "TILES": None}).test_client().get(f"/api/collections/{LAYER}/items?zoom=8")
    out = []
    for path in MIX:
        client = create_app({"STORE": store, "TILES": None}).test_client()
        t0 = time.perf_counter()
        status = client.get(path, headers={"Accept-Encoding": "gzip"}).status_code
        out.append({"path": path, "status": status, "ms": round((time.perf_counter() - t0) * 1000, 1)})
    return out


# --------------------------------------------------------------------------- servers side by side
def random_paths(store: Store, n: int, seed: int = 7) -> list[str]:
    """``n`` distinct requests as a panning, zooming map sends them (none repeats, none cached)."""
    rng = random.Random(seed)
    orp = store.read("orp")
    orps = orp["orp_code"].astype(str).tolist()
    w0, s0, e0, n0 = orp.to_crs(4326).total_bounds
    choropleths = [LAYER, "coverage-49-orp", "population-65-share", LAYER]
    out = []
    for _ in range(n):
        zoom = rng.randint(7, 13)
        half_w, half_h = 360 / 2 ** zoom * 2.5, 180 / 2 ** zoom * 1.6  # about a 1280 x 800 screen
        cx, cy = rng.uniform(w0, e0), rng.uniform(s0, n0)
        bbox = f"{cx - half_w:.5f},{cy - half_h:.5f},{cx + half_w:.5f},{cy + half_h:.5f}"
        kind = rng.random()
        if kind < 0.75:
            path = f"/api/collections/{rng.choice(choropleths)}/items?zoom={zoom}&bbox={bbox}&limit=10000"
            if rng.random() < 0.25:
                path += f"&orp={rng.choice(orps)}"
        else:
            path = f"/api/collections/sites/items?zoom={zoom}&bbox={bbox}&limit=10000"
            if rng.random() < 0.4:
                path += "&type=" + rng.choice(["49", "50", "48", "44", "43"])
        out.append(path)
    return out


def server_command(kind: str, store_url: str, port: int) -> list[str]:
    """The command line of a server kind: ``dev`` (``geo-kissos serve``), ``production``
    (``serve --production``: Granian) or ``gunicorn`` (gthread workers, one per core, 4 threads)."""
    if kind == "gunicorn":
        cores = str(len(os.sched_getaffinity(0)))
        return [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", cores, "--threads", "4",
                "--bind", f"127.0.0.1:{port}", "--keep-alive", "5", "webmap.wsgi:app"]
    if kind not in ("dev", "production"):
        raise ValueError(f"unknown server kind {kind!r}: dev, gunicorn or production")
    return [sys.executable, "-c", "from geo_kissos.cli import run; run()", "serve", "--no-tiles", "--port", str(port),
            "--store", store_url] + (["--production"] if kind == "production" else [])


def start_server(kind: str, store_url: str, root: Path = REPO_ROOT) -> tuple[subprocess.Popen[bytes], int]:
    """:func:`server_command` of ``kind`` on a free loopback port, once it answers."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = server_command(kind, store_url, port)
    env = {**os.environ, "GEO_KISSOS_ACCESS_LOG": "", "PYTHONPATH": str(root), "GEO_KISSOS_DATABASE_URL": store_url,
           "GEO_KISSOS_TILES": ""}
    proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600  # a busy machine imports slowly
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{kind} server exited with {proc.returncode}")
        try:
            if _request(port, "/api/")[1] == 200:
                return proc, port
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"{kind} server did not start")


# --------------------------------------------------------------------------- load generator
async def _one_client(port: int, paths: collections.deque[str], out: list[tuple[float, int, int]]) -> None:
    """A closed-loop client: sends the next path when the previous answer is read (HTTP/1.1,
    keeps the connection open when the server does, reconnects when it closes)."""
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while paths:
        path = paths.popleft()
        t0 = time.perf_counter()
        status, size = 0, 0
        for attempt in range(2):  # a kept connection the server closed meanwhile: one retry on a new one
            reused = writer is not None
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: gzip\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")  # type: ignore[union-attr]
                lines = head.decode("latin-1").split("\r\n")
                version, status = lines[0].split(" ", 2)[0], int(lines[0].split(" ", 2)[1])
                headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
                if "content-length" in headers:
                    size = len(await reader.readexactly(int(headers["content-length"])))  # type: ignore[union-attr]
                else:  # no length: the body ends with the connection
                    size = len(await reader.read())  # type: ignore[union-attr]
                    headers["connection"] = "close"
                if headers.get("connection", "").lower() == "close" or version == "HTTP/1.0":
                    writer.close()
                    writer = None
                break
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                if writer is not None:
                    writer.close()
                writer = None
                if not reused or attempt:
                    status = 0
                    break
        out.append((time.perf_counter() - t0, status, size))
    if writer is not None:
        writer.close()


def run_mix(port: int, paths: list[str], clients: int) -> dict[str, object]:
    """``paths`` sent by ``clients`` concurrent closed-loop clients (one asyncio loop, raw sockets:
    a cheap load generator, the same for every server); latency percentiles and throughput."""
    queue = collections.deque(paths)
    results: list[tuple[float, int, int]] = []

    async def go() -> None:
        await asyncio.gather(*(_one_client(port, queue, results) for _ in range(clients)))

    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    asyncio.run(go())
    wall = time.perf_counter() - t0
    lat = sorted(r[0] * 1000 for r in results)

    def pct(p: float) -> float:
        return round(lat[min(len(lat) - 1, int(round(p * (len(lat) - 1))))], 1)

    return {"requests": len(paths), "clients": clients, "errors": sum(r[1] != 200 for r in results),
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "req_per_s": round(len(paths) / wall, 1),
            "mean_body_bytes": int(statistics.mean(r[2] for r in results)),
            "load_avg": round(max(load0, os.getloadavg()[0]), 1)}


def server_cpu(proc: subprocess.Popen[bytes], port: int, paths: list[str]) -> float:
    """CPU time (user + system, µs) the server's processes spend per request of ``paths`` sent one
    after another on one kept connection: the cost of a request, whatever else the machine runs."""
    import psutil

    def cpu() -> float:
        root = psutil.Process(proc.pid)
        total = 0.0
        for p in (root, *root.children(recursive=True)):
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total

    before = cpu()
    res = run_mix(port, paths, 1)
    if res["errors"]:
        raise RuntimeError(f"{res['errors']} errors in the sequential requests")
    return round((cpu() - before) / len(paths) * 1e6)


def _combos(store: Store, layers: list[str]) -> list[str]:
    """One tiny request per layer and zoom of the random mix (builds every worker's per-zoom parts)."""
    rng = random.Random(3)
    w0, s0, e0, n0 = store.read("orp").to_crs(4326).total_bounds
    out = []
    for layer in layers:
        for zoom in range(7, 14):
            x, y = rng.uniform(w0, e0), rng.uniform(s0, n0)
            bbox = f"{x:.5f},{y:.5f},{x + .01:.5f},{y + .01:.5f}"
            out.append(f"/api/collections/{layer}/items?zoom={zoom}&limit=1&bbox={bbox}")
    return out


def warm_server(port: int, store: Store) -> None:
    """Every worker builds what the mixes need: each layer and zoom asked many times at once on
    new connections (so every worker process takes some), then the map's usual requests."""
    paths = _combos(store, [LAYER, "coverage-49-orp", "sites"])
    with ThreadPoolExecutor(max_workers=16) as pool:
        for path in paths:
            list(pool.map(lambda p: _request(port, p), [path] * 16))
        for path in MIX:
            list(pool.map(lambda p: _request(port, p), [path] * 8))


def servers_side_by_side(store: Store, kinds: list[str], clients: int, n: int,
                         root: Path = REPO_ROOT, cpu_requests: int = 300) -> list[dict[str, object]]:
    """Every mix against every server kind, and the server's CPU time per random request."""
    random_mix = random_paths(store, n)
    cached_mix = [MIX[i % len(MIX)] for i in range(n)]
    fresh = random_paths(store, n, seed=8)  # not the random mix's: those are cached by then
    mixed = [fresh[i] if i % 2 else cached_mix[i] for i in range(n)]
    sequential = random_paths(store, cpu_requests, seed=11)
    rows = []
    for kind in kinds:
        proc, port = start_server(kind, store.url, root)
        try:
            t0 = time.perf_counter()
            warm_server(port, store)
            print(f"  {kind:9s} warm-up {time.perf_counter() - t0:.1f} s", flush=True)
            us = server_cpu(proc, port, sequential) if cpu_requests else None
            if us is not None:
                rows.append({"server": kind, "mix": "random-sequential", "requests": cpu_requests,
                             "server_cpu_us_per_request": us, "load_avg": round(os.getloadavg()[0], 1)})
                print(f"  {kind:9s} server CPU per random request (sequential): {us} µs  "
                      f"(load average {os.getloadavg()[0]:.1f})", flush=True)
            for name, paths in (("cached", cached_mix), ("random", random_mix), ("mixed", mixed)):
                res = run_mix(port, paths, clients)
                rows.append({"server": kind, "mix": name, **res})
                print(f"  {kind:9s} {name:7s} p50 {res['p50_ms']:>7.1f} ms  p95 {res['p95_ms']:>7.1f} ms  "
                      f"p99 {res['p99_ms']:>7.1f} ms  {res['req_per_s']:>7.1f} req/s  errors {res['errors']}  "
                      f"(load average {res['load_avg']})", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", help="store URL or .gpkg (default: the demo data in a temporary GeoPackage)")
    ap.add_argument("--detail", type=float, default=20.0, help="vertex spacing (m) of wiggled borders; 0: plain")
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--uncached-requests", type=int, default=60)
    ap.add_argument("--clients", type=int, default=32, help="concurrent clients of the side-by-side mixes")
    ap.add_argument("--mix-requests", type=int, default=1000, help="requests per mix and server")
    ap.add_argument("--servers", default="dev,gunicorn,production", help="comma-separated: dev, gunicorn, production")
    ap.add_argument("--only-servers", action="store_true", help="only the side-by-side part")
    ap.add_argument("--server-root", type=Path, default=REPO_ROOT, help="checkout the servers run from")
    ap.add_argument("--data-dir", type=Path, help="load this data folder (e.g. ../shared/data-national) "
                    "instead of the demo")
    ap.add_argument("--cpu-requests", type=int, default=300,
                    help="sequential random requests for the server's CPU time per request (0: skip)")
    args = ap.parse_args(argv)
    out = REPO_ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gk-bench-webmap-") as tmp:
        store = prepare_store(args.store, args.detail, Path(tmp), args.data_dir)
        print(f"servers side by side: {args.clients} clients, {args.mix_requests} requests per mix "
              f"({store.count('municipality')} municipalities)", flush=True)
        side = servers_side_by_side(store, [k for k in args.servers.split(",") if k], args.clients,
                                    args.mix_requests, args.server_root, args.cpu_requests)
        meta = {"detail_m": args.detail, "server_root": str(args.server_root), "cores": len(os.sched_getaffinity(0)),
                "data_dir": str(args.data_dir) if args.data_dir else None}
        (out / "bench_webmap_servers.json").write_text(json.dumps({**meta, "rows": side}, indent=2), encoding="utf-8")
        if args.only_servers:
            store.close()
            return 1 if any(r.get("errors") for r in side) else 0
        t0 = time.perf_counter()
        rows = payloads(store)
        print(f"payload of {LAYER} (municipalities), measured in {time.perf_counter() - t0:.1f} s")
        print(f"{'variant':58s} {'zoom':>4s} {'vertices':>9s} {'raw KiB':>9s} {'gzip KiB':>9s}")
        for r in rows:
            z = "-" if r["zoom"] is None else str(r["zoom"])
            print(f"{r['variant']:58s} {z:>4s} {r['vertices']:>9d} {r['raw_bytes'] / 1024:>9.1f} "
                  f"{r['gzip_bytes'] / 1024:>9.1f}")
        warm = load_test(store, args.workers, args.requests, cache_seconds=300)
        cold = load_test(store, args.workers, args.uncached_requests, cache_seconds=0)
        first = cold_requests(store)
        print("first request on a fresh app (empty caches):")
        for r in first:
            print(f"  {r['ms']:>8.1f} ms  {r['path']}")
        for name, res in (("warm caches", warm), ("caching off", cold)):
            print(f"load, {name}: {res['requests']} requests, {res['workers']} workers: p50 {res['p50_ms']} ms, "
                  f"p95 {res['p95_ms']} ms, max {res['max_ms']} ms, {res['req_per_s']} req/s, errors {res['errors']}")
        store.close()
    result = {"detail_m": args.detail, "payload": rows, "load": [warm, cold], "first_request": first}
    (out / "bench_webmap.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 1 if warm["errors"] or cold["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
