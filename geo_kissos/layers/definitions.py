"""Layer definitions: the dataclasses and the reader of ``layers/*.toml`` (see :mod:`geo_kissos.layers`)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..catalogue import ACCESS_METHODS, DEFAULT_ACCESS_METHOD, SERVICE_TYPE_BY_CODE
from ..catalogue import MAP_LEVELS as LEVELS
from ..config import layers_dir
from ..errors import ConfigError, UnknownLayerError

KINDS = ("choropleth", "points")
SCHEMES = ("NaturalBreaks", "FisherJenks", "Quantiles", "EqualInterval", "Categories")
# The source kinds and their measures are those of the registry (geo_kissos.layers.sources):
# ``source_kinds()`` and ``source_measures()`` (also ``geo_kissos.layers.SOURCES`` and ``MEASURES``).
NO_DATA_COLOUR = "#d9d9d9"
OTHER_COLOUR = "#7f7f7f"

_TOP_KEYS = {"id", "title_cs", "title_en", "kind", "level", "source", "measure", "year",
             "description_cs", "classification", "style", "legend", "popup", "groups", "access"}
#: Keys of each table (``[classification]``) and array of tables (``[[popup]]``) of a layer file.
_TABLE_KEYS: dict[str, set[str]] = {
    "classification": {"scheme", "k", "categories"},
    "style": {"colours", "no_data"},
    "legend": {"title_cs", "title_en", "unit", "decimals", "no_data_cs"},
    "access": {"method", "max_distance"},
    "popup": {"field", "label_cs", "label_en", "decimals"},
    "groups": {"id", "name_cs", "name_en", "colour", "types"},
}


@dataclass(frozen=True)
class PopupField:
    """One line of a popup: a frame column and its labels."""

    field: str
    label_cs: str
    label_en: str = ""
    decimals: int | None = None  #: None: shown as text


@dataclass(frozen=True)
class TypeGroup:
    """A group of § types sharing one colour on the points layer."""

    id: str
    name_cs: str
    name_en: str
    colour: str
    types: tuple[str, ...]


@dataclass(frozen=True)
class Layer:
    """A map layer as declared in its TOML file (see the module docstring)."""

    id: str
    title_cs: str
    title_en: str
    kind: str
    source: str
    level: str | None = "municipality"
    measure: str = "value"
    year: int | None = None  #: None: the latest year with data
    scheme: str = "FisherJenks"
    k: int = 5
    colours: tuple[str, ...] = ()
    ramp: str | None = None
    no_data_colour: str = NO_DATA_COLOUR
    legend_title_cs: str = ""
    legend_title_en: str = ""
    unit: str = ""
    decimals: int = 1
    popup: tuple[PopupField, ...] = ()
    groups: tuple[TypeGroup, ...] = ()
    description_cs: str = ""
    access_method: str = DEFAULT_ACCESS_METHOD  #: ``access:<§>`` layers: floating-catchment method
    access_max_distance: float = 20_000.0  #: ``access:<§>`` layers: catchment radius in metres
    path: Path | None = field(default=None, compare=False)
    #: ``Categories`` scheme: the label of each value 0, 1, ... (one colour each)
    categories: tuple[str, ...] = ()
    #: label of a feature without a value (default "bez dat"; e.g. "nenahlásila" for needs)
    no_data_label: str = ""

    @property
    def source_kind(self) -> str:
        """The name before the colon of ``source``: a kind of :mod:`geo_kissos.layers.sources`."""
        return self.source.split(":", 1)[0]

    @property
    def source_arg(self) -> str:
        """What follows the colon of ``source`` (age band, indicator or § code)."""
        return self.source.split(":", 1)[1] if ":" in self.source else ""

    def colour_of_type(self, type_code: str) -> str:
        """Colour of a § type on a points layer (grey when in no group)."""
        for g in self.groups:
            if type_code in g.types:
                return g.colour
        return OTHER_COLOUR

    def group_of_type(self, type_code: str) -> TypeGroup | None:
        """The group a § type belongs to, if any."""
        return next((g for g in self.groups if type_code in g.types), None)


# --------------------------------------------------------------------------- reading files
def ramp_colours(name: str, n: int) -> list[str]:
    from branca.utilities import color_brewer

    reverse = name.endswith("_r")
    base = name[:-2] if reverse else name
    cols = color_brewer(base, max(n, 3))
    cols = [c.lower() for c in cols]
    if n < 3:
        cols = [cols[0], cols[-1]][:n] if n == 2 else [cols[-1]]
    return cols[::-1] if reverse else cols


def pick_colours(colours: tuple[str, ...], n: int) -> list[str]:
    """``n`` colours spread evenly over a ramp (first and last kept)."""
    if n <= 0:
        return []
    if n >= len(colours):
        return list(colours)
    if n == 1:
        return [colours[-1]]
    idx = np.round(np.linspace(0, len(colours) - 1, n)).astype(int)
    return [colours[i] for i in idx]


def _is_hex(c: object) -> bool:
    return isinstance(c, str) and c.startswith("#") and len(c) in (4, 7) and all(
        ch in "0123456789abcdefABCDEF" for ch in c[1:])


def _parse(path: Path) -> Layer:
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not a valid TOML file: {exc}") from exc

    def need(key: str, table: dict[str, Any] = raw, prefix: str = "") -> Any:
        if key not in table or table[key] in ("", None):
            raise ConfigError(f"{where}: missing key '{prefix}{key}'")
        return table[key]

    unknown = set(raw) - _TOP_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(_TOP_KEYS)}")
    for key, known in _TABLE_KEYS.items():  # tables are checked as strictly as the top level
        if key not in raw:
            continue
        many = key in ("popup", "groups")
        tables = raw[key] if many else [raw[key]]
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            shape = "an array of tables [[" + key + "]]" if many else "a table [" + key + "]"
            raise ConfigError(f"{where}: {key} must be {shape}")
        for i, table in enumerate(tables):
            unknown = set(table) - known
            if unknown:
                name = f"{key}[{i}]" if many else key
                raise ConfigError(f"{where}: unknown key(s) {sorted(f'{name}.{k}' for k in unknown)}; "
                                  f"known in {key}: {sorted(known)}")
    kind = need("kind")
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind {kind!r} is not one of {KINDS}")
    source = str(need("source"))
    skind = source.split(":", 1)[0]
    arg = source.split(":", 1)[1] if ":" in source else ""
    from .sources import get_source, source_kinds  # the registry's modules import this one

    if skind not in source_kinds():
        raise ConfigError(f"{where}: source {source!r}: use one of {', '.join(source_kinds())}")
    src = get_source(skind)
    if kind != src.layer_kind:
        raise ConfigError(f"{where}: source {source!r} does not fit kind {kind!r}")
    problem = src.check_arg(arg)
    if problem:
        raise ConfigError(f"{where}: source {source!r}: {problem}")
    measure = str(raw.get("measure", src.measures[0]))
    if measure not in src.measures:
        raise ConfigError(f"{where}: measure {measure!r} is not one of {src.measures} for {skind}")
    level = raw.get("level", "municipality" if kind == "choropleth" else None)
    if kind == "choropleth" and level not in LEVELS:
        raise ConfigError(f"{where}: level {level!r} is not one of {LEVELS}")
    year_raw = raw.get("year", "latest")
    if year_raw == "latest":
        year = None
    elif isinstance(year_raw, int) and 1900 <= year_raw <= 2100:
        year = year_raw
    else:
        raise ConfigError(f"{where}: year {year_raw!r}: use \"latest\" or a year")
    cls = raw.get("classification", {})
    scheme = cls.get("scheme", "FisherJenks")
    if scheme not in SCHEMES:
        raise ConfigError(f"{where}: classification.scheme {scheme!r} is not one of {SCHEMES}")
    categories = tuple(str(c) for c in cls.get("categories", ()))
    if scheme == "Categories" and not categories:
        raise ConfigError(f"{where}: classification.scheme 'Categories' needs classification.categories "
                          "(a label per value 0, 1, ...)")
    k = cls.get("k", len(categories) if categories else 5)
    if not isinstance(k, int) or not 1 <= k <= 9:
        raise ConfigError(f"{where}: classification.k must be an integer 1..9, not {k!r}")
    if categories and k != len(categories):
        raise ConfigError(f"{where}: classification.k is {k} but {len(categories)} categories are named")
    style = raw.get("style", {})
    spec = style.get("colours", "YlOrRd")
    ramp = None
    if isinstance(spec, str):
        ramp = spec
        try:
            colours = tuple(ramp_colours(spec, k))
        except (ValueError, KeyError) as exc:
            raise ConfigError(f"{where}: style.colours {spec!r} is not a ColorBrewer ramp") from exc
    elif isinstance(spec, list) and spec and all(_is_hex(c) for c in spec):
        colours = tuple(str(c).lower() for c in spec)
        if kind == "choropleth" and len(colours) < k:
            raise ConfigError(f"{where}: style.colours has {len(colours)} colours for k={k}")
    else:
        raise ConfigError(f"{where}: style.colours must be a ramp name or a list of #hex colours")
    no_data = style.get("no_data", NO_DATA_COLOUR)
    if not _is_hex(no_data):
        raise ConfigError(f"{where}: style.no_data {no_data!r} is not a #hex colour")
    acc = raw.get("access", {})
    method = str(acc.get("method", DEFAULT_ACCESS_METHOD)).lower()
    if method not in ACCESS_METHODS:
        raise ConfigError(f"{where}: access.method {method!r} is not one of {ACCESS_METHODS}")
    max_distance = acc.get("max_distance", 20_000)
    if not isinstance(max_distance, int | float) or not 0 < max_distance <= 200_000:
        raise ConfigError(f"{where}: access.max_distance {max_distance!r} must be metres in (0, 200000]")
    legend = raw.get("legend", {})
    popup = []
    for i, p in enumerate(raw.get("popup", [])):
        popup.append(PopupField(field=str(need("field", p, f"popup[{i}].")),
                                label_cs=str(need("label_cs", p, f"popup[{i}].")),
                                label_en=str(p.get("label_en", "")),
                                decimals=p.get("decimals")))
    groups = []
    for i, g in enumerate(raw.get("groups", [])):
        colour = need("colour", g, f"groups[{i}].")
        if not _is_hex(colour):
            raise ConfigError(f"{where}: groups[{i}].colour {colour!r} is not a #hex colour")
        types = tuple(str(t) for t in need("types", g, f"groups[{i}]."))
        bad = [t for t in types if t not in SERVICE_TYPE_BY_CODE]
        if bad:
            raise ConfigError(f"{where}: groups[{i}].types: unknown § type(s) {bad}")
        groups.append(TypeGroup(id=str(need("id", g, f"groups[{i}].")),
                                name_cs=str(need("name_cs", g, f"groups[{i}].")),
                                name_en=str(g.get("name_en", "")), colour=colour.lower(), types=types))
    return Layer(
        id=str(need("id")), title_cs=str(need("title_cs")), title_en=str(need("title_en")),
        kind=kind, source=source, level=level if kind == "choropleth" else None, measure=measure,
        year=year, scheme=scheme, k=k, colours=colours, ramp=ramp, no_data_colour=no_data.lower(),
        legend_title_cs=str(legend.get("title_cs", raw["title_cs"])),
        legend_title_en=str(legend.get("title_en", raw["title_en"])),
        unit=str(legend.get("unit", "")), decimals=int(legend.get("decimals", 1)),
        popup=tuple(popup), groups=tuple(groups), description_cs=str(raw.get("description_cs", "")),
        access_method=method, access_max_distance=float(max_distance), path=path,
        categories=categories, no_data_label=str(legend.get("no_data_cs", "")),
    )


def load_layers(directory: str | Path | None = None) -> dict[str, Layer]:
    """Read every ``*.toml`` layer file of a folder.

    Parameters
    ----------
    directory : str or Path, optional
        Default :func:`geo_kissos.config.layers_dir`.

    Returns
    -------
    dict of str to Layer
        By layer id, in file-name order.

    Raises
    ------
    ConfigError
        When a file is invalid (the message names file and key) or two files share an id.
    """
    folder = Path(directory) if directory is not None else layers_dir()
    if not folder.is_dir():
        raise ConfigError(f"{folder}: no layers folder")
    out: dict[str, Layer] = {}
    for path in sorted(folder.glob("*.toml")):
        layer = _parse(path)
        if layer.id in out:
            raise ConfigError(f"{path}: layer id {layer.id!r} is also defined in {out[layer.id].path}")
        out[layer.id] = layer
    return out


def get_layer(layer_id: str, directory: str | Path | None = None) -> Layer:
    """The layer with this id.

    Raises
    ------
    UnknownLayerError
        When no layer file defines ``layer_id``.
    """
    layers = load_layers(directory)
    try:
        return layers[layer_id]
    except KeyError:
        raise UnknownLayerError(
            f"unknown layer {layer_id!r}; known layers: {', '.join(layers) or 'none'}") from None
