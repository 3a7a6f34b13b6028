"""Long input (issue 12, point 5): every command, under both names, with arguments of 4,000, 4,096 and
5,000 characters — ASCII, multibyte and emoji (two UTF-16 code units each, as Telegram counts) — gets a
delivered answer (Telegram refuses nothing), and the same message delivered again stores and sends
nothing more. What the bot stores of free-text fields has a bound."""

from __future__ import annotations

import itertools

from bot.render import ECHO_MAX, UI_ECHO_MAX, Renderer
from domain.text import clip, utf16_len
from tests.conftest import ANI, GROUP, PIC, onboard
from tests.test_fuzz import COMMANDS

LENGTHS = (4000, 4096, 5000)
ALPHABETS = ("x", "é", "🙂")  # one byte, two bytes / one unit, four bytes / two units
PAYLOADS = [(n, ch * n) for n in LENGTHS for ch in ALPHABETS]
# sub-commands and leading words that get a parser past its first check, so the long part lands in a
# stored field (a note, a reason, a topic, a label) as well as in error messages
SUBS = ["", "batal ", "ubah ", "pindah ", "pengingat ", "hapus ", "daftar ", "mulai ", "tambah ", "tutup ",
        "waktu ", "topik ", "masalah ", "pertanyaan "]
LEADS = ["", "90 ", "26/11 ", "1-12 Des ", "26/11 27/11 14:00 ", "literasi: 40% → 70% "]
SENDS = {"sendmessage", "sendphoto", "senddocument", "editmessagetext", "sendpoll", "setmessagereaction"}


async def _counts(db) -> dict[str, int]:
    """Every table's row count, read in one statement (one round trip on PostgreSQL, not one per table)."""
    tables = await db.table_names()
    rows = await db.fetchall(" UNION ALL ".join(f"SELECT '{t}', COUNT(*) FROM \"{t}\"" for t in tables))
    return {r[0]: r[1] for r in rows}


# the cases first, shaped so the long part lands in what is stored: {p} is the long payload
STORING = ["/jadwal Kamis 14:00 {p}", "/catat 90 {p}", "/log 45 kemarin {p}", "/libur 1-12 Des {p}",
           "/offday 25/12 {p}", "/jadwal batal 26/11 {p}", "/jadwal ubah 3/12 4/12 14:00 {p}",
           "/siklus mulai {p}: 40% → 70%", "/target 8 jam per bulan {p}", "/rtl {p}; Bu Sari; 15/12; {p}"]


async def _check(sim, chat: int, who: int, text: str, redeliver: bool) -> None:
    fake = sim.fake
    calls, refused = len(fake.calls), len(fake.refusals)
    update = await sim.say(chat, who, text)
    made = {m.lower() for m, _ in fake.calls[calls:]}
    assert fake.refusals[refused:] == [], (text[:40], utf16_len(text), chat)
    assert SENDS & made, f"no answer to {text[:40]!r}… ({utf16_len(text)} units) in {chat}"
    if redeliver:  # the same update again (Telegram re-delivers after a crash): nothing new
        db = sim.services.db
        await db.flush()
        before, calls = await _counts(db), len(fake.calls)
        await sim.deliver(update)
        await db.flush()
        assert await _counts(db) == before, f"{text[:40]!r}… stored twice"
        assert fake.calls[calls:] == [], f"{text[:40]!r}… answered twice"


async def test_every_command_answers_long_arguments_and_a_redelivery_stores_nothing(sim, clock):
    await onboard(sim)
    for uid in (PIC, ANI):
        await sim.say(uid, uid, "/start")
    for form in STORING:
        for _, payload in PAYLOADS:
            await _check(sim, GROUP, PIC, form.format(p=payload), redeliver=True)
            clock.advance(minutes=4)  # below Telegram's per-group pace
    combos = itertools.cycle(itertools.product(SUBS, LEADS))
    for name in COMMANDS:
        for i, (_, payload) in enumerate(PAYLOADS):
            for chat, who in ((GROUP, PIC), (PIC, PIC), (GROUP, ANI)):
                sub, lead = next(combos)
                await _check(sim, chat, who, f"/{name} {sub}{lead}{payload}", redeliver=i % 2 == 0)
                clock.advance(minutes=4)
    # what is stored of free text is bounded (domain.text.clip at parse time), and the long inputs did
    # reach those fields
    bounds = {("learning_logs", "what"): 200, ("off_days", "label"): 100, ("meetings", "reason"): 200,
              ("meeting_series", "place"): 200, ("cycles", "topic"): 200}
    for (table, column), limit in bounds.items():
        longest = await sim.services.db.scalar(f"SELECT MAX(LENGTH({column})) FROM {table}")
        assert longest is not None and 90 < longest <= limit, (table, column, longest)


async def test_a_long_log_note_is_stored_clipped_and_confirmed_once(sim):
    await onboard(sim)
    note = "webinar asesmen formatif 🙂 " * 200  # 5,400 UTF-16 code units
    update = await sim.say(GROUP, ANI, f"/catat 90 {note}")
    confirmation = sim.last_text(GROUP)
    assert confirmation.startswith("📝") and "…" in confirmation
    assert utf16_len(confirmation) < 400
    row = await sim.services.db.fetchall("SELECT what FROM learning_logs")
    assert len(row) == 1 and row[0]["what"].endswith("…") and utf16_len(row[0]["what"]) <= 200
    count = len(sim.texts(GROUP))
    await sim.deliver(update)  # re-delivered: not stored again, not confirmed again
    assert len(await sim.services.db.fetchall("SELECT what FROM learning_logs")) == 1
    assert len(sim.texts(GROUP)) == count


def test_the_renderer_clips_every_printed_string_but_not_markup_or_whole():
    r = Renderer()
    long = "é🙂" * 3000
    out = r.html.from_string("[{{ a }}][{{ b|whole }}][{% macro m(v) %}{{ v }}{% endmacro %}{{ m(c) }}]").render(
        a=long, b="z" * 900, c="y" * 900)
    a, b, m = out[1:-1].split("][")
    assert a == clip(long, ECHO_MAX) and utf16_len(a) <= ECHO_MAX and a.endswith("…")
    assert b == "z" * 900  # long by design: printed whole
    assert m == clip("y" * 900, ECHO_MAX)  # inside the macro the value is clipped; the macro's result is not
    assert r.t("en", "btn.unlink", name=long) == "Unlink " + clip(long, UI_ECHO_MAX)  # a ui string's value too
    # escaping still applies to clipped and whole values alike
    assert r.html.from_string("{{ a }}{{ b|whole }}").render(a="<" * 600, b="&") == "&lt;" * 499 + "…&amp;"
