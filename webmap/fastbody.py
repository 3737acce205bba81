"""Response bodies joined from parts serialised and compressed once: no JSON or gzip work per request.

An items response is a small head (counts, links, legend), then one GeoJSON Feature per
selected row, then ``]}``. Everything but the head is the same for every request that selects
the row, so :class:`FeatureBlocks` writes each row's Feature once (bytes) and deflates it once,
as an *independent* raw-deflate segment: a compressor ended with ``Z_FULL_FLUSH`` after each
feature, which byte-aligns the output and forgets the history, so a segment decodes the same
whatever precedes it (the technique of ``pigz --independent``). A request then only joins the
segments of its rows between a freshly compressed head and a final empty block, and writes the
gzip header and the CRC-32/length trailer (RFC 1952) - :func:`gzip_join`.

The result is one ordinary gzip member: any decoder (Python's :mod:`gzip`, curl, browsers)
reads it as the same bytes as the uncompressed body. Each feature is compressed without the
others as dictionary, which costs some ratio (about 10-25 % more bytes than compressing the
whole body at once, measured in ``bench/bench_webmap.py``), for the time a compression of the
whole body takes per request (several milliseconds for a few hundred kilobytes).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

import numpy as np

__all__ = ["GZIP_LEVEL", "FeatureBlocks", "deflate_segments", "gzip_join"]

#: Compression level of the precomputed segments (compressed once, so the better ratio pays).
GZIP_LEVEL = 6
#: Window (bits, bytes) of the chained segments: how far back they may refer.
CHAIN_WBITS = 12
CHAIN_WINDOW = 1 << CHAIN_WBITS
#: gzip member header: magic, deflate, no flags, no mtime, no extra flags, unknown OS (RFC 1952).
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def deflate_segments(texts: Sequence[bytes], level: int = GZIP_LEVEL) -> list[bytes]:
    """Each of ``texts`` as an independent raw-deflate segment (non-final blocks, byte-aligned).

    Parameters
    ----------
    texts : sequence of bytes
    level : int
        zlib compression level.

    Returns
    -------
    list of bytes
        ``zlib.decompressobj(-15)`` of any concatenation of segments (ended by a final block)
        gives the concatenation of the corresponding texts.
    """
    comp = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    return [comp.compress(t) + comp.flush(zlib.Z_FULL_FLUSH) for t in texts]


def _fresh(text: bytes, level: int, final: bool) -> bytes:
    comp = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    return comp.compress(text) + comp.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def gzip_join(raw: bytes, head: bytes, segments: Sequence[bytes], tail: bytes, level: int = GZIP_LEVEL) -> bytes:
    """The gzip member of ``raw`` = ``head`` + (the texts of ``segments``) + ``tail``.

    Parameters
    ----------
    raw : bytes
        The whole uncompressed body (for the CRC-32 and length of the trailer).
    head, tail : bytes
        Uncompressed text before and after the segments (compressed here).
    segments : sequence of bytes
        Precomputed segments of :func:`deflate_segments`, in body order.
    level : int
        Compression level of ``head`` and ``tail``.

    Returns
    -------
    bytes
        ``gzip.decompress`` of it is ``raw``.
    """
    return b"".join((_GZIP_HEADER, _fresh(head, level, False), b"".join(segments), _fresh(tail, level, True),
                     struct.pack("<II", zlib.crc32(raw) & 0xFFFFFFFF, len(raw) & 0xFFFFFFFF)))


class FeatureBlocks:
    """Rows of a FeatureCollection as bytes and as deflate segments, ready to be joined.

    Every row has three segments: its Feature alone (the first of a page), ``,`` + the Feature
    independent of what precedes it, and ``,`` + the Feature *chained*: compressed as the
    continuation of all rows in order (``Z_SYNC_FLUSH`` between them), which may refer back up
    to :data:`CHAIN_WINDOW` bytes. A chained segment is used only where the page holds the same
    bytes before it - the preceding rows in an unbroken run covering the window (or reaching
    row 0) - so it decodes exactly; it brings the ratio of runs of small features (points with
    many properties) close to that of compressing the body at once.

    Parameters
    ----------
    features : sequence of bytes
        Each row's serialised GeoJSON Feature.
    level : int
        Compression level of the segments.

    Attributes
    ----------
    raw : numpy.ndarray of bytes
        The features.
    first, rest, chained : numpy.ndarray of bytes
        Deflate segments of each feature, of ``,`` + the feature, and the chained ones.
    """

    def __init__(self, features: Sequence[bytes], level: int = GZIP_LEVEL):
        self.raw = _objects(features)
        self.first = _objects(deflate_segments(features, level))
        comma = [b"," + f for f in features]
        self.rest = _objects(deflate_segments(comma, level))
        comp = zlib.compressobj(level, zlib.DEFLATED, -CHAIN_WBITS, 9)
        chained = [comp.compress(features[0]) + comp.flush(zlib.Z_SYNC_FLUSH)] if len(features) else []
        chained += [comp.compress(t) + comp.flush(zlib.Z_SYNC_FLUSH) for t in comma[1:]]
        self.chained = _objects(chained)
        self.raw_len = np.fromiter(map(len, features), dtype=np.int64, count=len(features))

    def __len__(self) -> int:
        return len(self.raw)

    def segments(self, rows: np.ndarray) -> list[bytes]:
        """The segments of ``rows`` (ascending positions) as one page, chained where valid."""
        if not len(rows):
            return []
        rows = np.asarray(rows, dtype=np.int64)
        out = self.rest[rows]
        out[0] = self.first[rows[0]]
        if len(rows) > 1:
            text = self.raw_len[rows] + 1  # bytes each row adds to the page (``,`` + Feature)
            text[0] -= 1
            follows = np.concatenate(([False], rows[1:] == rows[:-1] + 1))
            start = np.maximum.accumulate(np.where(follows, 0, np.arange(len(rows))))  # each run's first position
            done = np.cumsum(text) - text  # page bytes before each position
            before = done - done[start]  # bytes of the unbroken run before it
            ok = follows & ((before >= CHAIN_WINDOW) | (rows[start] == 0))
            out[ok] = self.chained[rows[ok]]
        return out.tolist()

    def join(self, head: bytes, rows: np.ndarray, tail: bytes) -> tuple[bytes, bytes]:
        """``head`` + the features of ``rows`` separated by commas + ``tail``, raw and gzip.

        Parameters
        ----------
        head, tail : bytes
        rows : numpy.ndarray of int
            Row positions, ascending (body order).

        Returns
        -------
        tuple of bytes
            The body and its gzip member (which decodes to the body).
        """
        if not len(rows):
            raw = head + tail
            return raw, gzip_join(raw, raw, (), b"")
        raw = b"".join((head, b",".join(self.raw[rows].tolist()), tail))
        return raw, gzip_join(raw, head, (b"".join(self.segments(rows)),), tail)


def _objects(items: Sequence[bytes]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = list(items)
    return out
