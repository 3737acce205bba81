"""National scale without the national folder: a slightly unclean coverage, classes of many values."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo_kissos.ingest.boundaries import clean_coverage, load_boundaries
from geo_kissos.layers.choropleth import natural_breaks
from webmap.geometry import CoverageGeometry, DissolvedCoverage


def _overlapping(small_mun):
    """Two neighbours of one ORP made to overlap by a 25 m strip, as generalised borders do."""
    mun = small_mun.reset_index(drop=True).copy()
    geoms = mun.geometry.to_numpy()
    for i in range(len(mun)):
        for j in range(i + 1, len(mun)):
            same_orp = mun.loc[i, "KOD_ORP"] == mun.loc[j, "KOD_ORP"]
            if same_orp and shapely.length(shapely.intersection(geoms[i], geoms[j])) > 500:
                grown = shapely.union(geoms[i], shapely.intersection(geoms[j], geoms[i].buffer(25)))
                mun.loc[i, "geometry"] = shapely.MultiPolygon(list(shapely.get_parts(grown)))
                return mun, str(mun.loc[i, "KOD_OBEC"]), str(mun.loc[j, "KOD_OBEC"]), mun.loc[i, "KOD_ORP"]
    raise AssertionError("no two neighbours of one ORP in the synthetic territory")


def test_slightly_overlapping_coverage_is_cleaned_and_dissolved(empty_store, small_mun, tmp_path):
    mun, a, b, orp = _overlapping(small_mun)
    assert not shapely.coverage_is_valid(mun.geometry.to_numpy())
    with pytest.raises(shapely.errors.GEOSException, match="incorrectly noded"):  # what answered 500
        shapely.coverage_union_all(mun.loc[mun["KOD_ORP"] == orp].geometry.to_numpy())
    path = tmp_path / "obce.gpkg"
    mun.to_file(path, layer="obce", engine="pyogrio")
    res = load_boundaries(empty_store, path)
    # the overlap is reported with both codes, the cleaning with the municipality changed
    assert any(a in w and b in w and "overlap by" in w for w in res.warnings)
    cleaned = [w for w in res.warnings if w.startswith("borders cleaned into a valid coverage")]
    assert len(cleaned) == 1 and (a in cleaned[0] or b in cleaned[0])
    stored = empty_store.read("municipality").sort_values("municipality_code")
    geoms = stored.geometry.to_numpy()
    assert shapely.coverage_is_valid(geoms)
    assert len(stored) == len(mun)
    # the ORP of the two is their exact union: no overlap counted twice, nothing lost
    orps = empty_store.read("orp").set_index("orp_code")
    members = stored[stored["orp_code"] == orp]
    assert orps.loc[orp, "geom"].area == pytest.approx(shapely.area(members.geometry.to_numpy()).sum(), abs=1.0)
    assert shapely.union_all(geoms).area == pytest.approx(shapely.area(geoms).sum(), abs=1.0)
    # and the served ORP outlines (coverage union per zoom) are built for every ORP
    base = CoverageGeometry(stored["municipality_code"], stored.geometry)
    served = DissolvedCoverage(base, dict(zip(stored["municipality_code"], stored["orp_code"], strict=True)))
    for zoom in (6, 9, None):
        outlines = served.served(zoom)
        assert set(outlines) == set(orps.index) and all(not g.is_empty for g in outlines.values())


def test_valid_coverage_left_as_it_is(small_mun):
    mun = small_mun.rename(columns={"KOD_OBEC": "municipality_code"})
    out, warnings = clean_coverage(mun)
    assert warnings == [] and out is mun


def _gvf(y: np.ndarray, bins: list[float]) -> float:
    """Goodness of variance fit of classes with upper bounds ``bins``."""
    k = np.searchsorted(np.asarray(bins), y, side="left")
    within = sum(((y[k == c] - y[k == c].mean()) ** 2).sum() for c in range(len(bins)))
    return 1 - within / ((y - y.mean()) ** 2).sum()


@pytest.fixture(scope="module")
def shares() -> np.ndarray:
    """6,258 skewed shares like the 65+ share of Czech municipalities (%), with ties."""
    rng = np.random.default_rng(16)
    return np.round(np.clip(rng.gamma(9.0, 2.3, 6_258), 0, 100), 1)


def test_natural_breaks_of_6258_values_are_sensible(shares):
    bins = natural_breaks(shares, 5)
    assert len(bins) == 5
    assert all(lo < hi for lo, hi in zip(bins[:-1], bins[1:], strict=False))  # strictly monotone
    assert bins[-1] == shares.max()
    klass = np.searchsorted(np.asarray(bins), shares, side="left")
    assert set(klass) == set(range(5))  # every class has members
    assert _gvf(shares, bins) > 0.8


def test_natural_breaks_equal_mapclassify_fisher_jenks(shares):
    import mapclassify

    sample = shares[:150]
    assert natural_breaks(sample, 5) == pytest.approx(list(mapclassify.FisherJenks(sample, k=5).bins))


def test_sampled_breaks_close_to_exact_and_repeatable(shares):
    exact = natural_breaks(shares, 5)
    sampled = natural_breaks(shares, 5, exact_max=1_000)
    assert sampled == natural_breaks(shares, 5, exact_max=1_000)  # deterministic, unlike FisherJenksSampled
    assert sampled[-1] == shares.max() and len(sampled) == 5
    klass = np.searchsorted(np.asarray(sampled), shares, side="left")
    assert set(klass) == set(range(5))
    assert _gvf(shares, sampled) > _gvf(shares, exact) - 0.02


def test_few_distinct_values_give_one_class_each():
    assert natural_breaks(np.array([1.0, 1.0, 2.0, 3.0, 3.0]), 5) == [1.0, 2.0, 3.0]
