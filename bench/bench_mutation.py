"""Mutation testing of the modules whose numbers matter (issue 17): a bench command, not CI.

Each *group* mutates a few modules with mutmut 3 against a restricted test selection (the tests
that exercise those modules, on small hand-made data), so a group finishes in minutes on two
cores. A group runs in a fresh copy of the checkout under ``--work`` (default
``/tmp/gk-mutation``): the checkout itself is never touched and no ``mutants/`` folder is left in
it. The score printed is killed / (killed + survived); timeouts count as killed, mutants that no
selected test reaches ("no tests") count as survivors, equivalent mutants are not recognised
automatically (look at the survivors: ``--show``).

Usage::

    .venv/bin/python bench/bench_mutation.py                 # every group
    .venv/bin/python bench/bench_mutation.py fca params      # some groups
    .venv/bin/python bench/bench_mutation.py fca --show      # and print the surviving mutants
    .venv/bin/python bench/bench_mutation.py --list

mutmut 3.8.1 (the first release that works with pytest 9) needs click >= 8.4.2 while the project
pins click 8.3.1, so it is not a project dependency: the bench installs it (pinned, wheels only)
into its own virtual environment under ``--work``, layered on the project's ``.venv`` (a ``.pth``
file makes the project's packages importable; mutmut's click comes first). Keep the score of each
group at 85 % or more of the non-equivalent mutants: a survivor is a plausible bug that no test
notices; add the test that kills it (on numbers derived by hand), or note why it is equivalent.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MUTMUT = "mutmut==3.8.1"


@dataclass(frozen=True)
class Group:
    """Modules mutated together and the tests run against them."""

    modules: tuple[str, ...]
    tests: tuple[str, ...]
    note: str = ""


GROUPS: dict[str, Group] = {
    "fca": Group(("geo_kissos/analysis/fca.py",),
                 ("tests/analysis/test_fca.py", "tests/analysis/test_fca_rules.py",
                  "tests/analysis/test_edges.py")),
    "coverage": Group(("geo_kissos/analysis/coverage.py", "geo_kissos/analysis/gaps.py",
                       "geo_kissos/analysis/reach.py"),
                      ("tests/analysis/test_coverage_gaps.py", "tests/analysis/test_coverage_rules.py",
                       "tests/analysis/test_edges.py")),
    "params": Group(("webmap/params.py",), ("tests/webmap/test_params.py",)),
    "parsers": Group(("geo_kissos/ingest/tabular.py",),
                     ("tests/ingest/test_tabular_parsers.py",),
                     "the shared parsers of numbers, dates, codes and CSV dialects"),
}

#: Copied beside the sources: data files the tests read (layer definitions, vendored boundaries).
ALSO_COPY = ("layers", "boundaries")


def _copy_checkout(dest: Path) -> None:
    """The files git knows (tracked and new, not ignored) of the checkout, as they are now."""
    if dest.exists():
        shutil.rmtree(dest)
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                         check=True, capture_output=True).stdout
    for rel in filter(None, out.decode().split("\0")):
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def _setup_cfg(group: Group) -> str:
    def lines(items: tuple[str, ...] | list[str]) -> str:
        return "".join(f"\n    {i}" for i in items)

    sources = ["geo_kissos", "webmap"]  # both copied: the bench venv has no editable install
    return (
        "[mutmut]\n"
        f"source_paths ={lines(sources)}\n"
        f"only_mutate ={lines(group.modules)}\n"
        f"also_copy ={lines(ALSO_COPY)}\n"
        f"pytest_add_cli_args_test_selection ={lines(group.tests)}\n"
        "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n    -q\n"
    )


def bench_venv(work_root: Path) -> Path:
    """``<work>/venv``: mutmut and its click over the project's packages; made once, then reused."""
    venv = work_root / "venv"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "mutmut").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                              check=True, capture_output=True, text=True).stdout.strip()
        project_site = subprocess.run(
            [sys.executable, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "zz_project_venv.pth").write_text(project_site + "\n", encoding="utf-8")
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--only-binary=:all:", MUTMUT], check=True)
    return venv


def _mutmut(work: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(env["GK_BENCH_VENV"]) / "bin" / "mutmut"
    return subprocess.run([str(exe), *args], cwd=work, env=env, capture_output=True, text=True)


def _results(work: Path, env: dict[str, str]) -> dict[str, str]:
    """``{mutant name: status}`` from ``mutmut results --all true``."""
    res = _mutmut(work, "results", "--all", "true", env=env)
    status: dict[str, str] = {}
    for line in res.stdout.splitlines():
        name, sep, state = line.strip().rpartition(": ")
        if sep and name:
            status[name] = state.strip()
    return status


def run_group(name: str, group: Group, work_root: Path, show: bool, max_children: int) -> dict:
    """Mutate one group in its own copy of the checkout; return the counts and the score."""
    work = work_root / name
    _copy_checkout(work)
    (work / "setup.cfg").write_text(_setup_cfg(group), encoding="utf-8")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "GK_BENCH_VENV": str(bench_venv(work_root))}
    started = time.perf_counter()
    run = _mutmut(work, "run", "--max-children", str(max_children), env=env)
    seconds = time.perf_counter() - started
    status = _results(work, env)
    counts: dict[str, int] = {}
    for state in status.values():
        counts[state] = counts.get(state, 0) + 1
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    survived = counts.get("survived", 0) + counts.get("no tests", 0)
    total = killed + survived
    summary = {
        "group": name, "modules": list(group.modules), "tests": list(group.tests),
        "mutants": len(status), "killed": killed, "survived": survived,
        "score_pct": round(100.0 * killed / total, 1) if total else None,
        "other": {k: v for k, v in counts.items() if k not in ("killed", "timeout", "survived", "no tests")},
        "seconds": round(seconds, 1),
    }
    if run.returncode != 0 or not status:
        summary["error"] = (run.stderr or run.stdout)[-3000:]
    if show:
        for mutant, state in sorted(status.items()):
            if state in ("survived", "no tests"):
                diff = _mutmut(work, "show", mutant, env=env).stdout
                print(f"--- {state}: {mutant}\n{diff}")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help=f"groups to run (default: all of {', '.join(GROUPS)})")
    parser.add_argument("--work", type=Path, default=Path("/tmp/gk-mutation"),
                        help="folder for the copies of the checkout (default /tmp/gk-mutation)")
    parser.add_argument("--show", action="store_true", help="print the diff of every surviving mutant")
    parser.add_argument("--max-children", type=int, default=2, help="parallel test runs (default 2)")
    parser.add_argument("--json", type=Path, default=None, help="also write the summaries as JSON")
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, g in GROUPS.items():
            print(f"{name:10s} {', '.join(g.modules)}  <-  {', '.join(g.tests)}")
        return 0
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; use {', '.join(GROUPS)}")
    summaries = []
    for name in args.groups or list(GROUPS):
        s = run_group(name, GROUPS[name], args.work, args.show, args.max_children)
        summaries.append(s)
        score = "n/a" if s["score_pct"] is None else f"{s['score_pct']:.1f} %"
        print(f"{name:10s} {s['killed']:4d} killed / {s['killed'] + s['survived']:4d} mutants  "
              f"score {score}  ({s['seconds']:.0f} s){'  ERROR' if 'error' in s else ''}", flush=True)
        if "error" in s:
            print(s["error"], file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2), encoding="utf-8")
    return 1 if any("error" in s for s in summaries) else 0


if __name__ == "__main__":
    raise SystemExit(main())
