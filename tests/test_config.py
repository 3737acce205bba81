"""The settings object: defaults, environment, the relative-path rule, refusals, ``store info``, overrides."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo_kissos.cli import main
from geo_kissos.config import Config, boundaries_dir, data_dir, get_config, layers_dir
from geo_kissos.errors import ConfigError
from geo_kissos.store import GpkgStore, default_store_url


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No GEO_KISSOS_* variable set, the current folder a new one (two levels down in tmp_path)."""
    import os

    for key in list(os.environ):
        if key.startswith("GEO_KISSOS_"):
            monkeypatch.delenv(key)
    cwd = tmp_path / "work" / "checkout"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    return cwd


def test_defaults(clean_env: Path) -> None:
    cfg = get_config()
    assert cfg.database_url == str(Path("var", "geo-kissos.gpkg")) == default_store_url()
    assert (cfg.cache_seconds, cfg.session_hours, cfg.lock_timeout) == (300.0, 8.0, 300.0)
    assert (cfg.workers, cfg.threads, cfg.access_log) == (0, 4, "-")
    assert cfg.cookie_secure is True and cfg.secret_key is None and cfg.trusted_proxies == 0
    assert cfg.tiles.startswith("https://tile.openstreetmap.org/") and cfg.plan_period == "2027-2029"
    assert cfg.applicants_retention_months == 24 and cfg.model_fields_set == set()
    # no ../shared/data beside the current folder: the demo folder under it
    assert data_dir() == clean_env / "var" / "demo-data"
    # the layers and boundary manifests are the package's own
    assert layers_dir() == Path(str(resources.files("geo_kissos._layers")))
    assert (layers_dir() / "population-65-share.toml").is_file()
    assert sorted(p.name for p in boundaries_dir().glob("*.toml")) == [
        "arccr-obce.toml", "csu-ciselniky.toml", "ruian-obce.toml"]


def test_every_field_is_documented() -> None:
    for name, info in Config.model_fields.items():
        assert info.description and len(info.description) > 15, name
        assert Config.env_name(name) == f"GEO_KISSOS_{name.upper()}"


def test_shared_data_beside_the_current_folder_is_the_default(clean_env: Path) -> None:
    assert data_dir() == clean_env / "var" / "demo-data"
    shared = clean_env.parent / "shared" / "data"
    (shared / "boundaries").mkdir(parents=True)
    assert data_dir() == shared.resolve()


def test_shared_data_is_found_from_a_subfolder_of_the_checkout(clean_env: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook's kernel starts in ``notebooks/``: it finds the checkout's ``../shared/data``."""
    shared = clean_env.parent / "shared" / "data"
    (shared / "boundaries").mkdir(parents=True)
    (clean_env / "notebooks").mkdir()
    monkeypatch.chdir(clean_env / "notebooks")
    assert data_dir() == shared.resolve()
    (shared / "boundaries").rmdir()  # without the data-folder layout it is not taken
    assert data_dir() == clean_env / "notebooks" / "var" / "demo-data"


def test_environment_overrides_and_is_seen_at_once(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_KISSOS_CACHE_SECONDS", "60")
    monkeypatch.setenv("GEO_KISSOS_COOKIE_SECURE", "0")
    monkeypatch.setenv("GEO_KISSOS_DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("GEO_KISSOS_TILES", "")
    cfg = get_config()
    assert cfg.cache_seconds == 60.0 and cfg.cookie_secure is False and cfg.tiles == ""
    assert default_store_url() == "postgresql+psycopg://u@h/db"
    assert {"cache_seconds", "cookie_secure", "database_url"} <= cfg.model_fields_set
    monkeypatch.setenv("GEO_KISSOS_CACHE_SECONDS", "7")
    assert get_config().cache_seconds == 7.0
    # an explicit mapping instead of the environment, and overrides by field name on top
    assert get_config({"GEO_KISSOS_THREADS": "8"}).threads == 8
    assert get_config({"GEO_KISSOS_THREADS": "8"}, threads=2).threads == 2


def test_relative_paths_are_relative_to_the_current_folder(clean_env: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO_KISSOS_DATA_DIR", "inputs")
    monkeypatch.setenv("GEO_KISSOS_LAYERS_DIR", "../my-layers")
    monkeypatch.setenv("GEO_KISSOS_BOUNDARIES_DIR", "~/manifests")
    monkeypatch.setenv("GEO_KISSOS_PLANNING", "plan/planning.toml")
    cfg = get_config()
    assert data_dir() == clean_env / "inputs"
    assert layers_dir() == clean_env.parent / "my-layers"
    assert boundaries_dir() == Path.home().resolve() / "manifests"
    assert cfg.planning == clean_env / "plan" / "planning.toml"
    other = clean_env / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)  # the same variable, read from another folder
    assert data_dir() == other / "inputs"


@pytest.mark.parametrize(("var", "value", "says"), [
    ("GEO_KISSOS_CACHE_SECONDS", "five", "valid number"),
    ("GEO_KISSOS_SESSION_HOURS", "-1", "greater than 0"),
    ("GEO_KISSOS_WORKERS", "many", "valid integer"),
    ("GEO_KISSOS_COOKIE_SECURE", "maybe", "valid boolean"),
    ("GEO_KISSOS_PUBLIC_URL", "mapa.example.cz", "http(s) URL"),
    ("GEO_KISSOS_TILES", "https://tiles.example.cz/x.png", "{z}"),
    ("GEO_KISSOS_PLAN_PERIOD", "2029-2027", "YYYY-YYYY"),
    ("GEO_KISSOS_APPLICANTS_RETENTION_MONTHS", "0", "greater than or equal to 1"),
])
def test_a_bad_value_is_refused_naming_the_variable(clean_env: Path, monkeypatch: pytest.MonkeyPatch,
                                                    var: str, value: str, says: str) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(ConfigError) as exc:
        get_config()
    assert var in str(exc.value) and says in str(exc.value)


def test_the_command_line_refuses_a_bad_value_with_exit_code_2(clean_env: Path) -> None:
    import os

    env = {**os.environ, "GEO_KISSOS_LOCK_TIMEOUT": "soon"}
    proc = subprocess.run([sys.executable, "-c", "from geo_kissos.cli import run; run()", "store", "info"],
                          env=env, capture_output=True, text=True, cwd=clean_env)
    assert proc.returncode == 2, proc.stderr
    assert "GEO_KISSOS_LOCK_TIMEOUT='soon'" in proc.stderr and "Traceback" not in proc.stderr


def test_a_refused_secret_is_not_echoed(clean_env: Path) -> None:
    with pytest.raises(ConfigError, match="GEO_KISSOS_OIDC_CLIENT_SECRET") as exc:
        get_config(oidc_client_secret=["s3cr3t-value"])
    assert "s3cr3t-value" not in str(exc.value)


def test_store_info_prints_the_settings_with_secrets_masked(clean_env: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    store = clean_env / "s.gpkg"
    GpkgStore(store).close()
    monkeypatch.setenv("GEO_KISSOS_SECRET_KEY", "do-not-print-this-key-0123456789")
    monkeypatch.setenv("GEO_KISSOS_PSEUDONYM_KEY", "nor-this-pseudonym-key-0123456789abc")
    monkeypatch.setenv("GEO_KISSOS_CACHE_SECONDS", "42")
    monkeypatch.setenv("GEO_KISSOS_DATA_DIR", "inputs")
    res = CliRunner().invoke(main, ["store", "info", "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "do-not-print" not in res.output and "nor-this" not in res.output
    lines = {line.split()[0]: line for line in res.output.splitlines() if line.startswith("  GEO_KISSOS_")}
    assert "********" in lines["GEO_KISSOS_SECRET_KEY"] and "********" in lines["GEO_KISSOS_PSEUDONYM_KEY"]
    assert lines["GEO_KISSOS_CACHE_SECONDS"].split()[1:] == ["42.0"]
    assert lines["GEO_KISSOS_DATA_DIR"].split()[1] == str(clean_env / "inputs")
    assert lines["GEO_KISSOS_SESSION_HOURS"].split()[1:] == ["8.0", "(default)"]
    assert lines["GEO_KISSOS_OIDC_CLIENT_SECRET"].split()[1:3] == ["(not", "set)"]
    assert set(lines) == {Config.env_name(n) for n in Config.model_fields}
    assert f"store: {store}" in res.output


def test_create_app_takes_the_environment_and_the_test_config_wins(clean_env: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from webmap import create_app

    monkeypatch.setenv("GEO_KISSOS_SESSION_HOURS", "2")
    monkeypatch.setenv("GEO_KISSOS_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("GEO_KISSOS_TILES", "https://tiles.example.cz/{z}/{x}/{y}.png")
    monkeypatch.setenv("GEO_KISSOS_SECRET_KEY", "k" * 40)
    store = GpkgStore(clean_env / "s.gpkg")
    try:
        app = create_app({"STORE": store})
        assert app.config["TILES"] == "https://tiles.example.cz/{z}/{x}/{y}.png"
        assert app.config["TRUSTED_PROXIES"] == 1 and app.config["SECRET_KEY"] == "k" * 40
        assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=2)
        app = create_app({"STORE": store, "TILES": None, "TRUSTED_PROXIES": 0, "SESSION_HOURS": 1,
                          "SECRET_KEY": "test"})
        assert app.config["TILES"] is None and app.config["TRUSTED_PROXIES"] == 0
        assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=1) and app.config["SECRET_KEY"] == "test"
    finally:
        store.close()
