"""Fetching one file: pooch (retries, checksum, temporary file + rename) with a tqdm progress bar.

pooch streams the download into a temporary file beside the target, checks the pinned SHA-256
(when there is one) and only then renames it into place: a file is there whole or not at all.
Connection errors, server errors (5xx), short reads and checksum mismatches are retried; a 4xx
answer (a 404) is final at once.
"""

from __future__ import annotations

import email.utils
import logging
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pooch
import requests
from tqdm import tqdm

from ..errors import DownloadError, SourceNotFound

CHUNK = 1 << 16
USER_AGENT = "geo-kissos (official open data download)"


@dataclass
class Downloader:
    """A pooch downloader that keeps the response headers and shows a tqdm bar on stderr.

    Attributes
    ----------
    headers : dict
        Headers of the last successful response (``Last-Modified``, ``ETag``...).
    """

    timeout: float = 60.0
    progress: bool = True
    desc: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def __call__(self, url: str, output_file: str | Any, pooch_: Any = None) -> None:
        """Stream ``url`` into ``output_file`` (a path or a binary file object)."""
        with requests.get(url, stream=True, timeout=self.timeout, headers={"User-Agent": USER_AGENT}) as r:
            if 400 <= r.status_code < 500:
                raise SourceNotFound(r.status_code, r.reason)
            r.raise_for_status()
            total = int(r.headers.get("Content-Length") or 0) or None
            bar = tqdm(total=total, desc=self.desc, unit="B", unit_scale=True, file=sys.stderr,
                       disable=not self.progress, leave=False, mininterval=0.5)
            try:
                with open(output_file, "wb") as out:
                    for chunk in r.iter_content(CHUNK):
                        out.write(chunk)
                        bar.update(len(chunk))
            finally:
                bar.close()
            self.headers = dict(r.headers)


@dataclass
class Fetched:
    """A file fetched into the staging folder."""

    path: Path
    url: str
    headers: dict[str, str]

    @property
    def last_modified(self) -> date | None:
        """The server's ``Last-Modified`` as a date (None when absent or unreadable)."""
        value = self.headers.get("Last-Modified")
        if not value:
            return None
        try:
            return email.utils.parsedate_to_datetime(value).date()
        except (TypeError, ValueError):
            return None


def fetch(source: str, url: str, target: Path, sha256: str | None = None, retries: int = 2,
          timeout: float = 60.0, progress: bool = True) -> Fetched:
    """Download ``url`` to ``target`` (whole or not at all), checking ``sha256`` when pinned.

    Raises
    ------
    DownloadError
        404 (or any 4xx), an unreachable server, a short read or a checksum other than the pin,
        after the retries; the message names the source and the address.
    """
    pooch.get_logger().setLevel(logging.WARNING)  # no "Downloading file ..." lines: tqdm shows it
    target.parent.mkdir(parents=True, exist_ok=True)
    dl = Downloader(timeout=timeout, progress=progress, desc=source)
    known = f"sha256:{sha256}" if sha256 else None
    fetcher = pooch.create(path=target.parent, base_url="", registry={target.name: known},
                           urls={target.name: url}, retry_if_failed=retries)
    try:
        fetcher.fetch(target.name, downloader=dl)
    except SourceNotFound as exc:
        raise DownloadError(source, url, f"the server answered {exc} (not published there?); "
                                         "nothing was written", exc.status) from None
    except requests.exceptions.RequestException as exc:
        raise DownloadError(source, url, f"download failed after {retries + 1} attempt(s): "
                                         f"{type(exc).__name__}: {exc}; nothing was written") from None
    except ValueError as exc:  # pooch: the checksum differs from the pin
        raise DownloadError(source, url, f"not the pinned file: {exc}; nothing was written") from None
    return Fetched(target, url, dl.headers)
