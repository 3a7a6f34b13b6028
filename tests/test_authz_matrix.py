"""Authorization matrix (issue 7): every registered command (from `services.commands`) with representative
sub-commands, and every button family (callback data harvested from what the bot sent), × actors {member,
PIC, principal, stranger, member of ANOTHER community} × {group, private}.

Expectations come from explicit tables below (audience and place per sub-command / button family); a
command or button family missing from them fails the test, so new ones must be classified.
- A cell that must not act leaves every table (except users, processed_updates, flows, outbox) unchanged.
- A cell that may act is not answered with a refusal.
- Nothing reads another community's data: no reply or alert to the other community's member holds
  community A's distinctive names, topics, places or answers."""

from __future__ import annotations

from tests.conftest import ANI, BUDI, GROUP, KEPSEK, PIC, STRANGER, onboard

OTHER, PIC_B, GROUP_B = 198, 197, -1009876543210
A_SECRETS = ("Mataram", "alfa-unik", "Aula-Alfa")
ACTORS = {"member": ANI, "pic": PIC, "principal": KEPSEK, "stranger": STRANGER, "other": OTHER}
ROLES = {"member": {"member"}, "pic": {"pic", "member"}, "principal": {"principal"}, "stranger": set(),
         "other": set()}
REFUSALS = ("hanya PIC komunitas yang bisa", "belum terdaftar di komunitas ini", "belum tahu komunitas Anda",
            "hanya bisa dipakai di grup", "hanya bisa dipakai di chat pribadi")
SKIP_TABLES = {"users", "processed_updates", "flows", "outbox", "schema_migrations", "sqlite_sequence"}

# command (English name) -> [(arguments, audience in group A, audience in private)]. Audiences: anyone (no
# community needed) | community (anyone with a tie to the community: in its group, or in private a member,
# PIC or principal) | member | pic | principal | pic_or_principal | None (must not act there).
# "@reply" in the arguments: sent as a reply to Budi's message.
COMMANDS: dict[str, list[tuple[str, str | None, str | None]]] = {
    "start": [("", "anyone", "anyone")],
    "help": [("", "anyone", "anyone")],
    "cancel": [("", "anyone", "anyone")],
    "join": [("", "anyone", "community")],
    "language": [("", "pic", "anyone")],
    "community": [("", None, "anyone")],
    "pic": [("", "pic", None), ("tambah @reply", "pic", None)],
    "principal": [("daftar", "pic", "pic"), ("", "pic", "pic")],
    "setup": [("", "pic", None), ("topik", "pic", None), ("topik umum", "pic", None)],
    "privacy": [("", "anyone", "anyone")],
    "mydata": [("", None, "anyone")],
    "deletemydata": [("", None, "anyone")],
    "deletecommunity": [("", "pic", None)],
    "summary": [("", "pic", None), ("off", "pic", None)],
    "report": [("", "pic", "pic_or_principal")],
    "digest": [("", None, "principal")],
    "anonymous": [("off", "member", "member")],
    "schedule": [("", "anyone", "community"), ("Kamis 15:00 60 Aula-Baru", "pic", "pic"),
                 ("batal 26/11 x", "pic", "pic")],
    "offday": [("", "pic", "pic"), ("1/12 rapat dinas", "pic", "pic")],
    "attendance": [("", "pic", "pic")],
    "target": [("", "pic", "pic"), ("8 jam per bulan", "pic", "pic")],
    "log": [("30 menit membaca modul", "member", "member"), ("", "member", "member")],
    "hours": [("", "member", "member")],
    "cycle": [("", "member", "member"), ("mulai numerasi: 30 → 60", "pic", None), ("lanjut", "pic", "pic")],
    "journal": [("", "member", "member"), ("masalah", "pic", "pic")],
    "rtl": [("", "member", "member"), ("tambah Uji coba kartu baca; Ani; 15/12; skor", "member", "member")],
    "goodpractice": [("", "member", "member")],
    "survey": [("", "member", "member"), ("pulse", "pic", "pic"), ("tutup 1", "pic", "pic")],
    "agreement": [("", "member", "member"), ("tulis", "pic", "pic"), ("tim", "pic", "pic")],
    "activity": [("", "pic", "pic"), ("daftar", "pic", "pic")],
    "map": [("", "member", "member"), ("buka", "pic", None), ("tutup", "pic", "pic")],
    "groups": [("", "member", "member"), ("tambah Kelas-beta", "pic", "pic")],
    "observe": [("", "member", "member"), ("4B; 26/11 10:00; fokus-beta", "member", None)],
}

# callback family (or family:first argument) -> (audience in group A, audience in private), as above
BUTTONS: dict[str, tuple[str | None, str | None]] = {
    "jn": ("anyone", "community"),
    "lg": ("pic", "anyone"),
    "cm": (None, "anyone"),
    "su": ("pic", None),
    "pr": ("pic", "pic"),
    "sc": ("member", "member"),
    "rv": ("member", "member"),
    "sv": ("member", "member"),
    "cy": ("member", "member"),
    "rt": ("member", "member"),
    "gp": ("member", "member"),
    "jr": ("member", "member"),
    "jl": ("member", "member"),  # journal loop: the entry's own buttons (its writer only), card votes
    "jl:x": ("pic", None),
    "rp": ("pic", "pic_or_principal"),
    "pv": ("pic", "anyone"),
    "ag": ("member", "member"),
    "ak": ("pic", "pic"),
    "pm": (None, "member"),  # the self-assessment form lives in private
    "kg": ("member", "member"),
    "ob": ("member", None),
    # sub-families that differ from their family
    "sc:new": ("pic", "pic"),
    "cy:adv": ("pic", "pic"),
    "cy:no": ("pic", "pic"),
    "ag:t": ("pic", "pic"),
}


def button_audiences(data: str) -> tuple[str | None, str | None]:
    prefix, _, rest = data.partition(":")
    return BUTTONS.get(f"{prefix}:{rest.split(':')[0]}") or BUTTONS[prefix]


def allowed(audience: str | None, actor: str, place: str) -> bool:
    roles = ROLES[actor]
    if audience is None:
        return False
    if audience == "anyone":
        return True
    if audience == "community":
        return place == "group" or bool(roles)
    if audience == "pic_or_principal":
        return bool(roles & {"pic", "principal"})
    return audience in roles


async def snapshot(sim) -> dict[str, list]:
    db = sim.services.db
    tables = sorted(set(await db.table_names()) - SKIP_TABLES)

    if db.dialect == "postgres":  # every table in one statement: one round trip, not one per table
        row = await db.fetchone("SELECT " + ", ".join(
            f"ARRAY(SELECT row_to_json(x)::text FROM {t} x)" for t in tables))  # a row's every column, as text
        return {t: sorted(rows) for t, rows in zip(tables, row, strict=True)}

    def read(conn):  # every table in one call
        return {t: sorted(tuple(r) for r in conn.execute(f"SELECT * FROM {t}").fetchall()) for t in tables}

    return await db.run(read)


def diff(before: dict, after: dict) -> list[str]:
    return [t for t in after if before.get(t) != after[t]]


async def world(sim):
    f = sim.fake
    welcome = await onboard(sim, members=(PIC, ANI, BUDI))  # the PIC teaches too: a member as well
    f.user(OTHER, "Lain", last_name="Komunitas")
    f.user(PIC_B, "Beta")
    f.group(GROUP_B, "Kombel Beta", supergroup=True, admins=[PIC_B], members=[OTHER], bot_member=False)
    await sim.deliver(f.add_bot(GROUP_B, PIC_B))
    await sim.tap(GROUP_B, f.last_bot_message(GROUP_B)["message_id"], OTHER, "Guru kelas")
    for u in (PIC, ANI, KEPSEK, OTHER):
        await sim.say(u, u, "/start")
    await sim.say(GROUP, PIC, "/kepsek")
    token = sim.last_text(PIC).split("?start=p", 1)[1].split()[0]
    await sim.say(KEPSEK, KEPSEK, f"/start p{token}")
    await sim.say(GROUP, PIC, "/jadwal Kamis 14:00 90 Aula-Alfa")
    await sim.say(GROUP, PIC, "/target 8 jam per bulan")
    await sim.say(GROUP, PIC, "/siklus mulai literasi-alfa-unik: 40% → 70% tuntas")
    prompt = await sim.services.db.scalar("SELECT message_id FROM cycle_prompts WHERE chat_id = ?", (GROUP,))
    await sim.say(GROUP, ANI, "1. jawaban-alfa-unik tentang membaca", reply_to=prompt)
    await sim.say(GROUP, PIC, "/survei pulse")
    await sim.say(GROUP, PIC, "/survei buat\nJudul: Cek alfa\nL: Pertemuan alfa-unik bermanfaat")  # inline card
    await sim.say(ANI, ANI, "/catat 30 menit modul alfa-unik")
    await sim.say(ANI, ANI, "/rtl tambah Uji coba alfa-unik; Ani; 26/11; skor")  # reminded before it is due
    await sim.say(ANI, ANI, "/jurnal tulis")
    await sim.say(ANI, ANI, "Catatan harian alfa-unik: murid kelompok 2 belum fokus")
    await sim.say(GROUP, PIC, "/kesepakatan tulis")  # an agreement to accept, a map form to fill (issue 15)
    await sim.say(GROUP, PIC, "contoh", reply_to=sim.last(GROUP)["message_id"])
    await sim.say(GROUP, PIC, "/peta buka")
    await sim.say(ANI, ANI, "/start pm_1")
    await sim.say(ANI, ANI, "/jurnal bagikan")
    await sim.say(GROUP, PIC, "/jurnal masalah")  # the weekly card: a proposal, then votes (jl:v) and the PIC's jl:x
    await sim.say(GROUP, BUDI, "1 Usulan alfa-unik", reply_to=sim.last(GROUP)["message_id"])
    await sim.say(GROUP, PIC, "/atur")
    await sim.say(GROUP, PIC, "Kombel SDN 3 Mataram", reply_to=sim.last(GROUP)["message_id"])
    await sim.say(GROUP, PIC, "/batal")
    # the principal oversees community B too, so a report asks which community (rp buttons)
    await sim.say(PIC_B, PIC_B, "/start")
    await sim.say(GROUP_B, PIC_B, "/kepsek")
    token_b = sim.last_text(PIC_B).split("?start=p", 1)[1].split()[0]
    await sim.say(KEPSEK, KEPSEK, f"/start p{token_b}")
    await sim.say(KEPSEK, KEPSEK, "/laporan")
    await sim.say(GROUP, PIC, "/ringkasan")
    await sim.say(GROUP, PIC, "/kelompok tambah Kelas-alfa-unik")
    await sim.say(GROUP, PIC, "/kelompok")
    await sim.say(GROUP, PIC, "/amati 4A; 25/11 09:00; fokus alfa-unik")
    sim.clock.advance(hours=29)  # Wednesday 14:00 WITA: the day-before meeting reminder with RSVP buttons
    await sim.tick()
    budi_msg = (await sim.say(GROUP, BUDI, "/bantuan"))["message"]["message_id"]
    return welcome, budi_msg


async def restore_roles(sim) -> None:
    """Acting cells may change who is who (a principal taps a role button and joins, ...): put the actors
    back in their roles so every cell is judged against the same ROLES."""
    c = await sim.services.repos.communities.by_chat(GROUP)
    async with sim.services.db.tx() as tx:
        await tx.execute("DELETE FROM members WHERE community_id = ? AND user_id IN (?, ?, ?)",
                         (c.id, KEPSEK, STRANGER, OTHER))
        await tx.execute("UPDATE members SET active = 1, pic = NULL WHERE community_id = ? AND user_id IN (?, ?)",
                         (c.id, ANI, PIC))
        await tx.execute("DELETE FROM principals WHERE community_id = ? AND user_id != ?", (c.id, KEPSEK))
        await tx.execute("INSERT INTO principals (community_id, user_id, linked_at) VALUES (?, ?, 0)"
                         " ON CONFLICT DO NOTHING", (c.id, KEPSEK))


def harvest(sim) -> dict[str, list[tuple[int, int, str]]]:
    """Callback data the bot has sent, by family: [(chat, message id, data)]."""
    f = sim.fake
    found: dict[str, list[tuple[int, int, str]]] = {}
    for chat in (GROUP, PIC, ANI, KEPSEK):
        for m in f.bot_messages(chat):
            for row in (f.reply_markup(chat, m["message_id"]) or {}).get("inline_keyboard", []):
                for b in row:
                    data = b.get("callback_data")
                    if data:
                        found.setdefault(data.split(":")[0], []).append((chat, m["message_id"], data))
    return found


def new_texts(sim, chat: int, n_before: int) -> list[str]:
    return sim.texts(chat)[n_before:]


async def test_every_command_and_button_by_every_actor_everywhere(sim):
    f = sim.fake
    _welcome, budi_msg = await world(sim)
    offered = harvest(sim)  # some buttons are gone after the commands below (a cancelled meeting's RSVP)
    registered = {c.en: c for c in sim.services.commands.commands}
    missing = set(registered) - set(COMMANDS)
    assert not missing, f"classify these commands in COMMANDS: {sorted(missing)}"
    exercised: set[str] = set()
    failures: list[str] = []
    other_heard: list[str] = []

    async def cell(label: str, actor: str, place: str, audiences: tuple, act) -> None:
        uid = ACTORS[actor]
        chat = GROUP if place == "group" else uid
        must_act: bool | None = allowed(audiences[place == "private"], actor, place)
        if actor == "other" and place == "private":
            must_act = None  # acts on their own community B: only checked for leaks of A's data
        before = await snapshot(sim)
        n = len(sim.texts(chat))
        alert = await act(chat, uid)
        after = await snapshot(sim)
        said = new_texts(sim, chat, n) + ([alert] if alert else [])
        if actor == "other":
            other_heard.extend(said if place == "private" else ([alert] if alert else []))
        if must_act is False and diff(before, after):
            failures.append(f"{label} by {actor} in {place} changed {diff(before, after)}: {said[-1:]}")
        refusals = [s for s in said if any(r in s for r in REFUSALS)]
        if must_act and refusals:
            failures.append(f"{label} by {actor} in {place} was refused: {refusals[:1]}")
        await restore_roles(sim)

    # private first, so that the stranger and the other community's member have no tie to group A yet
    for place in ("private", "group"):
        for en in registered:
            for args, in_group, in_private in COMMANDS[en]:
                for actor in ("stranger", "other", "principal", "member", "pic"):
                    reply = "@reply" in args
                    text = f"/{registered[en].id} {args.replace('@reply', '').strip()}".strip()

                    async def act(chat, uid, text=text, reply=reply):
                        await sim.say(chat, uid, text, reply_to=budi_msg if reply and chat == GROUP else None)
                        await sim.say(chat, uid, "/batal")  # leave no flow waiting for the next cell
                        return None

                    await cell(f"/{en} {args}".strip(), actor, place, (in_group, in_private), act)
        buttons = harvest(sim)  # what the bot has sent so far, including in answer to the commands above
        for prefix, presses in offered.items():
            buttons.setdefault(prefix, [])
            buttons[prefix] = list(dict.fromkeys(presses + buttons[prefix]))
        unknown = set(buttons) - set(BUTTONS)
        assert not unknown, f"classify these button families in BUTTONS: {unknown}"
        exercised |= {k for presses in buttons.values() for *_, data in presses[:3] for k in BUTTONS
                      if data == k or data.startswith(k + ":")}
        for _prefix, presses in sorted(buttons.items()):
            for src_chat, src_mid, data in presses[:3]:
                if data in ("pv:me:yes",) or data.startswith("pv:dc:"):
                    continue  # destructive confirmations: test_destructive_confirmations_only_by_their_owner
                for actor in ("stranger", "other", "principal", "member", "pic"):
                    async def act(chat, uid, data=data, src_chat=src_chat, src_mid=src_mid):
                        mid = src_mid if chat == src_chat else f.last_bot_message(chat)["message_id"]
                        upd = await sim.press(chat, mid, uid, data)
                        answer = f.callback_answer(upd["callback_query"]["id"]) or {}
                        await sim.say(chat, uid, "/batal")
                        return answer.get("text")

                    await cell(f"button {data}", actor, place, button_audiences(data), act)
    assert not failures, "\n".join(failures)
    assert exercised == set(BUTTONS), f"button families never offered: {set(BUTTONS) - exercised}"
    leaks = [s for s in other_heard if any(secret in s for secret in A_SECRETS)]
    assert not leaks, leaks
    assert other_heard  # the other community's member was answered


async def test_destructive_confirmations_only_by_their_owner(sim):
    await world(sim)
    f = sim.fake
    await sim.say(GROUP, PIC, "/hapuskomunitas")
    confirm = sim.last(GROUP)
    yes = [b["callback_data"] for row in confirm["reply_markup"]["inline_keyboard"] for b in row
           if b.get("callback_data", "").startswith("pv:dc:")]
    assert yes
    before = await snapshot(sim)
    for uid in (STRANGER, OTHER, KEPSEK, ANI):
        upd = await sim.press(GROUP, confirm["message_id"], uid, yes[0])
        assert f.callback_answer(upd["callback_query"]["id"]) is not None
    assert diff(before, await snapshot(sim)) == []
    c = await sim.services.repos.communities.by_chat(GROUP)
    assert c is not None and await sim.services.repos.members.count(c.id) == 3
