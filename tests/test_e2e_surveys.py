"""Surveys end to end through the fake Bot API: a PIC starts each kind of survey, members with different
roles answer (and change answers), surveys close by command or on time, and the posted results are
checked against figures computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from storage.surveys import Surveys
from tests.conftest import ANI, BUDI, CITRA, GROUP, KEPSEK, PIC, STRANGER, onboard

R1, R2, R3, P1, P2, K1 = 201, 202, 203, 204, 205, 206
OTHER_GROUP = -1009876543210


# -- helpers --------------------------------------------------------------------------------------
async def with_roles(sim):
    """3 classroom teachers, 3 religion teachers, 2 PE teachers, 1 counsellor: 9 members."""
    welcome = await onboard(sim, members=(ANI, BUDI, CITRA), role="classroom")
    people = [(R1, "Rudi", "religion"), (R2, "Rina", "religion"), (R3, "Rahmat", "religion"),
              (P1, "Putu", "pe"), (P2, "Pandu", "pe"), (K1, "Kartini", "counsellor")]
    for uid, name, role in people:
        sim.fake.user(uid, name)
        sim.fake.new_member(GROUP, uid)
        await sim.tap(GROUP, welcome["message_id"], uid, sim.services.renderer.t("id", f"role.{role}"))
    return welcome


def repo(sim) -> Surveys:
    return Surveys(sim.services.db)


async def community(sim):
    return await sim.services.repos.communities.by_chat(GROUP)


class Item(NamedTuple):
    """One item of a survey: answered in private (the card's button), one tap each."""
    survey_id: int
    idx: int


async def item_messages(sim, survey_id: int) -> list[Item]:
    survey = await repo(sim).get(survey_id)
    return [Item(survey_id, i) for i in range(len(survey.items))]


async def card_of(sim, survey_id: int) -> int:
    return (await repo(sim).get(survey_id)).header_message_id


async def latest_survey(sim):
    c = await community(sim)
    sid = await sim.services.db.scalar("SELECT MAX(id) FROM surveys WHERE community_id = ?", (c.id,))
    return await repo(sim).get(sid)


def last_answer(sim) -> dict:
    return sim.fake.callback_answer(sim.fake.updates[-1]["callback_query"]["id"])


async def tap_item(sim, item: Item, uid: int, label: str) -> dict:
    """`uid` follows the card's button (`/start sv_<id>`) and taps `label` for the item in private."""
    survey = await repo(sim).get(item.survey_id)
    it = survey.items[item.idx]
    value: object = label
    if it.kind in ("choice", "mcq"):
        value = next((i for i, o in enumerate(it.options) if o == label), None)
        if value is None:
            value = next(i for i, o in enumerate(it.options) if label.lower() in o.lower())
    await sim.say(uid, uid, f"/start sv_{item.survey_id}")
    return await sim.press(uid, sim.last(uid)["message_id"], uid, f"sv:{item.survey_id}:{item.idx}:{value}")


async def tap_alert(sim, item: Item, uid: int, label: str) -> str:
    """Answer an item and return the text the bot answered the tap with."""
    upd = await tap_item(sim, item, uid, label)
    return sim.fake.callback_answer(upd["callback_query"]["id"])["text"]


async def answer_all(sim, mids: list[Item], answers: dict[int, tuple]) -> None:
    for uid, values in answers.items():
        for mid, value in zip(mids, values, strict=False):
            if value is not None:
                await tap_item(sim, mid, uid, str(value))


async def results_text(sim, survey_id: int | None = None) -> str:
    """The results of a closed survey, asked for by the PIC (`/survei hasil N`): not posted on closing."""
    sid = survey_id or (await latest_survey(sim)).id
    n = len(sim.texts(GROUP))
    await sim.say(GROUP, PIC, f"/survei hasil {sid}")
    return "\n".join(sim.texts(GROUP)[n:])


# Pulse answers (focus on learning, collaboration, results orientation), hand-computed below.
PULSE = {
    ANI: (5, 4, 4), BUDI: (4, 3, 2), CITRA: (2, 4, 5),        # classroom
    R1: (4, 4, 4), R2: (5, 5, 3), R3: (3, 2, 2),              # religion
    P1: (5, 5, 5), P2: (1, 2, 3),                             # PE: 2 respondents -> hidden
    K1: (4, 4, 4),                                            # counsellor: 1 respondent -> hidden
}


# -- the weekly pulse: results by role --------------------------------------------------------------
async def test_pulse_results_by_role_with_anonymity_floor_and_rerata(sim, clock):
    await with_roles(sim)
    await sim.say(GROUP, PIC, "/survei pulse")
    survey = await latest_survey(sim)
    assert survey.kind == "pulse" and survey.closes_at == sim.services.now_ts() + 48 * 3600
    # one card in the group: the count, a button to answer in private (one tap per item there)
    header = sim.fake.bot_messages(GROUP)[-1]
    assert header["message_id"] == survey.header_message_id
    assert "Cek Mingguan Kombel" in sim.texts(GROUP)[-1] and "Sudah menjawab: 0 orang" in sim.texts(GROUP)[-1]
    assert "WITA" in sim.texts(GROUP)[-1] and "satu ketukan per pertanyaan" in sim.texts(GROUP)[-1]
    assert sim.fake.buttons(header) == [["💬 Jawab di chat pribadi"]]
    assert header["reply_markup"]["inline_keyboard"][0][0]["url"].endswith(f"?start=sv_{survey.id}")
    mids = await item_messages(sim, survey.id)
    assert len(mids) == 4
    await sim.say(CITRA, CITRA, f"/start sv_{survey.id}")
    assert sim.fake.buttons(sim.last(CITRA))[0] == ["1", "2", "3", "4", "5"]

    # CITRA first taps 3, then changes her mind to 2; BUDI taps the same answer twice
    assert await tap_alert(sim, mids[0], CITRA, "3") == "✅ Tersimpan: 3 — Netral"
    await answer_all(sim, mids, PULSE)
    assert await tap_alert(sim, mids[0], CITRA, "2") == "Jawaban Anda sudah tercatat: 2 — Tidak setuju"
    changed = [sim.fake.callback_answer(u["callback_query"]["id"])["text"] for u in sim.fake.updates
               if "callback_query" in u and u["callback_query"]["from"]["id"] == CITRA]
    assert "✅ Jawaban diubah: 2 — Tidak setuju" in changed
    assert "sudah tercatat" in await tap_alert(sim, mids[0], BUDI, "4")  # a double tap
    answers = await repo(sim).answers(survey.id)
    assert len(answers) == 27 and {a.value_int for a in answers if a.user_id == CITRA and a.item_idx == 0} == {2}

    # the header shows only the count; edits are throttled, a scheduler pass brings it up to date
    edits = sim.fake.edits(GROUP, header["message_id"])
    assert len(edits) == 2 and "Sudah menjawab: 1 orang" in edits[-1]
    clock.advance(seconds=30)  # the live-message interval (bot.live: 30 s, was 15 s for survey cards)
    await sim.tick()
    assert "Sudah menjawab: 9 orang" in sim.fake.edits(GROUP, header["message_id"])[-1]
    assert not any(str(v) in t for t in sim.texts(GROUP) for v in ("Ani", "Rudi") if "Hasil" in t)

    # an open answer, typed in private (the first item Ani has not answered yet is the open question)
    await sim.say(ANI, ANI, f"/start sv_{survey.id}")
    await sim.say(ANI, ANI, "Diskusi data nilai sangat membantu")
    assert "Jawaban Anda tersimpan" in "\n".join(sim.texts(ANI)[-2:])
    n_group = len(sim.fake.bot_messages(GROUP))

    photos_before = len(sim.fake.calls_of("sendPhoto"))
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    # closing posts no results: a short answer to the command, the card edited; results go to the summary
    assert len(sim.fake.bot_messages(GROUP)) == n_group + 1 and "ringkasan pekanan" in sim.last_text(GROUP)
    assert "/survei hasil" in sim.fake.edits(GROUP, header["message_id"])[-1]
    res = await results_text(sim)
    # PE (2) and counsellor (1) are under the floor: left out of EVERY figure, said in one line
    assert "Responden: 9\n🔒 3 responden dari peran yang disembunyikan (kurang dari 3 responden per pernyataan) tidak ikut" in res
    # item 1 over classroom and religion: 5,4,2,4,5,3 -> mean 23/6 = 3,83; agree 4/6 = 66,7 %; index 70,8
    assert "n = 6 · rerata 3,83 · setuju (4–5) 66,7 % · indeks 70,8" in res
    # item 3: 4,2,5,4,3,2 -> mean 20/6 = 3,33; agree 3/6 = 50,0 %; index 58,3
    assert "n = 6 · rerata 3,33 · setuju (4–5) 50,0 % · indeks 58,3" in res
    # overall per respondent: agree (4+4+3)/18 = 61,1 %, mean 65/18 = 3,61, index 65,3
    assert "Keseluruhan (per responden, n = 6): rerata 3,61 · setuju 61,1 % · indeks 65,3" in res
    # nothing published moves when a hidden answer does: the counsellor's 4,4,4 is nowhere in the sums
    assert "n = 9" not in res and "n = 7" not in res and "n = 8" not in res
    # classroom: each item 2 of 3 agree -> 66,7 %; mean 11/3 = 3,67; index 66,7
    assert "Guru kelas: 3 · 3,67 · 66,7 % · 66,7" in res
    # religion: agree (2/3 + 2/3 + 1/3)/3 = 55,6 %; mean (4 + 11/3 + 3)/3 = 3,56; index 63,9
    assert "Guru agama: 3 · 3,56 · 55,6 % · 63,9" in res
    # PE (2) and counsellor (1) are below the floor of 3: hidden, no figures at all
    assert "Guru PJOK: disembunyikan (kurang dari 3 responden per pernyataan)" in res
    assert "Guru BK: disembunyikan" in res
    # Rerata of the visible roles, unweighted: (66,7 + 55,6)/2 = 61,1 %; index (66,7 + 63,9)/2 = 65,3
    assert "Rerata peran: rerata 3,61 · setuju 61,1 % · indeks 65,3" in res
    assert "1 jawaban terbuka" in res and "Diskusi data" not in res
    assert sim.fake.calls_of("sendPhoto")[photos_before:] == []  # the weekly summary's chart is the only one
    assert "ditutup" in sim.fake.edits(GROUP, header["message_id"])[-1]
    assert sim.fake.buttons(sim.fake.chat_messages(GROUP)[[m["message_id"] for m in
                            sim.fake.chat_messages(GROUP)].index(header["message_id"])]) == []

    # stale taps after closing get a polite "closed", and nothing changes
    await tap_item(sim, mids[0], ANI, "1")
    answer = last_answer(sim)
    assert answer["show_alert"] and "sudah ditutup" in answer["text"]
    assert len(await repo(sim).answers(survey.id)) == 28
    # closing twice
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    assert "sudah ditutup sebelumnya" in sim.last_text(GROUP)

    # the feeds for the weekly summary and the report
    latest = await sim.services.feeds.surveys.latest((await community(sim)).id, 0, sim.services.now_ts() + 1)
    # the same published figures (hidden roles left out) in the summary/report line and in the trend
    assert len(latest) == 1 and latest[0]["respondents"] == 6 and latest[0]["hidden"] == 3
    assert round(latest[0]["agree_share"], 4) == round(11 / 18, 4)
    assert round(latest[0]["rerata_agree"], 4) == round(11 / 18, 4)
    trend = await sim.services.feeds.surveys.pulse_trend((await community(sim)).id, 4)
    assert len(trend) == 4 and trend[-1]["n"] == 6 and round(trend[-1]["agree_share"], 4) == round(11 / 18, 4)
    assert trend[0]["n"] == 0 and trend[0]["agree_share"] is None

    # the trend over weeks
    await sim.say(GROUP, ANI, "/survei tren 4")
    assert "61,1 %" in sim.texts(GROUP)[-2] and "(n = 6)" in sim.texts(GROUP)[-2]
    assert "Tren cek mingguan" in sim.last_text(GROUP)
    assert sim.fake.calls_of("sendPhoto")[-1]["caption"].startswith("Tren cek mingguan")


async def test_bad_taps_change_nothing(sim):
    await with_roles(sim)
    await sim.say(GROUP, PIC, "/survei kepuasan")
    survey = await latest_survey(sim)
    mids = await item_messages(sim, survey.id)
    # a second community with its own survey
    sim.fake.group(OTHER_GROUP, "Kombel Lain", supergroup=True, admins=[KEPSEK], members=[], bot_member=False)
    await sim.deliver(sim.fake.add_bot(OTHER_GROUP, KEPSEK))
    await sim.say(OTHER_GROUP, KEPSEK, "/survei pulse")
    other = await sim.services.db.scalar("SELECT MAX(id) FROM surveys")
    assert other != survey.id
    for data in (f"sv:{other}:0:4", "sv:999999:0:4", f"sv:{survey.id}:0:9", f"sv:{survey.id}:0:0",
                 f"sv:{survey.id}:77:1", f"sv:{survey.id}:5:s", f"sv:{survey.id}:0", "sv:x:y:z",
                 f"sv:{survey.id}:0:²", "sv:" + "9" * 40 + ":0:1"):
        await sim.press(GROUP, await card_of(sim, survey.id), ANI, data)
        answer = last_answer(sim)
        assert answer["show_alert"] and "tidak berlaku" in answer["text"], data
    # a non-member is offered to join, nothing stored
    await tap_item(sim, mids[0], STRANGER, "5")
    answer = last_answer(sim)
    assert answer["show_alert"] and "/daftar" in answer["text"]
    assert await repo(sim).answers(survey.id) == []
    assert await repo(sim).answers(other) == []
    # members cannot start or close surveys
    await sim.say(GROUP, ANI, "/survei pulse")
    assert "hanya PIC" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, f"/survei tutup {survey.id}")
    assert "hanya PIC" in sim.last_text(GROUP)
    # closing another community's survey, or a missing one
    await sim.say(GROUP, PIC, f"/survei tutup {other}")
    assert f"Survei #{other} tidak ada di komunitas ini" in sim.last_text(GROUP)
    assert (await repo(sim).get(other)).is_open
    # members see the open surveys
    await sim.say(GROUP, BUDI, "/survei")
    assert f"#{survey.id} Survei Kepuasan Kegiatan" in sim.last_text(GROUP)
    assert "Untuk PIC" not in sim.last_text(GROUP)
    # a repeated (re-delivered) command does not start a second survey
    upd = await sim.say(GROUP, PIC, "/survei pulse")
    n = await sim.services.db.scalar("SELECT COUNT(*) FROM surveys")
    await sim.deliver(upd)
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM surveys") == n


async def test_satisfaction_closes_on_time_and_zero_answers(sim, clock):
    await with_roles(sim)
    await sim.say(GROUP, PIC, "/survei kepuasan tutup 2j")
    survey = await latest_survey(sim)
    assert survey.closes_at == sim.services.now_ts() + 7200
    assert "Ditutup: Sel, 24 Nov pukul 11.00 WITA" in sim.texts(GROUP)[-1]  # the card
    mids = await item_messages(sim, survey.id)
    await answer_all(sim, mids, {ANI: (5, 5, 4, 4, 5), BUDI: (4, 4, 4, 3, 4), CITRA: (3, 4, 2, 2, 4)})
    await sim.say(GROUP, PIC, "/survei buat tutup 30m\nJudul: Kosong\nL: Tidak ada yang menjawab ini")
    empty = await latest_survey(sim)
    clock.advance(minutes=31)
    await sim.tick()
    assert "Belum ada yang menjawab survei ini" in await results_text(sim, empty.id)
    assert (await repo(sim).get(empty.id)).status == "closed"
    assert (await repo(sim).get(survey.id)).is_open
    clock.advance(hours=2)
    await sim.tick()
    res = await results_text(sim, survey.id)
    # "useful": 5,4,3 -> mean 4,00, agree 2/3 = 66,7 %, index 75,0
    assert "Kegiatan ini bermanfaat bagi saya." in res and "n = 3 · rerata 4,00 · setuju (4–5) 66,7 % · indeks 75,0" in res
    assert "Guru kelas: 3 · " in res
    n = len(sim.fake.bot_messages(GROUP))
    await sim.tick()  # closing on time posts nothing in the group; a second pass nothing either
    assert len(sim.fake.bot_messages(GROUP)) == n and "ditutup" in sim.fake.edits(GROUP, survey.header_message_id)[-1]


async def test_custom_survey_text_format_errors_and_choice_results(sim):
    await with_roles(sim)
    await sim.say(GROUP, PIC, "/survei buat")
    assert "Judul: Refleksi lokakarya asesmen" in sim.last_text(GROUP)
    n = await sim.services.db.scalar("SELECT COUNT(*) FROM surveys")
    bad = "/survei buat\nJudul: Refleksi\nX: apa ini\nP: Metode? | Diskusi\nL: Saya paham | ya | tidak"
    await sim.say(GROUP, PIC, bad)
    err = sim.last_text(GROUP)
    assert "Baris 3 (X: apa ini): awalan \"X\" tidak dikenal" in err
    assert "Baris 4 (P: Metode? | Diskusi): perlu minimal 2 pilihan" in err
    assert "Baris 5" in err and "tidak memakai pilihan" in err
    await sim.say(GROUP, PIC, "/survei buat tutup kapan-kapan\nJudul: X\nL: Y")
    assert "tidak saya pahami" in sim.last_text(GROUP) and "tutup Jumat 15:00" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/survei buat tutup 23/11 10:00\nJudul: X\nL: Y")
    assert "sudah lewat" in sim.last_text(GROUP)
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM surveys") == n

    await sim.say(GROUP, PIC, "/survei buat tutup Jumat 15:00\nJudul: Refleksi lokakarya\n"
                              "P: Metode paling membantu? | Diskusi | Video | Praktik\nT: Apa yang masih membingungkan?")
    survey = await latest_survey(sim)
    assert survey.closes_at == int(datetime(2026, 11, 27, 7, 0, tzinfo=UTC).timestamp())  # 15.00 WITA
    mids = await item_messages(sim, survey.id)
    await sim.say(R1, R1, f"/start sv_{survey.id}")
    assert sim.fake.buttons(sim.last(R1)) == [["Diskusi"], ["Video"], ["Praktik"]]  # in private
    await answer_all(sim, mids, {ANI: ("Praktik",), BUDI: ("Diskusi",), CITRA: ("Praktik",), R1: ("Video",)})
    await tap_item(sim, mids[0], R1, "Praktik")  # changes
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    res = await results_text(sim)
    assert "• Diskusi: 1 (25,0 %)" in res and "• Video: 0 (0,0 %)" in res and "• Praktik: 3 (75,0 %)" in res
    assert "0 jawaban terbuka" in res and "Keseluruhan" not in res


async def test_prepost_with_answer_key_pairs_and_normalised_gain(sim):
    await with_roles(sim)
    await sim.say(GROUP, PIC, "/survei pre\nJudul: Tes asesmen\nQ: Asesmen formatif untuk ... | rapor | pemantauan\n"
                              "Q: Umpan balik terbaik ... | *segera | akhir semester")
    err = sim.last_text(GROUP)
    assert "Baris 3" in err and "belum punya kunci jawaban" in err and "Baris 4" not in err
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM surveys") == 0

    await sim.say(GROUP, PIC, "/survei pre\nJudul: Tes asesmen\nQ: Asesmen formatif untuk ... | rapor | *pemantauan\n"
                              "Q: Umpan balik terbaik ... | *segera | akhir semester")
    pre = await latest_survey(sim)
    assert pre.phase == "pre" and pre.closes_at is None
    mids = await item_messages(sim, pre.id)
    # scores out of 2: ANI 1, BUDI 0, CITRA 2, R1 1 (only Q1)
    await answer_all(sim, mids, {ANI: ("rapor", "segera"), BUDI: ("rapor", "akhir semester"),
                                 CITRA: ("pemantauan", "segera"), R1: ("pemantauan", None)})
    await sim.say(GROUP, PIC, f"/survei post {pre.id}")
    assert "masih dibuka" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, f"/survei tutup {pre.id}")
    res = await results_text(sim)
    assert "Peserta: 4" in res and "Rata-rata skor: 1,00 dari 2" in res  # (1+0+2+1)/4
    assert "— benar 50,0 % (n = 4)" in res and "— benar 66,7 % (n = 3)" in res
    assert f"/survei post {pre.id}" in res
    await sim.say(GROUP, PIC, "/survei post 999")
    assert "tidak ada di komunitas ini" in sim.last_text(GROUP)

    await sim.say(GROUP, PIC, f"/survei post {pre.id}")
    post = await latest_survey(sim)
    assert post.phase == "post" and post.pair_id == pre.id and post.items == pre.items
    mids = await item_messages(sim, post.id)
    # ANI 2, BUDI 1 (first wrong twice, then corrects Q1), CITRA 2, R2 2 (no pre-test: not paired)
    await answer_all(sim, mids, {ANI: ("pemantauan", "segera"), BUDI: ("rapor", "akhir semester"),
                                 CITRA: ("pemantauan", "segera"), R2: ("pemantauan", "segera")})
    await tap_item(sim, mids[0], BUDI, "pemantauan")
    await sim.say(GROUP, PIC, f"/survei tutup {post.id}")
    res = await results_text(sim)
    assert "Peserta: 4" in res and "Rata-rata skor: 1,75 dari 2" in res  # (2+1+2+2)/4
    assert "mengikuti kedua tes: 3 orang" in res
    # the paired means (3 people) next to each test's own mean (4 people) would give R1's pre-test score and
    # R2's post-test score: the class means of each test are compared instead.
    # pre (1+0+2+1)/4 = 1,00; post (2+1+2+2)/4 = 1,75; g = (1,75-1)/(2-1) = 0,75
    assert "Dibandingkan rata-rata semua peserta tiap tes (4 dan 4 orang)" in res
    assert "Rata-rata tes awal: 1,00 · tes akhir: 1,75 (dari 2)" in res
    assert "Peningkatan ternormalisasi (N-gain) g = 0,75 (tinggi)" in res
    assert not sim.fake.calls_of("sendPhoto")  # no chart of its own: the weekly summary carries it
    latest = await sim.services.feeds.surveys.latest((await community(sim)).id, 0, sim.services.now_ts() + 1)
    assert latest[-1]["gain"] == 0.75 and latest[-1]["n_paired"] == 3


async def test_prepost_gain_not_available_when_pre_is_max(sim):
    await onboard(sim, members=(ANI, BUDI, CITRA))
    await sim.say(GROUP, PIC, "/survei pre\nJudul: Mudah\nQ: 1 + 1 = ... | *2 | 3")
    pre = await latest_survey(sim)
    await answer_all(sim, await item_messages(sim, pre.id), {ANI: ("2",), BUDI: ("2",), CITRA: ("2",)})
    await sim.say(GROUP, PIC, f"/survei tutup {pre.id}")
    await sim.say(GROUP, PIC, f"/survei post {pre.id}")
    post = await latest_survey(sim)
    await answer_all(sim, await item_messages(sim, post.id), {ANI: ("2",), BUDI: ("3",), CITRA: ("2",)})
    await sim.say(GROUP, PIC, f"/survei tutup {post.id}")
    res = await results_text(sim)
    assert "g = n/a (rata-rata tes awal sudah maksimal)" in res and "Dibandingkan" not in res  # paired


async def test_a_test_taken_by_two_people_shows_no_score(sim):
    """Two participants: the mean score and the share correct would be the sum of two people's answers."""
    await onboard(sim, members=(ANI, BUDI))
    await sim.say(GROUP, PIC, "/survei pre\nJudul: Mudah\nQ: 1 + 1 = ... | *2 | 3")
    pre = await latest_survey(sim)
    await answer_all(sim, await item_messages(sim, pre.id), {ANI: ("2",), BUDI: ("3",)})
    photos = len(sim.fake.calls_of("sendPhoto"))
    await sim.say(GROUP, PIC, f"/survei tutup {pre.id}")
    res = await results_text(sim)
    assert "Peserta: 2" in res and "Rata-rata skor: tidak ditampilkan" in res
    assert "1. 1 + 1 = ... — tidak ditampilkan (kurang dari 3 jawaban)" in res and "%" not in res
    assert len(sim.fake.calls_of("sendPhoto")) == photos  # no chart either


async def test_private_answering_one_item_at_a_time(sim):
    await with_roles(sim)
    await sim.say(GROUP, PIC, "/survei pulse")
    survey = await latest_survey(sim)
    header = sim.fake.bot_messages(GROUP)[-1]  # the card
    await sim.say(ANI, ANI, f"/start sv_{survey.id}")
    msg = sim.last(ANI)
    assert "1/4" in sim.last_text(ANI) and sim.fake.buttons(msg) == [["1", "2", "3", "4", "5"]]
    await sim.tap(ANI, msg["message_id"], ANI, "4")
    assert "2/4" in sim.last_text(ANI)
    await sim.tap(ANI, msg["message_id"], ANI, "5")
    await sim.tap(ANI, msg["message_id"], ANI, "3")
    assert "4/4" in sim.last_text(ANI) and sim.fake.buttons(sim.last(ANI)) == [["Lewati ⏭"]]
    await sim.say(ANI, ANI, "x" * 1200)
    assert "maksimal 1000" in sim.last_text(ANI)
    await sim.say(ANI, ANI, "Perlu waktu lebih untuk refleksi")
    assert "Terima kasih" in sim.last_text(ANI) and "4 dari 4" in sim.last_text(ANI)
    mine = await repo(sim).answers_of(survey.id, ANI)
    assert [mine[i].value for i in range(4)] == [4, 5, 3, "Perlu waktu lebih untuk refleksi"]
    assert "Sudah menjawab: 1 orang" in sim.fake.edits(GROUP, header["message_id"])[-1]
    # opening the link again: review from the first item, with the current answer shown
    await sim.say(ANI, ANI, f"/start sv_{survey.id}")
    assert "Jawaban Anda sekarang: 4 — Setuju" in sim.last_text(ANI)
    await sim.tap(ANI, sim.last(ANI)["message_id"], ANI, "2")
    assert (await repo(sim).answers_of(survey.id, ANI))[0].value == 2
    # strangers are offered to join; unknown surveys are explained
    await sim.say(STRANGER, STRANGER, f"/start sv_{survey.id}")
    assert "belum terdaftar" in sim.last_text(STRANGER) and sim.fake.buttons(sim.last(STRANGER))
    await sim.say(BUDI, BUDI, "/start sv_424242")
    assert "tidak saya temukan" in sim.last_text(BUDI)
    # after closing, the link and the buttons say so
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    await sim.say(BUDI, BUDI, f"/start sv_{survey.id}")
    assert "sudah ditutup" in sim.last_text(BUDI)


async def test_individual_answers_only_in_private_and_only_when_the_survey_opened_so(sim):
    """Issue 12: `/survei individu on` after people answered used to show their answers, by name, to the PIC.
    Visibility is now fixed on each survey when it opens and shown to respondents before they answer."""
    await with_roles(sim)
    c = await community(sim)
    await sim.say(GROUP, PIC, "/survei kepuasan")
    survey = await latest_survey(sim)
    assert not survey.individual
    header = sim.texts(GROUP)[-1]  # the card
    assert "🔒 Jawaban Anda anonim: tidak ada yang bisa melihat jawaban per orang, termasuk PIC" in header
    assert "Grup hanya melihat angka gabungan.\nTekan tombol untuk menjawab di chat pribadi" in header
    await sim.say(ANI, ANI, f"/start sv_{survey.id}")
    assert "🔒 Jawaban Anda anonim" in sim.last_text(ANI)  # in private too, before the first answer
    await answer_all(sim, await item_messages(sim, survey.id), {ANI: (5, 4), BUDI: (2,)})
    await sim.say(PIC, PIC, "/start")
    await sim.say(PIC, PIC, f"/survei jawaban {survey.id}")
    assert "dibuka sebagai survei anonim" in sim.last_text(PIC) and "Ani" not in sim.last_text(PIC)
    await sim.say(GROUP, PIC, f"/survei jawaban {survey.id}")
    assert "hanya bisa dilihat di chat pribadi" in sim.last_text(GROUP)
    await sim.say(GROUP, ANI, "/survei individu on")
    assert "hanya PIC" in sim.last_text(GROUP)

    # switching on after people answered: only surveys opened afterwards, and the PIC is told so
    await sim.say(GROUP, PIC, "/survei individu on")
    assert (await sim.services.repos.communities.get(c.id)).settings["survey_individual"] is True
    said = sim.last_text(GROUP)
    assert "Survei yang dibuka mulai sekarang" in said and f"#{survey.id} anonim" in said
    assert "tidak berubah" in said
    await sim.say(PIC, PIC, f"/survei jawaban {survey.id}")
    assert "dibuka sebagai survei anonim" in sim.last_text(PIC) and "Ani" not in sim.last_text(PIC)
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    await sim.say(PIC, PIC, f"/survei jawaban {survey.id}")
    assert "Ani" not in sim.last_text(PIC)  # not after closing either
    assert not (await repo(sim).get(survey.id)).individual

    # a survey opened now says so to its respondents, and then the PIC sees its answers
    await sim.say(GROUP, PIC, "/survei kepuasan")
    named = await latest_survey(sim)
    assert named.individual and named.id != survey.id
    header = sim.texts(GROUP)[-1]  # the card
    assert "👁 Jawaban Anda terlihat oleh PIC dan kepala sekolah beserta nama Anda" in header
    await sim.say(BUDI, BUDI, f"/start sv_{named.id}")
    assert "👁 Jawaban Anda terlihat oleh PIC dan kepala sekolah beserta nama Anda" in sim.last_text(BUDI)
    await sim.say(ANI, ANI, "/survei")
    listed = sim.last_text(ANI)
    assert f"#{survey.id} " not in listed  # closed
    assert f"#{named.id} {named.title} · 👁 terlihat PIC beserta nama" in listed
    await answer_all(sim, await item_messages(sim, named.id), {ANI: (5, 4)})
    await sim.say(PIC, PIC, f"/survei jawaban {named.id}")
    text = sim.last_text(PIC)
    assert "Ani Rahma (Guru kelas)" in text and "1. 5 — Sangat setuju" in text and "2. 4 — Setuju" in text
    await sim.say(BUDI, BUDI, f"/survei jawaban {named.id}")
    assert "hanya PIC" in sim.last_text(BUDI)

    # switching off: the open named survey stays as its respondents were told; new ones are anonymous
    await sim.say(GROUP, PIC, "/survei individu off")
    assert f"#{named.id} terlihat beserta nama" in sim.last_text(GROUP)
    await sim.say(PIC, PIC, f"/survei jawaban {named.id}")
    assert "Ani Rahma (Guru kelas)" in sim.last_text(PIC)
    await sim.say(GROUP, PIC, "/survei individu")
    assert "tidak boleh" in sim.last_text(GROUP) and "tidak pernah berubah" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/survei pulse")
    assert not (await latest_survey(sim)).individual


async def test_weekly_pulse_at_fixed_time_and_after_meetings(sim, clock):
    await with_roles(sim)
    rhythm = type(sim.services.feeds.rhythm)
    sim.services.feeds.rhythm = None  # as if the weekly-rhythm feature were absent
    await sim.say(GROUP, PIC, "/survei jadwal pulse")
    assert "sebutkan hari dan jamnya" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/survei jadwal pulse Kamis jam 25")
    assert "Contoh: /survei jadwal pulse Kamis 16:00" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/survei jadwal pulse Kamis 16:00")
    assert "setiap Kamis; yang pertama Kam, 26 Nov pukul 16.00 WITA" in sim.last_text(GROUP)
    await sim.tick()
    n = await sim.services.db.scalar("SELECT COUNT(*) FROM surveys")
    assert n == 0
    clock.set(datetime(2026, 11, 26, 8, 0, 30, tzinfo=UTC))  # Thursday 16.00 WITA
    await sim.tick()
    await sim.tick()
    survey = await latest_survey(sim)
    assert survey is not None and survey.kind == "pulse"
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM surveys") == 1
    assert (await repo(sim).schedule(survey.community_id)).next_due_at == int(
        datetime(2026, 12, 3, 8, 0, tzinfo=UTC).timestamp())
    clock.advance(hours=49)  # Saturday 17.00 WITA: closed to answers, the results wait for a school day
    await sim.tick()
    assert not [t for t in sim.texts(GROUP) if t.startswith("📊 Hasil")]
    assert (await repo(sim).get(survey.id)).status == "closing"
    clock.set(datetime(2026, 11, 29, 22, 0, 30, tzinfo=UTC))  # Monday 06.00 WITA
    await sim.tick()
    assert "Belum ada yang menjawab" in await results_text(sim)

    # with the weekly-rhythm hook: the pulse follows each meeting's end
    meeting_end = int(datetime(2026, 12, 1, 8, 30, tzinfo=UTC).timestamp())

    class Meetings(rhythm):
        async def meetings_between(self, community_id, start_ts, end_ts):
            m = {"start_ts": meeting_end - 5400, "end_ts": meeting_end, "status": "scheduled"}
            return [m] if start_ts <= m["start_ts"] < end_ts or start_ts < m["end_ts"] <= end_ts else []

    sim.services.feeds.rhythm = Meetings(sim.services)
    await sim.say(GROUP, PIC, "/survei jadwal pulse")
    assert "setelah setiap pertemuan mingguan" in sim.last_text(GROUP)
    await sim.tick()
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM surveys") == 1
    sched = await repo(sim).schedule(survey.community_id)
    assert sched.next_due_at == sim.services.now_ts() + 86400  # the meeting is further away: look again daily
    clock.set(datetime(2026, 12, 1, 0, 0, tzinfo=UTC))
    await sim.tick()
    assert (await repo(sim).schedule(survey.community_id)).next_due_at == meeting_end
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM surveys") == 1
    clock.set(datetime(2026, 12, 1, 8, 31, tzinfo=UTC))
    await sim.tick()
    await sim.tick()
    assert await sim.services.db.scalar("SELECT COUNT(*) FROM surveys") == 2
    await sim.say(GROUP, PIC, "/survei jadwal off")
    assert "dihentikan" in sim.last_text(GROUP)
    assert await repo(sim).schedule(survey.community_id) is None


async def test_english_group_sees_english_results(sim):
    await onboard(sim, members=(ANI, BUDI, CITRA))
    await sim.say(GROUP, PIC, "/language")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "English")
    await sim.say(GROUP, PIC, "/survey satisfaction close 2h")
    survey = await latest_survey(sim)
    assert "Closes: " in sim.texts(GROUP)[-1] and "WITA" in sim.texts(GROUP)[-1]  # the card
    await answer_all(sim, await item_messages(sim, survey.id), {ANI: (5,), BUDI: (4,), CITRA: (2,)})
    await sim.say(GROUP, PIC, f"/survey close {survey.id}")
    res = await results_text(sim)
    assert "n = 3 · mean 3.67 · agree (4–5) 66.7% · index 66.7" in res
    assert "• Classroom teacher: 3 · 3.67 · 66.7% · 66.7" in res
    assert "Rerata (mean of roles): mean 3.67 · agree 66.7% · index 66.7" in res


async def test_long_results_are_split_and_too_many_items_refused(sim):
    await onboard(sim, members=(ANI, BUDI, CITRA))
    statement = "Saya merasa kegiatan komunitas belajar ini membantu " + "sangat " * 28
    lines = [f"L: {i}. {statement.strip()}"[:250] for i in range(21)]
    await sim.say(GROUP, PIC, "/survei buat\nJudul: Panjang\n" + "\n".join(lines))
    assert "Baris 23" in sim.last_text(GROUP) and "maksimal 20" in sim.last_text(GROUP)
    await sim.say(GROUP, PIC, "/survei buat\nJudul: Panjang\n" + "\n".join(lines[:20]))
    survey = await latest_survey(sim)
    mids = await item_messages(sim, survey.id)
    assert len(mids) == 20
    for mid in mids:
        for uid in (ANI, BUDI, CITRA):
            await tap_item(sim, mid, uid, "4")
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    n_before = len(sim.texts(GROUP))
    await sim.say(GROUP, PIC, f"/survei hasil {survey.id}")
    parts = sim.texts(GROUP)[n_before:]
    assert len(parts) == 2 and parts[0].startswith("📊 Hasil: Panjang")  # too long for one message
    assert all(len(p) <= 4096 for p in parts)
    assert sum(p.count("n = 3 · rerata 4,00 · setuju (4–5) 100,0 % · indeks 75,0") for p in parts) == 20


async def test_pic_starts_and_closes_from_private(sim):
    await onboard(sim, members=(ANI,))
    await sim.say(PIC, PIC, "/survei pulse tutup 3 hari")
    survey = await latest_survey(sim)
    assert "sudah saya kirim ke grup Kombel SDN 3 Mataram" in sim.last_text(PIC)
    assert survey.closes_at == sim.services.now_ts() + 3 * 86400
    assert sim.texts(GROUP)[-1].startswith("📋 Cek Mingguan Kombel")
    await sim.say(PIC, PIC, f"/survei tutup {survey.id}")
    assert "Hasilnya masuk ringkasan pekanan" in sim.last_text(PIC)
    assert "Belum ada yang menjawab" in await results_text(sim)


async def test_nothing_published_when_every_role_is_under_the_floor(sim, clock):
    """Two classroom teachers and one religion teacher answer: every role is under 3 respondents, so every
    role is hidden, and with it every figure (an overall over them would be a hidden role's sum, once
    another survey showed the classroom teachers)."""
    await onboard(sim, members=(ANI, BUDI), role="classroom")
    sim.fake.user(R1, "Rudi")
    sim.fake.new_member(GROUP, R1)
    welcome = sim.fake.bot_messages(GROUP)[0]
    await sim.tap(GROUP, welcome["message_id"], R1, "Guru agama")
    await sim.say(GROUP, PIC, "/survei pulse")
    survey = await latest_survey(sim)
    mids = await item_messages(sim, survey.id)
    for uid in (ANI, BUDI, R1):
        for mid in mids[:3]:
            await tap_item(sim, mid, uid, "4")
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    res = await results_text(sim)
    assert "Responden: 3\n🔒 3 responden dari peran yang disembunyikan" in res
    assert "Tidak ada angka yang ditampilkan: setiap peran kurang dari 3 responden per pernyataan." in res
    assert "n =" not in res and "Keseluruhan" not in res and "rerata" not in res.lower()
    assert not sim.fake.calls_of("sendPhoto")
    latest = await sim.services.feeds.surveys.latest((await community(sim)).id, 0, sim.services.now_ts() + 1)
    assert latest[-1]["mean"] is None and latest[-1]["respondents"] == 0 and latest[-1]["hidden"] == 3


async def test_one_item_check_is_answered_on_its_card_in_the_group(sim, clock):
    """Issue 14: a one-item check is one card with its buttons inline; a tap stores the answer and the live
    count follows (an edit, never a new message); closing adds no results post. In English too."""
    await with_roles(sim)
    n = len(sim.fake.bot_messages(GROUP))
    await sim.say(GROUP, PIC, "/survei buat\nJudul: Cek cepat\nL: Lokakarya hari ini bermanfaat")
    survey = await latest_survey(sim)
    card = sim.last(GROUP)
    assert len(sim.fake.bot_messages(GROUP)) == n + 1 and card["message_id"] == survey.header_message_id
    assert "Lokakarya hari ini bermanfaat" in sim.last_text(GROUP) and "Ketuk jawaban Anda di bawah" in sim.last_text(GROUP)
    assert sim.fake.buttons(card) == [["1", "2", "3", "4", "5"], ["💬 Jawab di chat pribadi"]]
    await sim.tap(GROUP, card["message_id"], ANI, "4")
    assert last_answer(sim)["text"].startswith("✅ Tersimpan: 4")
    await sim.tap(GROUP, card["message_id"], STRANGER, "5")
    assert "/daftar" in last_answer(sim)["text"]
    assert "Sudah menjawab: <b>1</b>" in sim.fake.raw_text(GROUP, card["message_id"]) \
        or "Sudah menjawab: 1 orang" in sim.fake.edits(GROUP, card["message_id"])[-1]
    clock.advance(seconds=31)
    await sim.tap(GROUP, card["message_id"], BUDI, "2")
    assert len(sim.fake.bot_messages(GROUP)) == n + 1  # answers cost no message
    assert [(a.user_id, a.value_int) for a in await repo(sim).answers(survey.id)] == [(ANI, 4), (BUDI, 2)]
    await sim.say(GROUP, PIC, f"/survei tutup {survey.id}")
    assert sim.fake.buttons(sim.fake.bot_messages(GROUP)[n]) == []  # the closed card has no buttons
    # English
    await sim.say(GROUP, PIC, "/language")
    await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "English")
    await sim.say(GROUP, PIC, "/survey create\nTitle: Quick check\nL: Today's workshop was useful")
    en = await latest_survey(sim)
    assert "Tap your answer below" in sim.last_text(GROUP) and en.header_message_id == sim.last(GROUP)["message_id"]
    assert sim.fake.buttons(sim.last(GROUP))[-1] == ["💬 Answer in a private chat"]
    await sim.tap(GROUP, en.header_message_id, CITRA, "5")
    await sim.say(GROUP, PIC, f"/survey close {en.id}")
    assert "results go into the weekly summary" in sim.last_text(GROUP)
    assert "Quick check" in await results_text(sim, en.id)
