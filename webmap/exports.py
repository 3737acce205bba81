"""Flask blueprint serving the exports (:mod:`geo_kissos.export`), so the web map can offer
"download" buttons. The library itself stays free of Flask; this is its thin web adapter.

Routes (``orp`` is an ORP code or name; query ``year=`` and ``sites=`` as in the CLI)::

    GET /export/                                  JSON: formats, layers, ORPs and their URLs
    GET /export/<orp>/<layer_id>.png|pdf|html     the ORP's map
    GET /export/<orp>/gaps.csv                    gap table (ORP × § type; ``layer=`` fixes the year)
    GET /export/<orp>/coverage.csv                coverage table (municipalities × § type)
    GET /export/<orp>/tables.xlsx                 both tables
    GET /export/atlas/<layer_id>.pdf              the atlas of all ORPs

Files are rendered on first request into a private temporary folder and reused while the
store's data version, layer, year and options stay the same. Maps and tables are served as
attachments with a readable file name (``?inline=1`` shows them in the browser instead).

The work a request can cause is bounded: the query is checked before anything is computed
(``year`` an integer in 1900..2100, ``sites`` as in the CLI, ``inline``, and ``layer`` for the
tables; anything else is a 400 naming the parameter, as in the API), an unknown layer or ORP is a
404, an export the data cannot give a 409, at most :data:`MAX_EXPORTERS` exporters are kept
(least recently used first out, their folder deleted with them, all of them when the data
change) and the private folder is removed when the app goes away.

Errors are answered by the app's one handler (:mod:`webmap.errors`, also installed when the
blueprint is registered on an app of its own) in the API's JSON shape ``{"code", "description"}``;
an unexpected error is a 500 with a generic text, the details (which may hold private paths) go
to the log only.

The store is the web map's (``app.extensions["geo_kissos"].store``) when there is one,
otherwise ``app.config["EXPORT_STORE"]`` or the default store.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import IO, Any

from cachetools import LRUCache
from flask import Blueprint, Response, current_app, jsonify, request, send_file, url_for
from flask.blueprints import BlueprintSetupState

from geo_kissos.errors import (
    ConfigError,
    ConflictError,
    GeoKissosError,
    NotFound,
    ParamError,
    StoreError,
    UnknownLayerError,
)
from geo_kissos.export.exporter import MAP_FORMATS, Exporter
from geo_kissos.export.mapdata import default_layer, parse_sites

from .errors import init_errors
from .params import parse_int

log = logging.getLogger(__name__)

export_blueprint = Blueprint("export", __name__, url_prefix="/export")


@export_blueprint.record_once
def _errors(state: BlueprintSetupState) -> None:
    init_errors(state.app)  # the one error handler, also on an app that only serves the exports

TABLE_FILES = {("gaps", "csv"): "gaps", ("coverage", "csv"): "coverage", ("tables", "xlsx"): "xlsx"}
MIMETYPES = {
    "png": "image/png",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Exporters (each with its region data and its folder of files) kept per app.
MAX_EXPORTERS = 8
#: Query parameters of the export routes (``layer`` only for the tables).
PARAMETERS = ("year", "sites", "inline")


class _Exporters(LRUCache):
    """The cached exporters; an exporter's folder is deleted when it leaves the cache."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize)
        self.folders: dict[tuple, Path] = {}

    def popitem(self) -> tuple[Any, Any]:
        key, value = super().popitem()
        shutil.rmtree(self.folders.pop(key, Path("/nonexistent")), ignore_errors=True)
        return key, value


class _State:
    """Per-app state: the output folder, cached exporters and a render lock."""

    def __init__(self, maxsize: int = MAX_EXPORTERS) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gk-export-"))
        self.lock = threading.Lock()
        self.exporters = _Exporters(maxsize)
        self.version: str | None = None
        self._cleanup = weakref.finalize(self, shutil.rmtree, str(self.dir), True)

    def exporter(self, key: tuple, version: str, make: Any) -> tuple[Exporter, Path]:
        """The exporter and folder of ``key``; everything cached is dropped when ``version``
        (the store's data) changes. Call with :attr:`lock` held."""
        if version != self.version:
            while self.exporters:
                self.exporters.popitem()
            self.version = version
        ex = self.exporters.get(key)
        if ex is None:
            ex = make()
            self.exporters[key] = ex  # may evict (and delete) the least recently used one
            folder = self.dir / hashlib.sha256(repr((version, key)).encode()).hexdigest()[:16]
            folder.mkdir(parents=True, exist_ok=True)
            self.exporters.folders[key] = folder
        return ex, self.exporters.folders[key]


def _state() -> _State:
    ext = current_app.extensions
    if "geo_kissos_export" not in ext:
        ext["geo_kissos_export"] = _State(int(current_app.config.get("EXPORT_CACHE_SIZE", MAX_EXPORTERS)))
    return ext["geo_kissos_export"]


def _store_and_layers() -> tuple[Any, Path | None]:
    ext = current_app.extensions.get("geo_kissos")
    store = getattr(ext, "store", None) or current_app.config.get("EXPORT_STORE")
    if store is None:
        from geo_kissos.store import open_store

        store = open_store()
        current_app.config["EXPORT_STORE"] = store
    layers = getattr(ext, "layers", None) or {}
    first = next(iter(layers.values()), None)
    layers_dir = first.path.parent if first is not None and first.path is not None else None
    return store, layers_dir


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _known_layers(layers_dir: Path | None) -> dict[str, Any]:
    ext = current_app.extensions.get("geo_kissos")
    layers = getattr(ext, "layers", None)
    if layers:
        return layers
    from geo_kissos.layers import load_layers

    return load_layers(layers_dir)


def _data_version(store: Any) -> str:
    ext = current_app.extensions.get("geo_kissos")
    version = getattr(ext, "data_version", None)
    if callable(version):  # the web map's current data version (changes with every import)
        return str(version())
    return str(store.data_date())


def _query(tables: bool) -> tuple[int | None, str | tuple[str, ...]]:
    """The checked ``year`` and ``sites`` of the request (a 400 naming the parameter otherwise)."""
    allowed = (*PARAMETERS, "layer") if tables else PARAMETERS
    for name in request.args:
        if name not in allowed:
            raise ParamError(_short(name), f"unknown parameter; use {', '.join(allowed)}")
    year = parse_int(request.args, "year", 1900, 2100)
    raw = request.args.getlist("sites")
    if len(raw) > 1:
        raise ParamError("sites", "given more than once")
    try:
        sites = parse_sites(raw[0] if raw else "auto")
    except ValueError as exc:
        raise ParamError("sites", _short(str(exc), 200)) from None
    if isinstance(sites, tuple):
        sites = tuple(sorted(set(sites)))
    return year, sites


def _exporter(layer_id: str | None, tables: bool = False) -> tuple[Exporter, Path]:
    """A cached exporter for the layer and the request's year/sites (fresh when the store's data
    change), and the folder its files go to. Everything is checked before any work is done.
    No layer (tables only): the exporter's default (population 65+ when no register is loaded)."""
    store, layers_dir = _store_and_layers()
    year, sites = _query(tables)
    layers = _known_layers(layers_dir)
    if layer_id is None:
        layer_id = default_layer(store)
    if layer_id not in layers:
        raise UnknownLayerError(f"unknown layer {_short(layer_id)!r}; known: {', '.join(layers)}")
    st = _state()
    with st.lock:
        version = _data_version(store)
        return st.exporter((layer_id, year, sites), version,
                           lambda: Exporter(store, layer_id, year, sites=sites, layers_dir=layers_dir))


def _send(file: IO[bytes], fmt: str, download_name: str) -> Response:
    inline = request.args.get("inline", "") in ("1", "true", "yes")
    return send_file(file, mimetype=MIMETYPES[fmt], as_attachment=not inline,
                     download_name=download_name, max_age=0)


@export_blueprint.get("/")
def index() -> Response:
    """Formats, exportable layers and ORPs, with the URL of each export."""
    store, layers_dir = _store_and_layers()
    from geo_kissos.layers import load_layers

    layers = load_layers(layers_dir)
    orp = store.read("orp")
    orps = sorted(zip(orp["orp_code"].astype(str), orp["name"].astype(str), strict=True))
    return jsonify(
        formats=[*MAP_FORMATS, "csv", "xlsx"],
        layers=[{"id": lid, "title_cs": la.title_cs, "kind": la.kind,
                 "atlas": url_for(".atlas", layer_id=lid)} for lid, la in layers.items()],
        orps=[{"code": c, "name": n,
               "tables": {"gaps.csv": url_for(".orp_file", orp=c, name="gaps", fmt="csv"),
                          "coverage.csv": url_for(".orp_file", orp=c, name="coverage", fmt="csv"),
                          "tables.xlsx": url_for(".orp_file", orp=c, name="tables", fmt="xlsx")},
               "map": url_for(".orp_file", orp=c, name="LAYER", fmt="FMT").replace("LAYER.FMT",
                                                                                     "{layer}.{fmt}")}
              for c, n in orps],
    )


@export_blueprint.get("/atlas/<layer_id>.pdf")
def atlas(layer_id: str) -> Response:
    """The multi-page PDF atlas (title page + one page per ORP) of a layer."""
    ex, folder = _exporter(layer_id)
    path = ex.atlas_path(folder)
    with _state().lock:
        if not path.exists():
            ex.export_all(folder, formats=("pdf",), atlas=True, progress=False)
            log.info("export: atlas of %s (%s) rendered", layer_id, ex.year)
        file = path.open("rb")  # opened under the lock: an evicted folder may go right after
    return _send(file, "pdf", f"atlas_{layer_id}_{ex.year}.pdf")


@export_blueprint.get("/<orp>/<name>.<fmt>")
def orp_file(orp: str, name: str, fmt: str) -> Response:
    """A map (``<layer_id>.png|pdf|html``) or a table (``gaps.csv``...) of one ORP."""
    fmt = fmt.lower()
    if (name, fmt) in TABLE_FILES:
        # the layer only fixes the year (default: the exporter's, population 65+ without a register)
        ex, folder = _exporter(request.args.get("layer") or None, tables=True)
        kind = TABLE_FILES[(name, fmt)]
    elif fmt in MAP_FORMATS:
        ex, folder = _exporter(name)
        kind = fmt
    else:
        raise NotFound(f"no export {_short(name)}.{_short(fmt, 8)}: "
                       "use <layer>.png|pdf|html, gaps.csv, coverage.csv or tables.xlsx")
    code = ex.resolve_orp(orp)
    file_name = ex.file_name(code, kind)
    path = ex.orp_dir(folder, code) / file_name
    with _state().lock:
        if not path.exists():
            try:
                ex.export_orp(code, folder, [fmt])
            except (StoreError, ConfigError):
                raise  # the server's failure: a 500, its details in the log only
            except GeoKissosError as exc:  # the data cannot give this export (e.g. no such year)
                raise ConflictError(str(exc)) from exc
            log.info("export: %s rendered", file_name)
        file = path.open("rb")
    return _send(file, fmt, file_name)


__all__ = ["export_blueprint"]
