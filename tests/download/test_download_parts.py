"""The pieces of the download that need no server: catalogue, base URLs, Atom feeds, file names."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from geo_kissos.download import atom, ruian
from geo_kissos.download.catalogue import GROUPS, load_catalogue, parse_base_urls, rebase
from geo_kissos.errors import ConfigError


def test_base_url_keeps_the_path() -> None:
    url = "https://data.mpsv.cz/od/soubory/rpss/rpss.json"
    assert rebase(url, "http://127.0.0.1:8123") == "http://127.0.0.1:8123/od/soubory/rpss/rpss.json"
    assert rebase(url, "http://mirror.local/open/") == "http://mirror.local/open/od/soubory/rpss/rpss.json"
    assert rebase(url, None) == url


def test_base_urls_from_options_and_environment() -> None:
    env = {"GEO_KISSOS_DOWNLOAD_BASE_URL": "http://env.local"}
    assert parse_base_urls([], env) == {None: "http://env.local"}
    assert parse_base_urls(["rpss=http://a.local", "http://b.local"], env) == {None: "http://b.local",
                                                                               "rpss": "http://a.local"}
    with pytest.raises(ConfigError, match="not an http"):
        parse_base_urls(["ftp.example.cz"], {})


def test_catalogue_declares_every_source(tmp_path: Path) -> None:
    cat = load_catalogue(tmp_path)
    assert {"rpss", "rpss-schema", "druhy-socialni-sluzby", "cilove-skupiny-osoby", "ruian-adresy", "population",
            "boundaries"} <= set(cat.sources)
    assert cat.settings.max_change == 0.05
    assert [s.group for s in cat.select()] == sorted((s.group for s in cat.select()), key=GROUPS.index)
    b = cat.sources["boundaries"]
    assert b.manifest is not None and b.manifest.id == "arccr-obce" and b.file == "boundaries/arccr-obce.gpkg"
    assert cat.sources["druhy-socialni-sluzby"].change_limit(cat.settings) == 0
    assert cat.sources["rpss"].change_limit(cat.settings) == 0.05
    assert cat.sources["population"].url == ""  # not known: given with --url population=URL
    with pytest.raises(ConfigError, match="unknown source"):
        cat.select(["rpsss"])


def test_a_manifest_in_the_data_folder_wins(tmp_path: Path) -> None:
    (tmp_path / "boundaries").mkdir()
    (tmp_path / "boundaries" / "arccr-obce.toml").write_text(
        'id = "arccr-obce"\ntitle = "t"\nurl = "u"\nlicence = "l"\ndownload_url = "https://h.cz/a/obce.zip"\n',
        encoding="utf-8")
    b = load_catalogue(tmp_path).sources["boundaries"]
    assert b.url == "https://h.cz/a/obce.zip" and b.file == "boundaries/arccr-obce.zip"


FEED = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><updated>2026-08-01T00:00:00Z</updated>
<entry><updated>2026-06-30T22:00:00Z</updated><link href="https://x.cz/20260630_OB_ADR_csv.zip"/></entry>
<entry><updated>2026-07-31T22:00:00Z</updated><link rel="describedby" type="application/xml" href="https://x.cz/m.xml"/>
<link rel="alternate" type="application/zip" length="123" href="https://x.cz/20260731_OB_ADR_csv.zip"/></entry>
</feed>"""


def test_the_newest_entry_of_a_feed_is_the_current_file() -> None:
    link = atom.current_link(FEED.encode())
    assert link == atom.FeedLink("https://x.cz/20260731_OB_ADR_csv.zip", date(2026, 7, 31), True, 123)


def test_a_document_that_is_no_feed_is_refused() -> None:
    with pytest.raises(atom.FeedError, match="not an Atom feed"):
        atom.current_link(b"<html><body>captcha</body></html>")
    with pytest.raises(atom.FeedError, match="not an XML document"):
        atom.current_link(b"<feed")
    with pytest.raises(atom.FeedError, match="no entry links"):
        atom.current_link(b'<feed xmlns="http://www.w3.org/2005/Atom"><entry/></feed>')


def test_municipality_code_from_the_file_name() -> None:
    assert ruian.municipality_of("CSV/20260731_OB_554499_ADR.csv") == "554499"
    assert ruian.municipality_of("20260731_554499_ADR.csv") == "554499"
    assert ruian.municipality_of("20260731_ADR.csv") is None
