"""The fixed A4 page layout of every exported map: frames, title, legend, scale bar, north arrow.

All positions are millimetres on an A4 sheet (210 × 297 mm, portrait), measured from the top-left
corner, so the layout reads like a print specification::

    12 mm margin
    ┌──────────────────────────────────────────────┐  12
    │ title (14 pt bold)                            │
    │ subtitle (9.5 pt)                             │  30
    ├──────────────────────────────────────────────┤  34
    │ map frame (186 × 196 mm)                      │
    │   north arrow top right, scale bar bottom left│
    ├──────────────────────────────────────────────┤  230
    │ legend (classes)      │ symbols │ key figures │
    ├──────────────────────────────────────────────┤  277
    │ data date · source · CRS             page n/N │  285
    └──────────────────────────────────────────────┘

Figures are plain :class:`matplotlib.figure.Figure` objects on the Agg canvas (no pyplot state, so
rendering is safe in a web worker). Output is deterministic: PDF without creation date, PNG without
software tag, fixed fonts (DejaVu Sans, which has every Czech diacritic).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Rectangle
from pyproj import Transformer

from ..crs import STORE_EPSG

#: A4 in millimetres and inches (portrait).
A4_MM: tuple[float, float] = (210.0, 297.0)
MM_PER_INCH = 25.4
A4_INCHES: tuple[float, float] = (A4_MM[0] / MM_PER_INCH, A4_MM[1] / MM_PER_INCH)
#: Default raster resolution of PNG exports (A4 at 150 dpi = 1240 × 1753 px).
DEFAULT_DPI = 150
MARGIN_MM = 12.0

#: Matplotlib settings used for every export (fonts with Czech diacritics, stable output).
RC: dict[str, object] = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "pdf.fonttype": 42,  # embed TrueType subsets: text stays selectable/searchable in the PDF
    "svg.hashsalt": "geo-kissos",
    "path.simplify": True,
    "axes.unicode_minus": True,
}

#: PDF metadata: no creation date, so two runs give identical bytes.
PDF_METADATA: dict[str, str | None] = {"Creator": "geo-kissos", "CreationDate": None}

#: Colours of the page furniture.
INK = "#222222"
MUTED = "#666666"
NEIGHBOUR_FILL = "#e9e9e9"
NEIGHBOUR_EDGE = "#ffffff"
NO_DATA = "#f7f7f7"
OUTLINE = "#111111"


@dataclass(frozen=True)
class Box:
    """A rectangle on the page in millimetres from the top-left corner."""

    left: float
    top: float
    width: float
    height: float

    def figure_rect(self, page_mm: tuple[float, float] = A4_MM) -> tuple[float, float, float, float]:
        """The rectangle in figure coordinates (left, bottom, width, height; 0–1)."""
        w, h = page_mm
        return (self.left / w, 1 - (self.top + self.height) / h, self.width / w, self.height / h)

    @property
    def aspect(self) -> float:
        """Width / height."""
        return self.width / self.height


@dataclass(frozen=True)
class PageLayout:
    """Where each block of a map page goes (all in millimetres)."""

    title: Box = Box(MARGIN_MM, MARGIN_MM, A4_MM[0] - 2 * MARGIN_MM, 20.0)
    map: Box = Box(MARGIN_MM, 34.0, A4_MM[0] - 2 * MARGIN_MM, 196.0)
    legend: Box = Box(MARGIN_MM, 234.0, 64.0, 40.0)
    symbols: Box = Box(MARGIN_MM + 66.0, 234.0, 62.0, 40.0)
    figures: Box = Box(MARGIN_MM + 132.0, 234.0, 54.0, 40.0)
    footer: Box = Box(MARGIN_MM, 276.0, A4_MM[0] - 2 * MARGIN_MM, 10.0)


LAYOUT = PageLayout()


@dataclass(frozen=True)
class LegendEntry:
    """One legend row: a filled patch, a point marker or a line."""

    label: str
    colour: str
    kind: Literal["patch", "marker", "line"] = "patch"
    edge: str = "#999999"
    size: float = 6.0
    hatch: str = ""


# --------------------------------------------------------------------------- text fitting
PT_MM = MM_PER_INCH / 72.0


def fit_size(text: str, width_mm: float, size: float, minimum: float = 6.0, *, bold: bool = False) -> float:
    """The largest font size ≤ ``size`` (≥ ``minimum``) at which ``text`` fits ``width_mm``.

    Uses DejaVu Sans' average advance (≈0.55 em, 0.60 em bold): good enough to keep titles,
    legend headings and the source line inside their blocks.
    """
    em = 0.60 if bold else 0.55
    needed = len(text) * em * PT_MM  # millimetres per point of font size
    if needed <= 0:
        return size
    return max(minimum, min(size, width_mm / needed))


# --------------------------------------------------------------------------- page and blocks
def new_page(layout: PageLayout = LAYOUT) -> Figure:
    """A blank A4 portrait figure on the Agg canvas."""
    fig = Figure(figsize=A4_INCHES, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def block_axes(fig: Figure, box: Box, *, frame: bool = False) -> Axes:
    """An axes filling ``box``; coordinates 0–1 in both directions, no ticks."""
    ax = fig.add_axes(box.figure_rect())
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(frame)
        side.set_color(INK)
        side.set_linewidth(0.6)
    ax.patch.set_alpha(0.0)
    return ax


def map_axes(fig: Figure, box: Box) -> Axes:
    """The map frame: equal aspect, framed, no ticks."""
    ax = fig.add_axes(box.figure_rect())
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_color(INK)
        side.set_linewidth(0.9)
    ax.set_facecolor("white")
    return ax


def finish_map_axes(ax: Axes) -> None:
    """Remove what plotting libraries add to a map frame (axis labels, ticks)."""
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xticks([])
    ax.set_yticks([])


def draw_title(fig: Figure, title: str, heading: str = "", subtitle: str = "",
               box: Box = LAYOUT.title) -> Axes:
    """Three title lines: ``title`` (16 pt bold), ``heading`` (11 pt bold), ``subtitle`` (8.5 pt)."""
    ax = block_axes(fig, box)
    ax.text(0, 1, title, ha="left", va="top", fontsize=fit_size(title, box.width, 16, 11, bold=True),
            fontweight="bold", color=INK)
    if heading:
        ax.text(0, 0.47, heading, ha="left", va="center", fontweight="bold", color=INK,
                fontsize=fit_size(heading, box.width, 11, 7.5, bold=True))
    if subtitle:
        size = fit_size(subtitle, box.width, 8.5, 6)
        if len(subtitle) * 0.55 * size * PT_MM > box.width:  # too long even at 6 pt: two lines
            subtitle = _two_lines(subtitle)
            size = fit_size(max(subtitle.split("\n"), key=len), box.width, 7.5, 5)
        ax.text(0, 0.0, subtitle, ha="left", va="bottom", fontsize=size, color=MUTED,
                linespacing=1.15)
    return ax


def _two_lines(text: str) -> str:
    """Break ``text`` at the space (or `` · ``) nearest its middle."""
    mid = len(text) // 2
    cuts = [i for i, ch in enumerate(text) if ch == " "]
    if not cuts:
        return text
    dots = [i for i in cuts if text[i - 1: i + 2] == " · "]
    at = min(dots or cuts, key=lambda i: abs(i - mid))
    if dots and abs(at - mid) > len(text) // 4:  # a separator far off the middle: any space
        at = min(cuts, key=lambda i: abs(i - mid))
    if text[at - 1: at + 2] == " · ":
        return text[:at + 2].rstrip() + "\n" + text[at + 2:].lstrip()
    return text[:at] + "\n" + text[at + 1:]


def draw_legend(ax: Axes, title: str, entries: Sequence[LegendEntry], *, columns: int = 1,
                unit: str = "") -> None:
    """A legend block: bold title, optional unit line, then rows of symbols and labels.

    Drawn by hand (not ``ax.legend``) so the position and the order of rows are fixed.
    """
    width_mm = ax.bbox.width / ax.figure.dpi * MM_PER_INCH
    ax.text(0, 1, title, ha="left", va="top", fontsize=fit_size(title, width_mm, 8.5, 6, bold=True),
            fontweight="bold", color=INK)
    top = 0.80
    if unit:
        ax.text(0, 0.86, unit, ha="left", va="top", fontsize=7.5, color=MUTED)
        top = 0.70
    if not entries:
        return
    rows = math.ceil(len(entries) / columns)
    step = min(0.14, top / max(rows, 1))
    col_w = 1.0 / columns
    for i, e in enumerate(entries):
        col, row = divmod(i, rows)
        x = col * col_w
        y = top - row * step - step / 2
        w = _symbol(ax, e, x, y, step)
        ax.text(x + w + 0.03, y, e.label, ha="left", va="center", fontsize=7.5,
                color=INK)


def _symbol(ax: Axes, e: LegendEntry, x: float, y: float, step: float) -> float:
    """Draw one legend symbol at (x, y); return its width (axes units)."""
    w = 7.0 / (ax.bbox.width / ax.figure.dpi * MM_PER_INCH)  # 7 mm wide whatever the block width
    h = step * 0.7
    if e.kind == "patch":
        ax.add_patch(Rectangle((x, y - h / 2), w, h, facecolor=e.colour, edgecolor=e.edge,
                               linewidth=0.5, hatch=e.hatch or None))
    elif e.kind == "line":
        ax.add_line(Line2D([x, x + w], [y, y], color=e.colour, linewidth=e.size / 3))
    else:
        ax.plot([x + w / 2], [y], marker="o", markersize=e.size, markerfacecolor=e.colour,
                markeredgecolor=e.edge, markeredgewidth=0.6, linestyle="none")
    return w


def draw_key_figures(ax: Axes, title: str, rows: Iterable[tuple[str, str]]) -> None:
    """A small two-column table of key numbers (label, value)."""
    ax.text(0, 1, title, ha="left", va="top", fontsize=8.5, fontweight="bold", color=INK)
    y = 0.80
    for label, value in rows:
        ax.text(0, y, label, ha="left", va="center", fontsize=7, color=MUTED)
        ax.text(1, y, value, ha="right", va="center", fontsize=7.2, color=INK, fontweight="bold")
        y -= 0.115


def draw_page_label(fig: Figure, label: str, box: Box = LAYOUT.footer) -> Axes:
    """Page number at the bottom right (added to an already drawn page, e.g. in an atlas)."""
    ax = block_axes(fig, box)
    ax.text(1, 0.82, label, ha="right", va="top", fontsize=7.5, color=INK)
    return ax


def draw_footer(fig: Figure, left_lines: Sequence[str], right: str = "",
                box: Box = LAYOUT.footer) -> Axes:
    """Footer: a rule, data date / source / CRS lines (and what the numbers leave out, up to four
    lines in all) on the left, page number on the right."""
    ax = block_axes(fig, box)
    ax.add_line(Line2D([0, 1], [1, 1], color=INK, linewidth=0.5))
    lines = list(left_lines[:4])
    step = 0.3 if len(lines) <= 3 else 0.23  # a fourth line (what the numbers leave out) fits closer
    for i, line in enumerate(lines):
        ax.text(0, 0.82 - i * step, line, ha="left", va="top", color=MUTED,
                fontsize=fit_size(line, box.width - 22, 6.5 if step == 0.3 else 5.5, 5))
    if right:
        ax.text(1, 0.82, right, ha="right", va="top", fontsize=7.5, color=INK)
    return ax


# --------------------------------------------------------------------------- map furniture
def fit_extent(bounds: Sequence[float], aspect: float, pad: float = 0.06
               ) -> tuple[tuple[float, float], tuple[float, float]]:
    """Limits showing ``bounds`` (minx, miny, maxx, maxy) padded, with the frame's aspect ratio.

    Parameters
    ----------
    bounds : sequence of float
        Extent to show, in map units (metres).
    aspect : float
        Width / height of the map frame.
    pad : float
        Margin around the bounds, as a share of their larger side.

    Returns
    -------
    tuple
        ``(xmin, xmax), (ymin, ymax)``.
    """
    minx, miny, maxx, maxy = map(float, bounds)
    w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    margin = pad * max(w, h)
    w, h = w + 2 * margin, h + 2 * margin
    if w / h > aspect:
        h = w / aspect
    else:
        w = h * aspect
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return (cx - w / 2, cx + w / 2), (cy - h / 2, cy + h / 2)


def nice_length(limit: float) -> float:
    """The largest 1, 2 or 5 × 10ⁿ not above ``limit`` (a scale bar a reader can read)."""
    if limit <= 0:
        raise ValueError("limit must be positive")
    exp = math.floor(math.log10(limit))
    for mult in (5, 2, 1):
        if mult * 10**exp <= limit:
            return float(mult * 10**exp)
    return float(10 ** (exp - 1) * 5)  # pragma: no cover - unreachable


def format_distance(metres: float) -> str:
    """``500 m``, ``2 km``, ``2,5 km`` (Czech decimal comma)."""
    if metres < 1000:
        return f"{metres:g} m"
    km = metres / 1000
    return f"{km:g} km".replace(".", ",")


def add_scale_bar(ax: Axes, *, target_share: float = 0.22) -> float:
    """Draw a rounded, segmented scale bar in the lower-left corner of a metric map.

    The bar is 1, 2 or 5 × 10ⁿ metres long (about ``target_share`` of the frame width), split
    into 5 or 4 segments with a label at every segment boundary (``0 1 2 3 4 5 km``). The axes
    must already have their final limits (EPSG:5514 metres, equal aspect).

    Returns
    -------
    float
        The bar length in metres.
    """
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    width, height = x1 - x0, y1 - y0
    length = nice_length(width * target_share)
    lead = round(length / 10 ** math.floor(math.log10(length)))
    segments = 4 if lead == 2 else 5
    seg = length / segments
    bx, by = x0 + 0.035 * width, y0 + 0.035 * height
    bar_h = 0.008 * height
    ax.add_patch(Rectangle((bx - 0.015 * width, by - 0.014 * height), length + 0.085 * width,
                           bar_h + 0.05 * height, facecolor="white", edgecolor="none", alpha=0.85,
                           zorder=20))
    for i in range(segments):
        ax.add_patch(Rectangle((bx + i * seg, by), seg, bar_h, facecolor=INK if i % 2 == 0 else "white",
                               edgecolor=INK, linewidth=0.6, zorder=21))
    km = length >= 1000
    for i in range(segments + 1):
        t = i * seg
        value = t / 1000 if km else t
        label = f"{value:g}".replace(".", ",")
        if i == segments:
            label += " km" if km else " m"
        ax.text(bx + t, by + bar_h + 0.006 * height, label, ha="left" if i == segments else "center",
                va="bottom", fontsize=6.5, color=INK, zorder=22)
    return length


def true_north_angle(x: float, y: float, epsg: int = STORE_EPSG) -> float:
    """Angle (degrees, counter-clockwise from the map's +y axis) of true north at a point.

    In S-JTSK / Krovak East North grid north differs from true north by the meridian
    convergence (about 7–10° in Moravia), so a north arrow must be turned.
    """
    to_geo = Transformer.from_crs(epsg, 4326, always_xy=True)
    to_map = Transformer.from_crs(4326, epsg, always_xy=True)
    lon, lat = to_geo.transform(x, y)
    nx, ny = to_map.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(-(nx - x), ny - y))


def add_north_arrow(ax: Axes, angle: float = 0.0) -> None:
    """A north arrow in the top-right corner of the map frame, turned by ``angle`` degrees."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    width, height = x1 - x0, y1 - y0
    size = 0.055 * height
    cx, cy = x1 - 0.06 * width, y1 - 0.085 * height
    a = math.radians(angle)
    dx, dy = -math.sin(a) * size, math.cos(a) * size
    ax.add_patch(Rectangle((cx - 0.035 * width, cy - size * 0.75), 0.07 * width, size * 1.95,
                           facecolor="white", edgecolor="none", alpha=0.85, zorder=20))
    ax.add_patch(FancyArrow(cx - dx / 2, cy - dy / 2, dx, dy, width=size * 0.12,
                            head_width=size * 0.42, head_length=size * 0.45,
                            length_includes_head=True, color=INK, zorder=21))
    ax.text(cx + dx * 0.62, cy + dy * 0.62 + size * 0.08, "S", ha="center", va="bottom",
            fontsize=9, fontweight="bold", color=INK, zorder=22)


# --------------------------------------------------------------------------- writing
def save_png(fig: Figure, path: str | Path, dpi: int = DEFAULT_DPI) -> Path:
    """Write an A4 PNG (``dpi`` × 8.27 in wide), without a software tag (deterministic)."""
    path = Path(path)
    fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None})
    return path


def save_pdf(figures: Iterable[Figure], path: str | Path, title: str = "",
             subject: str = "") -> Path:
    """Write figures as pages of one PDF with fixed metadata (no creation date)."""
    path = Path(path)
    meta = dict(PDF_METADATA)
    if title:
        meta["Title"] = title
    if subject:
        meta["Subject"] = subject
    with PdfPages(path, metadata=meta) as pdf:
        for fig in figures:
            pdf.savefig(fig)
    return path


__all__ = [
    "A4_INCHES",
    "A4_MM",
    "DEFAULT_DPI",
    "LAYOUT",
    "PDF_METADATA",
    "RC",
    "Box",
    "LegendEntry",
    "PageLayout",
    "add_north_arrow",
    "add_scale_bar",
    "block_axes",
    "draw_footer",
    "draw_key_figures",
    "draw_legend",
    "draw_page_label",
    "draw_title",
    "finish_map_axes",
    "fit_size",
    "fit_extent",
    "format_distance",
    "map_axes",
    "new_page",
    "nice_length",
    "save_pdf",
    "save_png",
    "true_north_angle",
]
