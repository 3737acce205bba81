"""Czech text: the one collation every list of names is sorted by.

Czech dictionary order (ČSN 97 6030, as ICU's ``cs`` collation implements it) compares names
on three levels, each only breaking the ties of the one before:

1. **letters** (primary): ``a b c č d e f g h ch i j k l m n o p q r ř s š t u v w x y z ž`` —
   ``č ř š ž`` are letters of their own, sorted after their base letter, and ``ch`` is one letter
   between ``h`` and ``i`` (Chrudim after Hustopeče); spaces and punctuation come before digits,
   digits before letters;
2. **accents** (secondary): ``á é ě í ó ú ů ý ď ť ň`` are their base letter with an accent, which
   counts only when the letters tie (Ďáblice before Dubá; ``Dolany`` before ``Ďolany``); the
   unaccented letter first, then acute before caron and ring (``e é ě``, ``u ú ů``), as ICU orders them;
3. **case** (tertiary): lower case before upper case (``olomouc`` before ``Olomouc``).

PyICU would do this, but it has no wheel (it needs the ICU headers to build); this module is the
project's one hand-made collation and is tested against ICU's order on hand-made lists.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CZECH_LETTERS", "czech_order", "czech_sort_key"]

#: The Czech alphabet in order: the primary letters of :func:`czech_sort_key`.
CZECH_LETTERS: tuple[str, ...] = (
    "a", "b", "c", "č", "d", "e", "f", "g", "h", "ch", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r",
    "ř", "s", "š", "t", "u", "v", "w", "x", "y", "z", "ž",
)
_RANK = {letter: i for i, letter in enumerate(CZECH_LETTERS)}
#: Order of the accents on the secondary level (none first; others after these, by code point).
_ACCENTS = {"": 0, "\u0301": 1, "\u0300": 2, "\u0306": 3, "\u0302": 4, "\u030c": 5, "\u030a": 6, "\u0308": 7,
            "\u030b": 8, "\u0303": 9, "\u0307": 10}

#: One letter's weights: (primary class, primary rank), accent, case.
_Weights = tuple[tuple[int, int], int, int]


def _letter(chars: str) -> _Weights:
    """Weights of one collation element (a character, or ``ch`` in any case)."""
    low = chars.lower()
    case = 1 if chars != low else 0
    if low in _RANK:  # a b c č ... ch ... ř š ž: letters of their own, no accent
        return (2, _RANK[low]), 0, case
    decomposed = unicodedata.normalize("NFD", low)
    base, marks = decomposed[0], decomposed[1:]
    accent = sum(_ACCENTS.get(m, 100 + ord(m)) for m in marks)
    if base in _RANK:
        return (2, _RANK[base]), accent, case
    if base.isdigit():
        return (1, ord(base)), accent, case
    return (0, ord(base)), accent, case  # spaces, hyphens, punctuation sort first


def czech_sort_key(text: str) -> tuple[tuple[tuple[int, int], ...], tuple[int, ...], tuple[int, ...], str]:
    """Sort key putting names in Czech dictionary order (letters, then accents, then case).

    Parameters
    ----------
    text : str
        A name.

    Returns
    -------
    tuple
        Primary, secondary and tertiary weights, then the text itself (so different texts
        never tie).

    Examples
    --------
    >>> sorted(["Dubá", "Ďáblice", "Hustopeče", "Chrudim", "Cvikov", "Čáslav"], key=czech_sort_key)
    ['Cvikov', 'Čáslav', 'Ďáblice', 'Dubá', 'Hustopeče', 'Chrudim']
    """
    weights: list[_Weights] = []
    i = 0
    while i < len(text):
        if text[i: i + 2].lower() == "ch":
            weights.append(_letter(text[i: i + 2]))
            i += 2
        else:
            weights.append(_letter(text[i]))
            i += 1
    return (tuple(w[0] for w in weights), tuple(w[1] for w in weights), tuple(w[2] for w in weights), text)


def czech_order(names: pd.Series) -> pd.Series:
    """Rank of each name in Czech order: a ``key`` for ``DataFrame.sort_values``.

    Examples
    --------
    >>> frame.sort_values("name", key=czech_order)  # doctest: +SKIP
    """
    text = names.astype(str)
    rank = {n: i for i, n in enumerate(sorted(set(text), key=czech_sort_key))}
    return text.map(rank)
