"""Survey charts as PNG bytes (≈ 800×450 px, readable on a phone).

Only matplotlib's object API is used (``Figure`` + ``FigureCanvasAgg``), never pyplot, so nothing global
is shared between threads. Every function is top-level and takes plain data, so it can be sent to a
``ProcessPoolExecutor``. All labels arrive already localized from the caller; numbers drawn on the
bars are formatted with :func:`domain.surveys.core.fmt_percent` / :func:`~domain.surveys.core.fmt_number` for
``locale``.

``kind`` (role and trend charts) says what the values are: ``"share"`` = 0..1 drawn as 0–100 %,
``"index"`` = 0–100, ``"mean"`` = Likert mean 1..5. ``None`` values are drawn as gaps.
"""

from __future__ import annotations

import io
import math
import struct
import textwrap
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

import matplotlib
import numpy as np

matplotlib.use("Agg")

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from domain.surveys.core import fmt_number, fmt_percent  # noqa: E402

WIDTH_IN, HEIGHT_IN, DPI = 8.0, 4.5, 100
TREND_HEIGHT_IN = 6.0  # room for a two-line title and a legend of one series per line
BAR = "#2E7D9A"
BAR_ALT = "#E0A526"
RERATA = "#C0392B"
GRID = "#DDDDDD"
PALETTE = ("#2E7D9A", "#E0A526", "#5B9E4D", "#8E5EA2", "#C0392B", "#4A4A4A")
FONT = 16  # 800 px shown ~360 px wide on a phone: 16 pt here is ~10 px there


def _figure(title: str, height_in: float = HEIGHT_IN) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    head = "\n".join(_wrap(part, 56, 2) for part in str(title).split("\n")[:2])  # a title line, then its period
    fig.suptitle(head, x=0.01, ha="left", fontsize=FONT + 2, fontweight="bold")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=FONT)
    return fig, ax


def _png(fig: Figure) -> bytes:
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return buf.getvalue()


def _wrap(label: str, width: int, max_lines: int = 3) -> str:
    lines = textwrap.wrap(str(label), width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1].rstrip() + "…"
    return "\n".join(lines)


def _pct(v: float, locale: str) -> str:
    """Percent with one decimal, or none when it would be ",0" (85 %, 76,5 %)."""
    whole = abs(v * 1000 - round(v * 1000)) < 1e-9 and round(v * 1000) % 10 == 0
    return fmt_percent(v, locale, 0 if whole else 1)


def _scale(kind: str, locale: str) -> tuple[float, float, float, Callable[[float], str]]:
    """(ymin, ymax, factor to axis units, value formatter) for a value kind."""
    if kind == "share":
        return 0.0, 100.0, 100.0, lambda v: _pct(v, locale)
    if kind == "index":
        return 0.0, 100.0, 1.0, lambda v: fmt_number(v, locale, 1)
    if kind == "mean":
        return 1.0, 5.0, 1.0, lambda v: fmt_number(v, locale, 1)
    raise ValueError(f"kind must be 'share', 'index' or 'mean', got {kind!r}")


def _axis_formatter(kind: str, locale: str) -> FuncFormatter:
    if kind == "share":
        return FuncFormatter(lambda v, _pos: fmt_percent(v / 100, locale, 0))
    return FuncFormatter(lambda v, _pos: fmt_number(v, locale, 0 if kind == "index" else 1))


def likert_chart(
    labels: Sequence[str], agree_shares: Sequence[float | None], title: str, *, locale: str = "id"
) -> bytes:
    """Horizontal bars, one per statement, of the share agreeing (0..1) on a 0–100 % axis."""
    if len(labels) != len(agree_shares):
        raise ValueError("labels and agree_shares differ in length")
    fig, ax = _figure(title)
    n = len(labels)
    ys = list(range(n))[::-1]  # first statement on top
    vals = [0.0 if v is None else v * 100 for v in agree_shares]
    ax.barh(ys, vals, color=BAR, height=0.6)
    ax.set_yticks(ys, [_wrap(lbl, 38) for lbl in labels], fontsize=FONT if n <= 6 else FONT - 2)
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 50, 100])  # three ticks stay apart at 360 px
    ax.xaxis.set_major_formatter(_axis_formatter("share", locale))
    ax.grid(axis="x", color=GRID)
    ax.set_axisbelow(True)
    for y, v in zip(ys, agree_shares, strict=True):
        text = _pct(v, locale) if v is not None else "–"
        x = 0 if v is None else v * 100
        inside = x > 80
        ax.text(
            x - 1.5 if inside else x + 1.5,
            y,
            text,
            va="center",
            ha="right" if inside else "left",
            color="white" if inside else "black",
            fontsize=FONT,
            fontweight="bold",
        )
    return _png(fig)


def role_chart(
    roles: Sequence[str],
    values: Sequence[float | None],
    rerata: float | None,
    title: str,
    *,
    kind: str = "share",
    rerata_label: str = "Rerata",
    locale: str = "id",
) -> bytes:
    """Vertical bars per role, with a dashed line for the Rerata (mean of the role figures)."""
    if len(roles) != len(values):
        raise ValueError("roles and values differ in length")
    lo, hi, factor, fmt = _scale(kind, locale)
    fig, ax = _figure(title)
    xs = list(range(len(roles)))
    heights = [0.0 if v is None else v * factor - lo for v in values]
    ax.bar(xs, heights, bottom=lo, color=BAR, width=0.6)
    ax.set_xticks(xs, [_wrap(r, 14) for r in roles], fontsize=FONT if len(roles) <= 5 else FONT - 2)
    ax.set_ylim(lo, hi * 1.08 if kind != "mean" else hi + 0.3)
    ax.yaxis.set_major_formatter(_axis_formatter(kind, locale))
    ax.grid(axis="y", color=GRID)
    ax.set_axisbelow(True)
    for x, v in zip(xs, values, strict=True):
        ax.text(
            x,
            (lo if v is None else v * factor) + (hi - lo) * 0.015,
            "–" if v is None else fmt(v),
            ha="center",
            va="bottom",
            fontsize=FONT,
            fontweight="bold",
            zorder=5,
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85},
        )
    if rerata is not None:
        ax.axhline(
            rerata * factor, color=RERATA, linestyle="--", linewidth=2, label=f"{rerata_label} {fmt(rerata)}"
        )
        legend = ax.legend(
            loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=FONT, borderaxespad=0.2
        )
        for text in legend.get_texts():
            text.set_color(RERATA)
            text.set_fontweight("bold")
    return _png(fig)


def prepost_chart(
    mean_pre: float | None,
    mean_post: float | None,
    max_score: int | float,
    title: str,
    *,
    labels: tuple[str, str] = ("Pre-test", "Post-test"),
    note: str | None = None,
    locale: str = "id",
) -> bytes:
    """Two bars (class mean before and after) on a 0..max_score axis; ``note`` e.g. "g = 0,45"."""
    return _png(_prepost_figure(mean_pre, mean_post, max_score, title, labels, note, locale)[0])


def _prepost_figure(mean_pre: float | None, mean_post: float | None, max_score: int | float, title: str,
                    labels: tuple[str, str], note: str | None, locale: str) -> tuple[Figure, Axes]:
    if not max_score or max_score <= 0:
        raise ValueError("max_score must be positive")
    fig, ax = _figure(title)
    vals = [mean_pre, mean_post]
    ax.bar([0, 1], [0.0 if v is None else v for v in vals], color=[BAR_ALT, BAR], width=0.5)
    ax.set_xticks([0, 1], list(labels))
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(0, max_score * 1.12)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # scores are counts: 0, 1, 2, 3 — never "1, 1"
    ax.axhline(max_score, color=GRID, linestyle=":", linewidth=1.5)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt_number(v, locale, 0)))
    ax.grid(axis="y", color=GRID)
    ax.set_axisbelow(True)
    for x, v in enumerate(vals):
        ax.text(
            x,
            (0 if v is None else v) + max_score * 0.015,
            "–" if v is None else fmt_number(v, locale, 1),
            ha="center",
            va="bottom",
            fontsize=FONT + 2,
            fontweight="bold",
        )
    if note:
        ax.text(0.99, 0.98, note, transform=ax.transAxes, ha="right", va="top", fontsize=FONT + 1)
    return fig, ax


def trend_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    *,
    kind: str = "share",
    locale: str = "id",
    ylabel: str | None = None,
) -> bytes:
    """One line per series over the weeks; ``None`` leaves a gap (never a 0); ``ylabel`` names the unit."""
    fig, _ax, _lines, _factor = _trend_figure(x_labels, series, title, kind, locale, ylabel)
    return _png(fig)


def _trend_figure(
    x_labels: Sequence[str], series: Mapping[str, Sequence[float | None]], title: str, kind: str, locale: str,
    ylabel: str | None = None,
) -> tuple[Figure, Axes, list[Line2D], float]:
    """The trend chart's figure (not laid out yet), its line per series and the value-to-axis factor."""
    lo, hi, factor, _fmt = _scale(kind, locale)
    fig, ax = _figure(title, TREND_HEIGHT_IN)
    xs = list(range(len(x_labels)))
    lines = []
    for i, (name, vals) in enumerate(series.items()):
        if len(vals) != len(xs):
            raise ValueError(f"series {name!r} has {len(vals)} values for {len(xs)} labels")
        ys = [math.nan if v is None else v * factor for v in vals]
        lines += ax.plot(
            xs,
            ys,
            marker="o",
            linewidth=2.5,
            markersize=6,
            label=_wrap(name, 30, 2),
            color=PALETTE[i % len(PALETTE)],
        )
    step = max(1, math.ceil(len(xs) / 8))  # at most ~8 tick labels on a phone
    ax.set_xticks(xs[::step], [str(x) for x in x_labels][::step])
    if xs:
        ax.set_xlim(-0.3, len(xs) - 0.7)
    ax.set_ylim(lo, hi * 1.05 if kind != "mean" else hi + 0.2)
    ax.yaxis.set_major_formatter(_axis_formatter(kind, locale))
    if kind == "share":
        ax.set_yticks([0, 25, 50, 75, 100])
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=FONT - 2)
    ax.grid(axis="y", color=GRID)
    if series:
        ax.legend(
            fontsize=FONT - 1,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.1),
            frameon=False,
            ncols=1 if len(series) > 2 else len(series),
        )
    return fig, ax, lines, factor


# -- fast path for charts drawn thousands of times (the weekly summary) --------------------------------
class TrendRenderer:
    """A `trend_chart` whose figure is built once and reused: per chart only the lines are redrawn.

    Building the figure, its axes, ticks, title and legend and laying out the text (``tight_layout``) is
    what costs ~70 ms in `trend_chart`; drawing three lines is well under a millisecond. So the figure is
    drawn once per *layout* (title, series names, week labels, kind, locale) with the lines hidden
    (``animated``), that background is kept, and a chart is: restore the background, draw the lines with
    the new values, encode the PNG (`_encode_png`).
    The picture is the same as `trend_chart`'s (same size, fonts, colours and legend), except that the lines
    are drawn over the axis spines instead of under them.
    """

    def __init__(self, x_labels: Sequence[str], names: Sequence[str], title: str, kind: str, locale: str,
                 ylabel: str | None = None) -> None:
        self.n = len(x_labels)
        fig, self.ax, self.lines, self.factor = _trend_figure(
            x_labels, {name: [None] * self.n for name in names}, title, kind, locale, ylabel)
        self.fig = fig
        fig.tight_layout()
        for line in self.lines:  # the legend keeps its own copies of the line styles
            line.set_animated(True)
        canvas = fig.canvas
        canvas.draw()
        self.background = canvas.copy_from_bbox(fig.bbox)
        self.size = (int(fig.bbox.width), int(fig.bbox.height))

    def render(self, series: Sequence[Sequence[float | None]]) -> bytes:
        if len(series) != len(self.lines):
            raise ValueError(f"{len(series)} series for {len(self.lines)} lines")
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for line, vals in zip(self.lines, series, strict=True):
            if len(vals) != self.n:
                raise ValueError(f"a series has {len(vals)} values for {self.n} labels")
            line.set_ydata([math.nan if v is None else v * self.factor for v in vals])
            self.ax.draw_artist(line)
        return _encode_png(canvas.buffer_rgba(), self.size)


def _encode_png(rgba: memoryview, size: tuple[int, int]) -> bytes:
    """RGB PNG of an Agg buffer: no row filter + zlib level 1 (a flat-colour chart needs no better; ~2× faster
    than Pillow's adaptive filters, and smaller)."""
    w, h = size
    rows = np.empty((h, 1 + 3 * w), np.uint8)
    rows[:, 0] = 0  # filter type "none"
    rows[:, 1:] = np.asarray(rgba)[:, :, :3].reshape(h, 3 * w)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8 bits, truecolour, deflate, no filter, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + chunk(b"IEND", b""))


_RENDERERS: OrderedDict[tuple, TrendRenderer] = OrderedDict()
_RENDERERS_MAX = 8  # layouts kept per process (locales × which series a community has × week labels)
_RENDER_LOCK = threading.Lock()


def summary_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    title: str,
    *,
    kind: str = "share",
    locale: str = "id",
    ylabel: str | None = None,
) -> bytes:
    """Same arguments and picture as `trend_chart`, ~10× cheaper when called again with the same layout.

    The figure of each layout is kept in this process (a pool worker keeps its own), so call it from a
    long-lived process (`bot.chartpool`). An empty chart falls back to `trend_chart`.
    """
    if not x_labels or not series:
        return trend_chart(x_labels, series, title, kind=kind, locale=locale, ylabel=ylabel)
    key = (tuple(str(x) for x in x_labels), tuple(series), title, kind, locale, ylabel)
    with _RENDER_LOCK:
        renderer = _RENDERERS.get(key)
        if renderer is None:
            renderer = _RENDERERS[key] = TrendRenderer(x_labels, list(series), title, kind, locale, ylabel)
            while len(_RENDERERS) > _RENDERERS_MAX:
                _RENDERERS.popitem(last=False)
        else:
            _RENDERERS.move_to_end(key)
        return renderer.render(list(series.values()))


def warm_up() -> None:
    """Pool-worker initializer: pay matplotlib's first-draw costs (font cache, Agg) before the first task."""
    summary_chart(["1/1", "8/1"], {"a": [0.5, None]}, "warm-up")
