"""What a planner or an ORP coordinator trips over in daily use of the market map (QA findings).

One page test in headless Chromium (search without diacritics, repeated names, the year kept
across layers, an ORP clear of the legend, popups, a mangled permalink, the atlas hint, a phone)
and a plain test of the Czech order of ORPs and places.
"""

from __future__ import annotations

import unicodedata

import pytest

from geo_kissos.store import Store
from geo_kissos.text import czech_sort_key
from webmap import create_app

READY_MS = 60_000


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def test_czech_alphabetical_order() -> None:
    names = ["Zábřeh", "Šumperk", "Uničov", "Šternberk", "Přerov", "Prostějov", "Cholina", "Hranice", "Černotín",
             "Bystřice", "Bělkovice"]
    assert sorted(names, key=czech_sort_key) == [
        "Bělkovice", "Bystřice", "Černotín", "Hranice", "Cholina", "Prostějov", "Přerov", "Šternberk", "Šumperk",
        "Uničov", "Zábřeh"]


def test_orp_picker_and_places_in_czech_order(loaded_store: Store) -> None:
    client = create_app({"STORE": loaded_store, "TILES": None}).test_client()
    orp_names = list(loaded_store.read("orp")["name"].astype(str))
    html = client.get("/").get_data(as_text=True)
    shown = sorted(orp_names, key=lambda n: html.index(f">{n}</option>"))
    assert shown == sorted(orp_names, key=czech_sort_key)
    places = client.get("/api/places").get_json()["places"]
    for level in ("orp", "municipality"):
        names = [p["name"] for p in places if p["level"] == level]
        assert names == sorted(names, key=czech_sort_key)


@pytest.mark.browser
def test_daily_use_in_chromium(browser, live_url: str, loaded_store: Store) -> None:
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="cs-CZ")
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_url + "/")
    page.wait_for_function("() => window.GK && GK.ready === true", timeout=READY_MS)

    # ORP names and values of ORP layers are not hidden under the site clusters
    z = page.evaluate("""() => ['gk-labels', 'gk-orp', 'gk-sites', 'gk-choropleth'].map(n =>
        Number(getComputedStyle(GK.map.getPane(n)).zIndex))""")
    assert z[0] > z[2] > z[1] > z[3], z

    # search: typed without diacritics, and every entry of the list can be picked (repeated names)
    orp = loaded_store.read("orp")
    accented = [n for n in orp["name"].astype(str) if _fold(n) != n.lower()]
    for name in accented[:3]:
        hit = page.evaluate("t => { const p = GK.search(t); return p && p.name; }", _fold(name))
        assert hit == name, f"search {_fold(name)!r} found {hit!r}"
    labels = page.eval_on_selector_all("#gk-places option", "os => os.map(o => o.value)")
    assert len(labels) == len(set(labels)), "two entries of the search list look the same"
    picked = page.evaluate("ls => ls.map(l => { const p = GK.search(l); return p && p.code; })", labels)
    assert len(set(picked)) == len(labels), "an entry of the search list finds another place"
    providers = page.eval_on_selector_all("#gk-f-provider option", "os => os.map(o => o.textContent)")
    assert len(providers) == len(set(providers)), "two providers look the same in the filter"

    # the chosen year stays when the planner switches to another layer
    years = page.eval_on_selector_all("#gk-year option", "os => os.map(o => o.value)")
    if len(years) > 1:
        page.select_option("#gk-year", years[-1])
        page.wait_for_function(
            f"() => document.querySelector('#gk-legend-thematic h3').textContent.includes('{years[-1]}')",
            timeout=READY_MS)
        page.select_option("#gk-layer", "access-49-municipality")
        page.wait_for_function("() => document.querySelector('#gk-legend-thematic h3').textContent.includes('§ 49')",
                               timeout=READY_MS)
        assert page.input_value("#gk-year") == years[-1]
        assert years[-1] in page.inner_text("#gk-legend-thematic h3")

    # an ORP picked from the list is drawn clear of the legend
    places = page.evaluate("fetch('/api/places').then(r => r.json())")["places"]
    orps = [p for p in places if p["level"] == "orp"]
    widest = max(orps, key=lambda p: (p["bbox"][2] - p["bbox"][0]) / (p["bbox"][3] - p["bbox"][1]))
    page.select_option("#gk-orp", widest["code"])
    page.wait_for_timeout(400)
    page.wait_for_function("() => GK.idle", timeout=READY_MS)
    overlap = page.evaluate("""b => {
        const ne = GK.map.latLngToContainerPoint([b[3], b[2]]), sw = GK.map.latLngToContainerPoint([b[1], b[0]]);
        const lg = document.querySelector('.gk-legend').getBoundingClientRect();
        const mp = GK.map.getContainer().getBoundingClientRect();
        return ne.x > lg.left - mp.left + 5 && sw.y > lg.top - mp.top + 5; }""", widest["bbox"])
    assert not overlap, "the chosen ORP lies under the legend"

    # site popups list target groups readably ("a; b", not "a;b")
    text = page.evaluate("""() => {
        const m = GK.state.markers.find(m => (m.feature.properties.target_groups || '').includes(';'));
        if (!m) return null;
        const d = document.createElement('div'); d.innerHTML = m.getPopup()._content(m); return d.textContent; }""")
    if text is not None:
        assert "; " in text and all(part.startswith(" ") for part in text.split(";")[1:])

    # a site placed at its municipality's centre says its position is approximate
    approx = page.evaluate("""() => GK.state.markers.map(m => {
        const d = document.createElement('div'); d.innerHTML = m.getPopup()._content(m);
        return [m.feature.properties.location_quality, d.textContent.includes('Poloha je přibližná')]; })""")
    assert all(flag == (quality == "municipality_centroid") for quality, flag in approx)

    # without a thematic layer the downloads show the default layer, and the hint names that one
    if page.locator("#gk-export").count():
        page.select_option("#gk-layer", "")
        layer = page.get_attribute("#gk-x-pdf", "href").split("/")[3].split(".")[0]
        title = page.evaluate("id => GK.cfg.layers.find(l => l.id === id).title_cs", layer)
        assert title in page.inner_text("#gk-export-hint")

    # the atlas takes a while: the page says so when its link is clicked
    if page.locator("#gk-x-atlas").count():
        page.evaluate("document.getElementById('gk-x-atlas').addEventListener('click', e => e.preventDefault())")
        page.click("#gk-x-atlas")
        assert "atlas" in page.inner_text("#gk-status").lower()

    # a mangled permalink opens the map instead of breaking it
    bad = browser.new_page(viewport={"width": 1200, "height": 800})
    bad.on("pageerror", lambda e: errors.append(str(e)))
    bad.goto(live_url + "/#z=abc&lat=x&lng=y&orp=%E0&layer=gap-49-orp")
    bad.wait_for_function("() => window.GK && GK.ready === true", timeout=READY_MS)
    assert bad.input_value("#gk-layer") == "gap-49-orp"

    # a phone: the search box is usable, the data date shown, an opened legend stays inside the map
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.on("pageerror", lambda e: errors.append(str(e)))
    phone.goto(live_url + "/")
    phone.wait_for_function("() => window.GK && GK.ready === true", timeout=READY_MS)
    assert phone.locator("#gk-search").bounding_box()["width"] >= 180
    assert phone.locator("#gk-data-date").is_visible()
    phone.locator(".gk-legend h3").first.tap()
    legend = phone.locator(".gk-legend").bounding_box()
    map_box = phone.locator(".folium-map").bounding_box()
    assert legend["y"] >= map_box["y"] and legend["height"] < map_box["height"]

    assert errors == [], f"page errors: {errors}"


def test_capacity_in_czech_plural_forms() -> None:
    from geo_kissos.layers.formatting import format_count

    assert [format_count(v, "beds") for v in (1, 3, 60, 0)] == ["1 lůžko", "3 lůžka", "60 lůžek", "0 lůžek"]
    assert format_count(2.5, "fte") == "2,5 úvazku" and format_count(1, "fte") == "1 úvazek"
    assert format_count(4, "clients") == "4 klienti" and format_count(1200, "clients") == "1\u00a0200 klientů"


def test_zero_is_a_class_of_its_own(loaded_store: Store) -> None:
    import numpy as np

    from geo_kissos.layers import Layer, layer_frame, layer_legend, load_layers
    from geo_kissos.layers.choropleth import _classify

    layer = Layer(id="t", title_cs="t", title_en="t", kind="choropleth", source="coverage:49", k=5)
    values = np.array([0, 0, 0, 0, 0, 0, 3.0, 8.0, 40.0, 55.0, 300.0, 900.0, np.nan])
    klass, bins = _classify(values, layer)
    assert bins[0] == 0 and len(bins) == 5
    assert (klass[values == 0] == 0).all() and (klass[values > 0] > 0).all() and klass[-1] == -1
    # on the map: municipalities without a home for the elderly are not coloured like those with one
    lay = load_layers()["coverage-49-municipality"]
    frame = layer_frame(loaded_store, lay)
    zero = frame["value"] == 0
    if zero.any() and (frame["value"] > 0).any():
        assert set(frame.loc[zero, "klass"]) == {0} and (frame.loc[frame["value"] > 0, "klass"] > 0).all()
        assert layer_legend(lay, frame)[0][0] == "0,0"


def test_type_and_form_parameters_ignore_case(loaded_store: Store) -> None:
    client = create_app({"STORE": loaded_store, "TILES": None}).test_client()
    lower = client.get("/api/collections/sites/items?type=60a,49&form=residential&limit=1").get_json()
    upper = client.get("/api/collections/sites/items?type=60A,49&form=Residential&limit=1").get_json()
    assert upper["numberMatched"] == lower["numberMatched"]
    assert client.get("/api/collections/sites/items?type=60b").status_code == 400
