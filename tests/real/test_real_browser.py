"""The market map of the real region in headless Chromium: it opens on population 65+, shows
persons in distraint with the 15+ denominator in the legend, and says in the panel and the legend
that no register is loaded (no console error, no failed request).

Skipped, saying so, when the real folder is absent (fixture ``real_data_dir``) or, without
``GK_REQUIRE_BROWSER=1``, when Chromium is missing.
"""

from __future__ import annotations

import pytest

from geo_kissos.store import Store

pytestmark = pytest.mark.browser

#: Generous upper bound for the page to finish loading; not a performance assertion.
READY_MS = 60_000


@pytest.fixture
def real_url(real_gpkg_store: Store, live_server) -> str:
    return live_server(real_gpkg_store)


def test_real_region_in_chromium(browser, real_url: str) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="cs-CZ")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(real_url + "/")
    page.wait_for_function("() => window.GK && GK.ready === true", timeout=READY_MS)  # a function: the CSP forbids eval

    assert page.input_value("#gk-layer") == "population-65-share"
    assert page.locator(".leaflet-gk-choropleth-pane path.gk-area").count() == 402
    legend = page.inner_text("#gk-legend-thematic")
    assert "Obyvatelé 65+" in legend and "(2020)" in legend and "registr" not in legend
    assert page.inner_text("#gk-site-count") == "Registr služeb není nahrán"
    assert "geo-kissos ingest services rpss.json" in page.inner_text("#gk-no-register")
    assert "population.csv, k 31. 12. 2020" in page.inner_text("#gk-layer-source")
    assert not page.locator("#gk-synthetic").count()

    page.select_option("#gk-layer", "distraint-share")
    page.wait_for_function("() => document.querySelector('#gk-legend-thematic h3') && "
                           "document.querySelector('#gk-legend-thematic h3').textContent.includes('15+')",
                           timeout=READY_MS)
    assert "(2023)" in page.inner_text("#gk-legend-thematic h3")
    assert "MMR ASZ Index sociálního vyloučení 2023" in page.inner_text("#gk-layer-source")

    page.select_option("#gk-layer", "gap-49-orp")
    page.wait_for_function("() => document.querySelector('#gk-legend-thematic .gk-notice') !== null",
                           timeout=READY_MS)
    legend = page.inner_text("#gk-legend-thematic")
    assert "registr služeb není nahrán" in legend and "Registr poskytovatelů sociálních služeb není nahrán" in legend
    assert "Registr poskytovatelů" in page.inner_text("#gk-layer-note")
    assert errors == []
