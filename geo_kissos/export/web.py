"""Flask blueprint serving the exports, so the web map can offer "download" buttons.

Routes (``orp`` is an ORP code or name; query ``year=`` and ``sites=`` as in the CLI)::

    GET /export/                                  JSON: formats, layers, ORPs and their URLs
    GET /export/<orp>/<layer_id>.png|pdf|html     the ORP's map
    GET /export/<orp>/gaps.csv                    gap table (ORP × § type; ``layer=`` fixes the year)
    GET /export/<orp>/coverage.csv                coverage table (municipalities × § type)
    GET /export/<orp>/tables.xlsx                 both tables
    GET /export/atlas/<layer_id>.pdf              the atlas of all ORPs

Files are rendered on first request into a private temporary folder and reused while the
store's data date, layer, year and options stay the same. Maps and tables are served as
attachments with a readable file name (``?inline=1`` shows them in the browser instead).

The store is the web map's (``app.extensions["geo_kissos"].store``) when there is one,
otherwise ``app.config["EXPORT_STORE"]`` or the default store.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request, send_file, url_for

from ..errors import GeoKissosError, UnknownLayerError
from .data import ascii_slug, parse_sites
from .exporter import MAP_FORMATS, Exporter, UnknownOrpError

export_blueprint = Blueprint("export", __name__, url_prefix="/export")

TABLE_FILES = {("gaps", "csv"): "gaps", ("coverage", "csv"): "coverage", ("tables", "xlsx"): "xlsx"}
MIMETYPES = {
    "png": "image/png",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class _State:
    """Per-app state: the output folder, cached exporters and a render lock."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="gk-export-"))
        self.lock = threading.Lock()
        self.exporters: dict[tuple, Exporter] = {}


def _state() -> _State:
    ext = current_app.extensions
    if "geo_kissos_export" not in ext:
        ext["geo_kissos_export"] = _State()
    return ext["geo_kissos_export"]


def _store_and_layers() -> tuple[Any, Path | None]:
    ext = current_app.extensions.get("geo_kissos")
    store = getattr(ext, "store", None) or current_app.config.get("EXPORT_STORE")
    if store is None:
        from ..store import open_store

        store = open_store()
        current_app.config["EXPORT_STORE"] = store
    layers = getattr(ext, "layers", None) or {}
    first = next(iter(layers.values()), None)
    layers_dir = first.path.parent if first is not None and first.path is not None else None
    return store, layers_dir


def _exporter(layer_id: str | None) -> tuple[Exporter, Path]:
    """A cached exporter for the layer and the request's year/sites (fresh when the store's data
    date changes), and the folder its files go to."""
    store, layers_dir = _store_and_layers()
    year = request.args.get("year", type=int)
    try:
        sites = parse_sites(request.args.get("sites", "auto"))
    except ValueError as exc:
        abort(400, str(exc))
    key = (layer_id, year, sites, str(store.data_date()))
    st = _state()
    with st.lock:
        ex = st.exporters.get(key)
        if ex is None:
            ex = Exporter(store, layer_id, year, sites=sites, layers_dir=layers_dir)
            st.exporters = {k: v for k, v in st.exporters.items() if k[3] == key[3]}
            st.exporters[key] = ex
    folder = st.dir / ascii_slug("-".join(str(k) for k in key))
    folder.mkdir(parents=True, exist_ok=True)
    return ex, folder


def _send(path: Path, fmt: str, download_name: str) -> Response:
    inline = request.args.get("inline", "") in ("1", "true", "yes")
    return send_file(path, mimetype=MIMETYPES[fmt], as_attachment=not inline,
                     download_name=download_name, max_age=0)


@export_blueprint.errorhandler(UnknownLayerError)
@export_blueprint.errorhandler(UnknownOrpError)
def _not_found(exc: GeoKissosError) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 404


@export_blueprint.get("/")
def index() -> Response:
    """Formats, exportable layers and ORPs, with the URL of each export."""
    store, layers_dir = _store_and_layers()
    from ..layers import load_layers

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
    return _send(path, "pdf", f"atlas_{layer_id}_{ex.year}.pdf")


@export_blueprint.get("/<orp>/<name>.<fmt>")
def orp_file(orp: str, name: str, fmt: str) -> Response:
    """A map (``<layer_id>.png|pdf|html``) or a table (``gaps.csv``...) of one ORP."""
    fmt = fmt.lower()
    if (name, fmt) in TABLE_FILES:
        # the layer only fixes the year (default: the exporter's, population 65+ without a register)
        ex, folder = _exporter(request.args.get("layer") or None)
        kind = TABLE_FILES[(name, fmt)]
    elif fmt in MAP_FORMATS:
        ex, folder = _exporter(name)
        kind = fmt
    else:
        abort(404, f"no export {name}.{fmt}: use <layer>.png|pdf|html, gaps.csv, coverage.csv or tables.xlsx")
    code = ex.resolve_orp(orp)
    file_name = ex.file_name(code, kind)
    path = ex.orp_dir(folder, code) / file_name
    with _state().lock:
        if not path.exists():
            try:
                ex.export_orp(code, folder, [fmt])
            except GeoKissosError as exc:
                abort(409, str(exc))
    return _send(path, fmt, file_name)


__all__ = ["export_blueprint"]
