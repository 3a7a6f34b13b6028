import pickle
import struct
from concurrent.futures import ProcessPoolExecutor

import pytest

from domain import charts

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
