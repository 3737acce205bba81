"""Start-up time of the command line: ``geo-kissos --help`` and a few sub-command helps.

Each command is run ``--runs`` times as a fresh subprocess (as hyperfine does: a warm-up run
first, then repeated timed runs) and the mean, median, minimum and maximum wall time are
reported. ``--compare REV`` also measures a git revision (checked out with ``git worktree`` in a
temporary folder and run with the same interpreter and ``PYTHONPATH``) side by side.

Run: ``.venv/bin/python bench/bench_startup.py [--runs 10] [--compare REV]``. Results are
printed and written to ``bench/results/bench_startup.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMANDS = (["--help"], ["--version"], ["serve", "--help"], ["analysis", "--help"])


def time_command(args: list[str], root: Path, runs: int) -> dict[str, object]:
    """Wall times (ms) of ``python -c 'from geo_kissos.cli import run; run()' ARGS`` run from ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    cmd = [sys.executable, "-c", "from geo_kissos.cli import run; run()", *args]
    subprocess.run(cmd, env=env, cwd=root, check=True, capture_output=True)  # warm-up (disk cache)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, cwd=root, check=True, capture_output=True)
        times.append((time.perf_counter() - t0) * 1000)
    return {"command": "geo-kissos " + " ".join(args), "runs": runs,
            "mean_ms": round(statistics.mean(times), 1), "median_ms": round(statistics.median(times), 1),
            "min_ms": round(min(times), 1), "max_ms": round(max(times), 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--compare", metavar="REV", help="also measure this git revision (e.g. the merge base)")
    args = ap.parse_args(argv)
    roots = {"this tree": REPO}
    with tempfile.TemporaryDirectory(prefix="gk-bench-startup-") as tmp:
        if args.compare:
            other = Path(tmp) / "rev"
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(other), args.compare],
                           check=True, capture_output=True)
            roots = {args.compare: other, **roots}
        try:
            rows = [{"tree": name, **time_command(list(c), root, args.runs)}
                    for c in COMMANDS for name, root in roots.items()]
        finally:
            if args.compare:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(other)],
                               check=False, capture_output=True)
    print(f"{'command':32s} {'tree':12s} {'mean ms':>8s} {'median':>8s} {'min':>8s} {'max':>8s}")
    for r in rows:
        print(f"{r['command']:32s} {str(r['tree'])[:12]:12s} {r['mean_ms']:>8.1f} {r['median_ms']:>8.1f} "
              f"{r['min_ms']:>8.1f} {r['max_ms']:>8.1f}")
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_startup.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
