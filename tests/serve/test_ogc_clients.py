"""Real OGC API - Features clients against the production server: GDAL's OAPIF driver lists and
copies every collection, and QGIS-style paging (``limit``/``offset`` with ``next`` links) returns
every feature once."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pyogrio
import pytest

PAGE = 37  # not a divisor of the feature counts: the last page is a partial one


def _json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=120) as r:
        return json.loads(r.read())


def _collections(base: str) -> dict[str, int]:
    ids = [c["id"] for c in _json(base + "/api/collections")["collections"]]
    return {cid: _json(f"{base}/api/collections/{cid}/items?limit=1")["numberMatched"] for cid in ids}


def test_paging_with_next_links_returns_every_feature_once(production_url: str) -> None:
    for cid, matched in _collections(production_url).items():
        url: str | None = f"{production_url}/api/collections/{cid}/items?limit={PAGE}&zoom=9"
        ids: list[str] = []
        pages = 0
        while url:
            fc = _json(url)
            assert fc["numberMatched"] == matched
            assert fc["numberReturned"] == len(fc["features"]) <= PAGE
            ids += [f["id"] for f in fc["features"]]
            nxt = [link["href"] for link in fc["links"] if link["rel"] == "next"]
            assert all(h.startswith(production_url + "/api/") for h in nxt), "absolute links to this server"
            url = nxt[0] if nxt else None
            pages += 1
        assert len(ids) == len(set(ids)) == matched, cid
        assert pages == max(1, -(-matched // PAGE)), cid


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="GDAL (apt-get install gdal-bin) is missing")
def test_gdal_oapif_lists_and_copies_every_collection(production_url: str, tmp_path: Path) -> None:
    expected = _collections(production_url)
    src = f"OAPIF:{production_url}/api"
    listing = subprocess.run(["ogrinfo", "-ro", "-q", src], capture_output=True, text=True, timeout=600, check=True)
    listed = {line.split(":", 1)[1].split("(")[0].strip() for line in listing.stdout.splitlines() if ":" in line}
    assert listed == set(expected), listing.stdout
    out = tmp_path / "copy.gpkg"
    # a small page size makes GDAL follow the next links of the larger collections
    subprocess.run(["ogr2ogr", "-f", "GPKG", str(out), src, "-oo", "PAGE_SIZE=100"],
                   capture_output=True, text=True, timeout=900, check=True)
    copied = {name: pyogrio.read_info(out, layer=name)["features"] for name, _ in pyogrio.list_layers(out)}
    assert copied == expected
    assert max(expected.values()) > 100, "at least one collection needed several pages"
