"""``sites``: the located service sites (points), coloured by § type group.

The frame is :func:`geo_kissos.layers.points.points_frame`: one row per located site with
service, provider, type, forms, capacity and network (see :data:`geo_kissos.layers.POINT_COLUMNS`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import LayerSource, register_source
from ._common import years_of

if TYPE_CHECKING:
    import geopandas as gpd


@register_source
class SitesSource(LayerSource):
    """Located sites of the register; the years are the network's."""

    kind = "sites"
    layer_kind = "points"
    measures = ("sites",)
    needs_register = True

    def years(self, store: Any) -> list[int]:
        return years_of(store.read("network"))

    def source_parts(self, store: Any) -> list[str]:
        from .. import provenance

        return [provenance.register_text(store)]

    def frame(self, store: Any, year: int | None, orp: str | None) -> gpd.GeoDataFrame:
        from ..points import points_frame

        return points_frame(store, self.layer, year, orp)
