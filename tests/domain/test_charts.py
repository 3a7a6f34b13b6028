import pickle
import struct
from concurrent.futures import ProcessPoolExecutor

import pytest

from domain.reports import charts

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG)
    return struct.unpack(">II", data[16:24])


def test_likert_chart():
    data = charts.likert_chart(
        [
            "Fokus pada pembelajaran",
            "Budaya kolaborasi dan tanggung jawab kolektif",
            "Orientasi pada hasil belajar",
        ],
        [0.85, 0.765, None],
        "Cek Mingguan Kombel",
    )
    w, h = png_size(data)
    assert 700 <= w <= 900 and 380 <= h <= 500


def test_role_chart_share_index_mean():
    roles = ["Guru kelas", "Guru PAI", "Guru PJOK", "Operator sekolah"]
    assert charts.role_chart(roles, [0.85, 0.78, 0.73, 0.70], 0.765, "Fokus pada pembelajaran").startswith(
        PNG
    )
    assert charts.role_chart(roles, [60, 70, None, 55], 61.7, "Indeks", kind="index", locale="en").startswith(
        PNG
    )
    assert charts.role_chart(roles[:2], [3.8, 4.1], None, "Rerata skor", kind="mean").startswith(PNG)
    with pytest.raises(ValueError):
        charts.role_chart(roles, [0.5], None, "x")
    with pytest.raises(ValueError):
        charts.role_chart(roles[:1], [0.5], None, "x", kind="bogus")


def test_prepost_chart():
    assert charts.prepost_chart(5.0, 8.0, 10, "Tes awal dan akhir", note="g = 0,60").startswith(PNG)
    assert charts.prepost_chart(None, None, 10, "Belum ada data").startswith(PNG)


def test_trend_chart():
    x = [f"{d} Agu" for d in (4, 11, 18, 25)] + [f"{d} Sep" for d in (1, 8, 15, 22, 29)] + ["6 Okt"]
    series = {
        "Fokus pada pembelajaran": [0.5, 0.6, None, 0.7, 0.8, 0.75, 0.8, 0.9, 0.85, 0.9],
        "Kolaborasi": [0.4] * 10,
        "Hasil belajar": [None] * 10,
    }
    assert charts.trend_chart(x, series, "Tren mingguan").startswith(PNG)
    assert charts.trend_chart([], {}, "Kosong").startswith(PNG)
    with pytest.raises(ValueError):
        charts.trend_chart(["a"], {"s": [1, 2]}, "x")


def test_empty_likert_chart():
    assert charts.likert_chart([], [], "Kosong").startswith(PNG)


def test_picklable_in_process_pool():
    pickle.dumps(charts.likert_chart)
    with ProcessPoolExecutor(max_workers=2) as pool:
        futs = [
            pool.submit(charts.likert_chart, ["a", "b"], [0.5, 1.0], "t"),
            pool.submit(charts.prepost_chart, 3.0, 4.5, 5, "t", labels=("Sebelum", "Sesudah")),
        ]
        assert all(f.result(timeout=120).startswith(PNG) for f in futs)


SUMMARY_LABELS = ["19/10", "26/10", "2/11", "9/11", "16/11", "23/11"]
SUMMARY_TITLE = "Kehadiran, jam belajar, dan jawaban siklus"


def summary_series(shift: float) -> dict[str, list[float | None]]:
    return {
        "Kehadiran": [0.8, 0.7 - shift, 0.9, None, 0.75, 0.8],
        "Sesuai target jam belajar": [0.5, 0.6, 0.6 + shift, 0.7, 0.7, 0.8],
        "Menjawab pertanyaan siklus": [0.3, 0.5, 0.6, 0.6, 0.8 - shift, 0.9],
    }


def pixels(data: bytes):
    import io

    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        im.load()  # decodes the whole image: a broken PNG raises here
        return np.asarray(im.convert("RGB"), dtype=np.int16)


def test_summary_chart_is_the_trend_chart_picture_reused():
    first = charts.summary_chart(SUMMARY_LABELS, summary_series(0.0), SUMMARY_TITLE)
    second = charts.summary_chart(SUMMARY_LABELS, summary_series(0.3), SUMMARY_TITLE)
    again = charts.summary_chart(SUMMARY_LABELS, summary_series(0.0), SUMMARY_TITLE)
    assert png_size(first) == png_size(second) == (800, 600)
    a, b = pixels(first), pixels(second)
    assert a.shape == (600, 800, 3)
    assert (a != b).any(axis=2).sum() > 500  # the lines moved, not a stale picture
    assert (pixels(again) == a).all()  # nothing of the previous chart is left over
    # the same picture as the general trend chart (only the spines/line stacking may differ)
    old = pixels(charts.trend_chart(SUMMARY_LABELS, summary_series(0.0), SUMMARY_TITLE))
    assert (old != a).any(axis=2).mean() < 0.005


def test_summary_chart_layouts_and_errors():
    en = charts.summary_chart(SUMMARY_LABELS, {"Attendance": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]}, "Trend", locale="en")
    assert png_size(en) == (800, 600)
    assert charts.summary_chart([], {}, "Kosong").startswith(PNG)  # falls back to trend_chart
    with pytest.raises(ValueError):
        charts.summary_chart(["a", "b"], {"s": [0.1]}, "x")
    for i in range(charts._RENDERERS_MAX + 3):  # more layouts than kept: the oldest are dropped
        charts.summary_chart(["a", "b"], {f"s{i}": [0.1, 0.2]}, "x")
    assert len(charts._RENDERERS) == charts._RENDERERS_MAX


def test_summary_chart_in_pool_worker_with_warm_up():
    with ProcessPoolExecutor(max_workers=1, initializer=charts.warm_up) as pool:
        futs = [pool.submit(charts.summary_chart, SUMMARY_LABELS, summary_series(s), SUMMARY_TITLE) for s in (0, 0.3)]
        first, second = (f.result(timeout=120) for f in futs)
    assert png_size(first) == (800, 600) and first != second


def test_prepost_axis_has_integer_ticks_for_small_scores():
    from domain.reports import charts

    fig, ax = charts._prepost_figure(1.4, 2.3, 3, "Tes", ("Awal", "Akhir"), None, "id")
    fig.canvas.draw()
    assert [t for t in ax.get_yticks() if 0 <= t <= 3.36] == [0, 1, 2, 3]
    assert png_size(charts.prepost_chart(1.4, 2.3, 3, "Tes", locale="id")) == (800, 450)


def test_trend_chart_title_keeps_its_period_line_and_unit():
    from domain.reports import charts

    fig, ax, _lines, _f = charts._trend_figure(["6/7", "13/7"], {"Kehadiran": [None, 0.5]}, "Judul\n6 Jul – 17 Jul 2026",
                                               "share", "id", "% anggota")
    assert fig._suptitle.get_text() == "Judul\n6 Jul – 17 Jul 2026" and ax.get_ylabel() == "% anggota"
    assert list(ax.get_yticks()) == [0, 25, 50, 75, 100]
