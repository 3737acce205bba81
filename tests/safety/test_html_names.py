"""Issue 15.2: ORP, municipality and provider names are text in the offline HTML export.

The names of the store are hostile (``<img src=x onerror=alert(1)>``, ``"><script>...``); each
exported page is opened in Chromium from ``file://``, tooltips are hovered and the layer list
opened, and no dialog may appear while the names are shown as the characters they are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HOSTILE_ORPS, XSS_NAMES

from geo_kissos.cli import main
from geo_kissos.store import Store
from webmap import create_app

LAYER = "coverage-49-municipality"


def _cli_html(store: Store, out: Path) -> list[Path]:
    res = CliRunner().invoke(main, ["export", "--store", str(store.url),
                                    *sum((["--orp", c] for c in HOSTILE_ORPS), []), "--layer", LAYER,
                                    "--formats", "html", "--sites", "all", "--out", str(out), "-q"])
    assert res.exit_code == 0, res.output
    pages = sorted(out.rglob("*.html"))
    assert len(pages) == len(HOSTILE_ORPS)
    return pages


def _web_html(store: Store, out: Path) -> list[Path]:
    client = create_app({"STORE": store, "TILES": None}).test_client()
    pages = []
    out.mkdir(parents=True)
    for code in HOSTILE_ORPS:
        r = client.get(f"/export/{code}/{LAYER}.html?sites=all")
        assert r.status_code == 200, r.data[:300]
        pages.append(out / f"web-{code}.html")
        pages[-1].write_bytes(r.data)
    return pages


def _check_page(browser, page_path: Path, orp_name: str) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri())
    page.wait_for_selector("path.leaflet-interactive", state="attached")
    # the layer list, opened
    page.hover(".leaflet-control-layers")
    layers_text = page.inner_text(".leaflet-control-layers-list")
    assert f"hranice ORP {orp_name}" in layers_text
    page.mouse.move(5, 890)  # close it again
    # tooltips of municipalities and sites, hovered with the mouse
    centres = page.evaluate("""() => [...document.querySelectorAll('path.leaflet-interactive')]
        .map(p => p.getBoundingClientRect())
        .filter(r => r.width > 4 && r.height > 4 && r.left > 60 && r.top > 120 && r.right < 1140
                && r.bottom < 800)
        .map(r => [r.left + r.width / 2, r.top + r.height / 2])""")
    tips: list[str] = []
    for x, y in centres[:: max(1, len(centres) // 80)]:
        page.mouse.move(x, y)
        # read in one step: a tooltip of the previous hover may be leaving the page meanwhile
        tips.extend(page.evaluate("() => [...document.querySelectorAll('.leaflet-tooltip')].map(t => t.innerText)"))
    shown = "\n".join(tips)
    assert any(name in shown for name in XSS_NAMES), shown[:2000]
    # nothing ran, nothing was inserted as an element
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"]').length") == 0
    assert page.evaluate("[...document.scripts].filter(s => s.text.trim() === 'alert(1)').length") == 0
    page.wait_for_timeout(300)  # let any onerror of a broken image fire (none may)
    assert dialogs == [], dialogs
    assert errors == [], errors
    title = page.inner_text("#gk-title h1")
    assert orp_name in title
    page.close()


@pytest.mark.parametrize("route", ["cli", "web"])
def test_exported_html_shows_hostile_names_as_text(hostile_store, browser, tmp_path, route):
    pages = (_cli_html if route == "cli" else _web_html)(hostile_store, tmp_path / route)
    by_code = {}
    for p in pages:
        code = p.stem.split("-")[-1] if route == "web" else p.parent.name.split("_")[0]
        by_code[code] = p
    assert set(by_code) == set(HOSTILE_ORPS)
    for code, path in by_code.items():
        text = path.read_text(encoding="utf-8")
        assert "<img src=x" not in text and "<script>alert(1)" not in text
        _check_page(browser, path, HOSTILE_ORPS[code])
