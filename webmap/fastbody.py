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

import functools
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
    """``text`` as an independent segment (``final``: ended by the last block). The heads are
    small, so a 4 KiB window and small hash tables do: a compressor with zlib's largest
    settings costs ~60 µs to set up, this one ~7 µs, for the same bytes on a head."""
    if final and len(text) <= 16:
        return _final(text, level)
    comp = zlib.compressobj(level, zlib.DEFLATED, -12, 4)
    return comp.compress(text) + comp.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


@functools.lru_cache(maxsize=64)
def _final(text: bytes, level: int) -> bytes:
    """The last segment of a short constant tail (``]}``), compressed once."""
    comp = zlib.compressobj(level, zlib.DEFLATED, -12, 4)
    return comp.compress(text) + comp.flush(zlib.Z_FINISH)


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

    Each kind is kept as one buffer with the rows' offsets, in row order, so an unbroken run of
    rows is one slice of the text and at most three slices of segments: a page of a few
    thousand rows (a window over the country) is joined from a few hundred pieces, not from
    a few thousand (:meth:`body`, :meth:`gzip`).

    Parameters
    ----------
    features : sequence of bytes
        Each row's serialised GeoJSON Feature.
    level : int
        Compression level of the segments.
    """

    def __init__(self, features: Sequence[bytes], level: int = GZIP_LEVEL):
        n = len(features)
        self.raw_len = np.fromiter(map(len, features), dtype=np.int64, count=n)
        #: The features separated by commas; row ``i`` starts at ``_start[i]``.
        self._text = b",".join(features)
        self._start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(self.raw_len + 1, out=self._start[1:])
        comma = [b"," + f for f in features]
        self._first = _Buffer(deflate_segments(features, level))
        self._rest = _Buffer(deflate_segments(comma, level))
        comp = zlib.compressobj(level, zlib.DEFLATED, -CHAIN_WBITS, 9)
        chained = [comp.compress(features[0]) + comp.flush(zlib.Z_SYNC_FLUSH)] if n else []
        chained += [comp.compress(t) + comp.flush(zlib.Z_SYNC_FLUSH) for t in comma[1:]]
        self._chained = _Buffer(chained)

    def __len__(self) -> int:
        return len(self.raw_len)

    # ------------------------------------------------------------ rows one by one (the reference)
    @property
    def raw(self) -> np.ndarray:
        """Each row's Feature (bytes)."""
        return _objects([bytes(self._text[a:a + n]) for a, n in zip(self._start[:-1].tolist(),
                                                                        self.raw_len.tolist(), strict=True)])

    @property
    def first(self) -> np.ndarray:
        """Each row's Feature as an independent segment."""
        return self._first.items()

    @property
    def rest(self) -> np.ndarray:
        """Each row's ``,`` + Feature as an independent segment."""
        return self._rest.items()

    @property
    def chained(self) -> np.ndarray:
        """Each row's ``,`` + Feature chained to the rows before it (row 0: the Feature)."""
        return self._chained.items()

    def segments(self, rows: np.ndarray) -> list[bytes]:
        """The segments of ``rows`` (ascending positions) as one page, chained where valid, one
        per row: what :meth:`gzip` joins run by run."""
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

    # ------------------------------------------------------------ pages run by run
    @staticmethod
    def _runs(rows: np.ndarray) -> tuple[list[int], list[int]]:
        """First and last row of each unbroken run of ``rows``."""
        cut = np.flatnonzero(np.diff(rows) != 1) + 1
        return rows[np.concatenate(([0], cut))].tolist(), rows[np.concatenate((cut - 1, [len(rows) - 1]))].tolist()

    def _text_pieces(self, rows: np.ndarray) -> list[memoryview]:
        view, start = memoryview(self._text), self._start
        firsts, lasts = self._runs(rows)
        ends = (start[lasts] + self.raw_len[lasts]).tolist()
        begins = start[firsts].tolist()  # every run after the first takes the comma before it
        return [view[a - (k > 0):e] for k, (a, e) in enumerate(zip(begins, ends, strict=True))]

    def _segment_pieces(self, rows: np.ndarray) -> list[memoryview | bytes]:
        firsts, lasts = self._runs(rows)
        f = np.asarray(firsts, dtype=np.int64)
        # the first row of a run whose page bytes before it cover the window (see :meth:`segments`)
        need = self._start[f] + CHAIN_WINDOW + (np.arange(len(f)) == 0)
        chain_from = np.maximum(np.searchsorted(self._start[:-1], need, side="left"), f + 1)
        chain_from[f == 0] = 1
        rest, chained = self._rest, self._chained
        out: list[memoryview | bytes] = []
        for k, (a, b, c) in enumerate(zip(firsts, lasts, chain_from.tolist(), strict=True)):
            out.append(self._first.piece(a, a + 1) if k == 0 else rest.piece(a, a + 1))
            if c > b:
                out.append(rest.piece(a + 1, b + 1))
            else:
                out.append(rest.piece(a + 1, c))
                out.append(chained.piece(c, b + 1))
        return out

    def body(self, head: bytes, rows: np.ndarray, tail: bytes) -> bytes:
        """``head`` + the features of ``rows`` (ascending) separated by commas + ``tail``."""
        if not len(rows):
            return head + tail
        return b"".join([head, *self._text_pieces(np.asarray(rows, dtype=np.int64)), tail])

    def size(self, head: bytes, rows: np.ndarray, tail: bytes) -> int:
        """Length of :meth:`body` (without joining it)."""
        n = len(rows)
        return len(head) + len(tail) + (int(self.raw_len[rows].sum()) + n - 1 if n else 0)

    def gzip(self, head: bytes, rows: np.ndarray, tail: bytes, level: int = GZIP_LEVEL) -> bytes:
        """The gzip member of :meth:`body` (which is not built: its CRC-32 is taken piece by piece)."""
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            raw = head + tail
            return gzip_join(raw, raw, (), b"", level)
        crc = zlib.crc32(head)
        for piece in self._text_pieces(rows):
            crc = zlib.crc32(piece, crc)
        crc = zlib.crc32(tail, crc)
        return b"".join([_GZIP_HEADER, _fresh(head, level, False), *self._segment_pieces(rows),
                         _fresh(tail, level, True),
                         struct.pack("<II", crc & 0xFFFFFFFF, self.size(head, rows, tail) & 0xFFFFFFFF)])

    def join(self, head: bytes, rows: np.ndarray, tail: bytes) -> tuple[bytes, bytes]:
        """:meth:`body` and :meth:`gzip` of the same page.

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
        return self.body(head, rows, tail), self.gzip(head, rows, tail)


class _Buffer:
    """Byte strings kept end to end in one buffer, with their offsets."""

    def __init__(self, items: Sequence[bytes]):
        self.data = b"".join(items)
        offsets = np.zeros(len(items) + 1, dtype=np.int64)
        np.cumsum(np.fromiter(map(len, items), dtype=np.int64, count=len(items)), out=offsets[1:])
        self.offsets = offsets.tolist()  # looked up one by one
        self._view = memoryview(self.data)

    def piece(self, a: int, b: int) -> memoryview:
        """Items ``a`` to ``b - 1`` as one slice."""
        return self._view[self.offsets[a]:self.offsets[b]]

    def items(self) -> np.ndarray:
        """Every item (bytes) in an object array."""
        o = self.offsets
        return _objects([self.data[o[i]:o[i + 1]] for i in range(len(o) - 1)])


def _objects(items: Sequence[bytes]) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = list(items)
    return out
