"""The production server for real: Granian on 127.0.0.1 answering /health and the map with
security headers; the reverse-proxy setting; the network warning of ``serve --host 0.0.0.0``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geo_kissos.config import REPO_ROOT
from geo_kissos.store import GpkgStore, Store
from webmap import create_app
from webmap.serving import cpu_cores, is_loopback, production_options


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=120) as r:
        return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()


def test_production_server_answers_health_and_map(production_url: str) -> None:
    status, headers, body = _get(production_url + "/health")
    assert status == 200 and headers["server"] == "granian"
    health = json.loads(body)
    assert health["status"] == "ok" and health["store"] == "reachable"
    assert re.fullmatch(r"[0-9a-f]{16}", health["data_version"]) and health["imports"] > 0
    assert headers["cache-control"] == "no-store"

    status, headers, body = _get(production_url + "/")
    page = body.decode("utf-8")
    assert status == 200 and "Mapa trhu sociálních služeb" in page
    csp = headers["content-security-policy"]
    nonce = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]+)'", csp).group(1)
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'self'" in csp and "object-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    tags = re.findall(r"<script\b[^>]*>", page)
    assert len(tags) >= 4, "Leaflet, markercluster, the app and Folium's inline scripts"
    assert all(f'nonce="{nonce}"' in t for t in tags), tags
    inline = [t for t in tags if "src=" not in t]
    assert len(inline) >= 2, "Folium's set-up and map scripts are inline, with the nonce"

    _, headers2, _ = _get(production_url + "/")
    assert headers2["content-security-policy"] != csp, "a fresh nonce per response"

    status, headers, body = _get(production_url + "/api/collections/population-65-share/items?limit=5&zoom=9")
    fc = json.loads(body)
    assert status == 200 and fc["numberReturned"] == 5 and headers["x-content-type-options"] == "nosniff"


def test_no_debug_console(production_url: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(production_url + "/console")
    assert err.value.code == 404


def test_proxy_headers_only_when_trusted(loaded_store: Store) -> None:
    fwd = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "mapa.example.cz", "X-Forwarded-Prefix": "/trh",
           "X-Forwarded-For": "203.0.113.9"}
    plain = create_app({"STORE": loaded_store, "TILES": None}).test_client()
    links = plain.get("/api/", headers=fwd).get_json()["links"]
    assert all(link["href"].startswith("http://localhost/api") for link in links), "untrusted: ignored"
    proxied = create_app({"STORE": loaded_store, "TILES": None, "TRUSTED_PROXIES": 1}).test_client()
    links = proxied.get("/api/", headers=fwd).get_json()["links"]
    assert {link["href"] for link in links} >= {"https://mapa.example.cz/trh/api/"}
    page = proxied.get("/", headers=fwd).get_data(as_text=True)
    assert 'src="/trh/static/app.js' in page, "assets under the proxy's prefix"


def test_health_says_when_the_store_is_gone(loaded_gpkg_copy: GpkgStore) -> None:
    client = create_app({"STORE": loaded_gpkg_copy, "TILES": None}).test_client()
    assert client.get("/health").status_code == 200
    Path(loaded_gpkg_copy.path).unlink()
    resp = client.get("/health")
    assert resp.status_code == 503
    assert resp.get_json()["store"] == "unreachable"


def test_exposed_host_is_said_plainly(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-store.gpkg"
    proc = subprocess.run([sys.executable, "-c", "from geo_kissos.cli import run; run()", "serve",
                           "--host", "0.0.0.0", "--store", str(missing)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, "the missing store stops it before anything listens"
    assert "exposes the map and its API to the network" in proc.stderr
    assert not missing.exists()
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.168.1.10")


def test_production_options_follow_the_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GEO_KISSOS_WORKERS", raising=False)
    monkeypatch.delenv("GEO_KISSOS_THREADS", raising=False)
    monkeypatch.setenv("GEO_KISSOS_ACCESS_LOG", "-")
    opts = production_options("127.0.0.1", 5001)
    assert (opts["address"], opts["port"], opts["workers"], opts["blocking_threads"]) == ("127.0.0.1", 5001,
                                                                                         cpu_cores(), 4)
    assert opts["log_access"] and "log_dictconfig" not in opts and opts["respawn_failed_workers"]
    monkeypatch.setenv("GEO_KISSOS_WORKERS", "3")
    monkeypatch.setenv("GEO_KISSOS_THREADS", "6")
    monkeypatch.setenv("GEO_KISSOS_ACCESS_LOG", "")
    opts = production_options()
    assert (opts["workers"], opts["blocking_threads"], opts["log_access"]) == (3, 6, False)
    log = tmp_path / "access.log"
    monkeypatch.setenv("GEO_KISSOS_ACCESS_LOG", str(log))
    opts = production_options()
    handlers = opts["log_dictconfig"]["handlers"]
    assert opts["log_access"] and handlers["access"]["filename"] == str(log) and "console" in handlers


def test_access_log_to_a_file(_loaded_gpkg: Path, tmp_path: Path, production_server) -> None:
    start_server, stop_server = production_server
    log = tmp_path / "access.log"
    proc, url = start_server(str(_loaded_gpkg), env={"GEO_KISSOS_ACCESS_LOG": str(log)})
    want = '"GET /api/collections HTTP/1.1" 200'
    try:
        _get(url + "/api/collections")
        deadline = time.monotonic() + 30  # a worker writes its line after the answer, in its own time
        while want not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        out = stop_server(proc)
    assert "Granian: 2 worker(s) x 4 thread(s)" in out
    lines = log.read_text(encoding="utf-8").splitlines()
    assert any(want in line for line in lines), lines
    assert any('"GET /health HTTP/1.1" 200' in line for line in lines)


def test_the_process_environment_stays_out_of_requests() -> None:
    """Granian copies the process environment into every request's environ (as CGI did); the
    app's entry point takes it out, so no secret of the settings reaches a request."""
    from webmap.wsgi import without_process_environment

    seen: list[dict[str, object]] = []

    def inner(environ: dict[str, object], start_response: object) -> list[bytes]:
        seen.append(dict(environ))
        return [b""]

    process = {"GEO_KISSOS_SECRET_KEY": "do-not-show-0123456789abcdef0123456789",
               "GEO_KISSOS_DATABASE_URL": "postgresql+psycopg://gk:secret@db/gk", "PATH": "/usr/bin",
               "HTTP_PROXY": "http://proxy.internal:3128", "PATH_INFO": "/from-the-process"}
    app = without_process_environment(inner, process)
    request = {"REQUEST_METHOD": "GET", "PATH_INFO": "/api/", "QUERY_STRING": "", "HTTP_HOST": "127.0.0.1",
               "wsgi.url_scheme": "http"}
    app({**process, **request}, lambda *a: None)  # what Granian passes: the process's, then the request's
    assert seen[-1] == request, "only the request's own keys (PATH_INFO is the request's)"
    app({**process, **request, "HTTP_PROXY": "sent-by-the-client"}, lambda *a: None)
    assert seen[-1]["HTTP_PROXY"] == "sent-by-the-client", "a header the client sent is kept"
    assert "GEO_KISSOS_SECRET_KEY" not in seen[-1] and "PATH" not in seen[-1]

