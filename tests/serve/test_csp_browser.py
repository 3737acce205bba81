"""The map under its Content Security Policy in real headless Chromium, served by the production server (Granian).

The page must load and draw with no CSP violation and no console error (Folium's inline scripts
carry the nonce); a script injected without the nonce must be refused, which shows the policy
is enforced and not merely sent.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
READY_MS = 90_000  # generous bound for a busy machine; not a performance assertion

_RECORD = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""


@pytest.mark.parametrize("production_url", ["gpkg"], indirect=True)
def test_map_loads_under_csp_without_violation(browser, production_url: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="cs-CZ")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(_RECORD)
    resp = page.goto(production_url + "/")
    assert "'nonce-" in resp.headers["content-security-policy"]
    page.wait_for_function("() => window.GK && GK.ready === true", timeout=READY_MS)
    assert page.locator(".leaflet-gk-choropleth-pane path.gk-area").count() > 0, "the map is drawn"
    assert page.evaluate("window.__csp") == []
    assert errors == []

    # an inline script without the nonce (as an injection would be) does not run
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.__injected = 1'; document.body.appendChild(s); }""")
    page.wait_for_function("() => window.__csp.length > 0", timeout=10_000)
    assert page.evaluate("window.__injected") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
    page.close()


@pytest.mark.parametrize("production_url", ["gpkg"], indirect=True)
def test_exported_html_map_runs_in_its_sandbox(browser, production_url: str) -> None:
    """The exporter's self-contained HTML map, shown inline, runs its inline scripts in a CSP sandbox."""
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    resp = page.goto(production_url + "/export/7110/population-65-share.html?inline=1", timeout=READY_MS)
    csp = resp.headers["content-security-policy"]
    assert "sandbox allow-scripts" in csp and "allow-same-origin" not in csp
    page.wait_for_function("() => typeof L === 'object' && document.querySelector('.leaflet-container')",
                           timeout=READY_MS)
    assert page.evaluate("() => window.origin") == "null", "an opaque origin: no access to the app"
    assert errors == []
    page.close()
