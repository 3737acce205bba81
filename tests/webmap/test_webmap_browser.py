"""The market map in real headless Chromium (Debian's /usr/bin/chromium through Playwright).

A live server (werkzeug on 127.0.0.1, port 0, in a thread) serves the app on the loaded demo
store. The test sees the choropleth and the site markers drawn, filters the sites, searches a
municipality, opens a popup, and checks that the page logged no console error and that no
request failed. A screenshot goes to ``test-artifacts/``. Without Chromium the test is skipped,
or fails when ``GK_REQUIRE_BROWSER=1`` (set by ``.ci/run``).
"""

from __future__ import annotations

import json

import pytest

from geo_kissos.config import REPO_ROOT
from geo_kissos.store import Store

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"
#: Generous upper bound for the page to finish loading; not a performance assertion.
READY_MS = 60_000


def test_market_map_in_chromium(browser, live_url: str, loaded_store: Store,
                                request: pytest.FixtureRequest) -> None:
    n_municipalities = len(loaded_store.read("municipality"))
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="cs-CZ")
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(live_url + "/")
    page.wait_for_function("() => window.GK && GK.ready === true", timeout=READY_MS)

    # the thematic layer: one SVG path per municipality, coloured from the API
    areas = page.locator(".leaflet-gk-choropleth-pane path.gk-area")
    assert areas.count() == n_municipalities
    fills = set(page.eval_on_selector_all(".leaflet-gk-choropleth-pane path",
                                          "ps => ps.map(p => p.getAttribute('fill'))"))
    assert len(fills) >= 2, "classified: more than one colour"
    assert page.locator(".leaflet-gk-orp-pane path").count() == len(loaded_store.read("orp"))
    legend_items = page.locator("#gk-legend-thematic li")
    api_legend = json.loads(page.evaluate(
        "fetch('/api/collections/population-65-share/items?limit=1').then(r => r.text())"))["legend"]
    assert legend_items.count() == len(api_legend["entries"])
    assert legend_items.first.inner_text() == api_legend["entries"][0]["label"]

    # service sites: clustered markers, a count, then a filter changes the count
    count = page.locator("#gk-site-count")
    total = int(count.get_attribute("data-total"))
    assert total > 0, "the demo store has located sites"
    assert int(count.get_attribute("data-count")) == total
    markers = page.locator(".gk-cluster-in, path.gk-site")
    assert markers.count() > 0
    page.select_option("#gk-f-type", "49")
    shown = int(count.get_attribute("data-count"))
    api = json.loads(page.evaluate(
        "fetch('/api/collections/sites/items?type=49&limit=10000').then(r => r.text())"))
    assert 0 < shown == api["numberMatched"] < total
    assert count.inner_text().startswith(f"Zobrazeno {shown} z ")
    legend_sites = page.locator("#gk-legend-sites li")
    assert legend_sites.count() == 1 and "§ 47, 49, 50, 52" in legend_sites.first.inner_text()
    page.click("#gk-f-reset")
    assert int(count.get_attribute("data-count")) == total

    # another layer: the legend follows the active layer
    page.select_option("#gk-layer", "coverage-49-orp")
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-gk-choropleth-pane path').length === "
        f"{len(loaded_store.read('orp'))}", timeout=READY_MS)
    assert "§ 49" in page.locator("#gk-legend-thematic h3").inner_text()

    # search zooms in; a click on a municipality opens its popup
    zoom_before = page.evaluate("GK.map.getZoom()")
    name = loaded_store.read("municipality").sort_values("municipality_code")["name"].iloc[0]
    page.fill("#gk-search", name)
    page.press("#gk-search", "Enter")
    page.wait_for_function(f"() => GK.map.getZoom() > {zoom_before}", timeout=READY_MS)
    page.select_option("#gk-layer", "population-65-share")
    page.wait_for_function(
        f"() => document.querySelectorAll('.leaflet-gk-choropleth-pane path').length === {n_municipalities}",
        timeout=READY_MS)
    page.evaluate("(() => { let l = null; GK.map.eachLayer(x => { if (!l && x.feature && x.feature.properties"
                  " && x.feature.properties.klass !== undefined) l = x; }); l.openPopup(); })()")
    popup = page.locator(".leaflet-popup-content .gk-pop")
    popup.wait_for(timeout=READY_MS)
    assert "Obyvatelé 65+" in popup.inner_text()
    page.evaluate("GK.map.closePopup()")
    page.select_option("#gk-f-type", "49")
    page.fill("#gk-search", "")
    page.click("a.gk-home")
    page.wait_for_function(f"() => GK.idle && GK.map.getZoom() <= {zoom_before}", timeout=READY_MS)
    assert "nenalezena" not in page.inner_text("#gk-status"), "an empty search is no error"
    page.wait_for_function("() => document.getElementById('gk-status').textContent === ''", timeout=READY_MS)

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"market-map-{request.node.callspec.id}.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 20_000

    # the address keeps the view: a permalink opens the same layer and filters
    link = page.evaluate("location.hash")
    assert "type=49" in link and "layer=population-65-share" in link
    again = browser.new_page(viewport={"width": 1200, "height": 800})
    again.on("pageerror", lambda e: errors.append(str(e)))
    again.goto(live_url + "/#layer=gap-49-orp&type=49")
    again.wait_for_function("() => window.GK && GK.ready === true", timeout=READY_MS)
    assert again.input_value("#gk-layer") == "gap-49-orp"
    assert again.locator(".leaflet-gk-choropleth-pane path").count() == len(loaded_store.read("orp"))
    assert int(again.get_attribute("#gk-site-count", "data-count")) == shown

    # choosing an ORP filters layer and sites and points the download links at it
    orp_code = loaded_store.read("orp").sort_values("orp_code")["orp_code"].iloc[0]
    again.select_option("#gk-orp", orp_code)
    again.wait_for_function(
        "() => document.querySelectorAll('.leaflet-gk-choropleth-pane path').length === 1", timeout=READY_MS)
    in_orp = [f for f in api["features"] if f["properties"]["orp_code"] == orp_code]
    assert int(again.get_attribute("#gk-site-count", "data-count")) == len(in_orp)
    if again.locator("#gk-export").count():
        pdf = again.get_attribute("#gk-x-pdf", "href")
        assert pdf.startswith(f"/export/{orp_code}/gap-49-orp.pdf"), pdf
        assert "layer=gap-49-orp" in again.get_attribute("#gk-x-gaps", "href")

    assert errors == [], f"console errors: {errors}"
    assert [u for u in failed if "tile" not in u] == [], f"failed requests: {failed}"
