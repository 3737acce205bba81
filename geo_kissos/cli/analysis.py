"""``geo-kissos analysis``: gap tables, coverage, accessibility and scenarios from the store.

Register with ``analysis.register(main)``. Outputs are CSV (UTF-8 with BOM, so Excel shows
Czech diacritics) or XLSX, chosen by the extension of ``--out``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from ..analysis import (
    AccessParams,
    AnalysisError,
    access_by_orp,
    access_sensitivity,
    attribute_units,
    base_population,
    compare_scenario,
    coverage_ratios,
    field_coverage,
    gaps_from_coverage,
    indicator_base,
    load_inputs,
    step_decay,
)
from ..analysis.fca import METHODS, gaussian_decay
from ..analysis.inputs import _is_field_only
from ..catalogue import SERVICE_TYPE_BY_CODE
from .options import open_cli_store, store_option


def write_table(df: pd.DataFrame, out: Path, sheet: str = "table",
                year: int | None = None) -> None:
    """Write ``df`` as CSV or XLSX by the extension of ``out`` (with a ``year`` column first)."""
    if year is not None and "year" not in df.columns:
        df = df.copy()
        df.insert(0, "year", year)
    suffix = out.suffix.lower()
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        df.to_csv(out, index=False, encoding="utf-8-sig")
    elif suffix in (".xlsx", ".xlsm"):
        with pd.ExcelWriter(out, engine="openpyxl") as xl:
            df.to_excel(xl, sheet_name=sheet[:31], index=False)
    else:
        raise click.BadParameter(f"{out}: use a .csv or .xlsx file name", param_hint="--out")


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return pd.read_excel(path, dtype={"type_code": str, "service_id": str,
                                          "municipality_code": str})
    return pd.read_csv(path, dtype={"type_code": str, "service_id": str,
                                    "municipality_code": str, "reach": str, "forms": str})


def _echo_warnings(f: Callable[..., Any]) -> Callable[..., Any]:
    """Show the analysis' warnings (services left out...) as ``warning:`` lines on stderr."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                return f(*args, **kwargs)
            finally:
                for w in caught:
                    click.echo(f"warning: {w.message}", err=True)

    return wrapper


def _common(f: Callable[..., Any]) -> Callable[..., Any]:
    f = _echo_warnings(f)
    f = click.option("--year", type=int, required=True, help="Analysis year.")(f)
    f = click.option("--type", "types", multiple=True,
                     help="§ type code(s) to analyse, e.g. --type 49 --type 50 (default: all "
                          "present).")(f)
    f = click.option("--norms", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Norm table (CSV/XLSX: type_code, units_per_1000); default: the "
                          "regional average.")(f)
    f = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                     help="Output file, .csv or .xlsx.")(f)
    return store_option(f)


def _access_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--method", type=click.Choice(METHODS), default="3sfca", show_default=True,
                     help="Floating-catchment method.")(f)
    f = click.option("--max-distance", type=float, default=20_000.0, show_default=True,
                     help="Catchment radius in metres (EPSG:5514).")(f)
    f = click.option("--raster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None, help="Population raster (EPSG:5514): demand at its cells "
                     "(dasymetric) instead of municipality points.")(f)
    f = click.option("--sigma", type=float, default=None,
                     help="Gaussian decay width in metres (default: none for 2sfca/3sfca/bfca, "
                          "Luo & Qi steps for e2sfca).")(f)
    return f


def _params(method: str, max_distance: float, sigma: float | None) -> AccessParams:
    decay = gaussian_decay(sigma) if sigma else None
    if method == "e2sfca" and decay is None:
        decay = step_decay({max_distance / 3: 1.0, 2 * max_distance / 3: 0.68,
                            max_distance: 0.22})
    return AccessParams(method=method, max_cost=max_distance, decay=decay)


def _load(store_url: str, year: int):
    with open_cli_store(store_url) as store:
        return load_inputs(store, year)


def _types(inputs, types: tuple[str, ...], all_types: bool = False) -> list[str]:
    codes = list(types) or (list(SERVICE_TYPE_BY_CODE) if all_types else inputs.type_codes())
    if not codes:
        raise AnalysisError(f"no services with units in {inputs.year}: nothing to analyse")
    return codes


@click.group("analysis")
def analysis() -> None:
    """Coverage, accessibility and gap analysis (tables for the plan)."""


@analysis.command("gaps")
@_common
@click.option("--indicator", default=None, metavar="CODE",
              help="Measure need against a demand indicator instead of the target population "
                   "(e.g. PNP_TOTAL, care-allowance recipients): norms are then per 1,000 "
                   "recipients.")
@click.option("--all-types", is_flag=True,
              help="All 33 types of the Act, also those without any service (with --norms "
                   "they show the whole need as deficit).")
def gaps_cmd(store_url: str, year: int, types: tuple[str, ...], norms: Path | None,
             out: Path, indicator: str | None, all_types: bool) -> None:
    """Gap table for all ORPs × service types: units, need, deficit/surplus, rank."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types, all_types)
    norm_table = _read_table(norms) if norms else None
    if indicator:
        base = indicator_base(inputs.indicators, year, indicator, codes)
    else:
        base = base_population(inputs, codes)
    units = attribute_units(inputs, base)
    frames = []
    with click.progressbar(codes, label="gaps per service type", file=click.get_text_stream(
            "stderr")) as bar:
        for code in bar:
            frames.append(coverage_ratios(units[units["type_code"] == code],
                                          base[base["type_code"] == code],
                                          inputs.municipalities, norms=norm_table))
    cov = pd.concat(frames, ignore_index=True)
    # priority compares all ORP × type rows: computed on the whole table
    table = gaps_from_coverage(cov)
    write_table(table, out, sheet=f"gaps {year}", year=year)
    click.echo(f"{out}: {len(table)} rows ({table['code'].nunique()} ORPs × {len(codes)} types)")


@analysis.command("coverage")
@_common
@click.option("--level", type=click.Choice(["municipality", "orp", "region"]), default="orp",
              show_default=True)
def coverage_cmd(store_url: str, year: int, types: tuple[str, ...], norms: Path | None,
                 out: Path, level: str) -> None:
    """Units per 1,000 of the target population per territory and type."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types)
    base = base_population(inputs, codes)
    table = coverage_ratios(attribute_units(inputs, base), base, inputs.municipalities,
                            level=level, norms=_read_table(norms) if norms else None)
    write_table(table, out, sheet=f"coverage {year}", year=year)
    click.echo(f"{out}: {len(table)} rows")


@analysis.command("field")
@_common
def field_cmd(store_url: str, year: int, types: tuple[str, ...], norms: Path | None,
              out: Path) -> None:
    """Field services: reached municipalities and FTE per 1,000 target population."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types)
    svc = inputs.services[inputs.services["type_code"].isin(codes)]
    svc = svc[svc["forms"].map(_is_field_only)]
    table = field_coverage(inputs.reach, svc, base_population(inputs, codes),
                           inputs.municipalities)
    write_table(table, out, sheet=f"field {year}", year=year)
    click.echo(f"{out}: {len(table)} rows, {int((~table['reached']).sum())} unreached")


@analysis.command("access")
@_common
@_access_options
def access_cmd(store_url: str, year: int, types: tuple[str, ...], norms: Path | None, out: Path,
               method: str, max_distance: float, sigma: float | None,
               raster: Path | None) -> None:
    """Accessibility per ORP and type (municipality points to service sites)."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types)
    params = _params(method, max_distance, sigma)
    base = base_population(inputs, codes)
    frames = []
    with click.progressbar(codes, label="accessibility per service type",
                           file=click.get_text_stream("stderr")) as bar:
        for code in bar:
            frames.append(access_by_orp(inputs, [code], params, base, raster=raster))
    table = pd.concat(frames, ignore_index=True)
    write_table(table, out, sheet=f"access {year}", year=year)
    click.echo(f"{out}: {len(table)} rows")


@analysis.command("scenario")
@_common
@_access_options
@click.argument("changes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def scenario_cmd(store_url: str, year: int, types: tuple[str, ...], norms: Path | None,
                 out: Path, method: str, max_distance: float, sigma: float | None,
                 raster: Path | None, changes: Path) -> None:
    """Apply CHANGES (CSV/XLSX: action, service_id, type_code, x, y, units...) in memory and
    write every metric before, after and the difference. The store is not changed."""
    inputs = _load(store_url, year)
    diff = compare_scenario(
        inputs, _read_table(changes), type_codes=list(types) or None,
        norms=_read_table(norms) if norms else None,
        access=_params(method, max_distance, sigma), raster=raster,
    )
    write_table(diff, out, sheet=f"scenario {year}", year=year)
    click.echo(f"{out}: {len(diff)} rows, {int(diff['changed'].sum())} changed")


@analysis.command("sensitivity")
@_common
@click.option("--distances", default="5000,10000,20000,30000", show_default=True,
              help="Catchment radii in metres, comma-separated.")
@click.option("--methods", default="2sfca,e2sfca,3sfca", show_default=True,
              help="FCA methods, comma-separated.")
@click.option("--decays", default="none,steps", show_default=True,
              help="Decays, comma-separated: none, steps, or a Gaussian sigma in metres.")
@click.option("--raster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Population raster (EPSG:5514) for demand cells.")
def sensitivity_cmd(store_url: str, year: int, types: tuple[str, ...], norms: Path | None,
                    out: Path, distances: str, methods: str, decays: str,
                    raster: Path | None) -> None:
    """Accessibility and access-based gaps per ORP over catchment sizes, methods and decays."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types)
    try:
        radii = [float(d) for d in distances.split(",") if d.strip()]
    except ValueError:
        raise click.BadParameter("numbers in metres, e.g. 5000,10000",
                                 param_hint="--distances") from None
    specs: list[str | float] = []
    for d in (p.strip() for p in decays.split(",") if p.strip()):
        try:
            specs.append(float(d))
        except ValueError:
            specs.append(d)
    norm_table = _read_table(norms) if norms else None
    frames = []
    with click.progressbar(codes, label="sensitivity per service type",
                           file=click.get_text_stream("stderr")) as bar:
        for code in bar:
            try:
                frames.append(access_sensitivity(
                    inputs, code, max_costs=radii, methods=methods.split(","), decays=specs,
                    norms=norm_table, raster=raster))
            except AnalysisError as exc:
                if "no located site" not in str(exc):
                    raise
                click.echo(f"warning: {exc}", err=True)
    if not frames:
        raise AnalysisError("no type with located sites: nothing to vary")
    table = pd.concat(frames, ignore_index=True)
    write_table(table, out, sheet=f"sensitivity {year}", year=year)
    click.echo(f"{out}: {len(table)} rows")


def register(main: click.Group) -> None:
    """Add the ``analysis`` command group to the ``geo-kissos`` command line."""
    main.add_command(analysis)


__all__ = ["analysis", "register", "write_table"]
