"""Issue 10.5: every error class in ``geo_kissos.errors``, one handler answering them in one shape.

The API and the exports answer ``{"code", "description"}`` (+ the class's fields) with the class's
HTTP status and OGC code; the pages an HTML page; a bug is a 500 whose text is generic while the
log has the exception with its traceback.
"""

from __future__ import annotations

import importlib
import inspect
import io
import logging
from pathlib import Path

import pytest
from flask import Flask

import geo_kissos
import webmap
from geo_kissos import errors
from geo_kissos.errors import (
    INTERNAL_ERROR,
    AnalysisError,
    ConflictError,
    GeoKissosError,
    InputError,
    NotFound,
    ParamError,
    PermissionDenied,
    Problem,
    StoreError,
    UnknownOrpError,
)
from geo_kissos.logs import setup_logging
from webmap import create_app
from webmap.exports import export_blueprint

SECRET = "secret detail /srv/private/store.gpkg"
#: Modules that do work when imported (the WSGI app opens the default store).
NOT_IMPORTED = {"webmap.wsgi"}


def _raising(app: Flask, path: str, exc: BaseException) -> None:
    def view() -> str:
        raise exc
    app.add_url_rule(path, endpoint=f"raise-{path}", view_func=view)


@pytest.fixture
def app(loaded_gpkg_copy) -> Flask:
    return create_app({"STORE": loaded_gpkg_copy, "TILES": None})


def test_every_exception_class_of_the_package_is_in_errors_and_a_geo_kissos_error():
    outside, seen = [], 0
    for pkg in (geo_kissos, webmap):
        top = Path(pkg.__file__).parent
        for path in sorted(top.rglob("*.py")):  # folders without __init__.py (namespace packages) too
            parts = (pkg.__name__, *path.relative_to(top).with_suffix("").parts)
            mod_name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            if mod_name in NOT_IMPORTED:
                continue
            module = importlib.import_module(mod_name)
            seen += 1
            for name, obj in vars(module).items():
                if (inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == mod_name
                        and mod_name != "geo_kissos.errors"):
                    outside.append(f"{mod_name}.{name}")
    assert seen > 80 and outside == []
    classes = [c for c in vars(errors).values() if inspect.isclass(c) and issubclass(c, BaseException)]
    assert len(classes) >= 18
    for cls in classes:
        assert issubclass(cls, GeoKissosError), cls
        assert 400 <= cls.http_status < 600 and cls.ogc_code.isalpha(), cls


def test_the_old_import_names_are_the_same_classes():
    from geo_kissos.analysis.errors import AnalysisError as old_analysis
    from geo_kissos.download import DownloadError as old_download
    from geo_kissos.download.atom import FeedError as old_feed
    from geo_kissos.export import UnknownOrpError as old_orp
    from webmap.params import ParamError as old_param

    assert (old_analysis, old_download, old_feed, old_orp, old_param) == (
        AnalysisError, errors.DownloadError, errors.FeedError, UnknownOrpError, ParamError)


@pytest.mark.parametrize(("exc", "status", "code", "extra"), [
    (ParamError("year", "1800 is outside 1900..2100"), 400, "InvalidParameterValue", {"parameter": "year"}),
    (InputError([Problem("form", "row 2", "units", "not a number")]), 400, "InvalidParameterValue",
     {"problems": [{"source": "form", "location": "row 2", "field": "units", "message": "not a number"}]}),
    (PermissionDenied("user x may not write service 1"), 403, "PermissionDenied", {}),
    (NotFound("no feature 'x'"), 404, "NotFound", {}),
    (UnknownOrpError("no ORP 'Praha'"), 404, "NotFound", {}),
    (ConflictError("record changed"), 409, "Conflict", {}),
    (AnalysisError("population: no data for 2019 or earlier"), 409, "Conflict", {}),
])
def test_package_errors_answer_their_status_and_code_in_one_shape(app, exc, status, code, extra):
    _raising(app, "/api/raise", exc)
    r = app.test_client().get("/api/raise")
    assert r.status_code == status and r.mimetype == "application/json"
    body = r.json
    assert body["code"] == code and body["description"] == str(exc)
    assert {k: body[k] for k in extra} == extra
    assert "dataVersion" in body  # as every API document: which data it was answered on


def test_a_bug_is_a_generic_500_and_the_log_has_it(app, caplog):
    _raising(app, "/api/boom", RuntimeError(SECRET))
    _raising(app, "/boom", RuntimeError(SECRET))
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="webmap.errors"):
        api = client.get("/api/boom")
        page = client.get("/boom")
    assert api.status_code == 500 and api.json == {**api.json, "code": "NoApplicableCode",
                                                   "description": INTERNAL_ERROR}
    assert page.status_code == 500 and page.mimetype == "text/html"
    for r in (api, page):
        text = r.get_data(as_text=True)
        assert SECRET not in text and "RuntimeError" not in text and "Traceback" not in text
    records = [rec for rec in caplog.records if rec.name == "webmap.errors"]
    assert len(records) == 2
    for rec in records:
        assert rec.levelno == logging.ERROR and rec.exc_info and rec.exc_info[1].args == (SECRET,)
        assert SECRET in caplog.text and "Traceback" in caplog.text


def test_a_server_side_package_error_hides_its_message(app, caplog):
    _raising(app, "/api/store", StoreError("cannot open postgresql://kissos:heslo@db/kissos"))
    with caplog.at_level(logging.INFO, logger="webmap.errors"):
        r = app.test_client().get("/api/store")
    assert r.status_code == 500 and r.json["code"] == "NoApplicableCode"
    assert "heslo" not in r.get_data(as_text=True) and r.json["description"] == INTERNAL_ERROR
    assert "heslo" in caplog.text and caplog.records[-1].levelno == logging.ERROR


def test_a_client_error_is_logged_at_info_without_traceback(app, caplog):
    with caplog.at_level(logging.INFO, logger="webmap.errors"):
        r = app.test_client().get("/api/collections/nope")
    assert r.status_code == 404
    rec = [rec for rec in caplog.records if rec.name == "webmap.errors"][-1]
    assert rec.levelno == logging.INFO and not rec.exc_info and "nope" in rec.getMessage()


def test_werkzeug_errors_keep_their_status_json_for_the_api_html_for_pages(app):
    client = app.test_client()
    api = client.post("/api/collections")
    assert api.status_code == 405 and api.json["code"] == "MethodNotAllowed" and api.json["description"]
    page = client.get("/no-such-page")
    assert page.status_code == 404 and page.mimetype == "text/html"


def test_the_export_blueprint_on_its_own_app_answers_the_same_way(loaded_gpkg_copy):
    app = Flask(__name__)
    app.config["EXPORT_STORE"] = loaded_gpkg_copy
    app.register_blueprint(export_blueprint)
    client = app.test_client()
    r = client.get("/export/Praha/gaps.csv")
    assert r.status_code == 404 and r.json["code"] == "NotFound" and "Praha" in r.json["description"]
    r = client.get("/export/7110/gaps.docx")
    assert r.status_code == 404 and r.json["code"] == "NotFound" and "gaps.docx" in r.json["description"]
    r = client.get("/export/7110/gaps.csv?year=1800")
    assert r.status_code == 400 and r.json["parameter"] == "year" and r.json["code"] == "InvalidParameterValue"


def test_one_logging_setup_for_the_cli_and_the_server(monkeypatch):
    root = logging.getLogger()
    before = list(root.handlers), {n: logging.getLogger(n).level for n in ("geo_kissos", "webmap")}
    out = io.StringIO()
    try:
        monkeypatch.setenv("GEO_KISSOS_LOG_LEVEL", "info")
        assert setup_logging(stream=out) == logging.INFO
        assert setup_logging(stream=out) == logging.INFO  # again: still one handler
        logging.getLogger("geo_kissos.collect.x").info("uploaded %d rows", 3)
        logging.getLogger("webmap.y").debug("not shown")
        assert out.getvalue().count("INFO geo_kissos.collect.x: uploaded 3 rows") == 1
        assert "not shown" not in out.getvalue()
        assert setup_logging("ERROR", stream=out) == logging.ERROR
        monkeypatch.setenv("GEO_KISSOS_LOG_LEVEL", "LOUD")
        with pytest.raises(errors.ConfigError, match="GEO_KISSOS_LOG_LEVEL='LOUD'"):
            setup_logging()
    finally:
        for h in [h for h in root.handlers if h not in before[0]]:
            root.removeHandler(h)
        for name, level in before[1].items():
            logging.getLogger(name).setLevel(level)


def test_the_api_definition_describes_the_error_answers(app):
    doc = app.test_client().get("/api/openapi").get_json(force=True)
    exception = doc["components"]["schemas"]["Exception"]
    assert exception["required"] == ["code", "description"]
    ref = {"$ref": "#/components/schemas/Exception"}
    for path, item in doc["paths"].items():
        responses = item["get"]["responses"]
        assert responses["500"]["content"]["application/json"]["schema"] == ref, path
        if "{" in path:
            assert "404" in responses and "400" in responses, path
