"""``download_region``: fetch the official sources into the data folder and import them.

For each import group (boundaries, population, services — in that order) every selected source
is fetched into a staging folder inside the data folder and checked there: it must parse to the
end, its record count must stay within ±5 % of the last good file (the one in the data folder),
and a pinned checksum must match. A file identical to the one in place is ``unchanged`` and
changes nothing. The group's changed files are then put in place and imported with the
project's loaders; if a loader refuses them, the last good files are put back. Nothing of a
refused source is written; the reason names the source, the address and, for a count jump,
both counts. Every source's address, own data date, SHA-256 and count go to the download log
(``downloads.csv``); the loaders record the import (with the same data date) in ``import_log``.
"""

from __future__ import annotations

import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..bootstrap import ADDRESSES_DIR, ADDRESSES_FILE, POPULATION_FILE, SERVICES_FILE
from ..errors import GeoKissosError, InputError
from ..ingest.boundaries import load_boundaries
from ..ingest.common import ImportResult, sha256_file
from ..ingest.phenomena import load_population
from ..ingest.services import load_services
from ..store import Store
from . import atom, ruian
from .catalogue import Catalogue, Source, load_catalogue, rebase
from .fetch import DownloadError, Fetched, fetch
from .log import LogRow, append_log, last_good
from .place import Placement
from .records import read_records

#: Staging folders inside the data folder (same file system: files are renamed into place).
STAGING_PREFIX = ".download-"
#: A staging folder older than this (seconds) is a leftover of a killed run.
STALE_STAGING_S = 6 * 3600
#: Levels of Atom feeds followed before giving up (service feed -> dataset feed -> ZIP).
MAX_FEED_DEPTH = 3


@dataclass
class Outcome:
    """What the run did with one source."""

    source: Source
    url: str
    status: str  #: imported | unchanged | refused | not published | skipped
    message: str = ""
    records: int | None = None
    data_date: date | None = None
    date_from: str = ""
    sha256: str = ""

    def line(self) -> str:
        """One line for the terminal."""
        facts = []
        if self.records is not None:
            facts.append(f"{self.records:,} records".replace(",", " "))
        if self.data_date is not None:
            facts.append(f"data date {self.data_date:%Y-%m-%d} ({self.date_from})")
        if self.sha256:
            facts.append(f"sha256 {self.sha256[:12]}…")
        text = f"{self.source.name}: {self.status}"
        text += f" ({'; '.join(facts)})" if facts else ""
        if self.status in ("refused", "not published", "skipped"):
            text += f" [{self.url}]"
        return text + (f" — {self.message}" if self.message else "")

    def log_row(self, when: str, region: str) -> LogRow:
        """The row of the download log."""
        return LogRow(when, self.source.name, region, self.url, self.source.file, self.status,
                      f"{self.data_date:%Y-%m-%d}" if self.data_date else "", self.date_from, self.sha256,
                      "" if self.records is None else str(self.records), self.message)


@dataclass
class _Staged:
    source: Source
    path: Path  #: file or folder in the staging area
    url: str
    sha256: str
    records: int | None
    data_date: date | None
    date_from: str


@dataclass
class RunResult:
    """Outcomes per source and the summaries of the imports run."""

    outcomes: list[Outcome]
    imports: list[ImportResult]
    log: Path | None

    @property
    def refused(self) -> list[Outcome]:
        """The sources refused."""
        return [o for o in self.outcomes if o.status == "refused"]


class _Context:
    def __init__(self, store: Store, data_dir: Path, region: str, staging: Path, base: dict[str | None, str],
                 retries: int, timeout: float, progress: bool, force: bool, urls: dict[str, str]):
        self.store, self.data_dir, self.region, self.staging = store, data_dir, region, staging
        self.urls = urls
        self.base, self.retries, self.timeout, self.progress, self.force = base, retries, timeout, progress, force

    def url(self, src: Source, url: str | None = None) -> str:
        if url is None and src.name in self.urls:  # given on the command line: taken as it is
            return self.urls[src.name]
        if url is None and not src.url:
            return ""  # no address known
        base = self.base.get(src.name) or self.base.get(None)
        return rebase(url if url is not None else src.url, base)

    def get(self, src: Source, url: str, target: Path, sha256: str | None = None) -> Fetched:
        return fetch(src.name, url, target, sha256, self.retries, self.timeout, self.progress)


def _region_codes(ctx: _Context, src: Source, url: str) -> set[str]:
    mun = ctx.store.read("municipality")
    codes = set(mun.loc[mun["region_code"] == ctx.region, "municipality_code"].astype(str))
    if not codes:
        raise DownloadError(src.name, url, f"the store has no municipality of region {ctx.region}: "
                                           "download or load the boundaries first (--source boundaries)")
    return codes


def _stage_addresses(ctx: _Context, src: Source) -> _Staged | Outcome:
    """Atom feed -> current ZIP -> the region's CSVs in a staged folder."""
    url = ctx.url(src)
    link: atom.FeedLink | None = None
    for depth in range(MAX_FEED_DEPTH):
        feed = ctx.get(src, url, ctx.staging / f"{src.name}-feed-{depth}.xml")
        try:
            link = atom.current_link(feed.path.read_bytes())
        except atom.FeedError as exc:
            raise DownloadError(src.name, url, f"{exc}; nothing was written") from None
        # an absolute link names the publisher's host: fetched from the base URL when one is set
        url = ctx.url(src, link.href) if urlsplit(link.href).netloc else urljoin(feed.url, link.href)
        if link.is_zip:
            break
    if link is None or not link.is_zip:
        raise DownloadError(src.name, ctx.url(src), f"no ZIP after {MAX_FEED_DEPTH} levels of feeds")
    good = last_good(ctx.data_dir, src.name, ctx.region)
    present = ctx.data_dir / src.file
    if (not ctx.force and good is not None and good.url == url and present.is_dir()
            and good.data_date == (f"{link.updated:%Y-%m-%d}" if link.updated else "")):
        return Outcome(src, url, "unchanged", "the feed names the ZIP already extracted here (--force fetches it)",
                       int(good.records) if good.records else None, link.updated, "feed", good.sha256)
    codes = _region_codes(ctx, src, url)
    fetched = ctx.get(src, url, ctx.staging / f"{src.name}.zip")
    folder = ctx.staging / src.file
    try:
        files = ruian.extract_region(fetched.path, codes, folder)
        count = ruian.count_rows(files)
    except zipfile.BadZipFile as exc:
        raise DownloadError(src.name, url, f"damaged or truncated ZIP: {exc}; nothing was written") from None
    except (ValueError, InputError) as exc:
        raise DownloadError(src.name, url, f"{exc}; nothing was written") from None
    finally:
        fetched.path.unlink(missing_ok=True)
    when = link.updated or fetched.last_modified
    return _Staged(src, folder, url, ruian.folder_checksum(files), count, when,
                   "feed" if link.updated else "http")


def _stage_file(ctx: _Context, src: Source) -> _Staged | Outcome:
    url = ctx.url(src)
    if not url:
        if src.manifest is not None:
            return Outcome(src, str(src.manifest.path), "skipped",
                           f"no download address (download_url in {src.manifest.path}): fetch the file by hand "
                           f"from {src.manifest.url}, put a copy of the manifest with download_url in "
                           f"{ctx.data_dir / 'boundaries'}, or give --url {src.name}=URL")
        return Outcome(src, "sources.toml", "skipped", f"no download address in geo_kissos/download/sources.toml: "
                       f"give --url {src.name}=URL")
    pin = src.manifest.sha256 if src.manifest is not None else None
    try:
        fetched = ctx.get(src, url, ctx.staging / src.file, pin or None)
    except DownloadError as exc:
        if src.optional and exc.status in (404, 410):
            return Outcome(src, url, "not published", "the server has no such file (optional)")
        raise
    try:
        rec = read_records(src, fetched.path)
    except (ValueError, InputError) as exc:
        raise DownloadError(src.name, url, f"{exc}; nothing was written") from None
    if src.date == "file" and rec.own_date is not None:
        when, how = rec.own_date, "file"
    else:
        when, how = fetched.last_modified, "http" if fetched.last_modified else ""
    return _Staged(src, fetched.path, url, sha256_file(fetched.path), rec.count, when, how)


def _present(ctx: _Context, src: Source) -> tuple[str, int | None] | None:
    """Checksum and record count of the last good file in the data folder (None when absent)."""
    path = ctx.data_dir / src.file
    if src.format == "atom-zip-csv":
        files = sorted(path.glob("*.csv")) if path.is_dir() else []
        if not files:
            return None
        return ruian.folder_checksum(files), ruian.count_rows(files)
    if not path.is_file():
        return None
    try:
        count = read_records(src, path).count
    except (ValueError, InputError):
        count = None  # the file in place is unreadable: nothing to compare with
    return sha256_file(path), count


def _check(ctx: _Context, staged: _Staged, limit: float, accept: bool) -> Outcome | None:
    """``unchanged`` or a refused count jump; None when the file is to be put in place."""
    present = _present(ctx, staged.source)
    if present is None:
        return None
    sha, old = present
    if sha == staged.sha256:
        return Outcome(staged.source, staged.url, "unchanged", "same file as the one in place",
                       staged.records, staged.data_date, staged.date_from, staged.sha256)
    new = staged.records
    if limit and not accept and old and new is not None and abs(new - old) / old > limit:
        return Outcome(staged.source, staged.url, "refused",
                       f"{new} records against {old} in the last good file ({(new - old) / old:+.1%}, more "
                       f"than ±{limit:.0%}): the last good data stays; check the source, or take the change "
                       "with --accept-count-change",
                       new, staged.data_date, staged.date_from, staged.sha256)
    return None


def _group_date(ctx: _Context, staged: list[_Staged], name: str) -> date | None:
    for s in staged:
        if s.source.name == name:
            return s.data_date
    good = last_good(ctx.data_dir, name, ctx.region)
    return date.fromisoformat(good.data_date) if good is not None and good.data_date else None


def _import(ctx: _Context, group: str, sources: list[Source], staged: list[_Staged]) -> ImportResult | None:
    """Run the group's loader on the files now in place (None when its main file is absent)."""
    d = ctx.data_dir
    if group == "boundaries":
        src = sources[0]
        path = d / src.file
        when = _group_date(ctx, staged, src.name)
        if not path.exists():
            return None
        result = load_boundaries(ctx.store, path, src.manifest, src.manifest.layer if src.manifest else None,
                                 ctx.region, when)
        beside = path.with_suffix(".toml")  # `geo-kissos setup` reads the manifest beside the file
        if src.manifest is not None and src.manifest.path is not None and not beside.exists():
            shutil.copyfile(src.manifest.path, beside)
        return result
    if group == "population":
        path = d / POPULATION_FILE
        own = next((s for s in staged if s.source.group == "population"), None)
        # the loader reads the file's own date (casref_do); the HTTP date only when it has none
        when = own.data_date if own is not None and own.date_from != "file" else None
        return load_population(ctx.store, path, when, False, ctx.progress) if path.exists() else None
    register = d / SERVICES_FILE
    if not register.exists():
        return None
    folder, single = d / ADDRESSES_DIR, d / ADDRESSES_FILE
    addresses = folder if folder.is_dir() else (single if single.exists() else None)
    return load_services(ctx.store, register, addresses, region=ctx.region, data_date=_group_date(ctx, staged, "rpss"),
                         progress=ctx.progress)


def _remove_stale_staging(data_dir: Path) -> None:
    """Staging folders left by a run that was killed (older than :data:`STALE_STAGING_S`)."""
    now = time.time()
    for p in data_dir.glob(f"{STAGING_PREFIX}*"):
        if p.is_dir() and now - p.stat().st_mtime > STALE_STAGING_S:
            shutil.rmtree(p, ignore_errors=True)


def download_region(
    store: Store,
    data_dir: str | Path,
    region: str,
    names: Iterable[str] = (),
    base_urls: dict[str | None, str] | None = None,
    force: bool = False,
    accept_count_change: bool = False,
    progress: bool = True,
    retries: int | None = None,
    catalogue: Catalogue | None = None,
    urls: dict[str, str] | None = None,
) -> RunResult:
    """Fetch the selected sources into ``data_dir`` and import them into ``store``.

    Parameters
    ----------
    store : Store
        Where the data is imported.
    data_dir : str or Path
        The data folder (created when missing).
    region : str
        Region code, e.g. ``CZ071``: boundaries, the register and the address points are kept to it.
    names : iterable of str
        Catalogue names of the sources (all when empty).
    base_urls : dict, optional
        From :func:`~geo_kissos.download.catalogue.parse_base_urls`.
    force : bool
        Fetch the address-point ZIP even when the feed names the one already extracted.
    accept_count_change : bool
        Put a file in place whatever its record count.
    progress : bool
        Progress bars on stderr.
    retries : int, optional
        Further attempts per file (default: the catalogue's settings).
    catalogue : Catalogue, optional
        Default: ``sources.toml`` (:func:`~geo_kissos.download.catalogue.load_catalogue`).
    urls : dict, optional
        Source name -> its address, replacing the catalogue's (no base URL applied).

    Returns
    -------
    RunResult
        One outcome per source (``refused`` ones say why), the import summaries and the log path.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    cat = catalogue or load_catalogue(data_dir)
    selected = cat.select(names)
    cat.select(urls or {})  # a --url of an unknown source is an error
    outcomes: list[Outcome] = []
    imports: list[ImportResult] = []
    _remove_stale_staging(data_dir)
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=STAGING_PREFIX))
    ctx = _Context(store, data_dir, region, staging, base_urls or {}, cat.settings.retries if retries is None
                   else retries, cat.settings.timeout, progress, force, dict(urls or {}))
    try:
        for group in dict.fromkeys(s.group for s in selected):
            sources = [s for s in selected if s.group == group]
            outcomes += _run_group(ctx, cat, group, sources, accept_count_change, imports)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    when = datetime.now().replace(microsecond=0).isoformat()
    log = append_log(data_dir, [o.log_row(when, region) for o in outcomes]) if outcomes else None
    return RunResult(outcomes, imports, log)


def _run_group(ctx: _Context, cat: Catalogue, group: str, sources: list[Source], accept: bool,
               imports: list[ImportResult]) -> list[Outcome]:
    done: list[Outcome] = []
    staged: list[_Staged] = []
    for src in sources:
        try:
            res = _stage_addresses(ctx, src) if src.format == "atom-zip-csv" else _stage_file(ctx, src)
        except DownloadError as exc:
            done.append(Outcome(src, exc.url, "refused", exc.message))
            continue
        if isinstance(res, Outcome):
            done.append(res)
            continue
        verdict = _check(ctx, res, res.source.change_limit(cat.settings), accept)
        if verdict is None:
            staged.append(res)
        else:
            done.append(verdict)
    if any(o.status == "refused" for o in done):
        names = ", ".join(o.source.name for o in done if o.status == "refused")
        for s in staged:
            done.append(Outcome(s.source, s.url, "refused", f"not put in place: {names} of the same import "
                                "was refused, the last good data stays", s.records, s.data_date, s.date_from,
                                s.sha256))
        return done
    placement = Placement()
    try:
        for s in staged:
            placement.put(s.path, ctx.data_dir / s.source.file)
        result = _import(ctx, group, sources, staged)
    except GeoKissosError as exc:
        placement.rollback()
        for s in staged:
            done.append(Outcome(s.source, s.url, "refused", f"the import refused it, the last good data stays: "
                                f"{exc}", s.records, s.data_date, s.date_from, s.sha256))
        for o in done:
            if o.status == "unchanged":
                o.message += f"; the import of the group failed: {exc}"
        return done
    except BaseException:
        placement.rollback()
        raise
    placement.commit()
    if result is not None:
        imports.append(result)
    for s in staged:
        done.append(Outcome(s.source, s.url, "imported", "", s.records, s.data_date, s.date_from, s.sha256))
    return done
