"""The one Czech collation (:mod:`geo_kissos.text`): hand-made lists in the order ICU's ``cs`` gives."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from geo_kissos.text import czech_order, czech_sort_key


@pytest.mark.parametrize(("before", "after"), [
    ("Ďáblice", "Dubá"),         # ď is d with an accent: the letters decide (a < u)
    ("Hustopeče", "Chrudim"),    # ch is one letter, after h
    ("Cvikov", "Čáslav"),        # č is a letter of its own, after c
    ("Svitavy", "Šternberk"),    # š after s
    ("Rýmařov", "Řepová"),       # ř after r
    ("Zubří", "Žatec"),          # ž after z
    ("Dolany", "Ďolany"),        # same letters: no accent before an accent
    ("Lacina", "Lačnov"),        # c before č inside a word
    ("Bělkovice", "Bystřice"),   # ě is e with an accent
    ("olomouc", "Olomouc"),      # same letters and accents: lower case first
    ("Frýdek", "Frýdek-Místek"),  # a shorter name first
    ("Nové Město", "Nověkov"),   # a space before letters
    ("Obec 2", "Obec A"),        # digits before letters
])
def test_pairs_in_czech_order(before: str, after: str) -> None:
    assert czech_sort_key(before) < czech_sort_key(after)
    assert sorted([after, before], key=czech_sort_key) == [before, after]


def test_a_shuffled_list_comes_back_in_czech_order() -> None:
    expected = ["Cvikov", "Čáslav", "Černotín", "Ďáblice", "Dubá", "Hranice", "Hustopeče", "Cholina", "Chrudim",
                "Ivančice", "Prostějov", "Přerov", "Svitavy", "Šternberk", "Šumperk", "Uničov", "Zábřeh", "Žatec"]
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert shuffled != expected
    assert sorted(shuffled, key=czech_sort_key) == expected


def test_accents_order_acute_before_caron_and_ring() -> None:
    assert sorted(["Lhotě", "Lhoté", "Lhote"], key=czech_sort_key) == ["Lhote", "Lhoté", "Lhotě"]
    assert sorted(["kůň", "kuň", "kúň"], key=czech_sort_key) == ["kuň", "kúň", "kůň"]


def test_czech_order_is_a_sort_values_key() -> None:
    frame = pd.DataFrame({"name": ["Dubá", "Chrudim", "Ďáblice", "Hustopeče"], "n": [1, 2, 3, 4]})
    assert frame.sort_values("name", key=czech_order)["name"].tolist() == ["Ďáblice", "Dubá", "Hustopeče", "Chrudim"]
