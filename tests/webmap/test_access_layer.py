"""The ``access:<§>`` choropleth: floating-catchment accessibility on the map and in exports."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pytest

from geo_kissos import analysis as ga
from geo_kissos.errors import ConfigError
from geo_kissos.layers import get_layer, layer_frame, layer_legend
from geo_kissos.layers.definitions import load_layers


@pytest.fixture(scope="module")
def access_layer():
    return get_layer("access-49-municipality")


def test_access_conserves_supply_over_the_region(loaded_store, access_layer):
    """E2SFCA hands out every reachable bed exactly once: demand-weighted access == supply/demand."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = layer_frame(loaded_store, access_layer)
        inputs = ga.load_inputs(loaded_store, int(frame.attrs["year"]))
    sites = ga.supply_sites(inputs, "49")
    assert len(sites) > 0 and frame["klass"].ge(0).all()
    pop = frame["target_population"].to_numpy(float)
    weighted = np.nansum(frame["value"].to_numpy(float) * pop) / pop.sum()
    assert weighted == pytest.approx(1000 * sites["supply"].sum() / pop.sum(), rel=1e-9)


def test_access_orp_level_is_the_weighted_mean_of_municipalities(loaded_store, access_layer):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mun = layer_frame(loaded_store, access_layer)
        orp = layer_frame(loaded_store, replace(access_layer, level="orp")).set_index("code")
    for code, part in mun.groupby("orp_code"):
        w = part["target_population"].to_numpy(float)
        expect = np.sum(part["value"].to_numpy(float) * w) / w.sum()
        assert orp.loc[code, "value"] == pytest.approx(expect, rel=1e-9)


def test_smaller_catchment_leaves_people_unreached(loaded_store, access_layer):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        near = layer_frame(loaded_store, replace(access_layer, access_max_distance=3000.0,
                                                 measure="unreached_share"))
    assert near["unreached_pct"].max() == 100.0
    assert near["value"].equals(near["unreached_pct"])
    assert len(layer_legend(access_layer, near)) >= 2


def test_bad_access_settings_refused(tmp_path):
    text = get_layer("access-49-municipality").path.read_text(encoding="utf-8")
    (tmp_path / "a.toml").write_text(text.replace('method = "e2sfca"', 'method = "gravity"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="a.toml.*access.method 'gravity'"):
        load_layers(tmp_path)
    (tmp_path / "a.toml").write_text(text.replace("max_distance = 20000", "max_distance = -5"), encoding="utf-8")
    with pytest.raises(ConfigError, match="access.max_distance -5"):
        load_layers(tmp_path)
