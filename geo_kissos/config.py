"""The settings of geo-kissos: one typed object, read from ``GEO_KISSOS_*`` environment variables.

As pg_featureserv's ``internal/conf`` and geopandas' options: every setting has its default here,
a description and a validator, and :func:`get_config` is the only place the environment is read
(the command line's options and Flask's ``create_app(config)`` overrides come on top of it).
``geo-kissos store info`` prints the effective values (secrets masked).

Each field ``name`` is the environment variable ``GEO_KISSOS_NAME`` (upper case). A value that does
not validate is refused with a
:class:`~geo_kissos.errors.ConfigError` naming the variable.

**Relative paths** (the data, layers and boundaries folders, the planning file, the pseudonym key
file, a ``.gpkg`` store) are relative to the *current working directory* — the folder the command,
the server or the notebook kernel is started from — and are made absolute when the settings are
read. So are the defaults: the store ``var/geo-kissos.gpkg``, the data folder ``../shared/data``
(when it has a ``boundaries/`` folder) else ``var/demo-data``. The layer definitions and the
boundary manifests default to the package's own copies of the repository's ``layers/`` and
``boundaries/`` (installed as package data, see ``setup.py``), so they are found with or without
``pip install -e``.

Examples
--------
>>> from geo_kissos.config import get_config
>>> get_config({"GEO_KISSOS_CACHE_SECONDS": "60"}).cache_seconds
60.0
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict
from pydantic_settings.sources.utils import parse_env_vars

from .errors import ConfigError

__all__ = ["ENV_PREFIX", "OSM_TILES", "REPO_ROOT", "Config", "boundaries_dir", "data_dir", "get_config", "layers_dir"]

#: The prefix of the environment variables.
ENV_PREFIX = "GEO_KISSOS_"
#: The folder holding ``geo_kissos/`` (the checkout with ``pip install -e``; site-packages otherwise).
#: Only the tests and benchmarks use it: no setting is relative to it.
REPO_ROOT = Path(__file__).resolve().parent.parent
#: The OpenStreetMap tile server (the default background).
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_FALSE = ("0", "false", "no", "off", "")
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("geo_kissos_environ", default=None)


def _absolute(p: Path | None) -> Path | None:
    """The one rule for relative paths: against the current working directory."""
    if p is None:
        return None
    return (Path.cwd() / Path(p).expanduser()).resolve()


def _packaged(package: str) -> Path:
    """The folder of a data package (``geo_kissos._layers``) on the file system."""
    folder = resources.files(package)
    if not isinstance(folder, Path):  # pragma: no cover - a zipped install
        raise ConfigError(f"{package} is not installed as a folder: install geo-kissos unzipped")
    return folder


class _MappingEnvSource(EnvSettingsSource):
    """The environment source reading a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


class Config(BaseSettings):
    """The effective settings (see the module docstring); get them with :func:`get_config`."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True,
                                      populate_by_name=True, validate_default=True)

    # -- store and folders
    database_url: str = Field(
        os.path.join("var", "geo-kissos.gpkg"),
        description="Store: postgresql+psycopg://... URL, or a .gpkg path (relative: to the current folder).")
    data_dir: Path | None = Field(
        None, description="Folder of input files (boundaries/, register, population, ...); default "
                          "../shared/data when it has a boundaries/ folder, else var/demo-data.")
    layers_dir: Path | None = Field(
        None, description="Folder of map-layer definitions (*.toml); default the package's layers/.")
    boundaries_dir: Path | None = Field(
        None, description="Folder of boundary-source manifests (*.toml); default the package's boundaries/.")
    lock_timeout: float = Field(
        300.0, ge=0, description="Seconds a writer waits for the GeoPackage store's lock.")
    # -- the map
    tiles: str = Field(
        OSM_TILES, description="Background tile URL template ({z}/{x}/{y}); empty: no background.")
    cache_seconds: float = Field(300.0, ge=0, description="Seconds a built map layer is kept.")
    public_url: str | None = Field(
        None, description="The public address behind a proxy (https://host/prefix): links are built from it.")
    trusted_hosts: str | None = Field(
        None, description="Host names the server answers (comma-separated, a leading dot admits subdomains).")
    trusted_proxies: int = Field(
        0, ge=0, description="Proxies in front of the app whose X-Forwarded-* headers are trusted.")
    # -- accounts
    secret_key: SecretStr | None = Field(
        None, description="Key signing the partners' sessions (random at each start when unset).")
    cookie_secure: bool = Field(True, description="Session cookies only over https (0 for plain http).")
    session_hours: float = Field(8.0, gt=0, description="Hours a partner's session lasts.")
    oidc_issuer: str | None = Field(None, description="OpenID Connect issuer of the partners' login.")
    oidc_client_id: str | None = Field(None, description="OpenID Connect client id.")
    oidc_client_secret: SecretStr | None = Field(None, description="OpenID Connect client secret.")
    # -- the production server
    workers: int = Field(0, ge=0, description="Production server worker processes (0: one per CPU core).")
    threads: int = Field(4, ge=1, description="Threads running the app in each production server worker.")
    access_log: str = Field("-", description="Production server access log: '-' stdout, a file, or empty: none.")
    # -- planning and the partners' modules
    planning: Path | None = Field(
        None, description="Planning TOML (rounds and criteria); default the packaged planning.toml.")
    plan_period: str = Field("2027-2029", description="The plan period offered first (YYYY-YYYY).")
    pseudonym_key: SecretStr | None = Field(
        None, description="Key of the applicants' pseudonyms (at least 32 characters).")
    pseudonym_key_file: Path | None = Field(
        None, description="File holding the pseudonym key (instead of GEO_KISSOS_PSEUDONYM_KEY).")
    applicants_retention_months: int = Field(
        24, ge=1, description="Months a closed application is kept in the applicants' register.")
    download_base_url: str | None = Field(
        None, description="Fetch the official sources from this server instead (same paths).")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Overrides, then the environment (``os.environ`` or the mapping given to :func:`get_config`)."""
        environ = _ENVIRON.get()
        return (init_settings, env_settings if environ is None else _MappingEnvSource(settings_cls, environ))

    # -- validators
    @field_validator("data_dir", "layers_dir", "boundaries_dir", "planning", "pseudonym_key_file", mode="after")
    @classmethod
    def _relative_to_cwd(cls, v: Path | None) -> Path | None:
        return _absolute(v)

    @field_validator("data_dir", "layers_dir", "boundaries_dir", "planning", "pseudonym_key_file",
                     "public_url", "trusted_hosts", "secret_key", "oidc_issuer", "oidc_client_id",
                     "oidc_client_secret", "pseudonym_key", "download_base_url", mode="before")
    @classmethod
    def _empty_is_unset(cls, v: Any) -> Any:
        return None if isinstance(v, str) and not v.strip() else v

    @field_validator("workers", "trusted_proxies", mode="before")
    @classmethod
    def _empty_is_zero(cls, v: Any) -> Any:
        return 0 if isinstance(v, str) and not v.strip() else v

    @field_validator("cookie_secure", mode="before")
    @classmethod
    def _empty_is_false(cls, v: Any) -> Any:
        return False if isinstance(v, str) and v.strip().lower() in _FALSE else v

    @field_validator("database_url")
    @classmethod
    def _store(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("empty: give a postgresql+psycopg://... URL or a .gpkg path")
        return v.strip()

    @field_validator("tiles")
    @classmethod
    def _tiles(cls, v: str) -> str:
        v = v.strip()
        if v and (not re.match(r"^https?://", v) or not all(k in v for k in ("{z}", "{x}", "{y}"))):
            raise ValueError("give an http(s) URL template with {z}, {x} and {y}, or nothing for no background")
        return v

    @field_validator("public_url", "oidc_issuer")
    @classmethod
    def _http_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^https?://[^/\s]+", v.strip()):
            raise ValueError("give an http(s) URL such as https://mapa.example.cz")
        return None if v is None else v.strip()

    @field_validator("download_base_url")
    @classmethod
    def _base_url(cls, v: str | None) -> str | None:
        if v is not None and not re.match(r"^(https?://[^/\s]+|file:)", v.strip()):
            raise ValueError("give an http(s) address such as http://mirror.example.cz (or a file: URL)")
        return None if v is None else v.strip()

    @field_validator("plan_period")
    @classmethod
    def _period(cls, v: str) -> str:
        m = re.fullmatch(r"\s*(\d{4})\s*[-–]\s*(\d{4})\s*", v)
        if not m or int(m[2]) < int(m[1]):
            raise ValueError("give the period as YYYY-YYYY, e.g. 2027-2029")
        return f"{m[1]}-{m[2]}"

    # -- effective values
    @property
    def data_folder(self) -> Path:
        """The data folder: ``data_dir``; else the nearest ``../shared/data`` with ``boundaries/``
        seen from the current folder or one of its parents (so a notebook started in
        ``notebooks/`` finds the same folder as the CLI started in the checkout); else
        ``var/demo-data``."""
        if self.data_dir is not None:
            return self.data_dir
        here = Path.cwd().resolve()
        for folder in (here, *here.parents):
            shared = folder.parent / "shared" / "data"
            if (shared / "boundaries").is_dir():
                return shared
        return _absolute(Path("var", "demo-data"))  # type: ignore[return-value]

    @property
    def layers_folder(self) -> Path:
        """The layer definitions: ``layers_dir`` or the package's ``layers/``."""
        return self.layers_dir or _packaged("geo_kissos._layers")

    @property
    def boundaries_folder(self) -> Path:
        """The boundary manifests: ``boundaries_dir`` or the package's ``boundaries/``."""
        return self.boundaries_dir or _packaged("geo_kissos._boundaries")

    @staticmethod
    def env_name(field: str) -> str:
        """The environment variable of a field (``cache_seconds`` -> ``GEO_KISSOS_CACHE_SECONDS``)."""
        alias = Config.model_fields[field].validation_alias
        return alias if isinstance(alias, str) else ENV_PREFIX + field.upper()

    def effective(self) -> Iterator[tuple[str, str, str]]:
        """(variable, effective value, description) of every setting; secrets masked, defaults resolved."""
        resolved = {"data_dir": self.data_folder, "layers_dir": self.layers_folder,
                    "boundaries_dir": self.boundaries_folder}
        for name, info in Config.model_fields.items():
            value = resolved.get(name, getattr(self, name))
            if isinstance(value, SecretStr):
                text = "********"
            elif value is None or value == "":
                text = "(not set)"
            else:
                text = str(value)
            if name not in self.model_fields_set:
                text += "  (default)"
            yield self.env_name(name), text, _describe(info)

    def describe(self) -> list[str]:
        """The lines ``geo-kissos store info`` prints: one per setting."""
        rows = list(self.effective())
        width = max(len(r[0]) for r in rows)
        return ["settings (relative paths: to the current folder " + str(Path.cwd()) + "):",
                *(f"  {var:{width}s}  {value}" for var, value, _ in rows)]


def _describe(info: FieldInfo) -> str:
    return info.description or ""


def _error(exc: ValidationError) -> ConfigError:
    """A :class:`ConfigError` naming each refused variable and its value (never a secret's)."""
    parts = []
    for err in exc.errors(include_url=False):
        field = str(err["loc"][0]) if err["loc"] else ""
        name = Config.env_name(field) if field in Config.model_fields else field
        shown = "" if "secret" in field or "key" in field else f"={err.get('input')!r}"
        parts.append(f"{name}{shown}: {err['msg']}")
    return ConfigError("invalid setting " + "; ".join(parts))


@lru_cache(maxsize=16)
def _cached(environ: tuple[tuple[str, str], ...], cwd: str) -> Config:
    token = _ENVIRON.set(dict(environ))
    try:
        return Config()
    except ValidationError as exc:
        raise _error(exc) from None
    finally:
        _ENVIRON.reset(token)


def get_config(environ: Mapping[str, str] | None = None, **overrides: Any) -> Config:
    """The settings: ``overrides`` (field names), then ``environ`` (default ``os.environ``), then defaults.

    Reading is cached per environment and current folder, so calling it where a setting is used
    costs a dictionary look-up.

    Parameters
    ----------
    environ : mapping, optional
        Environment variables to read instead of ``os.environ`` (tests, subprocess environments).
    **overrides
        Values by field name, validated like the environment's.

    Raises
    ------
    ConfigError
        A value does not validate (the message names the variable).
    """
    env = os.environ if environ is None else environ
    relevant = tuple(sorted((k, v) for k, v in env.items() if k.startswith(ENV_PREFIX)))
    if not overrides:
        return _cached(relevant, os.getcwd())
    token = _ENVIRON.set(dict(relevant))
    try:
        return Config(**overrides)
    except ValidationError as exc:
        raise _error(exc) from None
    finally:
        _ENVIRON.reset(token)


def data_dir() -> Path:
    """The folder input files are read from (:attr:`Config.data_folder`)."""
    return get_config().data_folder


def layers_dir() -> Path:
    """The folder of map-layer definitions (``GEO_KISSOS_LAYERS_DIR`` or the package's ``layers/``)."""
    return get_config().layers_folder


def boundaries_dir() -> Path:
    """The folder of boundary-source manifests (``GEO_KISSOS_BOUNDARIES_DIR`` or the package's ``boundaries/``)."""
    return get_config().boundaries_folder
