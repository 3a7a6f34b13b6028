"""Indonesian throughout the Indonesian locale (issue 14): no English word from a short list appears in any
Indonesian template or ui string — "Set-up" is "Pengaturan", "Survei pulse" is "Cek mingguan".

Every `messages/id/**/*.j2` is checked in all its branches: the template's own text, with the Jinja tags (data
filled in at run time), HTML tags and `<code>`/`<pre>` examples (commands as typed, e.g. `/survei pulse`) left
out; every string in `messages/id/*.toml` likewise (question keys and item kinds are identifiers, not text).
A second test renders every Indonesian template with a lenient context and checks what comes out."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from jinja2 import ChainableUndefined

from bot.render import Renderer

ROOT = Path(__file__).resolve().parent.parent / "messages" / "id"
# English words an Indonesian teacher must not meet in the bot's own sentences.
ENGLISH = {"set-up", "setup", "pulse", "survey", "summary", "digest", "reminder", "meeting", "weekly", "check-in",
           "checkin", "tip", "feedback", "deadline", "settings", "reply", "general", "report", "welcome", "please",
           "the", "and", "edit", "gain", "week", "today", "tomorrow", "cancel", "done", "members"}
IDENTIFIER_FIELDS = {"key", "kind", "optional", "min", "max", "correct"}
_TAGS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_EXAMPLES = re.compile(r"<code>.*?</code>|<pre>.*?</pre>", re.S)
_HTML = re.compile(r"<[^>]+>")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def english_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+(?:-[a-z]+)*", text.lower()) if w in ENGLISH}


def template_texts():
    for path in sorted(ROOT.rglob("*.j2")):
        text = _HTML.sub(" ", _EXAMPLES.sub(" ", _TAGS.sub(" ", path.read_text(encoding="utf-8"))))
        yield str(path.relative_to(ROOT)), text


def toml_texts():
    def walk(value, where):
        if isinstance(value, dict):
            for k, v in value.items():
                if k not in IDENTIFIER_FIELDS:
                    yield from walk(v, f"{where}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                yield from walk(v, f"{where}[{i}]")
        elif isinstance(value, str):
            yield where, _PLACEHOLDER.sub(" ", _EXAMPLES.sub(" ", _TAGS.sub(" ", value)))

    for path in sorted(ROOT.glob("*.toml")):
        yield from walk(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


def test_no_english_word_in_the_indonesian_templates_and_strings():
    found = {where: english_words(text) for where, text in [*template_texts(), *toml_texts()]}
    found = {where: words for where, words in found.items() if words}
    assert found == {}
    assert len(list(template_texts())) > 100 and len(list(toml_texts())) > 300  # (the walk finds them all)


def test_the_check_itself_finds_english():
    assert english_words("⚙️ <b>Set-up 1/6.</b> Survei pulse; Tip: reply") == {"set-up", "pulse", "tip", "reply"}
    assert english_words("Pengaturan 1/6. Cek mingguan; Saran: balas") == set()


def test_every_indonesian_template_rendered_says_no_english_word():
    renderer = Renderer(Path(__file__).resolve().parent.parent / "messages")
    env = renderer.html.overlay(undefined=ChainableUndefined)
    rendered = 0
    for path in sorted(ROOT.rglob("*.j2")):
        if path.name.startswith("_"):
            continue  # macros, rendered through the templates that import them
        name = f"id/{path.relative_to(ROOT).as_posix()}"
        try:
            text = env.get_template(name).render()
        except Exception:  # a filter that needs a real value: the source check above covers this template
            continue
        rendered += 1
        assert not english_words(_HTML.sub(" ", _EXAMPLES.sub(" ", text))), (name, text)
    assert rendered > 100


async def test_a_members_name_is_never_among_the_stage_themes(sim):
    from tests.conftest import ANI, BUDI, CITRA, GROUP, PIC, onboard

    await onboard(sim)
    await sim.say(GROUP, PIC, "/siklus mulai literasi kelas 4: 40% → 70% tuntas")

    c = await sim.services.repos.communities.by_chat(GROUP)
    repo = sim.services.repos.cycle.cycles
    stage = (await repo.stages((await repo.active(c.id)).id))[0]
    card = stage.header_message_id  # the stage is one card with numbered questions: "N. …" replies answer it
    assert card is not None and len(stage.questions) >= 3
    await sim.say(GROUP, ANI, "1. Murid Citra kesulitan membaca pemahaman; Bu Sari memakai kartu kata.", reply_to=card)
    await sim.say(GROUP, BUDI, "1. Citra dan Ani mencoba kartu kata, membaca pemahaman masih lemah.", reply_to=card)
    await sim.say(GROUP, CITRA, "2. Seperti kata Ani: membaca pemahaman perlu kartu kata, seperti kelas Sari.",
                  reply_to=card)
    assert await repo.answered_count(stage.id) == 3
    await sim.say(GROUP, PIC, "/siklus lanjut")
    if "Ya, tutup tahap ini" in str(sim.fake.buttons(sim.last(GROUP))):
        await sim.tap(GROUP, sim.last(GROUP)["message_id"], PIC, "Ya, tutup tahap ini")
    synthesis = sim.fake.edits(GROUP, card)[-1]  # the stage's results are edited onto its card
    assert "Rangkuman tahap" in synthesis
    themes = next(line for line in synthesis.splitlines() if line.startswith("Tema yang sering muncul"))
    assert "membaca pemahaman" in themes and "kartu" in themes
    for name in ("ani", "citra", "sari", "rahma"):
        assert name not in re.findall(r"[a-z]+", themes.lower()), themes
