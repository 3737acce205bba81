"""The OpenAPI document: valid, complete, linked; the API fuzzed against it with schemathesis.

The fuzzing is bounded (a few examples per operation, derandomized, no example database) and
asserts no server error (5xx) on either store, whatever the generated parameters.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error

from geo_kissos.store import Store
from webmap import create_app
from webmap.params import MAX_LIMIT

OAS_TYPE = "application/vnd.oai.openapi+json;version=3.0"
#: Generated requests per operation (bounded, deterministic: derandomized).
MAX_EXAMPLES = 8


@pytest.fixture(scope="module")
def client(loaded_store: Store):
    return create_app({"STORE": loaded_store, "TILES": None}).test_client()


def test_document_is_valid_and_complete(client) -> None:
    resp = client.get("/api/openapi")
    assert resp.status_code == 200 and resp.content_type == OAS_TYPE
    doc = resp.get_json(force=True)
    validate(doc)  # openapi-spec-validator: a valid OpenAPI 3.0 document
    assert doc["openapi"].startswith("3.0")
    app = client.application
    api_rules = {r.rule.replace("<", "{").replace(">", "}") for r in app.url_map.iter_rules()
                 if r.endpoint.startswith("api.")}
    assert set(doc["paths"]) == api_rules, "every API route is described, and nothing else"
    items = doc["paths"]["/api/collections/{collection_id}/items"]["get"]
    params = {p["name"]: p for p in items["parameters"]}
    assert set(params) >= {"collection_id", "limit", "offset", "bbox", "zoom", "orp", "year"}
    assert params["limit"]["schema"]["maximum"] == MAX_LIMIT
    assert params["collection_id"]["schema"]["enum"] == list(app.extensions["geo_kissos"].layers)
    # the bound the document states is the bound the parser enforces
    assert client.get(f"/api/collections/sites/items?limit={MAX_LIMIT}").status_code == 200
    assert client.get(f"/api/collections/sites/items?limit={MAX_LIMIT + 1}").status_code == 400


def test_landing_links_service_desc_and_conformance(client) -> None:
    landing = client.get("/api/").get_json()
    desc = [link for link in landing["links"] if link["rel"] == "service-desc"]
    assert len(desc) == 1 and desc[0]["type"] == OAS_TYPE
    assert desc[0]["href"] == "http://localhost/api/openapi"
    conf = client.get("/api/conformance").get_json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in conf


def test_fuzzed_requests_never_fail_the_server(loaded_store: Store) -> None:
    """Every operation, a bounded number of generated requests each: no 5xx."""
    app = create_app({"STORE": loaded_store, "TILES": None})
    schema = schemathesis.openapi.from_wsgi("/api/openapi", app)
    seen: dict[str, int] = {}
    def fuzz(operation) -> None:
        @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case) -> None:
            response = case.call()
            seen[operation.label] = seen.get(operation.label, 0) + 1
            case.validate_response(response, checks=[not_a_server_error])

        run()

    for result in schema.get_all_operations():
        fuzz(result.ok())
    assert len(seen) >= 8, f"every data operation was exercised: {sorted(seen)}"
    assert seen["GET /api/collections/{collection_id}/items"] == MAX_EXAMPLES
