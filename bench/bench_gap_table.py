"""The 13 ORP × 33 type gap table (``geo-kissos analysis gaps --year 2025 --all-types``).

Times, on the synthetic demo store (GeoPackage), side by side:

``read``
    :func:`geo_kissos.analysis.load_inputs` (the year's inputs, read once; common to both paths).
``old``
    The path the CLI took before :mod:`geo_kissos.analysis.territory`: units attributed once, then
    :func:`~geo_kissos.analysis.coverage_ratios` per type (33 calls) and
    :func:`~geo_kissos.analysis.gaps_from_coverage` on the concatenation.
``new``
    :func:`geo_kissos.analysis.territory_tables` (one coverage call over all types).
``cli``
    The whole command as a fresh process (imports, read, computation, writing the CSV).
``cli_help``
    ``geo-kissos analysis gaps --help`` as a fresh process: the interpreter and the imports, so
    ``cli − cli_help`` is what the command itself takes.

Both paths must give the same table (checked with ``pandas.testing.assert_frame_equal``) before
anything is reported. The machine is shared, so each figure is the median of ``--runs`` runs
(min and max beside it); ratios are old / new.

Run: ``.venv/bin/python bench/bench_gap_table.py [--runs 7] [--store demo.gpkg]``. Without
``--store`` the demo is built into a temporary folder first (about 30 s). Results are printed
and written to ``bench/results/bench_gap_table.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
YEAR = 2025


def old_path(inputs) -> pd.DataFrame:
    """The former CLI gap table: coverage_ratios once per type, then the gaps of all rows."""
    from geo_kissos import analysis as ga
    from geo_kissos.catalogue import SERVICE_TYPE_BY_CODE

    codes = list(SERVICE_TYPE_BY_CODE)
    base = ga.base_population(inputs, codes)
    units = ga.attribute_units(inputs, base)
    frames = [ga.coverage_ratios(units[units["type_code"] == c], base[base["type_code"] == c],
                                 inputs.municipalities) for c in codes]
    return ga.gaps_from_coverage(pd.concat(frames, ignore_index=True))


def new_path(inputs) -> pd.DataFrame:
    """The gap table of the one territorial result."""
    from geo_kissos import analysis as ga

    return ga.territory_tables(inputs, ga.TerritoryParams(level="orp", all_types=True)).gaps


def timed(fn: Callable[[], object], runs: int) -> tuple[dict[str, float], object]:
    """Median/min/max wall time in ms of ``runs`` calls after one warm-up, and the last value."""
    value = fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1), "runs": runs}, value


def cli_run(*args: str) -> None:
    """``geo-kissos analysis gaps ARGS`` as a user runs it (a fresh interpreter)."""
    subprocess.run([sys.executable, "-c", "from geo_kissos.cli import run; run()", "analysis", "gaps",
                    *args], check=True, capture_output=True, cwd=REPO)


def build_store(folder: Path) -> Path:
    from geo_kissos.bootstrap import load_data_dir
    from geo_kissos.demo import build_demo
    from geo_kissos.store import GpkgStore

    build_demo(folder / "data")
    store = GpkgStore(folder / "store.gpkg")
    load_data_dir(store, folder / "data")
    store.close()
    return folder / "store.gpkg"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--store", type=Path, help="a loaded demo GeoPackage (default: build one)")
    args = ap.parse_args(argv)
    from geo_kissos import analysis as ga
    from geo_kissos.store import GpkgStore

    with tempfile.TemporaryDirectory(prefix="gk-bench-gaps-") as tmp:
        path = args.store or build_store(Path(tmp))
        store = GpkgStore(path)
        read, inputs = timed(lambda: ga.load_inputs(store, YEAR), args.runs)
        old, old_table = timed(lambda: old_path(inputs), args.runs)
        new, new_table = timed(lambda: new_path(inputs), args.runs)
        pd.testing.assert_frame_equal(old_table, new_table)  # same numbers, or no figures
        n = max(3, args.runs // 2)
        cli, _ = timed(lambda: cli_run("--store", str(path), "--year", str(YEAR), "--all-types",
                                       "--out", str(Path(tmp) / "gaps.csv")), n)
        cli_help, _ = timed(lambda: cli_run("--help"), n)
        store.close()
    rows = {"read": read, "old": old, "new": new, "cli": cli, "cli_help": cli_help}
    result = {
        "table": f"{new_table['code'].nunique()} ORPs × {new_table['type_code'].nunique()} types "
                 f"= {len(new_table)} rows",
        "year": YEAR, **rows,
        "ratio_old_to_new": round(old["median_ms"] / new["median_ms"], 2),
        "ratio_old_plus_read_to_new_plus_read": round(
            (old["median_ms"] + read["median_ms"]) / (new["median_ms"] + read["median_ms"]), 2),
    }
    print(result["table"])
    for name, r in rows.items():
        print(f"{name:>8}: median {r['median_ms']:8.1f} ms  (min {r['min_ms']:.1f}, max {r['max_ms']:.1f}, "
              f"{r['runs']} runs)")
    print(f"old / new: {result['ratio_old_to_new']}×; with the read: "
          f"{result['ratio_old_plus_read_to_new_plus_read']}×")
    out = REPO / "bench" / "results" / "bench_gap_table.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
