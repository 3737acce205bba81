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
import fnmatch
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
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
    #: fnmatch patterns of mutant names (``geo_kissos.store.postgis.xǁ_PgWriterǁupsert__mutmut_3``):
    #: only these are run and scored; empty = every mutant of ``modules``.
    mutants: tuple[str, ...] = ()
    #: extra pytest arguments of every run (``-k "not postgis"``).
    pytest_args: tuple[str, ...] = ()
    #: the tests need a PostGIS server (``TEST_DATABASE_URL``; started once when unset).
    postgis: bool = False


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
    # the register parser: everything of services.py that reads the file (not load_services, which
    # writes the store), the target-group code list and the JSON-schema check; on read_register
    # and the public readers only, no store (the store side is the gpkg/pg groups)
    "register": Group(("geo_kissos/ingest/services.py", "geo_kissos/ingest/target_groups.py",
                       "geo_kissos/ingest/register_schema.py"),
                      ("tests/ingest/test_register_parsing.py", "tests/ingest/test_register_shapes.py"),
                      "the register parser (rpss.json, the type and target-group code lists, the schema)",
                      # every mutant of the helpers; a fixed sample of the two long functions (numbers
                      # ending in 0: 10 %) and of the code-list and schema readers (ending in 0 or 5: 20 %)
                      mutants=tuple(f"geo_kissos.ingest.services.x_{f}__mutmut_*" for f in (
                          "_ref", "_norm_name", "read_type_codelist", "resolve_type", "_text",
                          "_address_text", "_contact", "_ico", "_group_ref", "_reach_refs", "_kind",
                          "_reach_resolver"))
                      + ("geo_kissos.ingest.services.x__parse_item__mutmut_*0",
                         "geo_kissos.ingest.services.x_read_register__mutmut_*0",
                         "geo_kissos.ingest.target_groups.*__mutmut_*[05]",
                         "geo_kissos.ingest.register_schema.*__mutmut_*[05]")),
    # the GeoPackage store's writer, transaction, file lock and atomic commit
    "store-gpkg": Group(("geo_kissos/store/gpkg.py",),
                        ("tests/test_store_transactions.py", "tests/test_gpkg_no_space.py"),
                        "GeoPackage writer, transaction, lock, atomic rename",
                        mutants=("geo_kissos.store.gpkg.xǁ_GpkgWriterǁ*", "geo_kissos.store.gpkg.xǁGpkgStoreǁ*",
                                 "geo_kissos.store.gpkg.x__no_space__*", "geo_kissos.store.gpkg.x__no_room__*"),
                        pytest_args=("-k", "not postgis")),
    # the PostGIS store's transaction parts and the shared Writer/Store contract (base.py), on one
    # PostGIS server started once for the whole group
    "store-pg": Group(("geo_kissos/store/postgis.py", "geo_kissos/store/base.py"),
                      ("tests/test_store.py", "tests/test_store_transactions.py",
                       "tests/ingest/test_import_integrity.py::test_lock_kinds_do_not_block_each_other"),
                      "PostGIS writer (upsert, delete, filters, advisory locks), transaction; base.py",
                      mutants=("geo_kissos.store.postgis.xǁ_PgWriterǁ*",
                               "geo_kissos.store.postgis.xǁPostgisStoreǁtransaction*",
                               "geo_kissos.store.postgis.x__where__*", "geo_kissos.store.postgis.x__records__*",
                               "geo_kissos.store.base.*"),
                      pytest_args=("-k", "not gpkg"), postgis=True),
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
        f"pytest_add_cli_args =\n    -p\n    no:cacheprovider\n    -q{lines(group.pytest_args)}\n"
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


@contextmanager
def postgis_url(work_root: Path) -> Iterator[str]:
    """``TEST_DATABASE_URL`` when set, else a throwaway PostGIS started the way ``.ci/run`` starts
    it (Debian's PostgreSQL 15 + PostGIS on loopback, as ``postgres`` when run as root), stopped
    on exit. Started once per bench command: every mutant's test run clones its databases from
    the template on it (tests/conftest.py)."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    pgbin = Path("/usr/lib/postgresql/15/bin")
    root = os.geteuid() == 0

    def as_pg(*cmd: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *cmd] if root else list(cmd)

    work_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="pg-", dir=work_root))
    if root:
        shutil.chown(tmp, "postgres", "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = tmp / "data"
    subprocess.run(as_pg(str(pgbin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                         "--locale=C.UTF-8"), check=True, capture_output=True, cwd="/")
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off")
    subprocess.run(as_pg(str(pgbin / "pg_ctl"), "-D", str(data), "-l", str(tmp / "server.log"), "-w", "-t", "60",
                         "-o", opts, "start"), check=True, capture_output=True, cwd="/")
    try:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-qAt",
                        "-v", "ON_ERROR_STOP=1", "-c", "CREATE EXTENSION IF NOT EXISTS postgis"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_pg(str(pgbin / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t", "30", "stop"),
                       capture_output=True, cwd="/")
        shutil.rmtree(tmp, ignore_errors=True)


def run_group(name: str, group: Group, work_root: Path, show: bool, max_children: int,
              database_url: str | None = None) -> dict:
    """Mutate one group in its own copy of the checkout; return the counts and the score."""
    work = work_root / name
    _copy_checkout(work)
    (work / "setup.cfg").write_text(_setup_cfg(group), encoding="utf-8")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "GK_BENCH_VENV": str(bench_venv(work_root))}
    if database_url:
        env["TEST_DATABASE_URL"] = database_url
    started = time.perf_counter()
    run = _mutmut(work, "run", "--max-children", str(max_children), *group.mutants, env=env)
    seconds = time.perf_counter() - started
    status = _results(work, env)
    if group.mutants:  # ``results --all`` lists every mutant of the modules: score the selected ones
        status = {m: st for m, st in status.items() if any(fnmatch.fnmatchcase(m, p) for p in group.mutants)}
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
    names = args.groups or list(GROUPS)
    with ExitStack() as stack:
        url = stack.enter_context(postgis_url(args.work)) if any(GROUPS[n].postgis for n in names) else None
        for name in names:
            s = run_group(name, GROUPS[name], args.work, args.show, args.max_children,
                          url if GROUPS[name].postgis else None)
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
