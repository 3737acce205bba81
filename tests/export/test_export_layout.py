"""The page layout engine: scale bar, north arrow, extents, names and sort order."""

from __future__ import annotations

import pytest
from pyproj import Transformer

from geo_kissos.errors import GeoKissosError
from geo_kissos.export import ascii_slug, nice_length, parse_formats, true_north_angle
from geo_kissos.export.layout import A4_MM, LAYOUT, add_scale_bar, fit_extent, map_axes, new_page
from geo_kissos.export.mapdata import format_date, parse_sites
from geo_kissos.text import czech_sort_key


@pytest.mark.parametrize(("limit", "expected"), [
    (7_300, 5_000), (19_999, 10_000), (20_000, 20_000), (4_999, 2_000), (1_234, 1_000),
    (950, 500), (260, 200), (0.7, 0.5),
])
def test_nice_length_is_1_2_5_times_a_power_of_ten(limit, expected):
    assert nice_length(limit) == pytest.approx(expected)


def test_nice_length_refuses_nonpositive():
    with pytest.raises(ValueError):
        nice_length(0)


def test_scale_bar_is_rounded_and_labelled_in_km():
    fig = new_page()
    ax = map_axes(fig, LAYOUT.map)
    (x0, x1), (y0, y1) = fit_extent((-560_000, -1_130_000, -523_000, -1_090_000), LAYOUT.map.aspect)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    length = add_scale_bar(ax)
    assert length in (5_000, 10_000)
    texts = [t.get_text() for t in ax.texts]
    assert f"{length / 1000:g} km" in texts
    assert "0" in texts
    # the bar is drawn in map units: its segments add up to the rounded length
    segs = [p for p in ax.patches if p.get_height() < 0.02 * (y1 - y0) and p.get_width() < length]
    assert sum(p.get_width() for p in segs) == pytest.approx(length)


def test_fit_extent_keeps_the_frame_aspect_and_contains_the_bounds():
    bounds = (-600_000, -1_200_000, -500_000, -1_150_000)
    (x0, x1), (y0, y1) = fit_extent(bounds, 0.8)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(0.8)
    assert x0 < bounds[0] and x1 > bounds[2] and y0 < bounds[1] and y1 > bounds[3]


def test_true_north_turns_with_the_meridian_convergence_of_krovak():
    to_map = Transformer.from_crs(4326, 5514, always_xy=True)
    olomouc = true_north_angle(*to_map.transform(17.25, 49.59))
    cheb = true_north_angle(*to_map.transform(12.37, 50.08))
    # grid north is not true north in S-JTSK; convergence grows towards the west
    assert -9 < olomouc < -3
    assert cheb < olomouc - 2
    assert abs(cheb) < 12


def test_layout_boxes_fit_on_a4_without_overlapping():
    boxes = [LAYOUT.title, LAYOUT.map, LAYOUT.legend, LAYOUT.symbols, LAYOUT.figures, LAYOUT.footer]
    for b in boxes:
        assert 0 <= b.left and b.left + b.width <= A4_MM[0]
        assert 0 <= b.top and b.top + b.height <= A4_MM[1]
    assert LAYOUT.title.top + LAYOUT.title.height <= LAYOUT.map.top
    assert LAYOUT.map.top + LAYOUT.map.height <= LAYOUT.legend.top
    assert LAYOUT.legend.top + LAYOUT.legend.height <= LAYOUT.footer.top
    assert LAYOUT.legend.left + LAYOUT.legend.width <= LAYOUT.symbols.left
    assert LAYOUT.symbols.left + LAYOUT.symbols.width <= LAYOUT.figures.left


def test_czech_names_sort_and_slug():
    names = ["Šumperk", "Šternberk", "Přerov", "Prostějov", "Zábřeh", "Uničov", "Hranice", "Chrudim"]
    assert sorted(names, key=czech_sort_key) == [
        "Hranice", "Chrudim", "Prostějov", "Přerov", "Šternberk", "Šumperk", "Uničov", "Zábřeh"]
    assert ascii_slug("Lipník nad Bečvou") == "lipnik-nad-becvou"
    assert format_date("2025-12-31") == "31. 12. 2025"
    assert format_date(None) == ""


def test_formats_and_sites_options():
    assert parse_formats("pdf, PNG") == ("png", "pdf")
    assert parse_formats(None) == ("png", "pdf", "html", "csv", "xlsx")
    with pytest.raises(GeoKissosError):
        parse_formats("docx")
    assert parse_sites("§49, 50") == ("49", "50")
    assert parse_sites("ALL") == "all"
    with pytest.raises(ValueError):
        parse_sites("99")


def test_figures_do_not_touch_pyplot_state():
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    before = plt.get_fignums()
    fig = new_page()
    assert plt.get_fignums() == before
    # whatever pyplot's backend, a page draws on its own Agg canvas (the old assert,
    # ``matplotlib.get_backend()``, was true of every backend)
    assert type(fig.canvas) is FigureCanvasAgg
    assert nice_length(3.0) == 2.0 and nice_length(7.5) == 5.0 and nice_length(10.0) == 10.0


def test_a_long_subtitle_stays_inside_the_title_block():
    """The § 49 access layer's subtitle (~180 characters) ran past the right margin at 6 pt."""
    from geo_kissos.export.layout import draw_title

    subtitle = ("Rok 2025 · obce, 5 tříd (přirozené zlomy (Fisher-Jenks)) společných pro celý kraj · "
                "Lůžka § 49 dosažitelná do 20 km na 1 000 obyvatel 65+ (E2SFCA, pásma 0–5–10–15–20 km)")
    fig = new_page()
    ax = draw_title(fig, "ORP Lipník nad Bečvou", "Domovy pro seniory (§ 49): dostupnost lůžek – obce",
                    subtitle)
    renderer = fig.canvas.get_renderer()
    block = ax.get_window_extent(renderer)
    texts = ax.texts
    for t in texts:
        box = t.get_window_extent(renderer)
        assert box.x1 <= block.x1 + 0.5, (t.get_text(), box.x1, block.x1)
    heading, sub = texts[1].get_window_extent(renderer), texts[2].get_window_extent(renderer)
    assert sub.y1 <= heading.y0  # the wrapped subtitle does not run into the heading
    assert texts[2].get_fontsize() >= 5
    assert "\n" in texts[2].get_text()  # wrapped: on one line it runs past the right margin
    # the rendered page: no ink right of the title block
    import io

    import numpy as np
    from PIL import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    ink = np.asarray(Image.open(buf).convert("L")) < 200
    right = int(round((LAYOUT.title.left + LAYOUT.title.width) / 25.4 * 150))
    assert not ink[:, right + 2:].any()
