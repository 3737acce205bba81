"""Layer sources: what a layer shows, one module per source kind, found by name (the registry).

A layer file says ``source = "<kind>:<arg>"`` (``population:65+``, ``coverage:49``, ``sites``).
The *kind* names a class registered here, as pygeoapi's plugin registry maps a provider name to
its class; the class keeps a small contract (:class:`LayerSource`):

``years(store)``
    The years the layer has data for (ascending; may be empty).
``values(store, year)``
    Its values per territory (:class:`SourceValues`: a frame indexed by municipality or ORP
    code with ``value`` and the popup columns, the planning period when there is one, and what
    was left out, :class:`LeftOut`).
``missing(store, years)``
    Whether an input is missing and what to say (:class:`Notice`: the register, an indicator
    never imported), never "no data" and never zeros.
``source_parts(store)`` / ``data_date(store)``
    Its source line (without the boundaries and the synthetic mark, which
    :func:`geo_kissos.layers.provenance.source_line` adds) and its data date, as imported.
``sites_type()``
    Which sites to draw beside it: the § type it is about (None: every type).
``protect(frame, store, year)``
    The disclosure hook: hide cells counting few persons (indicators of applicants).
``frame(store, year, orp)``
    The layer's frame: choropleths are classified by :func:`geo_kissos.layers.choropleth.
    choropleth_frame` from ``values``; the ``sites`` kind draws points.

Class attributes say what the layer files may ask of the kind: ``layer_kind`` (``choropleth``
or ``points``), ``measures`` (the first is the default), ``needs_register`` and
:meth:`LayerSource.check_arg` (the argument after the colon), checked when the TOML files are
read (:func:`geo_kissos.layers.load_layers`), with messages naming file and key.

Adding a kind
-------------
One module in this package with a subclass of :class:`LayerSource` decorated with
:func:`register_source`, and a TOML in ``layers/`` naming the kind: every public module of this
package is imported when the registry is first asked (:func:`source_kinds`), so nothing else is
edited. A kind defined elsewhere (a plugin, a test) is registered by importing its module before
the layers are read.

Shipped kinds: ``population`` (:mod:`.population`), ``indicator`` (:mod:`.indicator`),
``coverage``, ``gap``, ``access`` (:mod:`.analysis`), ``need``, ``agreement`` (:mod:`.need`),
``sites`` (:mod:`.sites`); shared plumbing in :mod:`._common`.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pandas as pd

from ...errors import ConfigError
from .. import provenance

if TYPE_CHECKING:
    import geopandas as gpd

    from ..definitions import Layer

__all__ = [
    "LAYER_KINDS",
    "LayerSource",
    "LeftOut",
    "Notice",
    "SourceValues",
    "available_years",
    "get_source",
    "register_source",
    "source_for",
    "source_kinds",
    "source_measures",
    "unregister_source",
]

#: What a source may feed: a classified choropleth or a points layer.
LAYER_KINDS = ("choropleth", "points")


@dataclass(frozen=True)
class Notice:
    """An input a layer needs is missing: the plain statement and the legend's one label."""

    text: str  #: e.g. :func:`geo_kissos.layers.provenance.no_register_text`
    label: str  #: e.g. :data:`geo_kissos.layers.provenance.NO_REGISTER_LABEL`


@dataclass(frozen=True)
class LeftOut:
    """Something a layer's numbers leave out (services without units, units outside the territory).

    It travels with the layer's result (``frame.attrs["left_out"]``, :meth:`as_dict`) and is
    shown under the legend and in the API's collection document.
    """

    reason: str  #: short key: ``without_units``, ``placed_nowhere``, ``outside_territory``, ...
    text: str  #: what the legend says, in Czech
    count: int  #: how many services (or rows) are left out
    ids: tuple[str, ...] = ()  #: the services' ids (register), when known

    def as_dict(self) -> dict[str, Any]:
        """``{"reason", "text", "count", "ids"}`` (JSON-ready)."""
        return {"reason": self.reason, "text": self.text, "count": int(self.count), "ids": list(self.ids)}


@dataclass
class SourceValues:
    """The values of a layer for one year, as its source computed them.

    Attributes
    ----------
    values : pandas.DataFrame
        Indexed by territory code (municipality or ORP, as the layer's level): ``value`` and any
        other column (popup fields).
    period : str, optional
        The planning period shown (reported needs), else None.
    left_out : tuple of LeftOut
        What the values leave out.
    """

    values: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["value"]))
    period: str | None = None
    left_out: tuple[LeftOut, ...] = ()


class LayerSource:
    """The base contract of a source kind (see the module docstring).

    Parameters
    ----------
    layer : Layer
        The layer whose ``source`` names this kind.
    """

    #: The name before the colon of ``source`` (unique in the registry).
    kind: ClassVar[str] = ""
    #: ``choropleth`` or ``points``: the layer ``kind`` this source fits.
    layer_kind: ClassVar[str] = "choropleth"
    #: Measures a layer may ask for; the first is the default.
    measures: ClassVar[tuple[str, ...]] = ("value",)
    #: True when computed from the register of social services (no register: a notice).
    needs_register: ClassVar[bool] = False
    #: Import-log kinds whose latest data date is the layer's data date (:meth:`data_date`).
    log_kinds: ClassVar[tuple[str, ...]] = ("services", "network", "population")

    def __init__(self, layer: Layer):
        self.layer = layer

    @property
    def arg(self) -> str:
        """What follows the colon of ``source`` (age band, indicator or § code)."""
        return self.layer.source_arg

    @property
    def level(self) -> str:
        """``municipality`` or ``orp``."""
        return self.layer.level or "municipality"

    @classmethod
    def check_arg(cls, arg: str) -> str | None:
        """Why ``arg`` (after the colon) is refused, or None when it is fine (read time)."""
        return None

    def years(self, store: Any) -> list[int]:
        """Years with data in ``store`` (ascending; may be empty)."""
        raise NotImplementedError

    def values(self, store: Any, year: int) -> SourceValues:
        """Values per territory for ``year`` (one of :meth:`years`)."""
        raise NotImplementedError

    def missing(self, store: Any, years: list[int]) -> Notice | None:
        """The input that is missing and what to say (None: nothing is missing).

        ``years`` are :meth:`years`. The default: the register, for kinds that need it.
        """
        if self.needs_register and not provenance.has_register(store):
            return Notice(provenance.no_register_text(), provenance.NO_REGISTER_LABEL)
        return None

    def source_parts(self, store: Any) -> list[str]:
        """Where the numbers come from, as imported (default: everything the store holds)."""
        return provenance.store_source_parts(store)

    def data_date(self, store: Any) -> pd.Timestamp | None:
        """The data date of what the layer shows (latest of :attr:`log_kinds`), None when unknown."""
        if self.needs_register and not provenance.has_register(store):
            return None
        return provenance.latest_data_date(store, self.log_kinds)

    def sites_type(self) -> str | None:
        """The § type whose sites to draw beside the layer (None: every type)."""
        return None

    def protect(self, frame: pd.DataFrame, store: Any, year: int) -> tuple[pd.DataFrame, pd.Series | None]:
        """Disclosure control of the frame (territories merged with :meth:`values`).

        Returns the frame (hidden cells with ``value`` NaN) and the labels of the hidden cells
        (None, or NaN where shown). Default: nothing hidden.
        """
        return frame, None

    def frame(self, store: Any, year: int | None, orp: str | None) -> gpd.GeoDataFrame:
        """The layer's frame (see :func:`geo_kissos.layers.layer_frame`)."""
        from ..choropleth import choropleth_frame

        return choropleth_frame(store, self.layer, year, orp)


# --------------------------------------------------------------------------- the registry
S = TypeVar("S", bound=type[LayerSource])

_REGISTRY: dict[str, type[LayerSource]] = {}
_LOCK = threading.Lock()  #: guards _REGISTRY
_DISCOVERY = threading.Lock()  #: one discovery at a time (never held with _LOCK while importing)
_DISCOVERED: list[bool] = []


def register_source(cls: S) -> S:
    """Register a source kind (a class decorator).

    Raises
    ------
    ConfigError
        When the class has no ``kind``, an unknown ``layer_kind``, no ``measures``, or its kind
        is registered by another class.
    """
    kind = getattr(cls, "kind", "")
    if not kind or ":" in kind:
        raise ConfigError(f"{cls.__qualname__}: a layer source needs a kind without ':'")
    if cls.layer_kind not in LAYER_KINDS:
        raise ConfigError(f"{cls.__qualname__}: layer_kind {cls.layer_kind!r} is not one of {LAYER_KINDS}")
    if not cls.measures:
        raise ConfigError(f"{cls.__qualname__}: a layer source needs at least one measure")
    with _LOCK:
        old = _REGISTRY.get(kind)
        if old is not None and old.__qualname__ != cls.__qualname__:
            raise ConfigError(f"layer source kind {kind!r} is registered by {old.__module__}.{old.__qualname__}")
        _REGISTRY[kind] = cls
    return cls


def unregister_source(kind: str) -> None:
    """Forget a registered kind (a test's own kind, at teardown)."""
    with _LOCK:
        _REGISTRY.pop(kind, None)


def _discover() -> None:
    """Import every public module of this package once (each registers its kinds)."""
    if _DISCOVERED:
        return
    with _DISCOVERY:
        if _DISCOVERED:
            return
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
        _DISCOVERED.append(True)


def source_kinds() -> tuple[str, ...]:
    """The registered kinds, in registration order."""
    _discover()
    with _LOCK:
        return tuple(_REGISTRY)


def source_measures() -> dict[str, tuple[str, ...]]:
    """Kind -> the measures its layers may ask for (the first is the default)."""
    _discover()
    with _LOCK:
        return {k: cls.measures for k, cls in _REGISTRY.items()}


def get_source(kind: str) -> type[LayerSource]:
    """The class registered for ``kind``.

    Raises
    ------
    ConfigError
        When no class is registered for it.
    """
    _discover()
    with _LOCK:
        cls = _REGISTRY.get(kind)
        if cls is None:
            raise ConfigError(f"unknown layer source kind {kind!r}; use one of {', '.join(_REGISTRY)}")
        return cls


def source_for(layer: Layer) -> LayerSource:
    """The source of a layer (an instance of its kind's class)."""
    return get_source(layer.source_kind)(layer)


def available_years(store: Any, layer: Layer) -> list[int]:
    """Years for which ``layer`` has data in ``store`` (ascending; may be empty)."""
    return source_for(layer).years(store)
