"""Good-practice write-ups in STAR form, as plain text (to paste into Ruang GTK, dulu PMM), PDF, or a
Word document (DOCX) the teacher can keep editing.

Two readings are in circulation and both use the same four slots:

- ``"star"``: Situation – Task – Action – Result;
- ``"stta"``: Situasi – Tantangan – Aksi – Refleksi (hasil dan dampak).

Labels come from the ``[star]`` section of ``messages/<locale>/cycle.toml``, handed in as the cycle's texts
(``domain.cycle.core.CycleTexts``, loaded by ``bot.render.cycle_texts``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import matplotlib
from fpdf import FPDF

from domain.cycle.core import CycleTexts

READINGS = ("star", "stta")
SLOTS = ("situation", "task", "action", "result")
EMPTY = "—"

# Control and invisible characters, and what XML (so DOCX) cannot hold: lone surrogates, U+FFFE/U+FFFF.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]")
# Characters outside the Basic Multilingual Plane (emoji etc.) are not in DejaVu Sans.
_ASTRAL_RE = re.compile(r"[\U00010000-\U0010ffff]")


class StarError(ValueError):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True, slots=True)
class StarStory:
    title: str
    author: str
    school: str
    situation: str
    task: str
    action: str
    result: str
    reading: Literal["star", "stta"] = "star"
    photos: tuple[bytes, ...] = ()  # evidence photos of the cycle (JPEG/PNG), shown after the text


@dataclass(frozen=True, slots=True)
class StarLabels:
    heading: str  # "Praktik Baik" / "Good practice"
    evidence: str  # "Bukti (foto)" — above the photos
    author: str
    school: str
    reading_name: str
    slots: dict[str, str]  # slot → label
    prompts: dict[str, str]  # slot → prompt asking the teacher for that field


def star_labels(reading: str, texts: CycleTexts) -> StarLabels:
    if reading not in READINGS:
        raise StarError("bad_reading", str(reading))
    raw = texts["star"]
    r = raw[reading]
    return StarLabels(
        heading=raw["title"],
        evidence=raw["evidence"],
        author=raw["author"],
        school=raw["school"],
        reading_name=r["name"],
        slots={s: r[s] for s in SLOTS},
        prompts={s: r[f"{s}_prompt"] for s in SLOTS},
    )


def _clean(text: str | None) -> str:
    """Normalise line endings, drop control characters, trim each line and blank-line runs."""
    s = _CONTROL_RE.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    lines = [" ".join(line.split()) for line in s.split("\n")]
    out = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return out


def _sections(story: StarStory, texts: CycleTexts) -> tuple[StarLabels, list[tuple[str, str]]]:
    labels = star_labels(story.reading, texts)
    return labels, [(labels.slots[s], _clean(getattr(story, s)) or EMPTY) for s in SLOTS]


def star_text(story: StarStory, texts: CycleTexts) -> str:
    """Plain text, one heading per slot, ready to paste into Ruang GTK (dulu PMM)."""
    labels, sections = _sections(story, texts)
    head = [f"{labels.heading}: {_clean(story.title) or EMPTY}"]
    byline = [
        f"{lbl}: {val}"
        for lbl, val in ((labels.author, _clean(story.author)), (labels.school, _clean(story.school)))
        if val
    ]
    if byline:
        head.append(" — ".join(byline))
    head.append(f"({labels.reading_name})")
    body = [f"{lbl}\n{val}" for lbl, val in sections]
    return "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n"


@lru_cache(maxsize=1)
def _font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _pdf_safe(text: str) -> str:
    return re.sub(r"(?<=\S) {2,}", " ", _ASTRAL_RE.sub("", text)).strip()


def star_pdf(story: StarStory, texts: CycleTexts) -> bytes:
    """An A4 PDF with a Unicode font (DejaVu Sans), localized headings, word-wrapped text."""
    labels, sections = _sections(story, texts)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    fonts = _font_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    title = _pdf_safe(_clean(story.title)) or EMPTY
    pdf.set_title(title)
    if story.author:
        pdf.set_author(_pdf_safe(_clean(story.author)))
    pdf.set_creator("Kombel Bot")
    pdf.add_page()

    def para(text: str, size: float, style: str = "", gap: float = 2) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_text_color(90, 90, 90)
    para(labels.heading.upper(), 9, gap=1)
    pdf.set_text_color(0, 0, 0)
    para(title, 16, "B", gap=2)
    for lbl, val in ((labels.author, story.author), (labels.school, story.school)):
        val = _pdf_safe(_clean(val))
        if val:
            para(f"{lbl}: {val}", 10, gap=0.5)
    pdf.set_text_color(90, 90, 90)
    para(labels.reading_name, 9, gap=5)
    pdf.set_text_color(0, 0, 0)
    for lbl, val in sections:
        para(lbl, 12, "B", gap=1)
        para(_pdf_safe(val), 11, gap=5)
    if story.photos:
        para(labels.evidence, 12, "B", gap=1)
    for photo in story.photos:
        try:
            pdf.image(io.BytesIO(photo), w=120)
            pdf.ln(4)
        except Exception:  # noqa: BLE001 - a photo that is not an image is left out, never the write-up
            continue
    return bytes(pdf.output())


def star_docx(story: StarStory, texts: CycleTexts) -> bytes:
    """The same write-up as a Word document: the title as a heading, one heading per slot, the teacher's
    paragraphs as paragraphs (Word's own styles, so it can be edited and restyled freely)."""
    from docx import Document  # imported on first use: python-docx brings lxml, ~6 MB the bot rarely needs
    from docx.shared import Pt, RGBColor

    labels, sections = _sections(story, texts)
    doc = Document()
    title = _clean(story.title) or EMPTY
    doc.core_properties.title = title
    doc.core_properties.author = _clean(story.author)
    doc.core_properties.comments = "Kombel Bot"
    grey = RGBColor(90, 90, 90)

    def small(text: str) -> None:
        run = doc.add_paragraph().add_run(text)
        run.font.size = Pt(9)
        run.font.color.rgb = grey

    small(labels.heading.upper())
    doc.add_heading(title, level=1)
    for lbl, val in ((labels.author, story.author), (labels.school, story.school)):
        if _clean(val):
            doc.add_paragraph(f"{lbl}: {_clean(val)}")
    small(labels.reading_name)
    for lbl, val in sections:
        doc.add_heading(lbl, level=2)
        for para in val.split("\n\n"):  # a single line break stays a line break inside the paragraph
            doc.add_paragraph(para)
    from docx.shared import Inches

    if story.photos:
        doc.add_heading(labels.evidence, level=2)
    for photo in story.photos:
        try:
            doc.add_picture(io.BytesIO(photo), width=Inches(4.5))
        except Exception:  # noqa: BLE001 - a photo that is not an image is left out, never the write-up
            continue
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- a draft from the cycle ----------------------------------------------------------------------------
DRAFT_MIN_WORDS, DRAFT_MAX_WORDS = 150, 300
ANSWER_MAX_WORDS = 45


def words(text: str) -> int:
    return len(text.split())


def clip_words(text: str, n: int) -> str:
    parts = " ".join(text.split()).split(" ")
    return " ".join(parts) if len(parts) <= n else " ".join(parts[:n]).rstrip(",.;:") + " …"


def fit_draft(heads: dict[str, str], answers: dict[str, list[str]], *, low: int = DRAFT_MIN_WORDS,
              high: int = DRAFT_MAX_WORDS, per_slot: int = 3) -> dict[str, str]:
    """The four slots of a draft: each slot's head (facts from the cycle), then answers from the cycle (each
    clipped to ANSWER_MAX_WORDS, at most `per_slot` per slot, in the given order: the writer's own first),
    added round-robin over the slots while the whole stays under `high` words. Between `low` and `high`
    words when the cycle has enough to say (a test pins the demo's)."""
    out = {s: [heads.get(s, "").strip()] for s in SLOTS}
    total = sum(words(h) for h in heads.values())
    queues = {s: [clip_words(a, ANSWER_MAX_WORDS) for a in answers.get(s, []) if a.strip()] for s in SLOTS}

    def take(until: int, cap: int | None) -> int:
        nonlocal total
        progress = True
        while progress and total < until:
            progress = False
            for s in SLOTS:
                if not queues[s] or (cap is not None and len(out[s]) - 1 >= cap):
                    continue
                if total + words(queues[s][0]) > high:
                    queues[s] = []
                    continue
                out[s].append(queues[s].pop(0))
                total += words(out[s][-1])
                progress = True
        return total

    take(high, per_slot)  # up to `per_slot` answers a slot
    take(low, None)  # more only when the draft is still short
    return {s: "\n\n".join(p for p in parts if p) for s, parts in out.items()}


# -- jenjang / fase / mapel -------------------------------------------------------------------------
# One tap sets both the school level (jenjang) and the phase (fase) of the Kurikulum Merdeka.
LEVELS: dict[str, tuple[str, str]] = {
    "paud": ("PAUD", "Fondasi"), "sd_a": ("SD", "A"), "sd_b": ("SD", "B"), "sd_c": ("SD", "C"),
    "smp_d": ("SMP", "D"), "sma_e": ("SMA/SMK", "E"), "sma_f": ("SMA/SMK", "F"),
}
SUBJECT_MAX = 60


def level_facts(settings: Mapping[str, Any]) -> dict[str, str | None]:
    """The community's jenjang, fase and mapel from its settings (each None when not given)."""
    code = settings.get("level")
    jenjang, fase = LEVELS.get(code, (None, None)) if isinstance(code, str) else (None, None)
    subject = settings.get("subject")
    return {"jenjang": jenjang, "fase": fase, "mapel": subject if isinstance(subject, str) and subject else None}

