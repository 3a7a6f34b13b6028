"""Issue 12, end to end: anonymity that cannot be subtracted, and individual answers fixed per survey.

The filed case: 3 classroom teachers answer 4,4,4 and 1 counsellor (guru BK) answers 1,2,1. The counsellor's
row is hidden; before, "Keseluruhan" (n = 4) minus the classroom row gave the counsellor's answers. Every
published figure — group results, charts, `/survei tren`, the weekly summary, the /laporan XLSX and PDF, the
principal's digest — now leaves the hidden role out and says so in one line; and the same survey with the
counsellor answering 5,5,5 publishes exactly the same."""

from __future__ import annotations

import io
import re

import openpyxl
import pypdf

from storage.surveys import Surveys
from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, onboard
from tests.test_e2e_surveys import item_messages, latest_survey, results_text, tap_item

K1 = 206


async def classroom_and_counsellor(sim):
    welcome = await onboard(sim, members=(ANI, BUDI, CITRA), role="classroom")
    sim.fake.user(K1, "Kartini")
    sim.fake.new_member(GROUP, K1)
    await sim.tap(GROUP, welcome["message_id"], K1, sim.services.renderer.t("id", "role.counsellor"))


async def pulse_answered(sim, counsellor: tuple[int, int, int]) -> tuple[str, list[str]]:
    """A pulse: classroom 4,4,4 each, the counsellor as given; closed. (results text, chart captions)."""
    await sim.say(GROUP, PIC, "/survei pulse")
    survey = await latest_survey(sim)
    mids = await item_messages(sim, survey.id)
    for uid, values in ((ANI, (4, 4, 4)), (BUDI, (4, 4, 4)), (CITRA, (4, 4, 4)), (K1, counsellor)):
        for mid, v in zip(mids, values, strict=False):
            await tap_item(sim, mid, uid, str(v))
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    captions = [t for t in sim.texts(GROUP)[-1:] if "ditutup" in t]  # the short answer to the command
    return re.sub(r"#\d+", "#", await results_text(sim)), [re.sub(r"\d+", "N", c) for c in captions]


async def test_a_hidden_role_cannot_be_subtracted_anywhere(sim, clock):
    await classroom_and_counsellor(sim)
    res, captions = await pulse_answered(sim, (1, 2, 1))
    assert "Responden: 4" in res
    assert "🔒 1 responden dari peran yang disembunyikan (kurang dari 3 responden per pernyataan) tidak ikut dihitung" in res
    assert "Guru BK: disembunyikan" in res and "Guru kelas: 3 · 4,00 · 100,0 % · 75,0" in res
    # every figure is over the 3 classroom teachers: nothing minus anything gives 1, 2, 1
    assert res.count("n = 3 · rerata 4,00 · setuju (4–5) 100,0 % · indeks 75,0") == 3
    assert "Keseluruhan (per responden, n = 3): rerata 4,00 · setuju 100,0 % · indeks 75,0" in res
    assert "n = 4" not in res and "3," not in res  # 3,25 / 3,50 would be 4,4,4 and 1 or 2 mixed
    assert captions and "3 orang" not in captions[0]  # its respondent count: numbers masked for the compare

    # the same survey, the counsellor answering 5,5,5: exactly the same is published
    clock.advance(days=7)
    res2, captions2 = await pulse_answered(sim, (5, 5, 5))
    assert res2 == res and captions2 == captions

    # the trend, the weekly summary, the report files and the digest use the same figures
    await sim.say(GROUP, ANI, "/survei tren 2")
    trend = sim.texts(GROUP)[-2]
    assert trend.count("100,0 % · indeks 75,0 (n = 3)") == 2 and "2 jawaban dari peran dengan kurang dari 3" in trend
    await sim.say(GROUP, PIC, "/ringkasan sekarang")
    summary = next(t for t in reversed(sim.texts(GROUP)) if "Survei terakhir" in t)
    assert "100 % setuju (3 responden; 1 dari peran dengan kurang dari 3 responden tidak dihitung)" in summary

    await sim.say(GROUP, PIC, "/laporan bulan ini")
    docs = [m["document"] for m in sim.fake.bot_messages(GROUP) if "document" in m]
    wb = openpyxl.load_workbook(io.BytesIO(sim.fake.file_bytes(docs[0]["file_id"])))
    rows = [list(r) for r in wb["Hasil survei"].iter_rows(values_only=True)][1:]
    assert [r[2:] for r in rows] == [[3, 4.0, 100.0, 75.0]]  # December: the second pulse (n, mean, agree, index)
    pdf = pypdf.PdfReader(io.BytesIO(sim.fake.file_bytes(docs[1]["file_id"])))
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "1 responden dari peran dengan kurang dari 3 responden tidak ikut dihitung dalam angka survei" in text
    assert "3,25" not in text and "3,5" not in text

    await sim.say(PIC, PIC, "/start")
    await sim.say(GROUP, PIC, "/kepsek")
    token = sim.last_text(PIC).split("?start=p", 1)[1].split()[0]
    await sim.say(KEPSEK, KEPSEK, f"/start p{token}")
    await sim.say(KEPSEK, KEPSEK, "/digest")
    digest = sim.last_text(KEPSEK)
    assert "📝 Cek mingguan: 100 % → 100 % (tanpa peran dengan kurang dari 3 responden)" in digest


async def test_erasing_answers_later_does_not_change_published_figures(sim, clock):
    """Figures recomputed after someone erased their data would differ from the published ones by exactly
    that person's answers: summaries, reports and trends read what the survey published when it closed."""
    await classroom_and_counsellor(sim)
    sim.fake.user(BUDI + 50, "Bayu")
    sim.fake.new_member(GROUP, BUDI + 50)
    welcome = sim.fake.bot_messages(GROUP)[0]
    await sim.tap(GROUP, welcome["message_id"], BUDI + 50, sim.services.renderer.t("id", "role.classroom"))
    await sim.say(GROUP, PIC, "/survei pulse")
    survey = await latest_survey(sim)
    mids = await item_messages(sim, survey.id)
    for uid, values in ((ANI, (4, 4, 4)), (BUDI, (4, 4, 4)), (CITRA, (4, 4, 4)), (BUDI + 50, (1, 1, 1))):
        for mid, v in zip(mids, values, strict=False):
            await tap_item(sim, mid, uid, str(v))
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    assert "Guru kelas: 4 · 3,25" in await results_text(sim)
    cid = (await sim.services.repos.communities.by_chat(GROUP)).id
    latest = await sim.services.feeds.surveys.latest(cid, 0, sim.services.now_ts() + 1)
    trend = await sim.services.feeds.surveys.pulse_trend(cid, 1)
    assert latest[0]["respondents"] == 4 and latest[0]["mean"] == 3.25 and trend[0]["n"] == 4

    await sim.say(BUDI + 50, BUDI + 50, "/hapusdataku")
    await sim.tap(BUDI + 50, sim.last(BUDI + 50)["message_id"], BUDI + 50, "Ya, hapus")
    assert "sudah dihapus" in sim.last_text(BUDI + 50)
    assert not [a for a in await Surveys(sim.services.db).answers(survey.id) if a.user_id == BUDI + 50]
    assert await sim.services.feeds.surveys.latest(cid, 0, sim.services.now_ts() + 1) == latest
    assert await sim.services.feeds.surveys.pulse_trend(cid, 1) == trend
    await sim.say(GROUP, ANI, "/survei tren 2")
    assert "(n = 4)" in sim.texts(GROUP)[-2]
