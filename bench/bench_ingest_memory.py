"""Peak memory and time of the services-register import: streamed (ijson) vs naive ``json.load``.

Generates a synthetic national register of about 100 MB in the MPSV layout (``polozky`` items as
in :mod:`geo_kissos.demo.market`, ~95 % of them in municipalities outside the demo region, each
with a block of free text as real items carry), prepares a GeoPackage store with the demo
boundaries, then imports the register in fresh subprocesses:

* ``streamed`` — :func:`geo_kissos.ingest.services.load_services` as shipped (ijson);
* ``naive`` — the same import with the register read by ``json.load`` first (the item iterator
  replaced by one over the fully loaded document).

Each mode runs twice in a fresh child process: once for the wall time and the peak resident set
size (``resource.getrusage(...).ru_maxrss``, a process high-water mark: the libraries imported
beforehand already set it to ~170 MB), once under ``tracemalloc`` for the peak of the Python
allocations made by the import itself. Usage::

    .venv/bin/python bench/bench_ingest_memory.py [--size-mb 100] [--workdir /tmp/gk-bench]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def generate(workdir: Path, size_mb: float) -> tuple[Path, Path, Path]:
    """Write demo boundaries, address points and a register of ``size_mb`` MB; return their paths."""
    import numpy as np

    from geo_kissos.demo import build_demo

    demo = workdir / "demo"
    build_demo(demo)
    items: list[dict[str, Any]] = json.loads((demo / "rpss.json").read_text(encoding="utf-8"))["polozky"]
    rng = np.random.default_rng(5)
    filler = " ".join(["Služba je poskytována osobám, které mají sníženou soběstačnost z důvodu věku,"
                       " chronického onemocnění nebo zdravotního postižení."] * 12)
    big = workdir / "rpss.json"
    target = size_mb * 1e6
    n = 0
    with open(big, "w", encoding="utf-8") as f:
        f.write('{"polozky": [\n')
        while f.tell() < target:
            item = json.loads(json.dumps(items[n % len(items)]))
            item["identifikator"] = str(5_000_000 + n)
            item["id"] = 90_000_000 + n
            if n % 20:  # elsewhere in the country
                obec = f"5{int(rng.integers(0, 99_999)):05d}"
                for z in item["zarizeni"]:
                    if z.get("adresa"):
                        z["adresa"]["obec"] = {"id": f"Obec/{obec}"}
                        z["adresa"]["kodAdresnihoMista"] = int(rng.integers(20_000_000, 99_000_000))
                item["poskytovatel"]["adresa"]["obec"] = {"id": f"Obec/{obec}"}
            item["doplnkoveUdaje"] = {"popisRealizace": filler, "cile": filler[: 600]}
            f.write(("" if n == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
            n += 1
        f.write("\n]}\n")
    # the codelist and address points beside the register, as in a data folder
    shutil.copy(demo / "druhy-socialni-sluzby.json", workdir / "druhy-socialni-sluzby.json")
    return big, demo / "adresni-mista.csv", demo / "boundaries" / "obce.gpkg"


def child(mode: str, store_path: str, register: str, addresses: str, trace: bool) -> None:
    """Run one import in this process and print a JSON line of measurements."""
    import tracemalloc

    import geo_kissos.ingest.services as services
    from geo_kissos.store import GpkgStore

    if mode == "naive":
        def naive_iter(path: Path, progress: bool = False):
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            yield from enumerate(doc["polozky"], start=1)

        services.iter_register = naive_iter  # type: ignore[assignment]
    store = GpkgStore(store_path)
    store.read("municipality")
    before = _rss_mb()
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    res = services.load_services(store, register, addresses, region="CZ071")
    seconds = time.perf_counter() - t0
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    print(json.dumps({"mode": mode, "rss_before_mb": round(before, 1), "rss_peak_mb": round(_rss_mb(), 1),
                      "seconds": round(seconds, 2), "traced_peak_mb": traced and round(traced, 1),
                      "services": res.counts.get("service"), "sites": res.counts.get("site")}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, default=100.0)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/gk-bench-ingest"))
    ap.add_argument("--child", nargs=5, metavar=("MODE", "STORE", "REGISTER", "ADDRESSES", "TRACE"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, store, register, addresses, trace = args.child
        child(mode, store, register, addresses, trace == "1")
        return
    from geo_kissos.ingest.boundaries import load_boundaries
    from geo_kissos.store import GpkgStore

    work = args.workdir
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    t0 = time.perf_counter()
    register, addresses, boundaries = generate(work, args.size_mb)
    size = register.stat().st_size
    print(f"register: {register} ({size / 1e6:.1f} MB), generated in {time.perf_counter() - t0:.1f} s")
    base = work / "base.gpkg"
    load_boundaries(GpkgStore(base), boundaries)
    results = []
    for mode in ("streamed", "naive"):
        r: dict[str, Any] = {}
        for trace in ("0", "1"):  # timing and RSS without tracemalloc, Python allocation peak with it
            store = work / f"{mode}-{trace}.gpkg"
            shutil.copy(base, store)
            cmd = [sys.executable, __file__, "--child", mode, str(store), str(register), str(addresses), trace]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            got = json.loads(out.stdout.strip().splitlines()[-1])
            r.update(got if trace == "0" else {"traced_peak_mb": got["traced_peak_mb"]})
        results.append(r)
        print(f"{mode:9s} import: peak RSS {r['rss_peak_mb']:6.1f} MB (process before import "
              f"{r['rss_before_mb']:6.1f} MB), Python allocation peak {r['traced_peak_mb']:6.1f} MB, "
              f"time {r['seconds']:5.2f} s; services {r['services']}, sites {r['sites']}")
    s, n = results
    print(f"file {size / 1e6:.1f} MB ({register.name}): allocation peak {s['traced_peak_mb']:.0f} MB streamed vs "
          f"{n['traced_peak_mb']:.0f} MB with json.load; peak RSS {s['rss_peak_mb']:.0f} vs {n['rss_peak_mb']:.0f} MB; "
          f"time {s['seconds']:.1f} vs {n['seconds']:.1f} s")


if __name__ == "__main__":
    main()
