"""The catalogue of official sources (``sources.toml`` beside this module) and their addresses.

A source's address is the absolute ``url`` of the catalogue (for boundaries, the ``download_url``
of its manifest). A base URL — ``--base-url URL``, else ``GEO_KISSOS_DOWNLOAD_BASE_URL`` —
replaces the scheme and host of every address and keeps the path (a base with a path is
prepended to it), so a local mirror or a test server serves the same paths; ``NAME=URL`` applies
to one source only (after the global one).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from ..config import boundaries_dir, get_config
from ..errors import ConfigError
from ..ingest.boundaries import BoundarySource

CATALOGUE_PATH = Path(__file__).with_name("sources.toml")
BASE_URL_ENV = "GEO_KISSOS_DOWNLOAD_BASE_URL"
FORMATS = ("json-items", "json", "csv-rows", "features", "atom-zip-csv")
GROUPS = ("boundaries", "population", "services")  #: import order
DATES = ("http", "feed", "file")


@dataclass(frozen=True)
class Settings:
    """``[settings]`` of the catalogue."""

    max_change: float = 0.05
    retries: int = 2
    timeout: float = 60.0


@dataclass(frozen=True)
class Source:
    """One official source (a ``[source.NAME]`` table)."""

    name: str
    title: str
    url: str
    file: str
    format: str
    group: str
    date: str = "http"
    count: str | None = None
    max_change: float | None = None
    optional: bool = False
    licence: str = ""
    manifest: BoundarySource | None = None

    def change_limit(self, settings: Settings) -> float:
        """The share of records the count may move by (0 = not checked)."""
        return settings.max_change if self.max_change is None else self.max_change


@dataclass(frozen=True)
class Catalogue:
    """The sources in catalogue order and the settings."""

    settings: Settings
    sources: dict[str, Source] = field(default_factory=dict)

    def select(self, names: Iterable[str] = ()) -> list[Source]:
        """The sources named (all when none), in import-group order."""
        names = list(names)
        unknown = [n for n in names if n not in self.sources]
        if unknown:
            raise ConfigError(f"unknown source(s) {', '.join(unknown)}; the catalogue has: "
                              f"{', '.join(self.sources)}")
        chosen = [s for s in self.sources.values() if not names or s.name in names]
        return sorted(chosen, key=lambda s: GROUPS.index(s.group))


def _manifest(name: str, data_dir: Path) -> BoundarySource:
    """The boundary manifest ``name``: the data folder's ``boundaries/NAME.toml``, else the repo's."""
    for folder in (data_dir / "boundaries", boundaries_dir()):
        path = folder / f"{name}.toml"
        if path.exists():
            return BoundarySource.from_toml(path)
    raise ConfigError(f"no boundary manifest {name}.toml in {data_dir / 'boundaries'} or {boundaries_dir()}")


def download_url(manifest: BoundarySource) -> str:
    """The ``download_url`` of a boundary manifest ('' when it has none)."""
    assert manifest.path is not None
    with open(manifest.path, "rb") as f:
        return str(tomllib.load(f).get("download_url") or "")


def load_catalogue(data_dir: Path, path: Path = CATALOGUE_PATH) -> Catalogue:
    """Read the catalogue; boundary sources take their address and pin from their manifest.

    Raises
    ------
    ConfigError
        A source lacks a key, names an unknown format, group or date, or its manifest is missing.
    """
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    s = raw.get("settings", {})
    settings = Settings(float(s.get("max_change", 0.05)), int(s.get("retries", 2)), float(s.get("timeout", 60)))
    sources: dict[str, Source] = {}
    for name, d in raw.get("source", {}).items():
        where = f"{path.name} [source.{name}]"
        manifest = _manifest(d["manifest"], data_dir) if d.get("manifest") else None
        url = d.get("url", "")
        file = d.get("file", "")
        title = d.get("title", name)
        licence = d.get("licence", "")
        if manifest is not None:
            url = url or download_url(manifest)
            suffix = Path(urlsplit(url).path).suffix or ".gpkg"
            file = file or f"boundaries/{manifest.id}{suffix}"
            title = manifest.title
            licence = licence or manifest.licence
        for key, value, allowed in (("format", d.get("format"), FORMATS), ("group", d.get("group"), GROUPS),
                                    ("date", d.get("date", "http"), DATES)):
            if value not in allowed:
                raise ConfigError(f"{where}: {key} '{value}' is not one of {', '.join(allowed)}")
        if not file:
            raise ConfigError(f"{where}: no 'file'")
        if d["format"] == "json-items" and not d.get("count"):
            raise ConfigError(f"{where}: format json-items needs 'count' (the key of the list of records)")
        sources[name] = Source(
            name=name, title=title, url=url, file=file, format=d["format"], group=d["group"],
            date=d.get("date", "http"), count=d.get("count"),
            max_change=float(d["max_change"]) if "max_change" in d else None,
            optional=bool(d.get("optional", False)), licence=licence, manifest=manifest)
    return Catalogue(settings, sources)


def parse_base_urls(values: Iterable[str], env: Mapping[str, str] | None = None) -> dict[str | None, str]:
    """``--base-url`` values (``URL`` or ``NAME=URL``) -> {None: global base, NAME: base}.

    The global base defaults to ``GEO_KISSOS_DOWNLOAD_BASE_URL``.
    """
    out: dict[str | None, str] = {}
    base = get_config(env).download_base_url
    if base:
        out[None] = base
    for v in values:
        name, sep, url = v.partition("=")
        if sep and "://" not in name:
            out[name] = url
        else:
            out[None] = v
    for url in out.values():
        if urlsplit(url).scheme not in ("http", "https", "file"):
            raise ConfigError(f"base URL '{url}' is not an http(s) address")
    return out


def rebase(url: str, base: str | None) -> str:
    """``url`` with the scheme and host of ``base`` (its path prepended); unchanged without one."""
    if not base:
        return url
    u, b = urlsplit(url), urlsplit(base)
    return urlunsplit((b.scheme, b.netloc, b.path.rstrip("/") + u.path, u.query, ""))
