"""Chromium: log in, write a note, see its audit row, log out (a phone-sized window)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from geo_kissos.accounts.testing import PASSWORD, seed_territory, seed_users
from geo_kissos.store import GpkgStore
from webmap import create_app


@pytest.mark.browser
def test_login_write_history_logout(browser, tmp_path: Path, _loaded_gpkg: Path):
    store = GpkgStore(tmp_path / "store.gpkg")
    seed_territory(store, GpkgStore(_loaded_gpkg))
    seed_users(store)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = create_app({"STORE": store, "TILES": None, "SECRET_KEY": "browser-test", "COOKIE_SECURE": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(f"{base}/ucet/")  # anonymous: sent to the login
        assert "/ucet/prihlaseni" in page.url
        page.fill("#username", "jesenik")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit].gk-primary")
        page.wait_for_selector("text=Moje data")
        assert page.url.endswith("/ucet/")
        assert "koordinátor ORP" in page.content()
        page.click("text=Poznámky k obcím ORP")
        page.select_option("#topic", "kontakt")
        page.fill("#text", "Sociální odbor MěÚ Jeseník, <b>ústředna</b>")
        page.click("#gk-note-new button[type=submit]")
        page.wait_for_selector("text=Poznámka uložena.")
        assert page.locator("#gk-notes td.gk-text").inner_text() == "Sociální odbor MěÚ Jeseník, <b>ústředna</b>"
        page.click("#gk-notes >> text=upravit")
        page.click("#gk-history-link")
        row = page.locator("#gk-history li").first
        assert row.get_attribute("data-action") == "create"
        assert "vytvořeno" in row.inner_text() and "jesenik" in row.inner_text()
        assert "<b>ústředna</b>" in row.inner_text()  # shown as text, not markup
        # no horizontal scrolling on a phone
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.click("#gk-logout")
        page.wait_for_selector("text=Byli jste odhlášeni.")
        page.goto(f"{base}/ucet/")
        assert "/ucet/prihlaseni" in page.url
    finally:
        server.shutdown()
        thread.join()
