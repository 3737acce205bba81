"""``geo-kissos analysis``: gap tables, coverage, accessibility and scenarios from the store.

Register with ``analysis.register(main)``. Outputs are CSV (UTF-8 with BOM, so Excel shows
Czech diacritics) or XLSX, chosen by the extension of ``--out``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import pandas as pd

from ..analysis import (
    AccessParams,
    AnalysisError,
    AnalysisInputs,
    NetworkYearError,
    TerritoryParams,
    TerritoryResult,
    access_sensitivity,
    base_population,
    compare_scenario,
    field_coverage,
    load_inputs,
    step_decay,
    territory_tables,
)
from ..analysis.fca import METHODS, gaussian_decay
from ..analysis.inputs import _is_field_only
from ..analysis.territory import left_out_lines
from ..catalogue import DEFAULT_ACCESS_METHOD, LEVELS, SERVICE_TYPE_BY_CODE
from ..ingest.user_tables import read_changes_file, read_norms_file, type_code
from ..safe_cells import csv_frame
from .options import open_cli_store, store_option


def write_table(df: pd.DataFrame, out: Path, sheet: str = "table",
                year: int | None = None) -> None:
    """Write ``df`` as CSV or XLSX by the extension of ``out`` (with a ``year`` column first)."""
    from ..export.tables import with_type_names, write_xlsx  # not the whole exporter at start-up

    if year is not None and "year" not in df.columns:
        df = df.copy()
        df.insert(0, "year", year)
    if "type_code" in df.columns and "type_name" not in df.columns:
        df = with_type_names(df)  # the § type's Czech name and unit (beds / fte) for readers
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise click.BadParameter(f"{out}: use a .csv or .xlsx file name", param_hint="--out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            csv_frame(df).to_csv(out, index=False, encoding="utf-8-sig")  # formula-like text as text
        else:  # bold header, frozen first row, filter, fitted column widths
            write_xlsx({sheet[:31]: df}, out, about=[("rok", str(year))] if year is not None else ())
    except OSError as exc:  # a read-only folder, a file in the way, the file open in Excel
        raise click.BadParameter(f"cannot write {out}: {exc.strerror or exc}",
                                 param_hint="--out") from None


def _check_out(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """Refuse an output name that is neither .csv nor .xlsx before anything is computed."""
    if value is not None and value.suffix.lower() not in (".csv", ".xlsx", ".xlsm"):
        raise click.BadParameter(f"{value}: use a .csv or .xlsx file name")
    return value


def _check_types(ctx: click.Context, param: click.Parameter,
                 value: tuple[str, ...]) -> tuple[str, ...]:
    """``--type 49 --type "§ 50"`` → ``("49", "50")``; an unknown code is a usage error."""
    codes = []
    for text in value:
        for part in str(text).split(","):
            if not part.strip():
                continue
            code = type_code(part)
            if code is None:
                raise click.BadParameter(f"'{part.strip()}' is no § type of the Act; use one of "
                                         f"{', '.join(SERVICE_TYPE_BY_CODE)}")
            codes.append(code)
    return tuple(dict.fromkeys(codes))


def _norms(ctx: click.Context, param: click.Parameter, value: Path | None) -> pd.DataFrame | None:
    return read_norms_file(value, "--norms") if value is not None else None


def _split_list(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def _check_distances(ctx: click.Context, param: click.Parameter, value: str) -> list[float]:
    try:
        radii = [float(d) for d in _split_list(value)]
    except ValueError:
        raise click.BadParameter("numbers in metres, e.g. 5000,10000") from None
    if not radii or any(r <= 0 for r in radii):
        raise click.BadParameter("positive numbers in metres, e.g. 5000,10000")
    return radii


def _check_methods(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
    methods = [m.lower() for m in _split_list(value)]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise click.BadParameter(f"unknown method(s) {', '.join(unknown) or '(none)'}; use "
                                 f"{', '.join(METHODS)}")
    return methods


def _check_decays(ctx: click.Context, param: click.Parameter, value: str) -> list[str | float]:
    specs: list[str | float] = []
    for d in _split_list(value):
        try:
            sigma = float(d)
        except ValueError:
            if d.lower() not in ("none", "steps"):
                raise click.BadParameter(f"'{d}': use none, steps or a Gaussian sigma in metres "
                                         "(e.g. none,steps,8000)") from None
            specs.append(d.lower())
            continue
        if sigma <= 0:
            raise click.BadParameter(f"'{d}': a Gaussian sigma must be > 0 metres")
        specs.append(sigma)
    if not specs:
        raise click.BadParameter("name at least one decay: none, steps or a sigma in metres")
    return specs


def _say_left_out(lines: list[str]) -> None:
    """Print what the analysis left out (part of its result) as ``warning:`` lines on stderr."""
    for line in lines:
        click.echo(f"warning: {line}", err=True)


def _common(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--year", type=int, required=True, help="Analysis year.")(f)
    f = click.option("--type", "types", multiple=True, callback=_check_types,
                     help="§ type code(s) to analyse, e.g. --type 49 --type 50 (default: all "
                          "present).")(f)
    f = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
                     callback=_check_out, help="Output file, .csv or .xlsx.")(f)
    return store_option(f)


def _norms_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--norms", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        callback=_norms,
                        help="Norm table (CSV/XLSX: type_code, units_per_1000; ',' or ';' "
                             "separated, decimal comma accepted); default: the regional "
                             "average.")(f)


def _access_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--method", type=click.Choice(METHODS), default=DEFAULT_ACCESS_METHOD, show_default=True,
                     help="Floating-catchment method.")(f)
    f = click.option("--max-distance", type=click.FloatRange(min=0, min_open=True),
                     default=20_000.0, show_default=True,
                     help="Catchment radius in metres (EPSG:5514).")(f)
    f = click.option("--raster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     default=None, help="Population raster (EPSG:5514): demand at its cells "
                     "(dasymetric) instead of municipality points.")(f)
    f = click.option("--sigma", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Gaussian decay width in metres (default: none for 2sfca/3sfca/bfca, "
                          "Luo & Qi steps for e2sfca).")(f)
    return f


def _params(method: str, max_distance: float, sigma: float | None) -> AccessParams:
    decay = gaussian_decay(sigma) if sigma else None
    if method == "e2sfca" and decay is None:
        decay = step_decay({max_distance / 3: 1.0, 2 * max_distance / 3: 0.68,
                            max_distance: 0.22})
    return AccessParams(method=method, max_cost=max_distance, decay=decay)


def _load(store_url: str, year: int) -> AnalysisInputs:
    """The analysis inputs of ``year``; a year the network has no rows for is a usage error
    (the rule is the library's: :func:`geo_kissos.analysis.check_network_year`)."""
    with open_cli_store(store_url, loaded=True) as store:
        try:
            return load_inputs(store, year)
        except NetworkYearError as exc:
            raise click.BadParameter(str(exc), param_hint="--year") from None


def _territory(inputs: AnalysisInputs, params: TerritoryParams) -> TerritoryResult:
    """The territorial tables of ``inputs``; what was left out is printed on stderr."""
    result = territory_tables(inputs, params)
    _say_left_out(result.left_out_lines())
    return result


def _inputs_left_out(inputs: AnalysisInputs, codes: Any) -> list[str]:
    """The services of ``codes`` (all when None) left out of the inputs (no units)."""
    left = inputs.left_out
    if codes is not None:
        left = left[left["type_code"].astype(str).isin(list(codes))]
    return left_out_lines(left, inputs.year)


def _types(inputs: AnalysisInputs, types: tuple[str, ...], all_types: bool = False) -> list[str]:
    codes = list(types) or (list(SERVICE_TYPE_BY_CODE) if all_types else inputs.type_codes())
    if not codes:
        raise AnalysisError(f"no services with units in {inputs.year}: nothing to analyse")
    return codes


@click.group("analysis")
def analysis() -> None:
    """Coverage, accessibility and gap analysis (tables for the plan)."""


@analysis.command("gaps")
@_common
@_norms_option
@click.option("--indicator", default=None, metavar="CODE",
              help="Measure need against a demand indicator instead of the target population "
                   "(e.g. PNP_TOTAL, care-allowance recipients): norms are then per 1,000 "
                   "recipients.")
@click.option("--all-types", is_flag=True,
              help="All 33 types of the Act, also those without any service (with --norms "
                   "they show the whole need as deficit).")
@click.option("--needs-period", default=None, metavar="PERIOD",
              help="Add the municipalities' reported needs of this planning period (e.g. 2027-2029) "
                   "beside the gaps: a sheet 'potrebnost' in the XLSX, a file <name>-potrebnost.csv "
                   "beside a CSV.")
def gaps_cmd(store_url: str, year: int, types: tuple[str, ...], norms: pd.DataFrame | None,
             out: Path, indicator: str | None, all_types: bool, needs_period: str | None) -> None:
    """Gap table for all ORPs × service types: units, need, deficit/surplus, rank."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types, all_types)
    if indicator:
        known = sorted(set(inputs.indicators["code"].astype(str))) if len(inputs.indicators) else []
        if indicator not in known:
            raise click.BadParameter(f"no indicator '{indicator}' in the store; loaded: "
                                     f"{', '.join(known) or 'none'}", param_hint="--indicator")
    result = _territory(inputs, TerritoryParams(level="orp", type_codes=tuple(codes), norms=norms,
                                                indicator=indicator))
    table = result.gaps  # priority compares all ORP × type rows of the result
    from ..analysis.applicants import with_waiting  # applicants' demand (issue 13)

    with open_cli_store(store_url, loaded=True) as store:
        table = with_waiting(store, year, table)
        if needs_period is None:
            write_table(table, out, sheet=f"gaps {year}", year=year)
        else:
            _write_with_needs(store, table, out, year, needs_period)
    click.echo(f"{out}: {len(table)} rows ({table['code'].nunique()} ORPs × {len(codes)} types)")


def _write_with_needs(store: Any, table: pd.DataFrame, out: Path, year: int, period: str) -> None:
    """The gap table and, beside it, the reported needs of ``period`` in the four classes."""
    from ..analysis.needs import compare_needs
    from ..collect.needs import needs_frame, normalise_period
    from ..export.tables import with_type_names, write_xlsx

    p = normalise_period(period)
    if p is None:
        raise click.BadParameter(f"{period!r} is no period like 2027-2029", param_hint="--needs-period")
    mun = pd.DataFrame(store.read("municipality").drop(columns=["geom", "orp_name"], errors="ignore"))
    orp = store.read("orp")
    mun = mun.merge(pd.DataFrame(orp[["orp_code", "name"]]).rename(columns={"name": "orp_name"}),
                    on="orp_code", how="left")
    reported = needs_frame(store, p)
    cmp = compare_needs(table[table["level"] == "orp"] if "level" in table.columns else table, reported, mun)
    cmp = cmp[cmp["type_code"].isin(set(table["type_code"].astype(str)))]
    if reported.empty:
        click.echo(f"warning: no needs reported for {p}: the 'reported' side is empty", err=True)
    if out.suffix.lower() == ".csv":
        write_table(table, out, sheet=f"gaps {year}", year=year)
        write_table(cmp, out.with_name(f"{out.stem}-potrebnost.csv"), year=year)
        return
    gaps = table.copy()
    gaps.insert(0, "year", year)
    try:
        write_xlsx({f"gaps {year}"[:31]: with_type_names(gaps), "potrebnost": with_type_names(cmp)}, out,
                   about=[("rok", str(year)), ("období potřebnosti", p),
                          ("potřebnost", "reported = nejvyšší hlášená potřeba v ORP aspoň střední; computed = "
                                         "chybí aspoň 10 % potřeby")])
    except OSError as exc:
        raise click.BadParameter(f"cannot write {out}: {exc.strerror or exc}", param_hint="--out") from None


@analysis.command("coverage")
@_common
@_norms_option
@click.option("--level", type=click.Choice(list(LEVELS)), default="orp",
              show_default=True)
def coverage_cmd(store_url: str, year: int, types: tuple[str, ...], norms: pd.DataFrame | None,
                 out: Path, level: str) -> None:
    """Units per 1,000 of the target population per territory and type."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types)
    table = _territory(inputs, TerritoryParams(level=level, type_codes=tuple(codes),
                                               norms=norms)).coverage
    write_table(table, out, sheet=f"coverage {year}", year=year)
    click.echo(f"{out}: {len(table)} rows")


@analysis.command("field")
@_common
def field_cmd(store_url: str, year: int, types: tuple[str, ...], out: Path) -> None:
    """Field services: reached municipalities and FTE per 1,000 target population."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types)
    _say_left_out(_inputs_left_out(inputs, codes))
    svc = inputs.services[inputs.services["type_code"].isin(codes)]
    svc = svc[svc["forms"].map(_is_field_only)]
    if svc.empty:
        raise AnalysisError(f"no field-only services of type(s) {', '.join(codes)} in {year}: "
                            "nothing to analyse (field services are those with only the field "
                            "form)")
    table = field_coverage(inputs.reach, svc, base_population(inputs, codes),
                           inputs.municipalities)
    write_table(table, out, sheet=f"field {year}", year=year)
    click.echo(f"{out}: {len(table)} rows, {int((~table['reached']).sum())} unreached")


@analysis.command("access")
@_common
@_access_options
def access_cmd(store_url: str, year: int, types: tuple[str, ...], out: Path, method: str,
               max_distance: float, sigma: float | None, raster: Path | None) -> None:
    """Accessibility per ORP and type (municipality points to service sites)."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types)
    params = TerritoryParams(level="orp", type_codes=tuple(codes),
                             access=_params(method, max_distance, sigma), raster=raster)
    table = _territory(inputs, params).access.drop(columns="level")
    write_table(table, out, sheet=f"access {year}", year=year)
    click.echo(f"{out}: {len(table)} rows")
    _say_unreachable(table, max_distance)


def _say_unreachable(table: pd.DataFrame, max_distance: float) -> None:
    """Say plainly when no demand point of a type has a site within the radius (the table then
    holds only unreached_share 1), instead of leaving it to be read from the columns."""
    for code, part in table.groupby("type_code", sort=False):
        demand = float(part["demand"].sum())
        if demand > 0 and float(part["unreached_demand"].sum()) >= demand:
            click.echo(f"warning: § {code}: no service site lies within {max_distance:g} m of any "
                       f"demand point: all {demand:g} people of the target population are "
                       "unreachable (unreached_share 1 in every ORP; try a larger --max-distance)",
                       err=True)


@analysis.command("scenario")
@_common
@_norms_option
@_access_options
@click.argument("changes", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def scenario_cmd(store_url: str, year: int, types: tuple[str, ...], norms: pd.DataFrame | None,
                 out: Path, method: str, max_distance: float, sigma: float | None,
                 raster: Path | None, changes: Path) -> None:
    """Apply CHANGES (CSV/XLSX: action, service_id, type_code, x, y, units...) in memory and
    write every metric before, after and the difference. The store is not changed."""
    table = read_changes_file(changes, "CHANGES")
    inputs = _load(store_url, year)
    _say_left_out(_inputs_left_out(inputs, types or None))
    if types:  # a change to a type left out by --type changes no number: say so
        type_of = inputs.services.set_index("service_id")["type_code"].astype(str)
        for row, rec in table.iterrows():
            code = (rec.get("type_code") if rec["action"] == "add"
                    else type_of.get(str(rec["service_id"])))
            if code and code not in types:
                click.echo(f"warning: {changes.name}, row {row}: service {rec['service_id']} is "
                           f"§ {code}, not among --type {', '.join(types)}: it changes nothing "
                           "in the output", err=True)
    diff = compare_scenario(
        inputs, table, source=changes.name, type_codes=list(types) or None, norms=norms,
        access=_params(method, max_distance, sigma), raster=raster,
    )
    write_table(diff, out, sheet=f"scenario {year}", year=year)
    click.echo(f"{out}: {len(diff)} rows, {int(diff['changed'].sum())} changed")


@analysis.command("sensitivity")
@_common
@_norms_option
@click.option("--distances", default="5000,10000,20000,30000", show_default=True,
              callback=_check_distances, help="Catchment radii in metres, comma-separated.")
@click.option("--methods", default="2sfca,e2sfca,3sfca", show_default=True,
              callback=_check_methods, help="FCA methods, comma-separated.")
@click.option("--decays", default="none,steps", show_default=True, callback=_check_decays,
              help="Decays, comma-separated: none, steps, or a Gaussian sigma in metres. 2sfca "
                   "runs with 'none' only, the other methods with the other decays only.")
@click.option("--raster", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Population raster (EPSG:5514) for demand cells.")
def sensitivity_cmd(store_url: str, year: int, types: tuple[str, ...], norms: pd.DataFrame | None,
                    out: Path, distances: list[float], methods: list[str],
                    decays: list[str | float], raster: Path | None) -> None:
    """Accessibility and access-based gaps per ORP over catchment sizes, methods and decays."""
    inputs = _load(store_url, year)
    codes = _types(inputs, types)
    _say_left_out(_inputs_left_out(inputs, codes))
    radii, specs, norm_table = distances, decays, norms
    runs = [(m, d) for m in methods for d in specs if (m == "2sfca") == (d == "none")]
    if not runs:
        raise click.BadParameter(f"no method runs with these decays: 2sfca needs 'none', "
                                 f"{', '.join(m for m in METHODS if m != '2sfca')} need 'steps' "
                                 "or a sigma", param_hint="--decays")
    frames = []
    with click.progressbar(codes, label="sensitivity per service type",
                           file=click.get_text_stream("stderr")) as bar:
        for code in bar:
            try:
                frames.append(access_sensitivity(
                    inputs, code, max_costs=radii, methods=methods, decays=specs,
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
