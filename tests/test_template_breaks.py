"""Templates keep their line breaks. The renderer uses `trim_blocks`: a block tag at the end of a line eats
the newline after it, so a line that prints text and ends with `{% endif %}` glues the next line to it
("indeks 72,6Rerata peran", "Pilih satu jawaban.Jawaban Anda sekarang"). Such a line must end with `+%}`.
A rendered check backs the static one on the templates that had the fault."""

from __future__ import annotations

import re
from pathlib import Path

from bot.render import Renderer

ROOT = Path(__file__).resolve().parents[1] / "messages"
TAG = re.compile(r"\{%.*?%\}")
CLOSES_BRANCH = re.compile(r"^\s*\{%-|^\s*\{%\s*(else|elif|endif|endfor|endmacro|macro)\b")
GLUED = re.compile(r"(?:\d|</\w+>)(?:[A-Za-z]{3,}|<[bi]>)")


def lost_breaks(text: str) -> list[int]:
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines[:-1]):
        s = line.rstrip()
        if not s.endswith("%}") or s.endswith(("+%}", "-%}")) or s.endswith("{% endmacro %}"):
            continue
        if not re.sub(r"\{#.*?#\}", "", TAG.sub("", s)).strip():
            continue  # a line of tags only prints nothing: eating its newline is intended
        if not lines[i + 1].strip() or CLOSES_BRANCH.match(lines[i + 1]):
            continue
        out.append(i + 1)
    return out


def test_no_template_loses_a_line_break():
    found = {str(p.relative_to(ROOT)): lost_breaks(p.read_text(encoding="utf-8")) for p in ROOT.rglob("*.j2")}
    assert {k: v for k, v in found.items() if v} == {}


def test_the_check_finds_the_fault():
    assert lost_breaks("Indeks {{ x }}{% if y %} ok{% endif %}\n<i>Rerata</i>\n") == [1]
    assert lost_breaks("Indeks {{ x }}{% if y %} ok{% endif +%}\n<i>Rerata</i>\n") == []
    assert lost_breaks("{% if y %}\nA\n{% endif %}\nB\n") == []


def test_rendered_survey_item_keeps_its_lines():
    r = Renderer(ROOT)
    for loc in ("id", "en"):
        text = r.render(loc, "surveys/answer/item", number=1, total=3, survey={"title": "Cek", "individual": False},
                        current="Ya",
                        item={"text": "Apakah?", "kind": "choice", "optional": False}, private=True)
        assert len(text.splitlines()) == 5 and not GLUED.search(text) and "</b>\n🔒" in text, text
